// The all-in-one system as a user runs it: a real `lightwatch all` process, real HTTP, real Redis, the real
// SQLite store. The minimal path through the stack: POST /ingest/logs → … → GET /api/logs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from '../support/system.js';
import { testRedisUrl } from '../support/redis.js';

async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('lightwatch all (shared Redis)', () => {
  let sys: RunningSystem;
  beforeAll(async () => {
    sys = await startSystem({ redisUrl: testRedisUrl() });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('serves /healthz, /readyz and process metrics on one port', async () => {
    expect((await fetch(`${sys.url}/healthz`)).status).toBe(200);
    const ready = await (await fetch(`${sys.url}/readyz`)).json();
    expect(ready).toEqual({ status: 'ready', checks: { redis: 'ok', store: 'ok' } });
    const metrics = await (await fetch(`${sys.url}/metrics`)).text();
    expect(metrics).toMatch(/lightwatch_process_resident_memory_bytes\{service="all"\} \d+/);
    expect(metrics).toContain('lightwatch_nodejs_eventloop_lag_seconds');
  });

  it('takes a JSON array of logs and returns them from /api/logs', async () => {
    const auth = { authorization: `Bearer ${sys.apiKey}` };
    const res = await fetch(`${sys.url}/ingest/logs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify([
        { target: 'smoke-web', level: 'error', message: 'upstream timed out', ts: '2026-01-02T03:04:05Z' },
        { target: 'smoke-web', level: 'info', message: 'recovered' },
        { target: 'smoke-web', level: 'nonsense-level', message: 42, labels: 'not-an-object' },
      ]),
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; rejected: Array<{ index: number; error: string }> };
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => r.index)).toEqual([2]);
    const page = await waitFor(async () => {
      const r = await fetch(`${sys.url}/api/logs?target=smoke-web&order=asc`, { headers: auth });
      const j = (await r.json()) as { items: Array<{ tenant: string; ts: number; body: { message: string; level: string } }>; nextCursor: string | null };
      return j.items.length === 2 ? j : undefined;
    });
    expect(page.items.map((e) => e.body.message)).toEqual(['upstream timed out', 'recovered']);
    expect(page.items[0]?.ts).toBe(Date.parse('2026-01-02T03:04:05Z'));
    expect(page.items[0]?.tenant).toBe('default');
    expect(page.nextCursor).toBeNull();
  });

  it('refuses a missing key with 401 and the JSON error shape', async () => {
    const res = await fetch(`${sys.url}/ingest/logs`, { method: 'POST', body: '[]' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    const api = await fetch(`${sys.url}/api/logs`);
    expect(api.status).toBe(401);
  });

  it('serves the OpenAPI document and the dashboard', async () => {
    const doc = (await (await fetch(`${sys.url}/api/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.paths)).toContain('/api/logs');
    const page = await fetch(`${sys.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Lightwatch</title>');
  });
});

/** redis-server rewrites its process title to `redis-server 127.0.0.1:<port>`; the port is in our start log. */
function redisPattern(output: string): string {
  const m = /"port":(\d+),"dir":"[^"]*","msg":"started local redis-server/.exec(output);
  if (!m) throw new Error(`no local redis-server start in the log:\n${output}`);
  return `redis-server 127.0.0.1:${m[1]}$`;
}

function running(pattern: string): boolean {
  return spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).stdout.trim() !== '';
}

describe('lightwatch all (its own redis-server)', () => {
  it('starts its own redis-server with AOF under DATA_DIR, and SIGTERM stops it and exits 0', async () => {
    const sys = await startSystem({ keepData: true, env: { LOG_LEVEL: 'info' } });
    try {
      expect((await fetch(`${sys.url}/healthz`)).status).toBe(200);
      const pattern = redisPattern(sys.output());
      expect(running(pattern)).toBe(true);
      expect(existsSync(join(sys.dataDir, 'redis', 'appendonlydir'))).toBe(true);
      expect(await sys.stop()).toBe(0);
      expect(running(pattern)).toBe(false);
    } finally {
      await sys.kill();
    }
  });

  it('leaves no redis-server behind even when killed with SIGKILL', async () => {
    const sys = await startSystem({ keepData: true, env: { LOG_LEVEL: 'info' } });
    const pattern = redisPattern(sys.output());
    expect(running(pattern)).toBe(true);
    await sys.kill('SIGKILL');
    await waitFor(async () => (running(pattern) ? undefined : true), 5_000);
  });
});
