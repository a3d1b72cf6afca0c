// Tenants, API keys and users on MongoDB. Key hashes and e-mail addresses (lower-cased in `emailLower`, never
// returned) are unique across tenants because authentication looks them up before a tenant is known.
import type { Db, Document } from 'mongodb';
import type { StoreAuthPart } from '../port.js';
import { requireInteger, requireString } from '../query.js';
import type { ApiKey, Tenant, User } from '../types.js';
import { COLLECTIONS } from './schema.js';
import { conflictFrom, duplicateKeyFields, eqString, isDuplicateKey } from './util.js';

const HIDE_ID = { projection: { _id: 0 } } as const;
const HIDE_USER = { projection: { _id: 0, emailLower: 0 } } as const;

async function insertOr409(insert: () => Promise<unknown>, message: (fields: string[]) => string): Promise<void> {
  try {
    await insert();
  } catch (err) {
    if (isDuplicateKey(err)) throw conflictFrom(err, message(duplicateKeyFields(err)));
    throw err;
  }
}

export function createMongoAuth(db: Db): StoreAuthPart {
  const tenants = db.collection<Document>(COLLECTIONS.tenants);
  const keys = db.collection<Document>(COLLECTIONS.apiKeys);
  const users = db.collection<Document>(COLLECTIONS.users);
  const byTenant = (tenant: unknown): Document => ({ tenant: eqString(requireString(tenant, 'tenant')) });

  return {
    async createTenant(tenant: Tenant) {
      requireString(tenant?.id, 'id');
      const name = requireString(tenant.name, 'name');
      await insertOr409(
        () => tenants.insertOne({ ...tenant }),
        (fields) => (fields.includes('name') ? `a tenant named "${name}" exists already` : 'a tenant with this id exists already'),
      );
      return tenant;
    },
    async getTenant(id) {
      return (await tenants.findOne({ id: eqString(requireString(id, 'id')) }, HIDE_ID)) as Tenant | null;
    },
    async listTenants() {
      return (await tenants.find({}, HIDE_ID).sort({ id: 1 }).toArray()) as unknown as Tenant[];
    },

    async createApiKey(key: ApiKey) {
      requireString(key?.tenant, 'tenant');
      requireString(key.id, 'id');
      requireString(key.hash, 'hash');
      await insertOr409(() => keys.insertOne({ ...key }), () => 'this API key exists already');
      return key;
    },
    async findApiKeyByHash(hash) {
      return (await keys.findOne({ hash: eqString(requireString(hash, 'hash')) }, HIDE_ID)) as ApiKey | null;
    },
    async listApiKeys(tenant) {
      return (await keys.find(byTenant(tenant), HIDE_ID).sort({ id: 1 }).toArray()) as unknown as ApiKey[];
    },
    async revokeApiKey(tenant, id, at) {
      const filter = { ...byTenant(tenant), id: eqString(requireString(id, 'id')) };
      // Revoking twice keeps the first time.
      const res = await keys.updateOne({ ...filter, revokedAt: { $exists: false } }, { $set: { revokedAt: requireInteger(at, 'at') } });
      if (res.matchedCount > 0) return true;
      return (await keys.countDocuments(filter, { limit: 1 })) > 0;
    },

    async createUser(user: User) {
      requireString(user?.tenant, 'tenant');
      requireString(user.id, 'id');
      const email = requireString(user.email, 'email');
      await insertOr409(
        () => users.insertOne({ ...user, emailLower: email.toLowerCase() }),
        (fields) => (fields.includes('emailLower') ? 'a user with this e-mail address exists already' : 'a user with this id exists already'),
      );
      return user;
    },
    async findUserByEmail(email) {
      return (await users.findOne({ emailLower: eqString(requireString(email, 'email').toLowerCase()) }, HIDE_USER)) as User | null;
    },
    async listUsers(tenant) {
      return (await users.find(byTenant(tenant), HIDE_USER).sort({ id: 1 }).toArray()) as unknown as User[];
    },
    async deleteUser(tenant, id) {
      return (await users.deleteOne({ ...byTenant(tenant), id: eqString(requireString(id, 'id')) })).deletedCount > 0;
    },
  };
}
