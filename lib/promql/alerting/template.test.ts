import { describe, expect, it } from 'vitest';
import { expandTemplate, formatGoV, humanize } from './template.js';

const data = { labels: { instance: 'host-1:9100', job: 'api' }, externalLabels: { cluster: 'eu' }, value: 1e6 };

describe('alert templates', () => {
  it('expands $labels, $value and $externalLabels as Prometheus does', () => {
    expect(expandTemplate('{{ $labels.instance }} of {{$labels.job}} is at {{ $value }}', data)).toBe('host-1:9100 of api is at 1e+06');
    expect(expandTemplate('{{ .Labels.job }}/{{ .Value }} in {{ $externalLabels.cluster }}', data)).toBe('api/1e+06 in eu');
    expect(expandTemplate('[{{ $labels.missing }}]', data)).toBe('[]');
    expect(expandTemplate('no actions', data)).toBe('no actions');
  });

  it('applies humanize and printf', () => {
    expect(expandTemplate('{{ $value | humanize }}', data)).toBe('1M');
    expect(expandTemplate('{{ humanize $value }}', { ...data, value: 0.0123 })).toBe('12.3m');
    expect(expandTemplate('{{ printf "%.2f" $value }}', { ...data, value: 3.14159 })).toBe('3.14');
    expect(expandTemplate('{{ $value | humanizePercentage }}', { ...data, value: 0.256 })).toBe('25.6%');
  });

  it("reports what it cannot expand in Prometheus's words instead of failing", () => {
    expect(expandTemplate('{{ range $labels }}x{{ end }}', data)).toMatch(/^<error expanding template: /);
  });

  it("formats values as Go's %v", () => {
    expect(formatGoV(999999)).toBe('999999');
    expect(formatGoV(1234567)).toBe('1.234567e+06');
    expect(formatGoV(0.0001)).toBe('0.0001');
    expect(formatGoV(0.00001)).toBe('1e-05');
    expect(formatGoV(0.5)).toBe('0.5');
    expect(formatGoV(NaN)).toBe('NaN');
    expect(formatGoV(-Infinity)).toBe('-Inf');
    expect(humanize(1234)).toBe('1.234k');
  });
});
