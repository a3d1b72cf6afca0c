// The SQLite schema: one table per event kind, clustered on (tenant, ts, id), plus the configuration, incident,
// notification, snapshot and identity tables. Why one table per kind: each kind has its own filter columns and
// indexes, a kind never pays for another's indexes on insert, and retention by kind is a range delete.
import type { CanonicalEvent, EventKind } from '../../events/event.js';
import { eventStatus } from '../query.js';

/** A column holding a filterable body field, copied out of the body JSON on insert. */
export interface KindColumn {
  name: string;
  type: 'TEXT' | 'REAL';
  get(e: CanonicalEvent): string | number | null;
}

/** A (tenant, column, ts, id) index; `only` makes it partial, holding just the rows with one of those values. */
export interface ColumnIndex {
  column: string;
  only?: readonly string[];
}

export interface KindTable {
  table: string;
  columns: KindColumn[];
  /** Secondary indexes besides the primary key (tenant, ts, id) and (tenant, target, ts, id). */
  indexes: ColumnIndex[];
}

/**
 * The index serving `column = value` on this table, if any. A partial index only serves its own values, and
 * only when the value is written into the SQL (SQLite cannot prove a bound `?` implies the index's WHERE):
 * `literal` is then that value, taken from our own list, never from the caller.
 */
export function indexFor(t: KindTable, column: string, value: string): { name: string; literal?: string } | undefined {
  const ix = t.indexes.find((i) => i.column === column);
  if (!ix) return undefined;
  if (!ix.only) return { name: indexName(t.table, column) };
  const literal = ix.only.find((v) => v === value);
  return literal === undefined ? undefined : { name: indexName(t.table, column), literal };
}

// One getter per field with a literal property name: a load by a variable key (`body[field]`) turns megamorphic
// across the kinds' body shapes and showed up in the append profile.
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
type Body = Record<string, unknown>;

const statusColumn: KindColumn = { name: 'status', type: 'TEXT', get: eventStatus };

export const KIND_TABLES: Readonly<Record<EventKind, KindTable>> = {
  metric: {
    table: 'events_metric',
    columns: [
      { name: 'name', type: 'TEXT', get: (e) => str((e.body as unknown as Body).name) },
      { name: 'value', type: 'REAL', get: (e) => (e.kind === 'metric' && Number.isFinite(e.body.value) ? e.body.value : null) },
    ],
    indexes: [{ column: 'name' }],
  },
  log: {
    table: 'events_log',
    columns: [{ name: 'level', type: 'TEXT', get: (e) => str((e.body as unknown as Body).level) }],
    // Partial: info and debug are most of the volume and common enough to be found by walking the primary key
    // (half the rows match), while the levels people search for when something is wrong get an index. Keeping
    // info/debug out of it saves about a fifth of the insert cost of a log line.
    indexes: [{ column: 'level', only: ['trace', 'warn', 'error', 'fatal', 'unknown'] }],
  },
  security: {
    table: 'events_security',
    columns: [
      { name: 'category', type: 'TEXT', get: (e) => str((e.body as unknown as Body).category) },
      { name: 'severity', type: 'TEXT', get: (e) => str((e.body as unknown as Body).severity) },
    ],
    indexes: [{ column: 'category' }, { column: 'severity' }],
  },
  heartbeat: { table: 'events_heartbeat', columns: [statusColumn], indexes: [] },
  check: { table: 'events_check', columns: [statusColumn], indexes: [] },
  incident: { table: 'events_incident', columns: [statusColumn], indexes: [] },
};

/** The table of a kind, or undefined for anything else (including inherited names such as `constructor`). */
export function kindTable(kind: unknown): KindTable | undefined {
  return typeof kind === 'string' && Object.hasOwn(KIND_TABLES, kind) ? KIND_TABLES[kind as EventKind] : undefined;
}

/** Index name for a filter column (`target` or a kind column) of an event table. */
export const indexName = (table: string, column: string): string => `${table}_${column}`;

function eventTableDdl(t: KindTable): string {
  const extra = t.columns.map((c) => `, ${c.name} ${c.type}`).join('');
  // WITHOUT ROWID, clustered on the keyset order: a page read by tenant walks rows in (ts, id) order with no
  // second lookup, and a replayed event (same tenant, ts, id) is ignored by the primary key itself.
  const lines = [
    `CREATE TABLE IF NOT EXISTS ${t.table} (tenant TEXT NOT NULL, ts INTEGER NOT NULL, id TEXT NOT NULL, target TEXT NOT NULL, ` +
      `received_at INTEGER NOT NULL, labels TEXT, flags TEXT, body TEXT NOT NULL${extra}, PRIMARY KEY (tenant, ts, id)) WITHOUT ROWID;`,
    `CREATE INDEX IF NOT EXISTS ${indexName(t.table, 'target')} ON ${t.table} (tenant, target, ts, id);`,
    ...t.indexes.map((ix) => {
      // OR-ed equalities, not IN: SQLite uses a partial index when a query term appears among the OR-ed terms.
      const where = ix.only ? ` WHERE ${ix.only.map((v) => `${ix.column} = '${v}'`).join(' OR ')}` : '';
      return `CREATE INDEX IF NOT EXISTS ${indexName(t.table, ix.column)} ON ${t.table} (tenant, ${ix.column}, ts, id)${where};`;
    }),
  ];
  return lines.join('\n');
}

/** Tenant-scoped configuration collections: the document as JSON, unique names per tenant where names apply. */
export const CONFIG_TABLES = ['cfg_targets', 'cfg_rules', 'cfg_channels', 'cfg_silences', 'cfg_maintenance', 'cfg_status_pages', 'cfg_routes', 'cfg_inhibit_rules'] as const;
export type ConfigTable = (typeof CONFIG_TABLES)[number];

/** The unique index of status page slugs; a violation of it is a taken slug. */
export const STATUS_PAGE_SLUG_INDEX = 'cfg_status_pages_slug';

function configTableDdl(table: ConfigTable): string {
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (tenant TEXT NOT NULL, id TEXT NOT NULL, name TEXT, doc TEXT NOT NULL, PRIMARY KEY (tenant, id));`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${table}_name ON ${table} (tenant, name) WHERE name IS NOT NULL;`,
    // Public paths carry no tenant: a status page's slug is unique across the installation. The index, not a
    // read-then-write in the API, is what makes two concurrent creates with one slug end in one page.
    ...(table === 'cfg_status_pages' ? [`CREATE UNIQUE INDEX IF NOT EXISTS ${STATUS_PAGE_SLUG_INDEX} ON ${table} (json_extract(doc, '$.slug'));`] : []),
  ].join('\n');
}

const OTHER_DDL = `
CREATE TABLE IF NOT EXISTS incidents (
  tenant TEXT NOT NULL, id TEXT NOT NULL, target_id TEXT NOT NULL, rule_id TEXT NOT NULL, status TEXT NOT NULL,
  opened_at INTEGER NOT NULL, resolved_at INTEGER, epoch INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (tenant, id));
CREATE INDEX IF NOT EXISTS incidents_opened ON incidents (tenant, opened_at, id);
CREATE INDEX IF NOT EXISTS incidents_target ON incidents (tenant, target_id, opened_at, id);
CREATE INDEX IF NOT EXISTS incidents_active ON incidents (tenant, target_id, rule_id, status);
-- Incidents still open or resolved after a time (the strip window of the board): a seek, not a scan of all history.
CREATE INDEX IF NOT EXISTS incidents_resolved ON incidents (tenant, resolved_at);

CREATE TABLE IF NOT EXISTS notifications (
  key TEXT PRIMARY KEY, tenant TEXT NOT NULL, incident_id TEXT NOT NULL, created_at INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS notifications_incident ON notifications (tenant, incident_id, created_at);
-- Claims left pending, by partition (recovered by the partition's next owner): an index on the document's fields,
-- so files written before it need no new column; only pending rows are in it, and they are few.
CREATE INDEX IF NOT EXISTS notifications_pending ON notifications (json_extract(doc, '$.partition'), key)
  WHERE json_extract(doc, '$.status') = 'pending';

CREATE TABLE IF NOT EXISTS snapshots (
  tenant TEXT NOT NULL, target_id TEXT NOT NULL, partition INTEGER NOT NULL, epoch INTEGER NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (tenant, target_id));
CREATE INDEX IF NOT EXISTS snapshots_partition ON snapshots (partition);

CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS api_keys (
  tenant TEXT NOT NULL, id TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, doc TEXT NOT NULL, PRIMARY KEY (tenant, id));

CREATE TABLE IF NOT EXISTS users (
  tenant TEXT NOT NULL, id TEXT NOT NULL, email_lc TEXT NOT NULL UNIQUE, doc TEXT NOT NULL, PRIMARY KEY (tenant, id));
`;

export const SCHEMA_VERSION = 1;

export function schemaDdl(): string {
  return [...Object.values(KIND_TABLES).map(eventTableDdl), ...CONFIG_TABLES.map(configTableDdl), OTHER_DDL].join('\n');
}
