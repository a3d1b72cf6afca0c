// Interval arithmetic on [start, end) millisecond ranges: unions, clipping and subtraction. Pure; shared by
// the uptime report (query/uptime.ts), the status board's uptime strip and the browser.

export interface Interval {
  start: number;
  end: number;
}

/** Sorted, disjoint, non-empty intervals covering the same time as the input. */
export function unionOf(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ start: i.start, end: i.end });
  }
  return out;
}

export function clip(intervals: readonly Interval[], window: Interval): Interval[] {
  return intervals.map((i) => ({ start: Math.max(i.start, window.start), end: Math.min(i.end, window.end) })).filter((i) => i.end > i.start);
}

/** `a` minus `b`, both unions (sorted, disjoint). */
export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  // Binary search for the first hole that can touch `a`: one incident against many maintenance windows.
  let j = 0;
  let hi = b.length;
  const first = a[0]?.start ?? 0;
  while (j < hi) {
    const mid = (j + hi) >>> 1;
    if ((b[mid] as Interval).end <= first) j = mid + 1;
    else hi = mid;
  }
  for (const i of a) {
    let start = i.start;
    while (j < b.length && (b[j] as Interval).end <= start) j++;
    let k = j;
    while (k < b.length && (b[k] as Interval).start < i.end) {
      const cut = b[k] as Interval;
      if (cut.start > start) out.push({ start, end: cut.start });
      start = Math.max(start, cut.end);
      k++;
    }
    if (start < i.end) out.push({ start, end: i.end });
  }
  return out;
}

export const totalLength = (intervals: readonly Interval[]): number => intervals.reduce((s, i) => s + (i.end - i.start), 0);
