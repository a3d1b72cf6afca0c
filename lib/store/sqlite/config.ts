// Tenant-scoped configuration collections on SQLite (targets, rules, channels, silences, maintenance windows):
// the document as JSON, keyed by (tenant, id), with a unique name per tenant where the entity has a name.
import type { ConfigCollection } from '../port.js';
import { requireString } from '../query.js';
import { parseDoc, withConflict, type Db } from './db.js';
import { STATUS_PAGE_SLUG_INDEX, type ConfigTable } from './schema.js';

export interface SqliteConfigCollection<T extends { id: string; tenant: string }> extends ConfigCollection<T> {
  getByName(tenant: string, name: string): Promise<T | null>;
  listAll(): Promise<T[]>;
}

/** `what` names the entity in error messages ("target"); `nameOf` is absent for unnamed entities (silences). */
export function createSqliteConfig<T extends { id: string; tenant: string }>(
  db: Db,
  table: ConfigTable,
  what: string,
  nameOf?: (item: T) => string,
): SqliteConfigCollection<T> {
  const insert = db.prepare(`INSERT INTO ${table} (tenant, id, name, doc) VALUES (?, ?, ?, ?)`);
  const replace = db.prepare(`UPDATE ${table} SET name = ?, doc = ? WHERE tenant = ? AND id = ?`);
  const getOne = db.prepare(`SELECT doc FROM ${table} WHERE tenant = ? AND id = ?`);
  const getNamed = db.prepare(`SELECT doc FROM ${table} WHERE tenant = ? AND name = ?`);
  const list = db.prepare(`SELECT doc FROM ${table} WHERE tenant = ? ORDER BY id`);
  const listAll = db.prepare(`SELECT doc FROM ${table} ORDER BY tenant, id`);
  const del = db.prepare(`DELETE FROM ${table} WHERE tenant = ? AND id = ?`);

  const keyOf = (item: T): { tenant: string; id: string; name: string | null } => ({
    tenant: requireString(item?.tenant, 'tenant'),
    id: requireString(item.id, 'id'),
    name: nameOf ? requireString(nameOf(item), 'name') : null,
  });
  const duplicate =
    (name: string | null, item: T) =>
    (duplicateId: boolean, err: Error): string => {
      // SQLite names an expression index in the message: the status page slug index (schema.ts).
      if (err.message.includes(STATUS_PAGE_SLUG_INDEX)) return `the slug ${JSON.stringify((item as { slug?: unknown }).slug)} is taken`;
      return duplicateId || name === null ? `a ${what} with this id exists already` : `a ${what} named "${name}" exists already`;
    };

  return {
    async list(tenant) {
      return (list.all(requireString(tenant, 'tenant')) as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as T);
    },
    async listAll() {
      return (listAll.all() as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as T);
    },
    async get(tenant, id) {
      return parseDoc<T>(getOne.get(requireString(tenant, 'tenant'), requireString(id, 'id')) as { doc: string } | undefined);
    },
    async getByName(tenant, name) {
      return parseDoc<T>(getNamed.get(requireString(tenant, 'tenant'), requireString(name, 'name')) as { doc: string } | undefined);
    },
    async create(item) {
      const k = keyOf(item);
      withConflict(() => insert.run(k.tenant, k.id, k.name, JSON.stringify(item)), duplicate(k.name, item));
      return item;
    },
    async update(item) {
      const k = keyOf(item);
      const changed = withConflict(() => replace.run(k.name, JSON.stringify(item), k.tenant, k.id).changes, duplicate(k.name, item));
      return changed > 0 ? item : null;
    },
    async delete(tenant, id) {
      return del.run(requireString(tenant, 'tenant'), requireString(id, 'id')).changes > 0;
    },
  };
}
