// The pure half of series admission: labels per series are bounded by the count a producer hands over (or the
// labels' own), refused series answer one rejection per sample, and the kept series keep their order.
import { describe, expect, it } from 'vitest';
import type { BatchSeries } from '../lib/tsdb/batch.js';
import { admitWithin } from './series-admission.js';

const series = (name: string, labels: number, samples: number, firstIndex: number, labelCount?: number): BatchSeries => {
  const l: Record<string, string> = { __name__: name };
  for (let i = 1; i < labels; i++) l[`l${i}`] = 'v';
  return { target: 't', labels: l, type: 'gauge', timestamps: Array.from({ length: samples }, (_, k) => k), values: Array.from({ length: samples }, () => 1), firstIndex, ...(labelCount === undefined ? {} : { labelCount }) };
};

describe('admitWithin', () => {
  it('keeps every series, in order and without a copy, when none has too many labels', () => {
    const all = [series('a', 3, 2, 0), series('b', 4, 1, 2, 4)];
    const out = admitWithin(all, { maxLabelsPerSeries: 4, room: 10 });
    expect(out?.series).toBe(all);
    expect(out?.rejected).toEqual([]);
    expect(out?.refused.size).toBe(0);
  });

  it('refuses the series over the bound, by the label count given or the labels counted, one rejection per sample', () => {
    const all = [series('a', 2, 1, 0), series('wide', 5, 2, 1), series('c', 2, 1, 3), series('counted', 2, 3, 4, 7), series('e', 1, 1, 7)];
    const out = admitWithin(all, { maxLabelsPerSeries: 4, room: 10 });
    expect(out?.series.map((s) => s.labels.__name__)).toEqual(['a', 'c', 'e']);
    expect(out?.rejected.map((r) => r.index)).toEqual([1, 2, 4, 5, 6]);
    expect(out?.rejected[0]?.error).toMatch(/series wide has 5 labels, over the tenant's limit of 4/);
    expect(out?.rejected[2]?.error).toMatch(/series counted has 7 labels/);
    expect(out?.refused.get('labels_per_series')).toBe(5);
    expect(all).toHaveLength(5);
  });

  it('hands the request back near the limit: more kept series than room', () => {
    expect(admitWithin([series('a', 1, 1, 0), series('b', 1, 1, 1)], { maxLabelsPerSeries: 4, room: 1 })).toBeUndefined();
    expect(admitWithin([series('wide', 9, 1, 0)], { maxLabelsPerSeries: 4, room: 0 })?.series).toEqual([]);
  });
});
