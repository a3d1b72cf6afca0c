// The store ingest's tests run against. Until lib/store/sqlite lands this is a minimal events-only store
// with the port's semantics (append idempotent by id, exact counts); it is replaced by the real SQLite adapter.
import type { EventKind } from '../lib/events/event.js';
import type { Store } from '../lib/store/port.js';
import type { StoredEvent } from '../lib/store/types.js';

export type TestEventStore = Pick<Store, 'appendEvents' | 'countEvents'> & { close(): Promise<void>; ids(tenant: string): string[] };

export async function openTestStore(): Promise<TestEventStore> {
  const rows = new Map<string, StoredEvent>();
  return {
    async appendEvents(events) {
      let inserted = 0;
      for (const e of events) {
        const k = `${e.tenant}\u0000${e.id}`;
        if (!rows.has(k)) {
          rows.set(k, e);
          inserted++;
        }
      }
      return { inserted };
    },
    async countEvents(tenant: string, kind?: EventKind) {
      let n = 0;
      for (const e of rows.values()) if (e.tenant === tenant && (kind === undefined || e.kind === kind)) n++;
      return n;
    },
    ids: (tenant) => [...rows.values()].filter((e) => e.tenant === tenant).map((e) => e.id),
    async close() {},
  };
}
