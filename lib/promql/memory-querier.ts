// A Querier over series held in memory: the engine's tests, the comparison test and the benchmark use it, and it
// is the reference behaviour for the store adapters (range inclusive on both ends, stale markers kept).
import type { LabelMatcher, Labels, Querier, SelectRange, SeriesSamples } from './querier.js';
import { SampleLimitError } from './querier.js';
import { compareLabels } from './labels.js';
import { compileSelector } from './matchers.js';
import { lowerBound, upperBound } from '../tsdb/bounds.js';

export interface MemorySeries {
  readonly labels: Labels;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

export function createMemoryQuerier(input: readonly MemorySeries[]): Querier {
  const all = [...input].sort((a, b) => compareLabels(a.labels, b.labels));

  function matching(sets: readonly (readonly LabelMatcher[])[], range: SelectRange): MemorySeries[] {
    const preds = sets.map(compileSelector);
    return all.filter((s) => {
      if (!preds.some((p) => p(s.labels))) return false;
      const lo = lowerBound(s.timestamps, range.startMs);
      return lo < s.timestamps.length && (s.timestamps[lo] as number) <= range.endMs;
    });
  }

  return {
    async select(matchers, range) {
      const pred = compileSelector(matchers);
      const out: SeriesSamples[] = [];
      let total = 0;
      for (const s of all) {
        if (!pred(s.labels)) continue;
        const lo = lowerBound(s.timestamps, range.startMs);
        const hi = upperBound(s.timestamps, range.endMs);
        if (hi <= lo) continue;
        total += hi - lo;
        if (range.maxSamples !== undefined && total > range.maxSamples) throw new SampleLimitError(range.maxSamples);
        out.push({ labels: s.labels, timestamps: s.timestamps.subarray(lo, hi), values: s.values.subarray(lo, hi) });
      }
      return out;
    },
    async series(sets, range) {
      return matching(sets, range).map((s) => s.labels);
    },
    async labelNames(sets, range) {
      const names = new Set<string>();
      for (const s of matching(sets.length === 0 ? [[]] : sets, range)) for (const n of Object.keys(s.labels)) names.add(n);
      return [...names].sort();
    },
    async labelValues(name, sets, range) {
      const values = new Set<string>();
      for (const s of matching(sets.length === 0 ? [[]] : sets, range)) {
        const v = s.labels[name];
        if (v !== undefined && v !== '') values.add(v);
      }
      return [...values].sort();
    },
  };
}
