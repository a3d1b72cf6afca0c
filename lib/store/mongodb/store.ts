// The MongoDB store, the production store: connects, brings collections, indexes, TTLs and validators up to
// date, and composes the parts. Fails fast (unavailable) when no server answers within serverSelectionTimeoutMS.
import { MongoClient } from 'mongodb';
import type { EventKind } from '../../events/event.js';
import { unavailable } from '../../errors/errors.js';
import type { Store } from '../port.js';
import type { Channel, InhibitRule, Maintenance, NotificationRoute, StatusPage, Rule, Silence, Target } from '../types.js';
import { createMongoAuth } from './auth.js';
import { createMongoConfig } from './config.js';
import { createMongoEvents } from './events.js';
import { createMongoIncidents } from './incidents.js';
import { createMongoMetrics, ensureMetricsSchema } from './metrics.js';
import { COLLECTIONS, ensureSchema } from './schema.js';

export interface MongoStoreOptions {
  url: string;
  dbName: string;
  /** How long to wait for a server before failing. Default 10000. */
  serverSelectionTimeoutMS?: number;
  /** TTL retention per event kind, in days; kinds not listed are kept until deleted. */
  retentionDays?: Partial<Record<EventKind, number>>;
}

export interface MongoStore extends Store {
  readonly kind: 'mongodb';
  /** Drops the whole database: for tests that made their own. */
  dropDatabase(): Promise<void>;
}

export async function createMongoStore(opts: MongoStoreOptions): Promise<MongoStore> {
  // ignoreUndefined: an optional field left undefined is not stored as null (it would come back as null).
  const client = new MongoClient(opts.url, { serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 10_000, ignoreUndefined: true });
  try {
    await client.connect();
    const db = client.db(opts.dbName);
    await ensureSchema(db, { retentionDays: opts.retentionDays });
    await ensureMetricsSchema(db);
    let closing: Promise<void> | undefined;
    const store: MongoStore = {
      kind: 'mongodb',
      ...createMongoEvents(db),
      metrics: createMongoMetrics(db),
      targets: createMongoConfig<Target>(db, COLLECTIONS.targets, 'target', true),
      rules: createMongoConfig<Rule>(db, COLLECTIONS.rules, 'rule', true),
      channels: createMongoConfig<Channel>(db, COLLECTIONS.channels, 'channel', true),
      silences: createMongoConfig<Silence>(db, COLLECTIONS.silences, 'silence', false),
      maintenance: createMongoConfig<Maintenance>(db, COLLECTIONS.maintenance, 'maintenance window', true),
      statusPages: createMongoConfig<StatusPage>(db, COLLECTIONS.statusPages, 'status page', true),
      routes: createMongoConfig<NotificationRoute>(db, COLLECTIONS.routes, 'route', true),
      inhibitRules: createMongoConfig<InhibitRule>(db, COLLECTIONS.inhibitRules, 'inhibition rule', true),
      ...createMongoIncidents(db),
      ...createMongoAuth(db),
      async ping() {
        await db.command({ ping: 1 });
      },
      async dropDatabase() {
        await db.dropDatabase();
      },
      close() {
        closing ??= client.close();
        return closing;
      },
    };
    return store;
  } catch (err) {
    await client.close().catch(() => undefined);
    throw unavailable(`MongoDB at the configured STORE_URL is not reachable or not usable: ${(err as Error).message}`, 5, err);
  }
}
