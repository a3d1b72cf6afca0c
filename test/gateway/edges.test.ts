// Issue 17.10 and 17.11 at the public surface: /api refuses invalid UTF-8 as /ingest does, a heartbeat ping
// cannot create a target the API would refuse, and every Elasticsearch-compatible answer names the product.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestbed, type Testbed } from '../support/gateway.js';

/** GET with the path sent exactly as given (fetch would collapse `%2E` segments before sending). */
function rawGet(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = request({ hostname, port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway edges', () => {
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed();
  });
  afterAll(async () => {
    await bed?.close();
  });
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${bed.adminKey}` });

  it('refuses an /api body that is not valid UTF-8 with 400 invalid_utf8, as /ingest does', async () => {
    const body = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('","kind":"log"}')]);
    const api = await fetch(`${bed.url}/api/targets`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body });
    expect(api.status).toBe(400);
    expect(await api.json()).toMatchObject({ error: { code: 'invalid_utf8' } });
    const ingest = await fetch(`${bed.url}/ingest/logs`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]) });
    expect(ingest.status).toBe(400);
    expect(await ingest.json()).toMatchObject({ error: { code: 'invalid_utf8' } });
    expect((await fetch(`${bed.url}/api/targets?name=x`, { headers: auth() })).status).toBeLessThan(500);
  });

  it.each(['%2E', '%2E%2E', '%20..%20', 'a%00b', 'tab%09name'])('a ping with ?create=1 for target %s is refused and creates nothing', async (name) => {
    const res = await rawGet(bed.url, `/ingest/heartbeat/${name}?create=1`, auth());
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_target_name' } });
    const list = (await (await fetch(`${bed.url}/api/targets`, { headers: auth() })).json()) as { items: Array<{ name: string }> };
    expect(list.items.map((t) => t.name)).not.toContain(decodeURIComponent(name).trim());
  });

  it.each(['.', '..', ' .. '])('the API refuses the target name %j too', async (name) => {
    const res = await fetch(`${bed.url}/api/targets`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ name, kind: 'log' }) });
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain('cannot be addressed in a URL path');
  });

  it('every Elasticsearch-compatible answer carries X-Elastic-Product: Elasticsearch', async () => {
    const bulk = '{"index":{"_index":"logs"}}\n{"message":"hello","@timestamp":"2026-01-01T00:00:00Z"}\n';
    const answers = [
      await fetch(`${bed.url}/ingest/elasticsearch/_bulk`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/x-ndjson' }, body: bulk }),
      await fetch(`${bed.url}/ingest/elasticsearch/logs/_bulk`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/x-ndjson' }, body: bulk }),
      await fetch(`${bed.url}/ingest/elasticsearch/_bulk`, { method: 'POST', body: bulk }),
      await fetch(`${bed.url}/ingest/elasticsearch/_bulk`, { method: 'POST', headers: auth(), body: 'not json\n' }),
      await fetch(`${bed.url}/ingest/elasticsearch`),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 401, 415, 200]);
    for (const a of answers) expect(a.headers.get('x-elastic-product')).toBe('Elasticsearch');
  });
});
