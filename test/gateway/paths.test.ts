// The gateway at its public surface (real uWS, real services behind it): regression tests for defects found by
// probing it from outside (issue 17).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestbed, type Testbed } from '../support/gateway.js';

describe('gateway: malformed percent-encoding in a path', () => {
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it.each(['/ingest/heartbeat/%ZZ', '/ingest/heartbeat/%C0%AE%C0%AE', '/ingest/heartbeat/ok/%E0%A4%A', '/ingest/heartbeat/%ED%A0%80/start'])(
    'answers 400 to GET %s without authentication and keeps serving',
    async (path) => {
      for (const method of ['GET', 'POST']) {
        const res = await fetch(`${bed.url}${path}`, { method });
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ error: { code: 'malformed_path' } });
      }
      expect((await fetch(`${bed.url}/healthz`)).status).toBe(200);
      expect(bed.handlerErrors).toEqual([]);
    },
  );

  it('still decodes a well-formed escaped target', async () => {
    const res = await fetch(`${bed.url}/ingest/heartbeat/nightly%20backup?create=1`, { headers: { authorization: `Bearer ${bed.adminKey}` } });
    expect(res.status).toBe(202);
  });
});

describe('gateway: query parameters named like Object.prototype members', () => {
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it.each(['/api/maintenance?__proto__=', '/api/logs?__proto__=x', '/api/targets?constructor=1&hasOwnProperty=2'])('answers %s without a 500 (found by the fuzzer)', async (path) => {
    const res = await fetch(`${bed.url}${path}`, { headers: { authorization: `Bearer ${bed.adminKey}` } });
    expect(res.status).toBeLessThan(500);
    expect(bed.handlerErrors).toEqual([]);
  });
});
