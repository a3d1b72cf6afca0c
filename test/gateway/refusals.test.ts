// Issue 17.4: Loki and Prometheus clients are told what was refused (400 with the reasons) instead of 204,
// the good entries of the same request are still stored, and /metrics counts the refusals by protocol.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOfEntry } from '../../lib/streams/codec.js';
import { startTestbed, type Testbed } from '../support/gateway.js';
import { streamEntries } from '../support/stream-entries.js';
import { remoteWrite } from '../support/payloads.js';

describe('gateway: refusals of the Loki and Prometheus endpoints', () => {
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed();
  });
  afterAll(async () => {
    await bed?.close();
  });

  const auth = (): Record<string, string> => ({ authorization: `Bearer ${bed.adminKey}` });
  const storedMessages = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const s of bed.names.allEvents()) {
      for (const [, fields] of await streamEntries(bed.redis, s)) {
        for (const e of eventsOfEntry(fields)) if (e.kind === 'log') out.push(e.body.message);
      }
    }
    return out;
  };
  const refusedCount = async (protocol: string, reason: string): Promise<number> => {
    const text = await (await fetch(`${bed.url}/metrics`)).text();
    const m = new RegExp(`^lightwatch_ingest_refused_total\\{protocol="${protocol}",reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };

  it('Loki push with one bad timestamp: 400 naming it, the good lines stored, the refusal counted', async () => {
    const now = `${Date.now()}000000`;
    const body = { streams: [{ stream: { job: 'loki-refusal' }, values: [[now, 'first good line'], ['yesterday', 'bad time'], [now, 'second good line']] }] };
    const res = await fetch(`${bed.url}/ingest/loki/api/v1/push`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('1 entry refused, 2 stored');
    expect(text).toContain('entry 1: streams[0].values[1]: timestamp must be');
    const stored = await storedMessages();
    expect(stored).toEqual(expect.arrayContaining(['first good line', 'second good line']));
    expect(stored).not.toContain('bad time');
    expect(await refusedCount('loki', 'invalid_item')).toBe(1);
  });

  it('Loki push with only good lines still answers 204', async () => {
    const body = { streams: [{ stream: { job: 'loki-ok' }, values: [[`${Date.now()}000000`, 'fine']] }] };
    const res = await fetch(`${bed.url}/ingest/loki/api/v1/push`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(204);
  });

  it('remote_write series without __name__: 400 naming the reason, counted', async () => {
    const t = Date.now();
    const body = remoteWrite([
      { labels: [['__name__', 'up'], ['job', 'node']], samples: [[1, t]] },
      { labels: [['job', 'node']], samples: [[1, t]] },
    ]);
    const res = await fetch(`${bed.url}/ingest/prometheus/write`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/sample 1: series has no .*__name__/);
    expect(await refusedCount('prometheus', 'invalid_item')).toBe(1);
  });

  it('remote_write series with more labels than allowed: 400', async () => {
    const labels: Array<[string, string]> = [['__name__', 'wide']];
    for (let i = 0; i < 100; i++) labels.push([`l${i}`, 'v']);
    const res = await fetch(`${bed.url}/ingest/prometheus/write`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      body: remoteWrite([{ labels, samples: [[1, Date.now()]] }]),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/labels/);
  });
});

describe('gateway: per-tenant series limits on remote_write', () => {
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed({ metricsLimits: { defaults: { maxSeries: 1_000_000, maxLabelsPerSeries: 64, retentionDays: 30 }, tenants: { default: { maxSeries: 2, maxLabelsPerSeries: 4 } } } });
  });
  afterAll(async () => {
    await bed?.close();
  });
  const write = (body: Uint8Array): Promise<Response> =>
    fetch(`${bed.url}/ingest/prometheus/write`, { method: 'POST', headers: { authorization: `Bearer ${bed.adminKey}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
  const refused = async (reason: string): Promise<number> => {
    const text = await (await fetch(`${bed.url}/metrics`)).text();
    const m = new RegExp(`^lightwatch_metrics_refused_samples_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };

  it('at the series limit: samples of known series stored, new series refused with 400 naming the limit and its variable, counted', async () => {
    const t = Date.now();
    // The tenant already holds its two series (the persister wrote them).
    await bed.store.metrics.append('default', [
      { labels: { __name__: 'up', job: 'a' }, target: 'a', type: 'gauge', timestamps: [t - 1000], values: [1] },
      { labels: { __name__: 'up', job: 'b' }, target: 'b', type: 'gauge', timestamps: [t - 1000], values: [1] },
    ]);
    const res = await write(
      remoteWrite([
        { labels: [['__name__', 'up'], ['job', 'a']], samples: [[1, t]] },
        { labels: [['__name__', 'up'], ['job', 'c']], samples: [[1, t], [1, t + 1]] },
        { labels: [['__name__', 'up'], ['job', 'b']], samples: [[0, t]] },
      ]),
    );
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('2 samples refused, 2 stored');
    expect(text).toMatch(/sample 1: new series up refused: the tenant holds its limit of 2 series \(METRICS_MAX_SERIES/);
    expect(text).toMatch(/sample 2: new series up refused/);
    expect(await refused('series_limit')).toBe(2);
    // Known series alone: 204.
    expect((await write(remoteWrite([{ labels: [['__name__', 'up'], ['job', 'a']], samples: [[1, t + 5]] }]))).status).toBe(204);
  });

  it('more labels than the tenant allows: 400 naming the limit, counted; never stored', async () => {
    const res = await write(remoteWrite([{ labels: [['__name__', 'up'], ['job', 'a'], ['x', '1'], ['y', '2'], ['z', '3']], samples: [[1, Date.now()]] }]));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/sample 0: series up has 5 labels, over the tenant's limit of 4 \(INGEST_MAX_SERIES_LABELS/);
    expect(await refused('labels_per_series')).toBe(1);
  });
});
