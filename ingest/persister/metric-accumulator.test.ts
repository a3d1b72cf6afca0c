import { describe, expect, it } from 'vitest';
import { isStaleNaN, STALE_NAN } from '../../lib/promql/querier.js';
import type { BatchSeries, MetricBatch } from '../../lib/tsdb/batch.js';
import { encodeMetricBatch, readMetricBatch } from '../../lib/tsdb/batch-codec.js';
import { createMetricAccumulator } from './metric-accumulator.js';

const T0 = 1_700_000_000_000;

function batch(tenant: string, series: BatchSeries[]): MetricBatch {
  return { tenant, receivedAt: T0, id: 'b', series };
}

function gauge(labels: Record<string, string>, samples: [number, number][], target = 'web', unit?: string): BatchSeries {
  const s: BatchSeries = { target, labels: { __name__: 'x', ...labels }, type: 'gauge', timestamps: samples.map((p) => p[0]), values: samples.map((p) => p[1]) };
  if (unit !== undefined) s.unit = unit;
  return s;
}

const plain = (m: ReturnType<ReturnType<typeof createMetricAccumulator>['byTenant']>) =>
  Object.fromEntries([...m].map(([tenant, list]) => [tenant, list.map((s) => ({ labels: s.labels, target: s.target, unit: s.unit, ts: Array.from(s.timestamps), vs: Array.from(s.values) }))]));

describe('metric accumulator', () => {
  it('gathers each series of many batches once, samples in the order added, tenants apart', () => {
    const acc = createMetricAccumulator(4);
    acc.add(batch('acme', [gauge({ a: '1' }, [[T0, 1], [T0 + 1, 2]], 'h1', 'bytes'), gauge({ a: '2' }, [[T0, 10]])]));
    acc.add(batch('beta', [gauge({ a: '1' }, [[T0, 100]])]));
    // Labels in another order are the same series; its first part's target and unit stay.
    acc.add(batch('acme', [gauge({ a: '2' }, [[T0 + 5, 11]]), { ...gauge({}, [[T0 - 1, 0], [T0 + 7, 3]], 'h2'), labels: { a: '1', __name__: 'x' } }, gauge({ a: '3' }, [])]));
    expect(acc.samples).toBe(7);
    expect(plain(acc.byTenant())).toEqual({
      acme: [
        { labels: { __name__: 'x', a: '1' }, target: 'h1', unit: 'bytes', ts: [T0, T0 + 1, T0 - 1, T0 + 7], vs: [1, 2, 0, 3] },
        { labels: { __name__: 'x', a: '2' }, target: 'web', unit: undefined, ts: [T0, T0 + 5], vs: [10, 11] },
      ],
      beta: [{ labels: { __name__: 'x', a: '1' }, target: 'web', unit: undefined, ts: [T0], vs: [100] }],
    });
  });

  it('keeps every value bit-exact, the staleness marker included, across arena growth', () => {
    const acc = createMetricAccumulator(2);
    const values = [NaN, STALE_NAN, Infinity, -Infinity, -0, 1e-300, 0.1];
    for (let i = 0; i < values.length; i++) acc.add(batch('acme', [gauge({}, [[T0 + i, values[i] as number]])]));
    const [s] = acc.byTenant().get('acme') ?? [];
    const vs = Array.from(s?.values ?? []);
    expect(Number.isNaN(vs[0]) && !isStaleNaN(vs[0] as number)).toBe(true);
    expect(isStaleNaN(vs[1] as number)).toBe(true);
    expect(vs.slice(2, 4)).toEqual([Infinity, -Infinity]);
    expect(Object.is(vs[4], -0)).toBe(true);
    expect(vs.slice(5)).toEqual([1e-300, 0.1]);
    expect(Array.from(s?.timestamps ?? [])).toEqual(values.map((_, i) => T0 + i));
  });
  it('gathers binary entries read series by series (readMetricBatch) as it gathers decoded batches', () => {
    const batches = [
      batch('acme', [gauge({ a: '1' }, [[T0, 1], [T0 + 1, 2]], 'h1', 'bytes'), gauge({ a: '2' }, [[T0, 10]])]),
      batch('beta', [gauge({ a: '1' }, [[T0, 100]])]),
      batch('acme', [gauge({ a: '2' }, [[T0 + 5, 11]]), gauge({ a: '1' }, [[T0 + 7, STALE_NAN]], 'h2'), gauge({ a: '3' }, [])]),
    ];
    const decoded = createMetricAccumulator(4);
    const read = createMetricAccumulator(4);
    for (const b of batches) {
      const payload = encodeMetricBatch(b);
      decoded.add(b);
      readMetricBatch(payload, read);
    }
    expect(read.samples).toBe(decoded.samples);
    expect(plain(read.byTenant())).toEqual(plain(decoded.byTenant()));
    expect(isStaleNaN(Array.from(read.byTenant().get('acme')?.[0]?.values ?? [])[2] as number)).toBe(true);
  });

  it('serves read after read: clear() forgets the samples, each read gives its own series in its own order', () => {
    for (const [maxKnown, frozen] of [[1_000, false], [1_000, true], [1, true]] as const) {
      // Frozen labels objects, the same in every read, are found by object (as the decoder hands them out); a
      // bound of 1 forgets what it learnt of series at every clear(), with the same results.
      const labels = (a: string): Record<string, string> => (frozen ? Object.freeze({ __name__: 'x', a }) : { __name__: 'x', a });
      const [l1, l2, l3] = [labels('1'), labels('2'), labels('3')];
      const s = (l: Record<string, string>, samples: [number, number][], target?: string, unit?: string): BatchSeries => ({ ...gauge({}, samples, target, unit), labels: l });
      const acc = createMetricAccumulator(2, maxKnown);
      acc.add(batch('acme', [s(l1, [[T0, 1]], 'h1', 'bytes'), s(l2, [[T0, 10]])]));
      acc.add(batch('beta', [s(l1, [[T0, 100]])]));
      expect(acc.samples).toBe(3);
      expect(Object.keys(plain(acc.byTenant()))).toEqual(['acme', 'beta']);
      acc.clear();
      expect(acc.samples).toBe(0);
      expect(plain(acc.byTenant())).toEqual({});
      // Another order, another target and unit for its first part, a series not seen before, beta absent.
      acc.add(batch('acme', [s(l2, [[T0 + 1, 11]], 'h2'), s(l3, [[T0 + 1, 30]])]));
      acc.add(batch('acme', [s(l1, [[T0 + 1, 2], [T0 + 2, 3]], 'h3'), s(l2, [[T0 + 2, 12]], 'h4', 'x')]));
      expect(acc.samples).toBe(5);
      expect(plain(acc.byTenant())).toEqual({
        acme: [
          { labels: { __name__: 'x', a: '2' }, target: 'h2', unit: undefined, ts: [T0 + 1, T0 + 2], vs: [11, 12] },
          { labels: { __name__: 'x', a: '3' }, target: 'web', unit: undefined, ts: [T0 + 1], vs: [30] },
          { labels: { __name__: 'x', a: '1' }, target: 'h3', unit: undefined, ts: [T0 + 1, T0 + 2], vs: [2, 3] },
        ],
      });
    }
  });

  it('takes a labels object that is not frozen for its content each time, not for the series it was before', () => {
    const acc = createMetricAccumulator(2);
    const p = Object.freeze({ __name__: 'x', a: 'p' });
    const l: Record<string, string> = { __name__: 'x', a: '1' };
    const s = (labels: Record<string, string>, t: number): BatchSeries => ({ ...gauge({}, [[t, t]]), labels });
    acc.add(batch('acme', [s(p, T0), s(l, T0)]));
    acc.clear();
    l.a = '2';
    acc.add(batch('acme', [s(p, T0 + 1), s(l, T0 + 1), s({ __name__: 'x', a: '1' }, T0 + 1)]));
    expect(plain(acc.byTenant()).acme?.map((x) => [x.labels, x.ts])).toEqual([
      [p, [T0 + 1]],
      [{ __name__: 'x', a: '2' }, [T0 + 1]],
      [{ __name__: 'x', a: '1' }, [T0 + 1]],
    ]);
  });

  it('gives the same series whatever labels object of it a read brings (a decoder memo cleared hands out new ones)', () => {
    for (const maxKnown of [1_000, 2]) {
      const acc = createMetricAccumulator(2, maxKnown);
      for (let r = 0; r < 10; r++) {
        acc.clear();
        const labels = Object.freeze({ __name__: 'x', a: '1' });
        acc.add(batch('acme', [{ ...gauge({}, [[T0 + r, r]]), labels }, { ...gauge({}, [[T0 + r + 1, r]]), labels: Object.freeze({ a: '1', __name__: 'x' }) }]));
        expect(plain(acc.byTenant())).toEqual({ acme: [{ labels: { __name__: 'x', a: '1' }, target: 'web', unit: undefined, ts: [T0 + r, T0 + r + 1], vs: [r, r] }] });
      }
    }
  });
});
