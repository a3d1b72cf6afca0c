// The SQLite store: the all-in-one default and the store the tests run against. better-sqlite3 is synchronous,
// so every method does one short piece of work (one statement or one transaction) and the async signatures
// just wrap it; long work (retention) is cut into chunks that yield to the event loop. A write lock held
// elsewhere is waited for without blocking the loop, then reported as the typed storeBusy error (busy.ts).
import type { Store } from '../port.js';
import type { Channel, InhibitRule, Maintenance, NotificationRoute, Rule, Silence, StatusPage, Target } from '../types.js';
import { createSqliteAuth } from './auth.js';
import { createSqliteConfig } from './config.js';
import { retryWhileBusy } from './busy.js';
import { startCheckpointer } from './checkpointer.js';
import { checkpointWorkerWanted, openDatabase, settleBusyTimeout, type SqliteStoreOptions } from './db.js';
import { createSqliteEvents } from './events.js';
import { createSqliteIncidents } from './incidents.js';
import { createSqliteMetrics } from './metrics.js';

export type { SqliteStoreOptions } from './db.js';

export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  /** The file path (or `:memory:`). */
  readonly path: string;
}

export async function createSqliteStore(opts: SqliteStoreOptions): Promise<SqliteStore> {
  const db = openDatabase(opts);
  const checkpointer = checkpointWorkerWanted(opts) ? startCheckpointer(opts.path, opts.checkpointIntervalMs ?? 500) : undefined;
  let closed = false;
  const store: SqliteStore = {
    kind: 'sqlite',
    path: opts.path,
    ...createSqliteEvents(db, { retentionChunk: opts.retentionChunk, textScanLimit: opts.textScanLimit ?? 50_000, ...(checkpointer ? { afterAppend: () => checkpointer.nudge() } : {}) }),
    metrics: createSqliteMetrics(db, checkpointer ? { afterAppend: () => checkpointer.nudge() } : {}),
    targets: createSqliteConfig<Target>(db, 'cfg_targets', 'target', (t) => t.name),
    rules: createSqliteConfig<Rule>(db, 'cfg_rules', 'rule', (r) => r.name),
    channels: createSqliteConfig<Channel>(db, 'cfg_channels', 'channel', (c) => c.name),
    silences: createSqliteConfig<Silence>(db, 'cfg_silences', 'silence'),
    maintenance: createSqliteConfig<Maintenance>(db, 'cfg_maintenance', 'maintenance window', (m) => m.name),
    statusPages: createSqliteConfig<StatusPage>(db, 'cfg_status_pages', 'status page', (p) => p.name),
    routes: createSqliteConfig<NotificationRoute>(db, 'cfg_routes', 'route', (r) => r.name),
    inhibitRules: createSqliteConfig<InhibitRule>(db, 'cfg_inhibit_rules', 'inhibition rule', (r) => r.name),
    ...createSqliteIncidents(db),
    ...createSqliteAuth(db),
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (closed) return;
      closed = true;
      await checkpointer?.close();
      try {
        db.pragma('optimize');
      } catch {
        // best effort: a read-only or busy file must not keep the store from closing
      }
      db.close();
    },
  };
  // Built (the metrics part migrates at construction): from here on the main thread waits only briefly inside SQLite.
  settleBusyTimeout(db, opts);
  return retryWhileBusy(store, { busyWaitMs: opts.busyWaitMs ?? 2000 });
}
