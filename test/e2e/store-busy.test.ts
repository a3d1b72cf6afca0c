// Issue 17, item 7, through the real all-in-one process: while another connection holds SQLite's write lock
// (BEGIN IMMEDIATE), a configuration write answers 503 with Retry-After instead of freezing the process for
// 5 s and answering 500, /healthz keeps answering fast meanwhile, and the write succeeds once the lock is gone.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from '../support/system.js';
import { testRedisUrl } from '../support/redis.js';

describe('a held SQLite write lock through the real service', () => {
  let sys: RunningSystem;
  beforeAll(async () => {
    sys = await startSystem({ redisUrl: testRedisUrl(), startTimeoutMs: 50_000 });
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('answers 503 + Retry-After to a configuration write and keeps /healthz fast', async () => {
    const headers = { authorization: `Bearer ${sys.apiKey}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ name: 'locked-out', kind: 'heartbeat', heartbeat: { intervalSec: 60, graceSec: 10 } });
    const other = new Database(join(sys.dataDir, 'lightwatch.db'));
    try {
      other.exec('BEGIN IMMEDIATE');
      const write = fetch(`${sys.url}/api/targets`, { method: 'POST', headers, body });
      const health: number[] = [];
      let done = false;
      void write.finally(() => (done = true));
      while (!done) {
        const started = performance.now();
        expect((await fetch(`${sys.url}/healthz`)).status).toBe(200);
        health.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 20));
      }
      const res = await write;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toMatchObject({ error: { code: 'store_busy' } });
      expect(health.length).toBeGreaterThan(5);
      expect(Math.max(...health)).toBeLessThan(500); // was 5,018 ms
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    }
    const retried = await fetch(`${sys.url}/api/targets`, { method: 'POST', headers, body });
    expect(retried.status).toBe(201);
  });
});
