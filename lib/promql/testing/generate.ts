// Deterministic scrape-like metrics for comparisons and benchmarks: counters with resets, gauges (with NaN and
// negative values), classic histograms and series with gaps longer than the lookback, at a fixed interval with a
// few ms of jitter. Same seed, same samples.
import type { MemorySeries } from '../memory-querier.js';

export interface GenerateOptions {
  readonly startMs: number;
  readonly durationMs: number;
  readonly intervalMs: number;
  /** Instances per job; each gets every kind of series. */
  readonly instances: number;
  readonly seed?: number;
}

/** Mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity];

export function generateSeries(o: GenerateOptions): MemorySeries[] {
  const rnd = prng(o.seed ?? 42);
  const steps = Math.floor(o.durationMs / o.intervalMs);
  const times = (skip: (i: number) => boolean): number[] => {
    const ts: number[] = [];
    for (let i = 0; i < steps; i++) if (!skip(i)) ts.push(o.startMs + i * o.intervalMs + Math.floor(rnd() * 5));
    return ts;
  };
  const out: MemorySeries[] = [];
  const push = (labels: Record<string, string>, ts: number[], vals: number[]): void => {
    out.push({ labels, timestamps: Float64Array.from(ts), values: Float64Array.from(vals) });
  };
  for (let inst = 0; inst < o.instances; inst++) {
    const instance = `host-${inst}:9100`;
    const job = inst % 2 === 0 ? 'api' : 'worker';
    // Counters per status code, with resets now and then.
    for (const code of ['200', '404', '500']) {
      const ts = times(() => false);
      let v = Math.floor(rnd() * 1000);
      const vals = ts.map(() => {
        if (rnd() < 0.003) v = 0;
        v += code === '200' ? Math.floor(rnd() * 100) : Math.floor(rnd() * 3);
        return v;
      });
      push({ __name__: 'http_requests_total', job, instance, code }, ts, vals);
    }
    // A gauge: a random walk around zero, some NaN.
    {
      const ts = times(() => false);
      let v = (rnd() - 0.5) * 100;
      push({ __name__: 'temperature_celsius', job, instance }, ts, ts.map(() => (rnd() < 0.002 ? NaN : (v += (rnd() - 0.5) * 3))));
    }
    // A gauge with gaps longer than the lookback (and the series ending early for odd instances).
    {
      const ts = times((i) => (i % 200 >= 150 && i % 200 < 180) || (inst % 2 === 1 && i > steps * 0.8));
      push({ __name__: 'queue_depth', job, instance }, ts, ts.map(() => Math.floor(rnd() * 50)));
    }
    // A classic histogram.
    {
      const ts = times(() => false);
      const counts = BUCKETS.map(() => 0);
      let sum = 0;
      const bucketVals: number[][] = BUCKETS.map(() => []);
      const sums: number[] = [];
      const totals: number[] = [];
      for (let i = 0; i < ts.length; i++) {
        const n = Math.floor(rnd() * 20);
        for (let k = 0; k < n; k++) {
          const obs = Math.exp(rnd() * 6 - 5);
          sum += obs;
          BUCKETS.forEach((b, bi) => {
            if (obs <= b) counts[bi] = (counts[bi] as number) + 1;
          });
        }
        BUCKETS.forEach((_, bi) => (bucketVals[bi] as number[]).push(counts[bi] as number));
        sums.push(sum);
        totals.push(counts[counts.length - 1] as number);
      }
      BUCKETS.forEach((b, bi) => push({ __name__: 'request_duration_seconds_bucket', job, instance, le: b === Infinity ? '+Inf' : String(b) }, ts, bucketVals[bi] as number[]));
      push({ __name__: 'request_duration_seconds_sum', job, instance }, ts, sums);
      push({ __name__: 'request_duration_seconds_count', job, instance }, ts, totals);
    }
  }
  return out;
}

/** The series as an OpenMetrics text exposition with explicit timestamps (what `promtool tsdb create-blocks-from openmetrics` reads). */
export function toOpenMetrics(series: readonly MemorySeries[]): string {
  return [...openMetricsParts(series)].join('');
}

/** toOpenMetrics in pieces (one per series), for data too large for one string. */
export function* openMetricsParts(series: readonly MemorySeries[]): Generator<string> {
  const byName = new Map<string, MemorySeries[]>();
  for (const s of series) {
    const name = s.labels.__name__ ?? '';
    const list = byName.get(name) ?? [];
    list.push(s);
    byName.set(name, list);
  }
  for (const [name, list] of byName) {
    yield `# TYPE ${name} unknown\n`;
    for (const s of list) {
      const labels = Object.entries(s.labels)
        .filter(([k]) => k !== '__name__')
        .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
        .join(',');
      const lines: string[] = [];
      for (let i = 0; i < s.timestamps.length; i++) {
        const v = s.values[i] as number;
        const text = Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
        lines.push(`${name}{${labels}} ${text} ${((s.timestamps[i] as number) / 1000).toFixed(3)}\n`);
      }
      yield lines.join('');
    }
  }
  yield '# EOF\n';
}
