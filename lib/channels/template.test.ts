import { describe, expect, it } from 'vitest';
import { makeNotice, sampleNotice } from './notice.js';
import { MAX_OUTPUT_CHARS, renderTemplate, TemplateError, templateProblem } from './template.js';

const base = sampleNotice('k', 0);
const hostile = makeNotice('k', 'opened', [{ ...base.incident, title: '{{ 7 | times: 6 }} <img src=x onerror=alert(1)>', labels: { team: '{% raw %}' } }], 0);

describe('templates (Liquid) with hostile input', () => {
  it('renders the incident, labels, annotations and links', async () => {
    const out = await renderTemplate('{{ incident.title }} [{{ labels.severity }}] {{ annotations.summary }} {{ target.name }} {{ status }} {{ count }}', base);
    expect(out).toBe('Test notification from Lightwatch [info] This is a test notification: the channel is set up correctly. test-target firing 1');
  });

  it('data is never evaluated as template code, and HTML output is escaped', async () => {
    expect(await renderTemplate('{{ incident.title }}', hostile)).toBe('{{ 7 | times: 6 }} <img src=x onerror=alert(1)>');
    expect(await renderTemplate('{{ incident.title }}', hostile, true)).toBe('{{ 7 | times: 6 }} &lt;img src=x onerror=alert(1)&gt;');
    expect(await renderTemplate('{{ labels.team }}', hostile)).toBe('{% raw %}');
  });

  it('no prototype walk, no constructor, no process, no file access', async () => {
    for (const src of ['{{ incident.constructor }}', '{{ incident.__proto__ }}', '{{ constructor.constructor }}', '{{ process.env }}', '{{ global }}']) expect(await renderTemplate(src, base)).toBe('');
    await expect(renderTemplate('{% include "/etc/passwd" %}', base)).rejects.toThrow(TemplateError);
    await expect(renderTemplate('{% render "../../package.json" %}', base)).rejects.toThrow(TemplateError);
    await expect(renderTemplate('{% layout "x" %}', base)).rejects.toThrow(TemplateError);
  });

  it('a runaway loop or a huge string stops at the render/memory limits; output is cut', async () => {
    await expect(renderTemplate('{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}', base)).rejects.toThrow(/limit/);
    await expect(renderTemplate('{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}', base)).rejects.toThrow(/limit/);
    const out = await renderTemplate('{% for i in (1..1700) %}0123456789{% endfor %}', base);
    expect(out.length).toBe(MAX_OUTPUT_CHARS);
  });

  it('syntax errors name line and column; unknown filters are errors', () => {
    expect(templateProblem('{{ incident.title }}')).toBeNull();
    expect(templateProblem('line one\n  {% if %}')).toMatch(/^line 2, column 8: invalid value expression/);
    expect(templateProblem('{{ x | shell }}')).toMatch(/^line 1, column 1: .*undefined filter: shell/);
    expect(templateProblem('x'.repeat(9_000))).toMatch(/longer than/);
  });
});
