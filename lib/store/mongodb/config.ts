// Tenant-scoped configuration collections on MongoDB: the entity as stored (plus the driver's own _id, never
// returned), unique (tenant, id) and, for named entities, unique (tenant, name).
import type { Collection, Db, Document } from 'mongodb';
import type { ConfigCollection } from '../port.js';
import { requireString } from '../query.js';
import { conflictFrom, duplicateKeyFields, eqString, isDuplicateKey } from './util.js';

export interface MongoConfigCollection<T extends { id: string; tenant: string }> extends ConfigCollection<T> {
  getByName(tenant: string, name: string): Promise<T | null>;
  listAll(): Promise<T[]>;
}

const HIDE_ID = { projection: { _id: 0 } } as const;

export function createMongoConfig<T extends { id: string; tenant: string }>(db: Db, name: string, what: string, named: boolean): MongoConfigCollection<T> {
  const coll: Collection<Document> = db.collection(name);
  const key = (tenant: unknown, id: unknown): Document => ({ tenant: eqString(requireString(tenant, 'tenant')), id: eqString(requireString(id, 'id')) });
  const duplicate = (err: unknown, item: T): Error => {
    const fields = duplicateKeyFields(err);
    if (fields.includes('slug')) return conflictFrom(err, `the slug ${JSON.stringify((item as unknown as { slug?: unknown }).slug)} is taken`);
    const byName = named && fields.includes('name');
    const itemName = (item as unknown as { name?: unknown }).name;
    return conflictFrom(err, byName ? `a ${what} named "${String(itemName)}" exists already` : `a ${what} with this id exists already`);
  };
  const checked = (item: T): T => {
    requireString(item?.tenant, 'tenant');
    requireString(item.id, 'id');
    if (named) requireString((item as unknown as { name?: unknown }).name, 'name');
    return item;
  };

  return {
    async list(tenant) {
      return (await coll.find({ tenant: eqString(requireString(tenant, 'tenant')) }, HIDE_ID).sort({ id: 1 }).toArray()) as unknown as T[];
    },
    async listAll() {
      return (await coll.find({}, HIDE_ID).sort({ tenant: 1, id: 1 }).toArray()) as unknown as T[];
    },
    async get(tenant, id) {
      return (await coll.findOne(key(tenant, id), HIDE_ID)) as T | null;
    },
    async getByName(tenant, itemName) {
      return (await coll.findOne({ tenant: eqString(requireString(tenant, 'tenant')), name: eqString(requireString(itemName, 'name')) }, HIDE_ID)) as T | null;
    },
    async create(item) {
      try {
        // A copy: insertOne adds `_id` to the document it is given.
        await coll.insertOne({ ...checked(item) });
      } catch (err) {
        if (isDuplicateKey(err)) throw duplicate(err, item);
        throw err;
      }
      return item;
    },
    async update(item) {
      try {
        const res = await coll.replaceOne(key(checked(item).tenant, item.id), { ...item });
        return res.matchedCount > 0 ? item : null;
      } catch (err) {
        if (isDuplicateKey(err)) throw duplicate(err, item);
        throw err;
      }
    },
    async delete(tenant, id) {
      return (await coll.deleteOne(key(tenant, id))).deletedCount > 0;
    },
  };
}
