// Issue 17.10: a gateway run apart says not-ready while the ingest or query service behind it is unreachable,
// so a load balancer stops sending it requests it could only fail.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRedisUrl } from '../support/redis.js';
import { startSystem } from '../support/system.js';

describe('split gateway readiness', () => {
  it('is ready while ingest and query answer, and not ready once they are gone', { timeout: 120_000 }, async () => {
    const secret = 'a-test-secret-that-is-long-enough-0123456789';
    const backend = await startSystem({ redisUrl: testRedisUrl(), env: { JWT_SECRET: secret }, startTimeoutMs: 45_000 });
    const addr = `127.0.0.1:${backend.grpcPort}`;
    const gateway = await startSystem({
      command: 'gateway',
      startTimeoutMs: 45_000,
      env: { INGEST_ADDR: addr, QUERY_ADDR: addr, JWT_SECRET: secret, STORE_URL: join(backend.dataDir, 'lightwatch.db') },
    });
    try {
      const ready = await fetch(`${gateway.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { ingest: 'ok', query: 'ok' } });
      await backend.stop();
      let last: { status: number; body: unknown } = { status: 0, body: null };
      for (let i = 0; i < 100 && last.status !== 503; i++) {
        const r = await fetch(`${gateway.url}/readyz`);
        last = { status: r.status, body: await r.json() };
        if (last.status !== 503) await new Promise((r) => setTimeout(r, 100));
      }
      expect(last.status).toBe(503);
      expect(last.body).toMatchObject({ status: 'not_ready', checks: { ingest: expect.stringContaining('not reachable') as unknown, query: expect.stringContaining('not reachable') as unknown } });
    } finally {
      await gateway.kill();
      await backend.kill();
    }
  });
});
