// MongoDB collections, their indexes (one per query the store runs), TTL retention and $jsonSchema validators,
// created or brought up to date at start-up with plain documented commands (createCollection, createIndexes,
// collMod).
//
// Metrics live in a time-series collection (timeField `ts`, metaField `meta` = {tenant, target, name, labels}),
// which cannot carry a unique index: appends to it are made idempotent by reading which ids of the batch exist
// already (within the batch's tenants and time range) and inserting only the others; see events.ts.
import type { Db, Document, IndexDescription } from 'mongodb';
import { EVENT_KINDS, type EventKind } from '../../events/event.js';

export const METRICS = 'events_metric';
export const eventCollection = (kind: EventKind): string => `events_${kind}`;

export const COLLECTIONS = {
  targets: 'targets',
  rules: 'rules',
  channels: 'channels',
  silences: 'silences',
  maintenance: 'maintenance',
  statusPages: 'status_pages',
  routes: 'routes',
  inhibitRules: 'inhibit_rules',
  incidents: 'incidents',
  notifications: 'notifications',
  snapshots: 'snapshots',
  tenants: 'tenants',
  apiKeys: 'api_keys',
  users: 'users',
} as const;

/** Indexes of the regular event collections besides `{ts: 1}` (the TTL index): keyset order after the filters. */
const EVENT_INDEXES: Record<Exclude<EventKind, 'metric'>, IndexDescription[]> = (() => {
  const base = (): IndexDescription[] => [
    { key: { tenant: 1, ts: -1, _id: -1 }, name: 'tenant_ts' },
    { key: { tenant: 1, target: 1, ts: -1, _id: -1 }, name: 'tenant_target_ts' },
  ];
  const on = (field: string): IndexDescription => ({ key: { tenant: 1, [`body.${field}`]: 1, ts: -1, _id: -1 }, name: `tenant_${field}_ts` });
  return {
    log: [...base(), on('level')],
    security: [...base(), on('category'), on('severity')],
    heartbeat: base(),
    check: base(),
    incident: base(),
  };
})();

/** Time-series indexes stop at the time field: buckets, not documents, are indexed, and a sort can use the index
 *  (bounded sort) only when it is on the time field; ties within one millisecond are ordered by _id in events.ts. */
const METRIC_INDEXES: IndexDescription[] = [
  { key: { 'meta.tenant': 1, ts: -1 }, name: 'tenant_ts' },
  { key: { 'meta.tenant': 1, 'meta.target': 1, ts: -1 }, name: 'tenant_target_ts' },
  { key: { 'meta.tenant': 1, 'meta.name': 1, ts: -1 }, name: 'tenant_name_ts' },
];

const num = { bsonType: ['int', 'long', 'double'] };
const str = { bsonType: 'string' };

const EVENT_VALIDATOR: Document = {
  $jsonSchema: {
    bsonType: 'object',
    required: ['_id', 'tenant', 'target', 'ts', 'receivedAt', 'body'],
    properties: { _id: str, tenant: str, target: str, ts: { bsonType: 'date' }, receivedAt: num, labels: { bsonType: 'object' }, body: { bsonType: 'object' } },
  },
};

const tenantScoped = (extra: string[] = [], props: Document = {}): Document => ({
  $jsonSchema: { bsonType: 'object', required: ['tenant', 'id', ...extra], properties: { tenant: str, id: str, ...props } },
});

interface CollectionSpec {
  name: string;
  indexes: IndexDescription[];
  validator?: Document;
}

const unique = (key: Document, name: string, partialFilterExpression?: Document): IndexDescription =>
  partialFilterExpression ? { key, name, unique: true, partialFilterExpression } : { key, name, unique: true };

const named = (name: string): CollectionSpec => ({
  name,
  indexes: [unique({ tenant: 1, id: 1 }, 'tenant_id'), unique({ tenant: 1, name: 1 }, 'tenant_name', { name: { $type: 'string' } })],
  validator: tenantScoped(['name'], { name: str }),
});

const OTHER_COLLECTIONS: CollectionSpec[] = [
  named(COLLECTIONS.targets),
  named(COLLECTIONS.rules),
  named(COLLECTIONS.channels),
  { name: COLLECTIONS.silences, indexes: [unique({ tenant: 1, id: 1 }, 'tenant_id')], validator: tenantScoped() },
  named(COLLECTIONS.maintenance),
  // Public paths carry no tenant: a slug is unique across the installation (the index settles concurrent creates).
  { ...named(COLLECTIONS.statusPages), indexes: [...named(COLLECTIONS.statusPages).indexes, unique({ slug: 1 }, 'slug')] },
  named(COLLECTIONS.routes),
  named(COLLECTIONS.inhibitRules),
  {
    name: COLLECTIONS.incidents,
    indexes: [
      unique({ tenant: 1, id: 1 }, 'tenant_id'),
      { key: { tenant: 1, openedAt: -1, id: -1 }, name: 'tenant_opened' },
      { key: { tenant: 1, targetId: 1, openedAt: -1, id: -1 }, name: 'tenant_target_opened' },
      { key: { tenant: 1, targetId: 1, ruleId: 1, status: 1 }, name: 'tenant_target_rule_status' },
    ],
    validator: tenantScoped(['targetId', 'ruleId', 'status', 'openedAt', 'epoch', 'timeline'], {
      targetId: str,
      ruleId: str,
      status: { enum: ['pending', 'open', 'acknowledged', 'resolved'] },
      openedAt: num,
      epoch: num,
      timeline: { bsonType: 'array' },
    }),
  },
  {
    name: COLLECTIONS.notifications,
    indexes: [
      { key: { tenant: 1, incidentId: 1, createdAt: 1 }, name: 'tenant_incident' },
      // Claims left pending, by partition (recovered by the partition's next owner): only pending ones, few.
      { key: { partition: 1, _id: 1 }, name: 'pending_partition', partialFilterExpression: { status: 'pending' } },
    ],
  },
  {
    name: COLLECTIONS.snapshots,
    indexes: [unique({ tenant: 1, targetId: 1 }, 'tenant_target'), { key: { partition: 1 }, name: 'partition' }],
  },
  { name: COLLECTIONS.tenants, indexes: [unique({ id: 1 }, 'id'), unique({ name: 1 }, 'name')] },
  { name: COLLECTIONS.apiKeys, indexes: [unique({ tenant: 1, id: 1 }, 'tenant_id'), unique({ hash: 1 }, 'hash')] },
  { name: COLLECTIONS.users, indexes: [unique({ tenant: 1, id: 1 }, 'tenant_id'), unique({ emailLower: 1 }, 'email')] },
];

export interface SchemaOptions {
  /** Events older than this many days are removed by TTL, per kind; a kind not listed is kept until deleted. */
  retentionDays?: Partial<Record<EventKind, number>>;
}

const ttlSeconds = (days: number | undefined): number | undefined =>
  days === undefined ? undefined : Math.max(60, Math.min(2_147_483_647, Math.round(days * 86_400)));

async function exists(db: Db, name: string): Promise<boolean> {
  return (await db.listCollections({ name }, { nameOnly: true }).toArray()).length > 0;
}

/** Creates the collection with its validator, or refreshes the validator of an existing one. */
async function ensureCollection(db: Db, spec: CollectionSpec): Promise<void> {
  if (!(await exists(db, spec.name))) {
    await db.createCollection(spec.name, spec.validator ? { validator: spec.validator, validationLevel: 'moderate' } : {});
  } else if (spec.validator) {
    await db.command({ collMod: spec.name, validator: spec.validator, validationLevel: 'moderate' });
  }
  if (spec.indexes.length > 0) await db.collection(spec.name).createIndexes(spec.indexes);
}

/** `{ts: 1}` serves deleteEventsBefore; with a retention it is the TTL index (collMod changes an existing one). */
async function ensureTtl(db: Db, name: string, seconds: number | undefined): Promise<void> {
  const coll = db.collection(name);
  const current = (await coll.listIndexes().toArray()).find((ix) => JSON.stringify(ix.key) === JSON.stringify({ ts: 1 }));
  if (!current) {
    await coll.createIndex({ ts: 1 }, seconds === undefined ? { name: 'ts_ttl' } : { name: 'ts_ttl', expireAfterSeconds: seconds });
  } else if (seconds !== undefined && current.expireAfterSeconds !== seconds) {
    await db.command({ collMod: name, index: { keyPattern: { ts: 1 }, expireAfterSeconds: seconds } });
  }
}

export async function ensureSchema(db: Db, opts: SchemaOptions = {}): Promise<void> {
  const metricTtl = ttlSeconds(opts.retentionDays?.metric);
  if (!(await exists(db, METRICS))) {
    await db.createCollection(METRICS, {
      timeseries: { timeField: 'ts', metaField: 'meta', granularity: 'seconds' },
      ...(metricTtl === undefined ? {} : { expireAfterSeconds: metricTtl }),
    });
  } else if (metricTtl !== undefined) {
    await db.command({ collMod: METRICS, expireAfterSeconds: metricTtl });
  }
  await db.collection(METRICS).createIndexes(METRIC_INDEXES);
  for (const kind of EVENT_KINDS) {
    if (kind === 'metric') continue;
    const name = eventCollection(kind);
    await ensureCollection(db, { name, indexes: EVENT_INDEXES[kind], validator: EVENT_VALIDATOR });
    await ensureTtl(db, name, ttlSeconds(opts.retentionDays?.[kind]));
  }
  for (const spec of OTHER_COLLECTIONS) await ensureCollection(db, spec);
}
