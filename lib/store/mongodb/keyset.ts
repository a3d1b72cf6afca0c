// Exact (ts, _id) keyset pages from a source that can only sort by ts (the metric time series): take the first n
// rows by ts, then replace the rows of the boundary millisecond by all rows of that millisecond and order by
// (ts, _id). Pure; the caller does the two reads.

export interface KeyedRow {
  _id: unknown;
  ts: Date;
}

export function compareKeys(order: 'asc' | 'desc'): (a: KeyedRow, b: KeyedRow) => number {
  const dir = order === 'desc' ? -1 : 1;
  return (a, b) => {
    const ia = String(a._id);
    const ib = String(b._id);
    return dir * (a.ts.getTime() - b.ts.getTime() || (ia < ib ? -1 : ia > ib ? 1 : 0));
  };
}

/** The millisecond whose rows must all be read, or undefined when `head` (first n rows by ts) is the whole result. */
export function boundaryOf<T extends KeyedRow>(head: readonly T[], n: number): Date | undefined {
  return head.length < n ? undefined : head[head.length - 1]?.ts;
}

/** The first n rows in (ts, _id) order, given the first n rows by ts and the first n rows (by _id) sharing the boundary ts. */
export function mergeBoundary<T extends KeyedRow>(head: readonly T[], ties: readonly T[], n: number, order: 'asc' | 'desc'): T[] {
  const boundary = boundaryOf(head, n);
  const cmp = compareKeys(order);
  if (boundary === undefined) return [...head].sort(cmp);
  const before = head.filter((d) => d.ts.getTime() !== boundary.getTime());
  return [...before, ...ties].sort(cmp).slice(0, n);
}
