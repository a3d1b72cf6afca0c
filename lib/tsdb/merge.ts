// Merging the sample runs of one series (decoded chunks and head rows) into one ascending run without
// duplicate timestamps, cut to a range. Pure.

export interface Run {
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** Merges runs (each ascending) into [startMs, endMs]; on equal timestamps the earlier run wins. */
export function mergeRuns(runs: readonly Run[], startMs: number, endMs: number): { timestamps: number[]; values: number[] } {
  const timestamps: number[] = [];
  const values: number[] = [];
  const sorted = runs.length <= 1 || runs.every((r, i) => i === 0 || (r.timestamps[0] ?? Infinity) > lastOf(runs[i - 1] as Run));
  if (sorted) {
    for (const r of runs) {
      for (let i = 0; i < r.timestamps.length; i++) {
        const t = r.timestamps[i] as number;
        if (t < startMs || t > endMs) continue;
        timestamps.push(t);
        values.push(r.values[i] as number);
      }
    }
    return { timestamps, values };
  }
  const all: [number, number, number][] = [];
  runs.forEach((r, k) => {
    for (let i = 0; i < r.timestamps.length; i++) {
      const t = r.timestamps[i] as number;
      if (t >= startMs && t <= endMs) all.push([t, k, r.values[i] as number]);
    }
  });
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [t, , v] of all) {
    if (timestamps.length > 0 && timestamps[timestamps.length - 1] === t) continue;
    timestamps.push(t);
    values.push(v);
  }
  return { timestamps, values };
}

function lastOf(r: Run): number {
  return r.timestamps.length === 0 ? -Infinity : (r.timestamps[r.timestamps.length - 1] as number);
}
