// Scrape targets end to end: a real `lightwatch all` scrapes Debian's `prometheus-node-exporter` started here, and
// its series answer PromQL at /api/prom with the job and instance labels Prometheus would give them and `up`
// at 1; a target on a dead port stores `up` 0 and opens an incident, as an HTTP check does. No clock to drive:
// a target created through the API is scraped at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/redis/local-server.js';
import type { Incident } from '../../lib/store/types.js';
import { testRedisUrl } from '../support/redis.js';
import { startSystem, type RunningSystem, waitForValue } from '../support/system.js';

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const HAVE_NODE_EXPORTER = existsSync(NODE_EXPORTER);

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

const waitFor = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => waitForValue(what, fn, timeoutMs);

describe.skipIf(!HAVE_NODE_EXPORTER)('scrape targets against a real node exporter (skipped without prometheus-node-exporter: scripts/system-packages/test.txt)', () => {
  let sys: RunningSystem;
  let exporter: ChildProcess;
  let port = 0;
  let exporterLog = '';

  beforeAll(async () => {
    port = await freePort();
    exporter = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    exporter.stderr?.on('data', (d: Buffer) => (exporterLog += d.toString()));
    await waitFor(`node exporter listening on ${port}\n${exporterLog}`, async () => ((await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => null))?.ok ? true : undefined));
    // The machine runs several suites at once: start-up is given room (a readiness wait, not a budget).
    sys = await startSystem({ redisUrl: testRedisUrl(), startTimeoutMs: 90_000 });
  }, 150_000);
  afterAll(async () => {
    if (exporter && exporter.exitCode === null) {
      const exited = new Promise((r) => exporter.once('exit', r));
      exporter.kill('SIGTERM');
      await exited;
    }
    await sys?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${sys.apiKey}` });
  const query = async (expr: string): Promise<Sample[]> => {
    const res = await fetch(`${sys.url}/api/prom/api/v1/query?${new URLSearchParams({ query: expr })}`, { headers: auth() });
    const body = (await res.json()) as { status: string; data: { result: Sample[] } };
    expect(body.status).toBe('success');
    return body.data.result;
  };
  const createTarget = async (name: string, scrape: Record<string, unknown>): Promise<string> => {
    const res = await fetch(`${sys.url}/api/targets`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ name, kind: 'scrape', scrape }) });
    const body = (await res.json()) as { id: string };
    expect(res.status).toBe(201);
    return body.id;
  };

  it('stores the exporter’s series with job and instance, and up == 1', { timeout: 120_000 }, async () => {
    await createTarget('node-local', { url: `http://127.0.0.1:${port}/metrics`, job: 'node' });
    const instance = `127.0.0.1:${port}`;
    const up = await waitFor('up of the node exporter', async () => {
      const r = await query('up{job="node"} == 1');
      return r.length > 0 ? r : undefined;
    });
    expect(up).toEqual([{ metric: { __name__: 'up', job: 'node', instance }, value: [expect.any(Number), '1'] }]);

    const build = await query('node_exporter_build_info');
    expect(build).toHaveLength(1);
    expect(build[0]?.metric).toMatchObject({ job: 'node', instance });
    const scraped = Number((await query('scrape_samples_scraped{job="node"}'))[0]?.value[1]);
    expect(scraped).toBeGreaterThan(100);
    expect(Number((await query('scrape_samples_post_metric_relabeling{job="node"}'))[0]?.value[1])).toBe(scraped);
    expect(Number((await query('scrape_duration_seconds{job="node"}'))[0]?.value[1])).toBeGreaterThan(0);
    // Every exposed sample is stored; counters keep their type for PromQL's functions.
    const stored = Number((await query('count({job="node", __name__!~"up|scrape_.*"})'))[0]?.value[1]);
    expect(stored).toBe(scraped);
    const cpu = await query('sum by (mode) (node_cpu_seconds_total{job="node"})');
    expect(cpu.map((s) => s.metric.mode)).toContain('idle');
  });

  it('a dead port gives up == 0 and opens an incident on the target', { timeout: 120_000 }, async () => {
    const dead = await freePort();
    const id = await createTarget('node-dead', { url: `http://127.0.0.1:${dead}/metrics`, job: 'dead' });
    const down = await waitFor('up of the dead target', async () => {
      const r = await query('up{job="dead"}');
      return r.length > 0 ? r : undefined;
    });
    expect(down).toEqual([{ metric: { __name__: 'up', job: 'dead', instance: `127.0.0.1:${dead}` }, value: [expect.any(Number), '0'] }]);
    const incident = await waitFor('an incident on the dead target', async () => {
      const res = await fetch(`${sys.url}/api/incidents?limit=100`, { headers: auth() });
      const items = ((await res.json()) as { items: Incident[] }).items;
      return items.find((i) => i.targetId === id && i.status === 'open');
    });
    expect(incident).toMatchObject({ title: 'SCRAPE check on node-dead: check failed: connection refused', severity: 'critical' });
    // The check result reaches the store through the persister, independently of the incident.
    const result = await waitFor('the failed check result stored', async () => {
      const checks = await fetch(`${sys.url}/api/checks?${new URLSearchParams({ target: 'node-dead', limit: '5' })}`, { headers: auth() });
      return ((await checks.json()) as { items: Array<{ body: { ok: boolean; error?: string } }> }).items[0];
    });
    expect(result.body).toMatchObject({ ok: false, error: 'connection refused' });
  });
});
