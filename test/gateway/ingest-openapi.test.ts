// Issue 17.11: the /ingest paths the OpenAPI document lists are exactly the ones the real gateway serves.
// Each documented operation, asked without a credential, reaches its route (401, or the Elasticsearch probe's
// 200), never the 404 of an unknown ingest path; a path the document does not list gets that 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestbed, type Testbed } from '../support/gateway.js';

const SAMPLE: Record<string, string> = { target: 'nightly-backup', suffix: 'start', index: 'logs', secret: 'not-a-key' };

describe('/ingest in the OpenAPI document', () => {
  let bed: Testbed;
  let paths: Record<string, Record<string, unknown>>;
  beforeAll(async () => {
    bed = await startTestbed();
    paths = ((await (await fetch(`${bed.url}/api/openapi.json`)).json()) as { paths: typeof paths }).paths;
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('documents ingest paths, each served by the gateway', async () => {
    const ingest = Object.entries(paths).filter(([p]) => p.startsWith('/ingest/'));
    expect(ingest.length).toBeGreaterThanOrEqual(14);
    for (const [path, item] of ingest) {
      const concrete = path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => SAMPLE[name] ?? 'x');
      for (const method of Object.keys(item)) {
        const res = await fetch(`${bed.url}${concrete}`, { method: method.toUpperCase(), ...(method === 'post' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
        const expected = path === '/ingest/elasticsearch' ? 200 : 401;
        expect({ op: `${method} ${path}`, status: res.status }).toEqual({ op: `${method} ${path}`, status: expected });
      }
    }
  });

  it('answers 404 for an ingest path it does not list', async () => {
    expect(paths['/ingest/nothing']).toBeUndefined();
    const res = await fetch(`${bed.url}/ingest/nothing`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
