// Merging the sample runs of one series (decoded chunks and head rows) into one ascending run without
// duplicate timestamps, cut to a range. Pure.
import { lowerBound, upperBound } from './bounds.js';

export interface Run {
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
}

/**
 * Merges runs (each ascending) into [startMs, endMs]; on equal timestamps the earlier run wins. Straight into
 * typed arrays (what the PromQL engine evaluates over), copying typed runs (decoded chunks) with `set`, which
 * also keeps NaN payloads such as the staleness marker bit-exact. Runs in order that are adjacent views of one
 * buffer (decodeSeriesRuns) are not copied: the result is a view of that buffer.
 */
export function mergeRuns(runs: readonly Run[], startMs: number, endMs: number): { timestamps: Float64Array; values: Float64Array } {
  const sorted = runs.length <= 1 || runs.every((r, i) => i === 0 || (r.timestamps[0] ?? Infinity) > lastOf(runs[i - 1] as Run));
  if (sorted) {
    const allTs = contiguous(runs, (r) => r.timestamps);
    const allVals = allTs && contiguous(runs, (r) => r.values);
    if (allTs && allVals) {
      // One buffer already (decodeSeriesRuns): the range is a view of it.
      const lo = lowerBound(allTs, startMs);
      const hi = Math.max(lo, upperBound(allTs, endMs));
      return { timestamps: allTs.subarray(lo, hi), values: allVals.subarray(lo, hi) };
    }
    const cuts: number[] = [];
    let n = 0;
    for (const r of runs) {
      const lo = lowerBound(r.timestamps, startMs);
      const hi = upperBound(r.timestamps, endMs);
      cuts.push(lo, hi);
      if (hi > lo) n += hi - lo;
    }
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    let k = 0;
    runs.forEach((r, j) => {
      const lo = cuts[2 * j] as number;
      const hi = cuts[2 * j + 1] as number;
      if (hi <= lo) return;
      if (r.timestamps instanceof Float64Array && r.values instanceof Float64Array) {
        timestamps.set(r.timestamps.subarray(lo, hi), k);
        values.set(r.values.subarray(lo, hi), k);
        k += hi - lo;
        return;
      }
      for (let i = lo; i < hi; i++, k++) {
        timestamps[k] = r.timestamps[i] as number;
        values[k] = r.values[i] as number;
      }
    });
    return { timestamps, values };
  }
  // Where each sample is (timestamp, run, index), not its value: a NaN kept in a plain array loses its payload,
  // which turned the staleness marker into an ordinary NaN when a cut merged a run written out of order.
  const all: [number, number, number][] = [];
  runs.forEach((r, k) => {
    for (let i = 0; i < r.timestamps.length; i++) {
      const t = r.timestamps[i] as number;
      if (t >= startMs && t <= endMs) all.push([t, k, i]);
    }
  });
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let n = 0;
  for (let j = 0; j < all.length; j++) if (j === 0 || (all[j] as [number, number, number])[0] !== (all[j - 1] as [number, number, number])[0]) n++;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  let k = -1;
  for (const [t, run, i] of all) {
    if (k >= 0 && timestamps[k] === t) continue;
    timestamps[++k] = t;
    values[k] = (runs[run] as Run).values[i] as number;
  }
  return { timestamps, values };
}

/** The runs' arrays as one view when they are adjacent views of one Float64Array buffer, in order; else null. */
function contiguous(runs: readonly Run[], part: (r: Run) => ArrayLike<number>): Float64Array | null {
  const first = runs.length > 0 ? part(runs[0] as Run) : null;
  if (!(first instanceof Float64Array)) return runs.length === 0 ? new Float64Array(0) : null;
  let end = first.byteOffset + first.byteLength;
  for (let i = 1; i < runs.length; i++) {
    const a = part(runs[i] as Run);
    if (!(a instanceof Float64Array) || a.buffer !== first.buffer || a.byteOffset !== end) return null;
    end += a.byteLength;
  }
  return new Float64Array(first.buffer, first.byteOffset, (end - first.byteOffset) / 8);
}

function lastOf(r: Run): number {
  return r.timestamps.length === 0 ? -Infinity : (r.timestamps[r.timestamps.length - 1] as number);
}
