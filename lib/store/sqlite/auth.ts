// Tenants, API keys (stored by hash) and users on SQLite. Key hashes and e-mail addresses are unique across
// tenants because authentication looks them up before any tenant is known.
import type { StoreAuthPart } from '../port.js';
import { requireInteger, requireString } from '../query.js';
import type { ApiKey, Tenant, User } from '../types.js';
import { parseDoc, withConflict, type Db } from './db.js';

type DocRow = { doc: string } | undefined;
const docs = <T>(rows: unknown[]): T[] => (rows as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as T);

export function createSqliteAuth(db: Db): StoreAuthPart {
  const insertTenant = db.prepare('INSERT INTO tenants (id, name, doc) VALUES (?, ?, ?)');
  const getTenant = db.prepare('SELECT doc FROM tenants WHERE id = ?');
  const listTenants = db.prepare('SELECT doc FROM tenants ORDER BY id');
  const insertKey = db.prepare('INSERT INTO api_keys (tenant, id, hash, doc) VALUES (?, ?, ?, ?)');
  const keyByHash = db.prepare('SELECT doc FROM api_keys WHERE hash = ?');
  const getKey = db.prepare('SELECT doc FROM api_keys WHERE tenant = ? AND id = ?');
  const setKey = db.prepare('UPDATE api_keys SET doc = ? WHERE tenant = ? AND id = ?');
  const listKeys = db.prepare('SELECT doc FROM api_keys WHERE tenant = ? ORDER BY id');
  const insertUser = db.prepare('INSERT INTO users (tenant, id, email_lc, doc) VALUES (?, ?, ?, ?)');
  const userByEmail = db.prepare('SELECT doc FROM users WHERE email_lc = ?');
  const listUsers = db.prepare('SELECT doc FROM users WHERE tenant = ? ORDER BY id');
  const deleteUser = db.prepare('DELETE FROM users WHERE tenant = ? AND id = ?');

  const revokeTx = db.transaction((tenant: string, id: string, at: number): boolean => {
    const key = parseDoc<ApiKey>(getKey.get(tenant, id) as DocRow);
    if (!key) return false;
    // Revoking twice keeps the first time: the audit trail says when the key stopped working.
    if (key.revokedAt === undefined) setKey.run(JSON.stringify({ ...key, revokedAt: at }), tenant, id);
    return true;
  });

  return {
    async createTenant(tenant: Tenant) {
      const id = requireString(tenant?.id, 'id');
      const name = requireString(tenant.name, 'name');
      withConflict(() => insertTenant.run(id, name, JSON.stringify(tenant)), (dupId) =>
        dupId ? 'a tenant with this id exists already' : `a tenant named "${name}" exists already`,
      );
      return tenant;
    },
    async getTenant(id) {
      return parseDoc<Tenant>(getTenant.get(requireString(id, 'id')) as DocRow);
    },
    async listTenants() {
      return docs<Tenant>(listTenants.all());
    },

    async createApiKey(key: ApiKey) {
      const tenant = requireString(key?.tenant, 'tenant');
      withConflict(() => insertKey.run(tenant, requireString(key.id, 'id'), requireString(key.hash, 'hash'), JSON.stringify(key)), 'this API key exists already');
      return key;
    },
    async findApiKeyByHash(hash) {
      return parseDoc<ApiKey>(keyByHash.get(requireString(hash, 'hash')) as DocRow);
    },
    async listApiKeys(tenant) {
      return docs<ApiKey>(listKeys.all(requireString(tenant, 'tenant')));
    },
    async revokeApiKey(tenant, id, at) {
      return revokeTx(requireString(tenant, 'tenant'), requireString(id, 'id'), requireInteger(at, 'at'));
    },

    async createUser(user: User) {
      const tenant = requireString(user?.tenant, 'tenant');
      const email = requireString(user.email, 'email');
      withConflict(() => insertUser.run(tenant, requireString(user.id, 'id'), email.toLowerCase(), JSON.stringify(user)), (dupId) =>
        dupId ? 'a user with this id exists already' : 'a user with this e-mail address exists already',
      );
      return user;
    },
    async findUserByEmail(email) {
      return parseDoc<User>(userByEmail.get(requireString(email, 'email').toLowerCase()) as DocRow);
    },
    async listUsers(tenant) {
      return docs<User>(listUsers.all(requireString(tenant, 'tenant')));
    },
    async deleteUser(tenant, id) {
      return deleteUser.run(requireString(tenant, 'tenant'), requireString(id, 'id')).changes > 0;
    },
  };
}
