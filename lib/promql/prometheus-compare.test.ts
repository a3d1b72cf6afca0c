// Our engine against a real Prometheus 2.42 on the same samples: every query below runs as an instant query at
// several times and as range queries, on both, and the answers must match — same series, same timestamps,
// values equal as Prometheus writes them (or within 1e-12 relative where Prometheus itself sums in map order).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from './engine.js';
import { PromQLError } from './errors.js';
import { createMemoryQuerier } from './memory-querier.js';
import { toApiData } from './result.js';
import type { ApiData } from './result.js';
import type { MemorySeries } from './memory-querier.js';
import { generateSeries, prng } from './testing/generate.js';
import { prometheusAvailable, startPrometheus, type RunningPrometheus } from '../../test/support/prometheus.js';

const T0 = Date.UTC(2026, 0, 1);
const H = 3_600_000;
const series = [...generateSeries({ startMs: T0, durationMs: 6 * H, intervalMs: 15_000, instances: 6, seed: 7 }), ...histogramEdges()];
const querier = createMemoryQuerier(series);

/**
 * Classic histograms `edge_seconds_bucket` over the 24 h before T0 and the 6 h after (one `case` label each), at
 * 30 s with a few ms of jitter, made to reach histogram_quantile's corners: counter resets in single buckets (so
 * rate() breaks monotonicity and the envelope fixes it up), NaN bucket values, a group without +Inf, duplicate
 * bounds written two ways (`1` and `1.0`), negative bounds, rates of zero, and gaps longer than the lookback.
 */
function histogramEdges(): MemorySeries[] {
  const rnd = prng(13);
  const start = T0 - 24 * H;
  const n = (30 * H) / 30_000;
  const ts = Float64Array.from({ length: n }, (_, i) => start + i * 30_000 + Math.floor(rnd() * 5));
  const out: MemorySeries[] = [];
  const group = (c: string, les: readonly string[], sample: (i: number, b: number, prev: number) => number, skip: (i: number, b: number) => boolean = () => false): void => {
    const prev = les.map(() => 0);
    const cols = les.map(() => ({ t: [] as number[], v: [] as number[] }));
    for (let i = 0; i < n; i++) {
      let carry = 0;
      for (let b = 0; b < les.length; b++) {
        // Cumulative: each bucket adds to the one below it, then the case may bend it.
        carry += Math.floor(rnd() * 4);
        const v = sample(i, b, (prev[b] as number) + carry);
        prev[b] = Number.isNaN(v) ? (prev[b] as number) : v - carry;
        if (skip(i, b)) continue;
        (cols[b] as { t: number[]; v: number[] }).t.push(ts[i] as number);
        (cols[b] as { t: number[]; v: number[] }).v.push(v);
      }
    }
    les.forEach((le, b) => {
      const col = cols[b] as { t: number[]; v: number[] };
      out.push({ labels: { __name__: 'edge_seconds_bucket', case: c, le }, timestamps: Float64Array.from(col.t), values: Float64Array.from(col.v) });
    });
  };
  const LES = ['0.1', '0.5', '1', '5', '+Inf'];
  group('plain', LES, (_i, _b, v) => v);
  // One bucket at a time restarts from zero (a partial scrape after a restart).
  group('resets', LES, (i, b, v) => (i % 97 === b * 11 ? 0 : v));
  group('nan', LES, (i, b, v) => (i % 53 === 0 && b === 2 ? NaN : v));
  group('noinf', ['0.1', '0.5', '1', '5'], (_i, _b, v) => v);
  group('dup', ['0.1', '1', '1.0', '5', '+Inf'], (_i, _b, v) => v);
  group('negative', ['-1', '0', '0.5', '+Inf'], (_i, _b, v) => v);
  group('flat', LES, (i, _b, v) => (i % 400 < 100 ? 7 : v));
  // Whole-group gaps longer than the lookback, and single buckets that go missing for minutes.
  group('gaps', LES, (_i, _b, v) => v, (i, b) => i % 240 >= 200 || (b === 1 && i % 100 < 15));
  return out;
}
const engine = createEngine();

const QUERIES = [
  // selectors, matchers, offset, @
  'http_requests_total',
  'http_requests_total{code="500"}',
  'http_requests_total{code!="200", job=~"ap.*"}',
  'http_requests_total{instance!~"host-[0-2].*"}',
  '{__name__=~"http_.*|temperature_celsius", job="worker"}',
  'queue_depth',
  'queue_depth offset 7m',
  'queue_depth offset -3m',
  'temperature_celsius @ 1767236400',
  'temperature_celsius @ 1767236400.5 offset 1h',
  'temperature_celsius @ start()',
  'rate(http_requests_total[5m] @ end())',
  // range functions
  'rate(http_requests_total[5m])',
  'rate(http_requests_total[1m])',
  'rate(http_requests_total[10m] offset 30m)',
  'irate(http_requests_total[5m])',
  'increase(http_requests_total[1h])',
  'delta(temperature_celsius[15m])',
  'idelta(temperature_celsius[5m])',
  'deriv(temperature_celsius[10m])',
  'predict_linear(temperature_celsius[30m], 3600)',
  'resets(http_requests_total[1h])',
  'changes(queue_depth[30m])',
  'avg_over_time(temperature_celsius[10m])',
  'min_over_time(temperature_celsius[10m])',
  'max_over_time(queue_depth[10m])',
  'sum_over_time(queue_depth[10m])',
  'count_over_time(queue_depth[10m])',
  'quantile_over_time(0.9, temperature_celsius[30m])',
  'stddev_over_time(temperature_celsius[20m])',
  'stdvar_over_time(temperature_celsius[20m])',
  'last_over_time(queue_depth[10m])',
  'present_over_time(queue_depth[2m])',
  'absent_over_time(queue_depth{instance="host-1:9100"}[2m])',
  'absent_over_time(nonexistent[5m])',
  'holt_winters(temperature_celsius[30m], 0.5, 0.3)',
  // aggregations
  'sum(rate(http_requests_total[5m]))',
  'sum by (job) (rate(http_requests_total[5m]))',
  'sum without (instance) (rate(http_requests_total[5m]))',
  'avg by (code) (http_requests_total)',
  'min by (job) (temperature_celsius)',
  'max(temperature_celsius)',
  'count by (job) (queue_depth)',
  'group by (code) (http_requests_total)',
  'stddev by (job) (temperature_celsius)',
  'stdvar(temperature_celsius)',
  'topk(3, rate(http_requests_total[5m]))',
  'bottomk(2, temperature_celsius)',
  'topk by (job) (1, temperature_celsius)',
  'quantile(0.75, rate(http_requests_total[5m]))',
  'quantile by (job) (0.3, temperature_celsius)',
  'count_values("value", queue_depth)',
  'count_values without (instance) ("depth", queue_depth)',
  'sum by (le) (rate(request_duration_seconds_bucket[5m]))',
  // histograms
  'histogram_quantile(0.9, rate(request_duration_seconds_bucket[5m]))',
  'histogram_quantile(0.5, sum by (le, job) (rate(request_duration_seconds_bucket[10m])))',
  'histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket[5m])))',
  'histogram_quantile(1.5, rate(request_duration_seconds_bucket[5m]))',
  'rate(request_duration_seconds_sum[5m]) / rate(request_duration_seconds_count[5m])',
  // binary operators
  'http_requests_total * 2',
  '2 ^ temperature_celsius',
  '-temperature_celsius',
  'temperature_celsius > 0',
  'temperature_celsius >= bool 0',
  '0 < temperature_celsius',
  'temperature_celsius % 7',
  'temperature_celsius == temperature_celsius',
  'http_requests_total / on(instance, job) group_left temperature_celsius',
  'rate(http_requests_total[5m]) / ignoring(code) group_left sum without (code) (rate(http_requests_total[5m]))',
  'temperature_celsius * on(instance, job) group_right http_requests_total',
  'queue_depth{instance=~"host-1.*"} + ignoring(instance) queue_depth{instance=~"host-[23].*"}',
  'sum by (instance) (http_requests_total) - on(instance) queue_depth',
  'queue_depth > bool on(instance, job) temperature_celsius',
  'queue_depth and temperature_celsius > 0',
  'queue_depth or temperature_celsius',
  'queue_depth unless on(instance) temperature_celsius < 0',
  'http_requests_total and ignoring(code) queue_depth',
  'temperature_celsius atan2 queue_depth',
  '1 + 2 * 3 ^ 2 ^ 0.5',
  '(1 > bool 2) + 1',
  // subqueries
  'max_over_time(rate(http_requests_total[5m])[30m:1m])',
  'avg_over_time(temperature_celsius[1h:5m])',
  'rate(sum by (job) (http_requests_total)[10m:])',
  'min_over_time(deriv(temperature_celsius[5m])[20m:2m] offset 10m)',
  'sum_over_time(queue_depth[30m:1m] @ 1767232800)',
  'max_over_time(max_over_time(temperature_celsius[5m:30s])[15m:1m])',
  // instant-vector functions
  'abs(temperature_celsius)',
  'ceil(temperature_celsius)',
  'floor(temperature_celsius)',
  'round(temperature_celsius)',
  'round(temperature_celsius, 0.3)',
  'clamp(temperature_celsius, -10, 10)',
  'clamp_min(temperature_celsius, 0)',
  'clamp_max(temperature_celsius, 0)',
  'sqrt(queue_depth)',
  'exp(temperature_celsius / 100)',
  'ln(queue_depth)',
  'log2(queue_depth)',
  'log10(http_requests_total)',
  'sgn(temperature_celsius)',
  'sin(temperature_celsius)',
  'cos(temperature_celsius)',
  'tanh(temperature_celsius / 10)',
  'deg(temperature_celsius)',
  'rad(temperature_celsius)',
  'timestamp(queue_depth)',
  'timestamp(rate(http_requests_total[5m]))',
  'time()',
  'vector(time())',
  'scalar(sum(queue_depth))',
  'scalar(queue_depth)',
  'queue_depth * scalar(count(queue_depth))',
  'label_replace(queue_depth, "host", "$1", "instance", "(.*):.*")',
  'label_replace(queue_depth, "x", "${1}-y", "job", "(a)(p)i")',
  'label_join(queue_depth, "id", "/", "job", "instance")',
  'absent(nonexistent{job="x"})',
  'absent(queue_depth)',
  'day_of_month()',
  'day_of_week(vector(1767225600))',
  'day_of_year()',
  'days_in_month()',
  'hour()',
  'minute(timestamp(queue_depth))',
  'month()',
  'year()',
  'pi()',
];

const INSTANT_TIMES = [T0 + 3 * H + 7_123, T0 + 2 * H + 45 * 60_000, T0 + 5 * H + 59 * 60_000 + 999, T0 + 6 * H + 4 * 60_000];
// histogram_quantile over the edge histograms, over a day at steps aligned and not.
const HISTOGRAM_QUERIES = [
  'histogram_quantile(0.99, rate(edge_seconds_bucket[5m]))',
  'histogram_quantile(0.5, rate(edge_seconds_bucket[1h]))',
  'histogram_quantile(0.9, sum by (le) (rate(edge_seconds_bucket[5m])))',
  'histogram_quantile(0.25, sum by (le, case) (increase(edge_seconds_bucket[10m])))',
  'histogram_quantile(0, rate(edge_seconds_bucket[5m]))',
  'histogram_quantile(1, rate(edge_seconds_bucket[5m]))',
  'histogram_quantile(0.75, edge_seconds_bucket)',
  'histogram_quantile(0.99, max_over_time(rate(edge_seconds_bucket[2m])[10m:1m]))',
];
const HISTOGRAM_RANGES = [
  [T0 - 24 * H, T0, 60_000],
  [T0 - 23 * H + 7_000, T0 + 6 * H + 30 * 60_000, 97_000],
] as const;

const SORT_QUERIES = ['sort(temperature_celsius)', 'sort_desc(queue_depth)', 'sort_desc(rate(http_requests_total[5m]))'];
const ERROR_QUERIES = [
  'foo(',
  'rate(queue_depth)',
  'sum by (job) (queue_depth) + on(job) queue_depth',
  'queue_depth + on(job) queue_depth',
  'queue_depth + ignoring(instance) queue_depth',
  'label_replace(queue_depth, "1x", "", "job", "")',
  'topk(1e100, queue_depth)',
  'unknown_function(x)',
  '1 > 2',
  'x[5m] + 1',
  'foo(',
  'sum(x',
  'x{a="b"',
  'x[5m',
  '1 +',
  '{a=~"("}',
  'x offset 0s',
  'x @ 1e300',
  'atan2(a, b)',
  'x)',
  'x]',
  'sum(x) by (a) (b)',
  'count_values(1, x)',
  'label_join(x, "a")',
  'a and on(x) group_left b',
  'sum(x[5m:1m])',
  '-"a"',
  '{}',
  'x{__name__="y"}',
  'rate(x[5m] offset 1m offset 2m)',
  'quantile(x, y)',
  'histogram_quantile(x, y)',
  'round(x, 1, 2)',
];

async function promQuery(p: RunningPrometheus, path: string, params: Record<string, string>): Promise<{ status: string; data?: ApiData; errorType?: string; error?: string }> {
  const res = await fetch(`${p.url}/api/v1/${path}`, { method: 'POST', body: new URLSearchParams(params) });
  return (await res.json()) as { status: string; data?: ApiData; errorType?: string; error?: string };
}

/** Values as Prometheus writes them; a last-bits difference is accepted only where Prometheus itself varies (map order). */
function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a.replace('Inf', 'Infinity'));
  const y = Number(b.replace('Inf', 'Infinity'));
  return Math.abs(x - y) <= 1e-12 * Math.max(Math.abs(x), Math.abs(y));
}

type Row = { key: string; points: [number, string][] };

function rows(d: ApiData): Row[] {
  const key = (m: Record<string, string>): string => JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
  switch (d.resultType) {
    case 'vector':
      return d.result.map((s) => ({ key: key(s.metric), points: [s.value] }));
    case 'matrix':
      return d.result.map((s) => ({ key: key(s.metric), points: s.values }));
    case 'scalar':
      return [{ key: 'scalar', points: [d.result] }];
    case 'string':
      return [{ key: 'string', points: [[d.result[0], d.result[1]]] }];
  }
}

function assertSame(ours: ApiData, theirs: ApiData, ordered: boolean): void {
  expect(ours.resultType).toBe(theirs.resultType);
  const a = rows(ours);
  const b = rows(theirs);
  if (!ordered) {
    a.sort((x, y) => (x.key < y.key ? -1 : 1));
    b.sort((x, y) => (x.key < y.key ? -1 : 1));
  }
  expect(a.map((r) => r.key)).toEqual(b.map((r) => r.key));
  a.forEach((r, i) => {
    const o = b[i] as Row;
    expect(r.points.map((p) => p[0]), r.key).toEqual(o.points.map((p) => p[0]));
    r.points.forEach((p, j) => {
      const theirsValue = (o.points[j] as [number, string])[1];
      if (!sameValue(p[1], theirsValue)) expect(`${r.key} @${p[0]}: ${p[1]}`).toBe(`${r.key} @${p[0]}: ${theirsValue}`);
    });
  });
}

const available = await prometheusAvailable();

describe.skipIf(!available)('PromQL engine equals Prometheus 2.42 (skipped when prometheus/promtool are not installed)', () => {
  let prom: RunningPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus(series);
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
  });

  for (const q of QUERIES) {
    it(`instant: ${q}`, async () => {
      for (const t of INSTANT_TIMES) {
        const theirs = await promQuery(prom, 'query', { query: q, time: String(t / 1000) });
        expect(theirs.status, `${q} at ${t}: ${theirs.error}`).toBe('success');
        const ours = toApiData(await engine.instantQuery(querier, q, t));
        assertSame(ours, theirs.data as ApiData, false);
      }
    });
  }

  for (const q of QUERIES) {
    it(`range: ${q}`, async () => {
      for (const [start, end, step] of [
        [T0 + H, T0 + 5 * H, 60_000],
        [T0 + 5 * H + 13_000, T0 + 6 * H + 20 * 60_000, 37_000],
      ] as const) {
        const theirs = await promQuery(prom, 'query_range', { query: q, start: String(start / 1000), end: String(end / 1000), step: String(step / 1000) });
        expect(theirs.status, `${q}: ${theirs.error}`).toBe('success');
        const ours = toApiData(await engine.rangeQuery(querier, q, start, end, step));
        assertSame(ours, theirs.data as ApiData, false);
      }
    });
  }

  for (const q of HISTOGRAM_QUERIES) {
    it(`histogram range: ${q}`, async () => {
      for (const [start, end, step] of HISTOGRAM_RANGES) {
        const theirs = await promQuery(prom, 'query_range', { query: q, start: String(start / 1000), end: String(end / 1000), step: String(step / 1000) });
        expect(theirs.status, `${q}: ${theirs.error}`).toBe('success');
        const ours = toApiData(await engine.rangeQuery(querier, q, start, end, step));
        assertSame(ours, theirs.data as ApiData, false);
      }
    });
    it(`histogram instant: ${q}`, async () => {
      for (const t of [T0 - 12 * H + 29_999, ...INSTANT_TIMES]) {
        const theirs = await promQuery(prom, 'query', { query: q, time: String(t / 1000) });
        expect(theirs.status, `${q} at ${t}: ${theirs.error}`).toBe('success');
        assertSame(toApiData(await engine.instantQuery(querier, q, t)), theirs.data as ApiData, false);
      }
    });
  }

  for (const q of SORT_QUERIES) {
    it(`ordered: ${q}`, async () => {
      const t = INSTANT_TIMES[0] as number;
      const theirs = await promQuery(prom, 'query', { query: q, time: String(t / 1000) });
      assertSame(toApiData(await engine.instantQuery(querier, q, t)), theirs.data as ApiData, true);
    });
  }

  for (const q of ERROR_QUERIES) {
    it(`error: ${q}`, async () => {
      const t = INSTANT_TIMES[0] as number;
      const theirs = await promQuery(prom, 'query', { query: q, time: String(t / 1000) });
      expect(theirs.status).toBe('error');
      const err = await engine.instantQuery(querier, q, t).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PromQLError);
      // Prometheus's API prefixes parse errors with the parameter they came from; the engine leaves that to the API.
      const theirError = (theirs.error ?? '').replace(/^invalid parameter "query": /, '');
      expect({ errorType: (err as PromQLError).errorType, error: (err as PromQLError).message }).toEqual({ errorType: theirs.errorType, error: theirError });
    });
  }

  it('range query limits as Prometheus answers them', async () => {
    const theirs = await promQuery(prom, 'query_range', { query: 'queue_depth', start: '0', end: '100000', step: '1' });
    const err = await engine.rangeQuery(querier, 'queue_depth', 0, 100_000_000, 1000).catch((e: unknown) => e);
    expect({ errorType: (err as PromQLError).errorType, error: (err as PromQLError).message }).toEqual({ errorType: theirs.errorType, error: theirs.error });
  });
});
