import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundaryOf, compareKeys, mergeBoundary, type KeyedRow } from './keyset.js';

/** What a ts-only sort may return: the rows ordered by ts, ties in any order. */
function tsOnlySort(rows: KeyedRow[], order: 'asc' | 'desc', shuffleSeed: number): KeyedRow[] {
  const dir = order === 'desc' ? -1 : 1;
  const tagged = rows.map((r, i) => ({ r, k: (i * 2654435761 + shuffleSeed) % 1000 }));
  tagged.sort((a, b) => dir * (a.r.ts.getTime() - b.r.ts.getTime()) || a.k - b.k);
  return tagged.map((t) => t.r);
}

describe('metric keyset merge', () => {
  it('gives exactly the first n rows in (ts, _id) order whatever order ties came in', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ _id: fc.string({ minLength: 1, maxLength: 4 }), t: fc.integer({ min: 0, max: 6 }) }), { selector: (r) => r._id, maxLength: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom('asc' as const, 'desc' as const),
        fc.nat(),
        (raw, n, order, seed) => {
          const rows: KeyedRow[] = raw.map((r) => ({ _id: r._id, ts: new Date(r.t) }));
          const head = tsOnlySort(rows, order, seed).slice(0, n);
          const boundary = boundaryOf(head, n);
          const ties = boundary === undefined ? [] : rows.filter((r) => r.ts.getTime() === boundary.getTime()).sort(compareKeys(order)).slice(0, n);
          const expected = [...rows].sort(compareKeys(order)).slice(0, n);
          expect(mergeBoundary(head, ties, n, order)).toEqual(expected);
        },
      ),
    );
  });
});
