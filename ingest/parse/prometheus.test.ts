import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { LightwatchError } from '../../lib/errors/errors.js';
import { WriteRequest } from '../../proto/gen/compat/prometheus/remote.js';
import { decodeBody } from './decode.js';
import { parsePrometheusWrite } from './prometheus.js';

const req = (series: { labels: Record<string, string>; samples: [number, number][] }[]): Buffer =>
  Buffer.from(
    WriteRequest.encode({
      timeseries: series.map((s) => ({
        labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
        samples: s.samples.map(([value, ts]) => ({ value, timestamp: String(ts) })),
        exemplars: [],
        histograms: [],
      })),
      metadata: [],
    }).finish(),
  );

describe('remote_write', () => {
  it('makes one draft per sample with the instance as target', () => {
    const r = parsePrometheusWrite(req([{ labels: { __name__: 'x_total', job: 'j', instance: 'i:1', a: 'b', empty: '' }, samples: [[1, 1000], [2, 2000]] }]), { maxItems: 10 });
    expect(r.items).toEqual([
      { index: 0, draft: { kind: 'metric', ts: 1000, target: 'i:1', labels: { job: 'j', a: 'b' }, body: { name: 'x_total', value: 1, type: 'counter' } } },
      { index: 1, draft: { kind: 'metric', ts: 2000, target: 'i:1', labels: { job: 'j', a: 'b' }, body: { name: 'x_total', value: 2, type: 'counter' } } },
    ]);
  });

  it('falls back to job, then the default target', () => {
    expect(parsePrometheusWrite(req([{ labels: { __name__: 'x', job: 'j' }, samples: [[1, 1]] }]), { maxItems: 10 }).items[0]?.draft.target).toBe('j');
    expect(parsePrometheusWrite(req([{ labels: { __name__: 'x' }, samples: [[1, 1]] }]), { maxItems: 10, defaultTarget: 'd' }).items[0]?.draft.target).toBe('d');
  });

  it('skips and counts NaN staleness markers', () => {
    const r = parsePrometheusWrite(req([{ labels: { __name__: 'up' }, samples: [[NaN, 1], [1, 2]] }]), { maxItems: 10 });
    expect(r.items.map((i) => i.index)).toEqual([1]);
    expect(r.skipped).toEqual({ stale_markers: 1 });
  });

  it('refuses more samples than the limit with 413', () => {
    const body = req([{ labels: { __name__: 'x' }, samples: [[1, 1], [2, 2], [3, 3]] }]);
    expect(() => parsePrometheusWrite(body, { maxItems: 2 })).toThrow(expect.objectContaining({ httpStatus: 413, reason: 'batch_too_large' }) as Error);
  });

  it('answers 400 bad_protobuf for bytes that are not a WriteRequest', () => {
    try {
      parsePrometheusWrite(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { maxItems: 10 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LightwatchError);
      expect((e as LightwatchError).reason).toBe('bad_protobuf');
    }
  });

  it('reads a snappy body after decodeBody, as the endpoint receives it', () => {
    const compressed = Buffer.from(snappy.compress(req([{ labels: { __name__: 'x' }, samples: [[5, 1]] }])));
    expect(parsePrometheusWrite(decodeBody(compressed, 'snappy', 1e6), { maxItems: 10 }).items).toHaveLength(1);
  });
});
