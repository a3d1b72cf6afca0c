// A real Prometheus (Debian's 2.42) with an always-firing alerting rule, its `alerting.alertmanagers` pointed
// at a real `lightwatch all` with `path_prefix: /api/am` and the API key as the Basic password: the alert
// becomes one incident (labels, annotations, startsAt) that Prometheus's re-sends do not duplicate, shows in
// the Alertmanager API with its fingerprint, and resolves when the rule stops firing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../lib/am/alerts.js';
import type { Incident } from '../../lib/store/types.js';
import { prometheusAvailable, startPrometheus } from '../support/prometheus.js';
import { testRedisUrl } from '../support/redis.js';
import { startSystem, type RunningSystem, waitForValue } from '../support/system.js';

const HAVE_PROMETHEUS = await prometheusAvailable();

const rules = (expr: string) => `groups:
  - name: lightwatch
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: ${expr}
        labels: { severity: warning, instance: web-1 }
        annotations: { summary: "web-1 is always firing", runbook: "https://runbooks/always" }
`;

describe.skipIf(!HAVE_PROMETHEUS)('Prometheus posting alerts to /api/am (skipped without prometheus: scripts/system-packages/test.txt)', () => {
  let sys: RunningSystem;
  let prom: Awaited<ReturnType<typeof startPrometheus>>;
  beforeAll(async () => {
    sys = await startSystem({ redisUrl: testRedisUrl() });
    const config = `global:
  evaluation_interval: 1s
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - path_prefix: /api/am
      api_version: v2
      basic_auth: { username: prometheus, password: ${sys.apiKey} }
      static_configs: [{ targets: ["127.0.0.1:${sys.port}"] }]
`;
    prom = await startPrometheus([], { config, files: { 'rules.yml': rules('vector(1)') }, extraArgs: ['--rules.alert.resend-delay=1s'] });
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
    await sys?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${sys.apiKey}` });
  const incidents = async (): Promise<Incident[]> => ((await (await fetch(`${sys.url}/api/incidents?limit=100`, { headers: auth() })).json()) as { items: Incident[] }).items;
  const labels = { alertname: 'AlwaysFiring', severity: 'warning', instance: 'web-1' };

  it('opens one incident for the firing alert, keeps it through re-sends, resolves it when the rule stops', async () => {
    const opened = await waitForValue('incident opened', async () => (await incidents()).find((i) => i.status === 'open')).catch(async (err: Error) => {
      const pm = (await (await fetch(`${prom.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('prometheus_notifications')).join('\n');
      const lm = (await (await fetch(`${sys.url}/metrics`)).text()).split('\n').filter((l) => /api_am|alertmanager/.test(l)).join('\n');
      const logs = await (await fetch(`${sys.url}/api/logs?limit=5`, { headers: auth() })).text();
      throw new Error(`${err.message}\nprometheus: ${prom.output().slice(-2000)}\n${pm}\nlightwatch: ${sys.output().slice(-2000)}\n${lm}\n${logs}`);
    });
    expect(opened).toMatchObject({ ruleId: `builtin:alert/${fingerprint(labels)}`, severity: 'warning', labels, annotations: { summary: 'web-1 is always firing', runbook: 'https://runbooks/always' }, title: 'AlwaysFiring on web-1: web-1 is always firing' });

    // Re-sent every second while firing: still one incident, and the Alertmanager API shows it.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await incidents()).map((i) => i.id)).toEqual([opened.id]);
    const alerts = (await (await fetch(`${sys.url}/api/am/api/v2/alerts`, { headers: auth() })).json()) as Array<{ fingerprint: string; labels: Record<string, string>; status: { state: string } }>;
    expect(alerts).toEqual([expect.objectContaining({ fingerprint: fingerprint(labels), labels, status: { state: 'active', silencedBy: [], inhibitedBy: [] } })]);

    writeFileSync(join(prom.dir, 'rules.yml'), rules('vector(1) < 0'));
    await prom.reload();
    const resolved = await waitForValue('incident resolved', async () => (await incidents()).find((i) => i.id === opened.id && i.status === 'resolved'));
    expect(resolved.resolvedAt).toBeGreaterThan(resolved.openedAt);
    expect((await incidents()).length).toBe(1);
  }, 90_000);
});
