// A tenant admin's pathological regular expression cannot freeze Lightwatch for the other tenants (issue 17,
// item 3): through the real all-in-one process, a log_pattern rule `^(a+)+$` meets the log lines that make a
// backtracking engine run for seconds (28 × a + !) or forever (10,000 × a + !), while another tenant's
// requests keep being answered within a bound. The detector really evaluates them: a later matching line
// opens the incident.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from '../support/system.js';
import { testRedisUrl } from '../support/redis.js';

/** Generous for a loaded 2-core machine; the backtracking engine took 1.2 s for 28 characters and doubles per character. */
const BYSTANDER_BOUND_MS = 750;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes, read by the assertions
type Json = any;

describe('a catastrophic pattern through the real service', () => {
  let sys: RunningSystem;
  beforeAll(async () => {
    sys = await startSystem({ redisUrl: testRedisUrl(), startTimeoutMs: 50_000 });
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
  });

  const call = async (key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${sys.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  };

  it("does not stall another tenant's requests, and the rule still works", async () => {
    const tenant = await call(sys.apiKey, 'POST', '/api/tenants', { id: 'regex-attacker', name: 'Attacker' });
    expect(tenant.status).toBe(201);
    const evilKey = tenant.body.adminKey.key as string;
    expect((await call(evilKey, 'POST', '/api/targets', { name: 'warm-up', kind: 'log' })).status).toBe(201);
    const victim = await call(evilKey, 'POST', '/api/targets', { name: 'victim-app', kind: 'log' });
    expect(victim.status).toBe(201);
    const rule = await call(evilKey, 'POST', '/api/rules', { name: 'evil', kind: 'log_pattern', params: { pattern: '^(a+)+$', count: 1 } });
    expect(rule.status).toBe(201);
    const incidentCount = async (): Promise<number> => ((await call(evilKey, 'GET', '/api/incidents')).body.items as unknown[]).length;
    // The detector has loaded the rule once a matching line on another target opens an incident.
    const loadedBy = Date.now() + 20_000;
    while ((await incidentCount()) === 0) {
      expect(Date.now()).toBeLessThan(loadedBy);
      expect((await call(evilKey, 'POST', '/ingest/logs', [{ target: 'warm-up', message: 'aaaa' }])).status).toBe(202);
      await new Promise((r) => setTimeout(r, 200));
    }

    const lines = [];
    for (let i = 0; i < 20; i++) lines.push({ target: 'victim-app', level: 'error', message: `${'a'.repeat(28 + i)}!` });
    for (let i = 0; i < 5; i++) lines.push({ target: 'victim-app', level: 'error', message: `${'a'.repeat(10_000)}!` });
    const pushed = await call(evilKey, 'POST', '/ingest/logs', lines);
    expect(pushed.status).toBe(202);
    expect(pushed.body.accepted).toBe(lines.length);
    expect((await call(evilKey, 'POST', '/ingest/logs', [{ target: 'victim-app', level: 'error', message: 'aaaa' }])).status).toBe(202);

    const latencies: number[] = [];
    let opened = false;
    const deadline = Date.now() + 20_000;
    while (!opened && Date.now() < deadline) {
      const started = performance.now();
      const res = await call(sys.apiKey, 'POST', '/ingest/logs', [{ target: 'bystander', message: 'still here' }]);
      latencies.push(performance.now() - started);
      expect(res.status).toBe(202);
      opened = (await incidentCount()) === 2;
    }
    expect(opened).toBe(true);
    expect(Math.max(...latencies)).toBeLessThan(BYSTANDER_BOUND_MS);
    const incidents = (await call(evilKey, 'GET', '/api/incidents')).body.items as Array<{ id: string; targetId: string }>;
    const onVictim = incidents.filter((i) => i.targetId === victim.body.id);
    expect(onVictim).toHaveLength(1);
    const incident = await call(evilKey, 'GET', `/api/incidents/${onVictim[0]?.id}`);
    expect(incident.body.timeline[0].evidence).toHaveLength(1); // only the line "aaaa" matched
  }, 40_000);
});
