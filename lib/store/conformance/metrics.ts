// Conformance cases of the metrics store (series index + chunks): appends, out-of-order window, duplicates,
// limits, the PromQL querier's selections, samples for /api/metrics, metadata, compaction and retention.
import { describe, expect, it } from 'vitest';
import { isStaleNaN, SampleLimitError, STALE_NAN, type LabelMatcher } from '../../promql/querier.js';
import { DEFAULT_METRICS_LIMITS, type SeriesAppend } from '../../tsdb/port.js';
import { applyMetricsRetention } from '../../tsdb/retention.js';
import type { Store } from '../port.js';

const T0 = 1_700_000_000_000;
const ALL = { startMs: 0, endMs: 8.64e15 };

function series(name: string, labels: Record<string, string>, samples: [number, number][], target = 'web'): SeriesAppend {
  return { labels: { __name__: name, ...labels }, target, type: 'gauge', timestamps: samples.map((s) => s[0]), values: samples.map((s) => s[1]) };
}

const eq = (name: string, value: string): LabelMatcher => ({ name, type: '=', value });

export function metricsCases(store: () => Store): void {
  describe('metrics', () => {
    it('stores series and samples, read back through the querier in order', async () => {
      const m = store().metrics;
      const r = await m.append('acme', [
        series('cpu', { host: 'a' }, [[T0 + 30, 3], [T0, 1], [T0 + 15, 2]]),
        series('cpu', { host: 'b' }, [[T0, 10]]),
        series('mem', { host: 'a' }, [[T0, 5]]),
      ]);
      expect(r).toEqual({ appended: 5, duplicates: 0, tooOld: 0, overSeriesLimit: 0, newSeries: 3 });
      const got = await m.querier('acme').select([eq('__name__', 'cpu')], ALL);
      expect(got.map((s) => ({ labels: s.labels, ts: Array.from(s.timestamps), vs: Array.from(s.values) }))).toEqual([
        { labels: { __name__: 'cpu', host: 'a' }, ts: [T0, T0 + 15, T0 + 30], vs: [1, 2, 3] },
        { labels: { __name__: 'cpu', host: 'b' }, ts: [T0], vs: [10] },
      ]);
      const cut = await m.querier('acme').select([eq('__name__', 'cpu'), eq('host', 'a')], { startMs: T0 + 10, endMs: T0 + 15 });
      expect(cut.map((s) => Array.from(s.timestamps))).toEqual([[T0 + 15]]);
    });

    it('keeps special floats exactly, the staleness marker included', async () => {
      const m = store().metrics;
      await m.append('acme', [series('x', {}, [[T0, NaN], [T0 + 1, STALE_NAN], [T0 + 2, Infinity], [T0 + 3, -Infinity], [T0 + 4, -0], [T0 + 5, 1e-300]])]);
      for (const compact of [false, true]) {
        if (compact) await m.compact({ all: true });
        const [s] = await m.querier('acme').select([eq('__name__', 'x')], ALL);
        const vs = Array.from(s?.values ?? []);
        expect(Number.isNaN(vs[0]) && !isStaleNaN(vs[0] as number)).toBe(true);
        expect(isStaleNaN(vs[1] as number)).toBe(true);
        expect(vs.slice(2, 4)).toEqual([Infinity, -Infinity]);
        expect(Object.is(vs[4], -0)).toBe(true);
        expect(vs[5]).toBe(1e-300);
      }
    });

    it('treats a replayed sample as a duplicate and accepts out-of-order samples within the window only', async () => {
      const m = store().metrics;
      const limits = { ...DEFAULT_METRICS_LIMITS, outOfOrderWindowMs: 60_000 };
      await m.append('acme', [series('c', {}, [[T0 + 120_000, 1]])], limits);
      const r = await m.append('acme', [series('c', {}, [[T0 + 120_000, 1], [T0 + 70_000, 2], [T0 + 50_000, 3]])], limits);
      expect(r).toMatchObject({ appended: 1, duplicates: 1, tooOld: 1, newSeries: 0 });
      const [s] = await m.querier('acme').select([eq('__name__', 'c')], ALL);
      expect(Array.from(s?.timestamps ?? [])).toEqual([T0 + 70_000, T0 + 120_000]);
    });

    it('finds a series in a range before its first sample once an out-of-order sample lands there', async () => {
      const m = store().metrics;
      const limits = { ...DEFAULT_METRICS_LIMITS, outOfOrderWindowMs: 60_000 };
      await m.append('acme', [series('o', {}, [[T0 + 120_000, 1]])], limits);
      const range = { startMs: T0 + 60_000, endMs: T0 + 80_000 };
      const inRange = async (): Promise<number[]> => (await m.querier('acme').select([eq('__name__', 'o')], range)).flatMap((s) => Array.from(s.timestamps));
      // Read once first: a reader that cached the series' bounds must see them move.
      expect(await inRange()).toEqual([]);
      await m.append('acme', [series('o', {}, [[T0 + 70_000, 2]])], limits);
      expect(await inRange()).toEqual([T0 + 70_000]);
    });

    it('stores a series given in several parts of one append once per timestamp, in order or not', async () => {
      const m = store().metrics;
      await m.append('acme', [series('p', {}, [[T0, 0]])]);
      const r = await m.append('acme', [
        series('p', {}, [[T0 + 10, 1], [T0 + 20, 2]]),
        series('q', {}, [[T0, 7]]),
        // After newer samples of the same append: out of order, a duplicate of this append, a replay, a new one.
        series('p', {}, [[T0 + 15, 3], [T0 + 20, 2], [T0, 0], [T0 + 30, 4]]),
      ]);
      expect(r).toEqual({ appended: 5, duplicates: 2, tooOld: 0, overSeriesLimit: 0, newSeries: 1 });
      const again = await m.append('acme', [series('p', {}, [[T0 + 30, 4], [T0 + 40, 5]])]);
      expect(again).toMatchObject({ appended: 1, duplicates: 1 });
      const [s] = await m.querier('acme').select([eq('__name__', 'p')], ALL);
      expect(Array.from(s?.timestamps ?? [])).toEqual([T0, T0 + 10, T0 + 15, T0 + 20, T0 + 30, T0 + 40]);
      expect(Array.from(s?.values ?? [])).toEqual([0, 1, 3, 2, 4, 5]);
    });

    it('cuts long heads into chunks and reads across chunks and head', async () => {
      const m = store().metrics;
      const n = 2_000;
      const ts = Array.from({ length: n }, (_, i) => T0 + i * 15_000 + (i % 5));
      const vs = ts.map((_, i) => (i % 3 === 0 ? i * 0.5 : i));
      const limits = { ...DEFAULT_METRICS_LIMITS, outOfOrderWindowMs: 60_000 };
      for (let i = 0; i < n; i += 100) await m.append('acme', [{ ...series('g', { a: '1' }, []), timestamps: ts.slice(i, i + 100), values: vs.slice(i, i + 100) }], limits);
      const [s] = await m.querier('acme').select([eq('a', '1')], ALL);
      expect(Array.from(s?.timestamps ?? [])).toEqual(ts);
      expect(Array.from(s?.values ?? [])).toEqual(vs);
      await m.compact({ all: true });
      const [after] = await m.querier('acme').select([eq('a', '1')], { startMs: ts[500] as number, endMs: ts[1500] as number });
      expect(Array.from(after?.timestamps ?? [])).toEqual(ts.slice(500, 1501));
    });

    it('selects with all four matchers, empty-matching ones meaning an absent label too', async () => {
      const m = store().metrics;
      await m.append('acme', [
        series('up', { job: 'api', env: 'prod' }, [[T0, 1]]),
        series('up', { job: 'api' }, [[T0, 1]]),
        series('up', { job: 'db', env: 'dev' }, [[T0, 0]]),
        series('down', { job: 'api' }, [[T0, 0]]),
      ]);
      const q = m.querier('acme');
      const sel = async (ms: LabelMatcher[]): Promise<string[]> =>
        (await q.series([ms], ALL)).map((l) => JSON.stringify(l)).sort();
      expect(await sel([eq('__name__', 'up'), { name: 'env', type: '!=', value: 'prod' }])).toEqual(
        [{ __name__: 'up', job: 'api' }, { __name__: 'up', env: 'dev', job: 'db' }].map((l) => JSON.stringify(l)).sort(),
      );
      expect(await sel([{ name: 'job', type: '=~', value: 'a.*' }, { name: '__name__', type: '!~', value: 'up' }])).toEqual([JSON.stringify({ __name__: 'down', job: 'api' })]);
      expect(await sel([eq('__name__', 'up'), { name: 'env', type: '=~', value: '' }])).toEqual([JSON.stringify({ __name__: 'up', job: 'api' })]);
      expect(await sel([{ name: 'job', type: '=~', value: 'ap' }])).toEqual([]);
      expect(await q.labelNames([], ALL)).toEqual(['__name__', 'env', 'job']);
      expect(await q.labelValues('job', [[eq('__name__', 'up')]], ALL)).toEqual(['api', 'db']);
      expect(await q.labelValues('env', [], ALL)).toEqual(['dev', 'prod']);
      expect(await q.series([[eq('job', 'db')], [eq('__name__', 'down')]], ALL)).toHaveLength(2);
      // The estimate's count (lib/promql-offload) selects as `series` does, for one tenant.
      expect(await q.countSeries?.([eq('__name__', 'up'), { name: 'env', type: '!=', value: 'prod' }])).toBe(2);
      expect(await q.countSeries?.([{ name: 'job', type: '=~', value: 'a.*' }])).toBe(3);
      expect(await m.querier('other').countSeries?.([{ name: 'job', type: '=~', value: 'a.*' }])).toBe(0);
    });

    it('finds a series with many labels by any one of them', async () => {
      const m = store().metrics;
      const labels = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`l${i}`, `v${i}`]));
      await m.append('acme', [series('wide', labels, [[T0, 1]]), series('wide', { l0: 'v0' }, [[T0, 2]])]);
      const q = m.querier('acme');
      for (const i of [0, 63, 64, 100, 149]) expect((await q.series([[eq(`l${i}`, `v${i}`)]], ALL)).map((l) => Object.keys(l).length).sort((a, b) => a - b)).toEqual(i === 0 ? [2, 151] : [151]);
    });

    it('leaves out series with no sample near the range, and honours maxSamples', async () => {
      const m = store().metrics;
      await m.append('acme', [series('old', {}, [[T0, 1]]), series('new', {}, [[T0 + 30 * 86_400_000, 1], [T0 + 30 * 86_400_000 + 1, 2]])]);
      const q = m.querier('acme');
      expect((await q.series([[{ name: '__name__', type: '=~', value: '.+' }]], { startMs: T0 + 29 * 86_400_000, endMs: T0 + 31 * 86_400_000 })).map((l) => l.__name__)).toEqual(['new']);
      await expect(q.select([eq('__name__', 'new')], { ...ALL, maxSamples: 1 })).rejects.toBeInstanceOf(SampleLimitError);
    });

    it('keeps tenants apart', async () => {
      const m = store().metrics;
      await m.append('acme', [series('cpu', { host: 'a' }, [[T0, 1]])]);
      await m.append('other', [series('cpu', { host: 'a' }, [[T0, 2]])]);
      const [s] = await m.querier('other').select([eq('__name__', 'cpu')], ALL);
      expect(Array.from(s?.values ?? [])).toEqual([2]);
      expect(await m.querier('nobody').labelNames([], ALL)).toEqual([]);
      expect(await m.seriesCount('acme')).toBe(1);
      expect(await m.samples({ tenant: 'nobody', limit: 10, order: 'desc' })).toEqual([]);
    });

    it('refuses new series over the tenant limit, still appending to known ones', async () => {
      const m = store().metrics;
      const limits = { ...DEFAULT_METRICS_LIMITS, maxSeriesPerTenant: 2 };
      await m.append('acme', [series('a', {}, [[T0, 1]]), series('b', {}, [[T0, 1]])], limits);
      const r = await m.append('acme', [series('c', {}, [[T0, 1], [T0 + 1, 2]]), series('a', {}, [[T0 + 1, 2]])], limits);
      expect(r).toMatchObject({ appended: 1, overSeriesLimit: 2, newSeries: 0 });
      expect(await m.seriesCount('acme')).toBe(2);
    });

    it('tells which label sets are series of the tenant', async () => {
      const m = store().metrics;
      await m.append('acme', [series('a', { x: '1' }, [[T0, 1]])]);
      await m.append('other', [series('b', {}, [[T0, 1]])]);
      expect(await m.knownSeries('acme', [{ __name__: 'a', x: '1' }, { x: '1', __name__: 'a' }, { __name__: 'a', x: '2' }, { __name__: 'b' }])).toEqual([true, true, false, false]);
      expect(await m.knownSeries('acme', [])).toEqual([]);
    });

    it('lists samples for /api/metrics by name, target and labels, in both orders, after a position', async () => {
      const m = store().metrics;
      await m.append('acme', [
        series('cpu', { host: 'a' }, [[T0, 1], [T0 + 2, 3]], 'web'),
        series('cpu', { host: 'b' }, [[T0 + 1, 2], [T0 + 2, 4]], 'db'),
        series('mem', { host: 'a' }, [[T0, 9]], 'web'),
      ]);
      const desc = await m.samples({ tenant: 'acme', name: 'cpu', limit: 3, order: 'desc' });
      // Newest first; equal timestamps by series, in the same order.
      expect(desc.map((r) => [r.ts, r.value])).toEqual([[T0 + 2, 4], [T0 + 2, 3], [T0 + 1, 2]]);
      const last = desc[2] as NonNullable<(typeof desc)[number]>;
      const next = await m.samples({ tenant: 'acme', name: 'cpu', limit: 10, order: 'desc', after: { ts: last.ts, seriesId: last.seriesId } });
      expect(next.map((r) => r.value)).toEqual([1]);
      const asc = await m.samples({ tenant: 'acme', target: 'db', limit: 10, order: 'asc', from: T0 + 2 });
      expect(asc.map((r) => ({ ts: r.ts, v: r.value, name: r.labels.__name__, target: r.target, type: r.type }))).toEqual([{ ts: T0 + 2, v: 4, name: 'cpu', target: 'db', type: 'gauge' }]);
      expect((await m.samples({ tenant: 'acme', labels: { host: 'a' }, limit: 10, order: 'asc', to: T0 + 1 })).map((r) => r.value)).toEqual([1, 9]);
    });

    it('reports metadata per metric name', async () => {
      const m = store().metrics;
      await m.append('acme', [{ ...series('req_total', { a: '1' }, [[T0, 1]]), type: 'counter' }, { ...series('temp', {}, [[T0, 1]]), unit: 'celsius' }]);
      expect(await m.metadata('acme')).toEqual([
        { name: 'req_total', type: 'counter', unit: '' },
        { name: 'temp', type: 'gauge', unit: 'celsius' },
      ]);
      expect(await m.metadata('acme', 'temp')).toHaveLength(1);
      expect(await m.metadata('acme', undefined, 1)).toHaveLength(1);
    });

    it('drops samples and emptied series past retention, per tenant', async () => {
      const m = store().metrics;
      const limits = { ...DEFAULT_METRICS_LIMITS, outOfOrderWindowMs: 0 };
      await m.append('acme', [series('old', {}, [[T0, 1]]), series('both', {}, [[T0, 1], [T0 + 86_400_000, 2]])], limits);
      await m.append('other', [series('old', {}, [[T0, 1]])], limits);
      expect(await m.deleteBefore('acme', T0 + 1000)).toBe(2);
      expect((await m.querier('acme').series([], ALL)).map((l) => l.__name__)).toEqual(['both']);
      expect(await m.seriesCount('other')).toBe(1);
      const [s] = await m.querier('acme').select([eq('__name__', 'both')], ALL);
      expect(Array.from(s?.values ?? [])).toEqual([2]);
      // The dropped series can come back.
      await m.append('acme', [series('old', {}, [[T0 + 86_400_000, 5]])], limits);
      expect(await m.seriesCount('acme')).toBe(2);
    });

    it('keeps each tenant for its own retention (applyMetricsRetention over tenants())', async () => {
      const m = store().metrics;
      const day = 86_400_000;
      const now = T0 + 100 * day;
      await m.append('short', [series('x', {}, [[now - 10 * day, 1], [now - day, 2]])]);
      await m.append('long', [series('x', {}, [[now - 10 * day, 1], [now - day, 2]])]);
      await m.append('forever', [series('x', {}, [[now - 90 * day, 1]])]);
      expect(await m.tenants()).toEqual(expect.arrayContaining(['forever', 'long', 'short']));
      const days: Record<string, number> = { short: 5, long: 30, forever: 0 };
      const dropped = await applyMetricsRetention(m, (t) => days[t] ?? 0, now);
      expect(dropped).toEqual({ short: 1 });
      const values = async (tenant: string): Promise<number[]> => Array.from((await m.querier(tenant).select([eq('__name__', 'x')], ALL))[0]?.values ?? []);
      expect(await values('short')).toEqual([2]);
      expect(await values('long')).toEqual([1, 2]);
      expect(await values('forever')).toEqual([1]);
      // A tenant whose every sample is past its retention leaves the index.
      expect(await applyMetricsRetention(m, (t) => (t === 'short' ? 5 : 0), now + 10 * day)).toEqual({ short: 1 });
      expect(await m.tenants()).not.toContain('short');
    });
  });
}
