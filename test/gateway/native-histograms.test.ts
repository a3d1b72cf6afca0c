// remote_write with native histograms through the real gateway, ingest and persister: the sender gets 204
// (Prometheus retries a 5xx forever and drops a 4xx batch, float samples and all), and what is stored is each
// histogram's count and sum as `<name>_count` and `<name>_sum` (its buckets are not); a histogram staleness
// marker ends both series, as a float staleness marker ends its series.
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPersister, type Persister } from '../../ingest/persister/persister.js';
import { STALE_NAN } from '../../lib/promql/querier.js';
import type { Streams } from '../../lib/streams/port.js';
import { startTestbed, type Testbed } from '../support/gateway.js';
import { remoteWrite } from '../support/payloads.js';
import { newStreams } from '../support/redis.js';
import { waitForValue } from '../support/system.js';

describe('remote_write native histograms', () => {
  let bed: Testbed;
  let streams: Streams;
  let persister: Persister;
  beforeAll(async () => {
    bed = await startTestbed();
    streams = await newStreams();
    persister = createPersister({ streams, names: bed.names, store: bed.store, logger: pino({ level: 'silent' }), registry: new Registry(), config: { consumerName: 'p1', batchMaxEvents: 1000, blockMs: 50, claimIdleMs: 60_000, retryBaseMs: 5, retryMaxMs: 50, streamRetentionMs: 3_600_000 } });
    await persister.start();
  }, 60_000);
  afterAll(async () => {
    await persister?.close();
    await streams?.close();
    await bed?.close();
  });

  const auth = () => ({ authorization: `Bearer ${bed.adminKey}` });
  const prom = async (path: string): Promise<Array<{ metric: Record<string, string>; value?: [number, string] }>> => {
    const res = await fetch(`${bed.url}/api/prom/api/v1/${path}`, { headers: auth() });
    const body = (await res.json()) as { status: string; data: unknown };
    expect(body.status).toBe('success');
    return (path.startsWith('series') ? (body.data as Array<Record<string, string>>).map((metric) => ({ metric })) : (body.data as { result: [] }).result);
  };
  const valueAt = async (expr: string, t: number): Promise<string | undefined> => (await prom(`query?query=${encodeURIComponent(expr)}&time=${t / 1000}`))[0]?.value?.[1];

  it('answers 204 and stores count and sum, not the buckets; a staleness marker ends both series', async () => {
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 5 * 60_000;
    const labels: Array<[string, string]> = [['__name__', 'req_seconds'], ['job', 'api'], ['instance', 'web-1:9100']];
    const res = await fetch(`${bed.url}/ingest/prometheus/api/v1/write`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      body: remoteWrite([
        { labels: [['__name__', 'up'], ['job', 'api'], ['instance', 'web-1:9100']], samples: [[1, t0]] },
        {
          labels,
          samples: [],
          histograms: [
            // Integer counts: 10 observations in two buckets of schema 0 (delta-encoded 4, then 6).
            { count: { $case: 'countInt', value: '10' }, sum: 12.5, zeroCount: { $case: 'zeroCountInt', value: '0' }, positiveSpans: [{ offset: 0, length: 2 }], positiveDeltas: ['4', '2'], timestamp: String(t0) },
            // Float counts (as a gauge histogram or a converted one carries them).
            { count: { $case: 'countFloat', value: 14.5 }, sum: 20.25, positiveSpans: [{ offset: 1, length: 1 }], positiveCounts: [14.5], timestamp: String(t0 + 15_000) },
            // Prometheus marks a histogram series stale with a histogram whose sum is the staleness NaN.
            { count: { $case: 'countInt', value: '0' }, sum: STALE_NAN, timestamp: String(t0 + 30_000) },
          ],
        },
      ]),
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');

    expect(await waitForValue('histogram samples stored', () => valueAt('req_seconds_sum', t0 + 15_000))).toBe('20.25');
    expect(await valueAt('req_seconds_count', t0)).toBe('10');
    expect(await valueAt('req_seconds_sum', t0)).toBe('12.5');
    expect(await valueAt('req_seconds_count', t0 + 15_000)).toBe('14.5');
    // Stale from t0 + 30 s: neither series has a value there (not a count of 0).
    expect(await valueAt('req_seconds_count', t0 + 30_000)).toBeUndefined();
    expect(await valueAt('req_seconds_sum', t0 + 30_000)).toBeUndefined();

    const series = await prom(`series?match[]=${encodeURIComponent('{job="api"}')}&start=${(t0 - 60_000) / 1000}&end=${(t0 + 60_000) / 1000}`);
    expect(series.map((s) => s.metric.__name__).sort()).toEqual(['req_seconds_count', 'req_seconds_sum', 'up']);
    expect(series.find((s) => s.metric.__name__ === 'req_seconds_count')?.metric).toEqual({ __name__: 'req_seconds_count', job: 'api', instance: 'web-1:9100' });
    expect(bed.handlerErrors).toEqual([]);
  }, 60_000);
});
