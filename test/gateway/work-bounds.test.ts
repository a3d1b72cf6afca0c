// Issue 17.9 at the public surface: requests within the body limit whose work would hold the loop are
// refused before that work, with the error naming what and where: a remote_write series with 300,000 labels,
// an OTLP request over INGEST_MAX_ATTRIBUTES, a JSON array over INGEST_MAX_BATCH. Timing budgets are in
// bench/edge-bystander.ts; here, the answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestbed, type Testbed } from '../support/gateway.js';
import { remoteWrite } from '../support/payloads.js';

describe('work bounds per request', () => {
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed({ ingest: { maxAttributes: 1000, maxItems: 100 } });
  });
  afterAll(async () => {
    await bed?.close();
  });
  const post = (path: string, body: Buffer | string, headers: Record<string, string>): Promise<Response> =>
    fetch(`${bed.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${bed.adminKey}`, ...headers }, body });

  it('refuses a remote_write series with 300,000 labels with 400 naming the series', async () => {
    const labels: Array<[string, string]> = [['__name__', 'wide']];
    for (let i = 0; i < 300_000; i++) labels.push([`l${i}`, 'v']);
    const res = await post('/ingest/prometheus/api/v1/write', remoteWrite([{ labels: [['__name__', 'ok']], samples: [[1, Date.now()]] }, { labels, samples: [[1, Date.now()]] }]), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { message: expect.stringContaining('series 1 has more than 64 labels (INGEST_MAX_SERIES_LABELS)'), details: [{ at: 'timeseries[1].labels' }] } });
  });

  it('refuses an OTLP request over INGEST_MAX_ATTRIBUTES with 413', async () => {
    const attributes = Array.from({ length: 1001 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } }));
    const body = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: `${Date.now()}000000`, body: { stringValue: 'x' }, attributes }] }] }] });
    const res = await post('/ingest/otlp/v1/logs', body, { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { message: expect.stringContaining('more than 1000 attributes in one request (INGEST_MAX_ATTRIBUTES)') } });
  });

  it('refuses a JSON array over INGEST_MAX_BATCH with 413 before parsing it', async () => {
    const res = await post('/ingest/logs', `[${'{"message":"x"},'.repeat(200_000)}{"message":"x"}]`, { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { message: expect.stringContaining('more than 100 items') } });
    expect(bed.handlerErrors).toEqual([]);
  });
});
