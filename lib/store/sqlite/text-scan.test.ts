// A text search reads at most textScanLimit rows per page (issue 17.9): past that the page ends early, even
// empty, with a cursor after the last row read, and following the cursors finds every match exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logEvent, T0 } from '../conformance/fixtures.js';
import { createSqliteStore, type SqliteStore } from './store.js';

describe('text search scan budget (SQLite)', () => {
  let store: SqliteStore;
  const matching = [5, 250, 251, 252, 349];
  beforeAll(async () => {
    store = await createSqliteStore({ path: ':memory:', textScanLimit: 100 });
    const events = Array.from({ length: 350 }, (_, i) => logEvent({ ts: T0 + i, message: matching.includes(i) ? `Needle number ${i}` : `hay ${i}` }));
    await store.appendEvents(events);
  });
  afterAll(async () => {
    await store?.close();
  });

  it.each(['asc', 'desc'] as const)('pages through every match once, %s, each page reading at most the budget', async (order) => {
    const found: number[] = [];
    const pages: number[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 20; n++) {
      const page = await store.queryEvents({ tenant: 'acme', kind: 'log', text: 'needle', limit: 2, order, ...(cursor ? { cursor } : {}) });
      pages.push(page.items.length);
      found.push(...page.items.map((e) => e.ts - T0));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(found).toEqual(order === 'asc' ? matching : [...matching].reverse());
    // Some page read 100 rows without a match and still handed on a cursor.
    expect(pages).toContain(0);
  });

  it('without a text filter pages are full as always', async () => {
    const page = await store.queryEvents({ tenant: 'acme', kind: 'log', limit: 200, order: 'asc' });
    expect(page.items).toHaveLength(200);
    expect(page.nextCursor).not.toBeNull();
  });
});
