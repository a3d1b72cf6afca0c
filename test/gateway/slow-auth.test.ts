// Issue 17.2: uWebSockets.js drops body chunks that arrive before a reader is attached, so a route that
// awaited authentication before reading its body hung whenever the credential check had to wait. Every route
// kind that has a body is exercised here with an authenticator whose store answers after 50 ms, and with a
// user's JWT (verified asynchronously), and must still get the whole body.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthStore } from '../../lib/auth/authenticator.js';
import type { Store } from '../../lib/store/port.js';
import { startTestbed, type Testbed } from '../support/gateway.js';

const testdata = (name: string): Buffer => readFileSync(new URL(`../../ingest/parse/testdata/${name}`, import.meta.url));

const slowly =
  (ms: number) =>
  (store: Store): AuthStore => ({
    findApiKeyByHash: async (hash) => {
      await new Promise((r) => setTimeout(r, ms));
      return store.findApiKeyByHash(hash);
    },
    listUsers: async (tenant) => {
      await new Promise((r) => setTimeout(r, ms));
      return store.listUsers(tenant);
    },
  });

/** fetch with a deadline: a hang fails the test with a clear message instead of the test timeout. */
async function within(url: string, init: RequestInit, ms = 5_000): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
}

describe('gateway: the body arrives while authentication waits', () => {
  let bed: Testbed;
  let jwt = '';
  beforeAll(async () => {
    bed = await startTestbed({ authStore: slowly(50), authCacheTtlMs: 0 });
    const admin = { authorization: `Bearer ${bed.adminKey}`, 'content-type': 'application/json' };
    const user = await within(`${bed.url}/api/users`, { method: 'POST', headers: admin, body: JSON.stringify({ email: 'agent@example.com', password: 'correct horse battery', scopes: ['ingest'] }) });
    expect(user.status).toBe(201);
    const login = await within(`${bed.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'agent@example.com', password: 'correct horse battery' }) });
    expect(login.status).toBe(200);
    jwt = ((await login.json()) as { token: string }).token;
    expect(jwt).toMatch(/^ey/);
  });
  afterAll(async () => {
    await bed?.close();
  });

  const key = (): Record<string, string> => ({ authorization: `Bearer ${bed.adminKey}` });

  it('POST /ingest/logs with a user JWT (ingest scope)', async () => {
    const res = await within(`${bed.url}/ingest/logs`, { method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' }, body: JSON.stringify([{ target: 'jwt-web', message: 'hello' }]) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] });
  });

  it('native ingest with a key the store looks up slowly, small and multi-chunk bodies', async () => {
    for (const n of [1, 3_000]) {
      const items = Array.from({ length: n }, (_, i) => ({ target: 'slow-web', message: `line ${i} ${'x'.repeat(40)}` }));
      const res = await within(`${bed.url}/ingest/logs`, { method: 'POST', headers: { ...key(), 'content-type': 'application/json' }, body: JSON.stringify(items) });
      expect(res.status).toBe(202);
      expect(((await res.json()) as { accepted: number }).accepted).toBe(n);
    }
  });

  // The golden Loki and Prometheus files hold deliberately bad entries: 400 naming them proves the body was read.
  it.each([
    ['/ingest/prometheus/write', 'prometheus-write.bin', 'application/x-protobuf', 400, 'snappy'],
    ['/ingest/loki/api/v1/push', 'loki-push.json', 'application/json', 400],
    ['/ingest/otlp/v1/logs', 'otlp-logs.json', 'application/json', 200],
    ['/ingest/otlp/v1/metrics', 'otlp-metrics.bin', 'application/x-protobuf', 200],
    ['/ingest/elasticsearch/_bulk', 'es-bulk-filebeat.ndjson', 'application/x-ndjson', 200],
  ] as const)('compatibility endpoint %s', async (path, file, contentType, status, encoding?: string) => {
    const headers = { ...key(), 'content-type': contentType, ...(encoding ? { 'content-encoding': encoding } : {}) };
    const res = await within(`${bed.url}${path}`, { method: 'POST', headers, body: testdata(file) });
    expect(res.status).toBe(status);
  });

  it('POST /ingest/heartbeat/{target} with a body', async () => {
    const res = await within(`${bed.url}/ingest/heartbeat/slow-cron/0?create=1`, { method: 'POST', headers: key(), body: 'backup finished\n'.repeat(100) });
    expect(res.status).toBe(202);
  });

  it('POST /api/targets with a key the store looks up slowly', async () => {
    const res = await within(`${bed.url}/api/targets`, { method: 'POST', headers: { ...key(), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'slow-api', kind: 'log' }) });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await res.json()).toMatchObject({ name: 'slow-api', kind: 'log' });
  });
});
