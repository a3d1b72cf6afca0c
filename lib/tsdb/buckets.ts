// Time buckets of samples for `/api/metrics/series`: avg, min and max of the samples in each step-wide
// bucket [from + k*step, from + (k+1)*step), all series of the selection together; empty buckets and
// non-finite values left out. Pure.
import type { SeriesPoint } from '../store/types.js';

export function bucketSamples(timestamps: ArrayLike<number>, values: ArrayLike<number>, from: number, stepMs: number, into: Map<number, SeriesPoint & { sum: number }>): void {
  for (let i = 0; i < timestamps.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    const t = from + Math.floor(((timestamps[i] as number) - from) / stepMs) * stepMs;
    const p = into.get(t);
    if (!p) into.set(t, { t, avg: v, min: v, max: v, count: 1, sum: v });
    else {
      p.sum += v;
      p.count++;
      if (v < p.min) p.min = v;
      if (v > p.max) p.max = v;
    }
  }
}

export function finishBuckets(into: Map<number, SeriesPoint & { sum: number }>): SeriesPoint[] {
  return [...into.values()].sort((a, b) => a.t - b.t).map((p) => ({ t: p.t, avg: p.sum / p.count, min: p.min, max: p.max, count: p.count }));
}
