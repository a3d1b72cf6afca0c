// Conformance cases for tenants, API keys and users.
import { describe, expect, it } from 'vitest';
import type { LightwatchError } from '../../errors/errors.js';
import type { Store } from '../port.js';
import type { ApiKey, User } from '../types.js';
import { newId, T0 } from './fixtures.js';

type Get = () => Store;

async function rejection(p: Promise<unknown>): Promise<LightwatchError> {
  try {
    await p;
  } catch (err) {
    return err as LightwatchError;
  }
  throw new Error('expected the call to be refused');
}

const apiKey = (over: Partial<ApiKey> = {}): ApiKey => ({
  id: newId(),
  tenant: 'acme',
  name: 'agent',
  hash: `sha256-${newId()}`,
  prefix: 'lw_abcd',
  scopes: ['ingest'],
  createdAt: T0,
  ...over,
});

const user = (over: Partial<User> = {}): User => ({
  id: newId(),
  tenant: 'acme',
  email: `u${newId().slice(-8)}@example.com`,
  passwordHash: 'scrypt$16384$8$1$salt$hash',
  scopes: ['read'],
  createdAt: T0,
  ...over,
});

export function authCases(store: Get): void {
  describe('tenants', () => {
    it('creates, reads and lists tenants; 409 on a duplicate id or name', async () => {
      const acme = { id: 'acme', name: 'Acme', createdAt: T0 };
      const other = { id: 'other', name: 'Other', createdAt: T0 };
      await store().createTenant(acme);
      await store().createTenant(other);
      expect(await store().getTenant('acme')).toEqual(acme);
      expect(await store().getTenant('nope')).toBeNull();
      expect(await store().listTenants()).toEqual([acme, other]);
      expect((await rejection(store().createTenant({ ...acme, name: 'Acme 2' }))).code).toBe('conflict');
      expect((await rejection(store().createTenant({ id: 'acme2', name: 'Acme', createdAt: T0 }))).code).toBe('conflict');
    });
  });

  describe('API keys', () => {
    it('finds a key by hash, lists per tenant, revokes once within the tenant only', async () => {
      const k = apiKey();
      const o = apiKey({ tenant: 'other' });
      await store().createApiKey(k);
      await store().createApiKey(o);
      expect(await store().findApiKeyByHash(k.hash)).toEqual(k);
      expect(await store().findApiKeyByHash('sha256-unknown')).toBeNull();
      expect(await store().listApiKeys('acme')).toEqual([k]);
      expect(await store().revokeApiKey('other', k.id, T0 + 1)).toBe(false);
      expect((await store().findApiKeyByHash(k.hash))?.revokedAt).toBeUndefined();
      expect(await store().revokeApiKey('acme', k.id, T0 + 1)).toBe(true);
      expect(await store().revokeApiKey('acme', k.id, T0 + 2)).toBe(true);
      expect(await store().findApiKeyByHash(k.hash)).toEqual({ ...k, revokedAt: T0 + 1 });
      expect(await store().revokeApiKey('acme', 'missing', T0)).toBe(false);
      expect((await rejection(store().createApiKey({ ...k, id: newId() }))).code).toBe('conflict');
      expect((await rejection(store().findApiKeyByHash({ $ne: '' } as unknown as string))).code).toBe('bad_request');
    });
  });

  describe('users', () => {
    it('finds users by e-mail case-insensitively, lists per tenant, deletes within the tenant; 409 on a taken e-mail', async () => {
      const u = user({ email: 'Ada@Example.com' });
      await store().createUser(u);
      await store().createUser(user({ tenant: 'other' }));
      expect(await store().findUserByEmail('ada@example.com')).toEqual(u);
      expect(await store().findUserByEmail('ADA@EXAMPLE.COM')).toEqual(u);
      expect(await store().findUserByEmail('bob@example.com')).toBeNull();
      expect(await store().listUsers('acme')).toEqual([u]);
      const dup = await rejection(store().createUser(user({ tenant: 'other', email: 'ada@example.com' })));
      expect(dup.code).toBe('conflict');
      expect(dup.message).not.toContain('acme');
      expect(await store().deleteUser('other', u.id)).toBe(false);
      expect(await store().deleteUser('acme', u.id)).toBe(true);
      expect(await store().findUserByEmail('ada@example.com')).toBeNull();
      expect((await rejection(store().findUserByEmail({ $regex: '.*' } as unknown as string))).code).toBe('bad_request');
    });
  });
}
