// The data of issue 13's dashboard queries, shared by the PromQL benchmarks: SERIES request counters (a label
// `job` of ten values, so `sum by (job)` folds a thousand series into ten) and HISTOGRAMS classic histograms of
// twelve buckets, scraped every 15 s with a few ms of jitter, resets now and then. Deterministic.
import type { MemorySeries } from '../lib/promql/memory-querier.js';
import { prng } from '../lib/promql/testing/generate.js';

export const SCRAPE_MS = 15_000;
const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

export const DASHBOARD_QUERIES: Readonly<Record<string, string>> = {
  'sum by (job) (rate[5m]) over 1,000 series': 'sum by (job) (rate(http_requests_total[5m]))',
  'histogram_quantile(0.99) by le': 'histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket[5m])))',
};

export function dashboardSeries(o: { series: number; histograms: number; startMs: number; endMs: number; seed?: number }): MemorySeries[] {
  const rnd = prng(o.seed ?? 1);
  const n = Math.floor((o.endMs - o.startMs) / SCRAPE_MS) + 1;
  const counter = (labels: Record<string, string>, rate: number): MemorySeries => {
    const ts = new Float64Array(n);
    const vals = new Float64Array(n);
    let v = 0;
    for (let i = 0; i < n; i++) {
      ts[i] = o.startMs + i * SCRAPE_MS + Math.floor(rnd() * 5);
      if (rnd() < 0.0005) v = 0;
      v += Math.floor(rnd() * rate);
      vals[i] = v;
    }
    return { labels, timestamps: ts, values: vals };
  };
  const data: MemorySeries[] = [];
  for (let i = 0; i < o.series; i++) {
    data.push(counter({ __name__: 'http_requests_total', job: `job-${i % 10}`, instance: `host-${i}:9100`, code: ['200', '404', '500'][i % 3] as string }, 100));
  }
  for (let h = 0; h < o.histograms; h++) {
    LE.forEach((le, bi) => data.push(counter({ __name__: 'request_duration_seconds_bucket', job: `job-${h % 10}`, instance: `host-${h}:9100`, le }, 2 + bi * 3)));
  }
  return data;
}
