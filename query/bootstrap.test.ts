// First-start bootstrap against a real SQLite store: tenant default and an admin key once, idempotent after.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../lib/auth/keys.js';
import { createSqliteStore, type SqliteStore } from '../lib/store/sqlite/store.js';
import { ensureBootstrap } from './bootstrap.js';

let store: SqliteStore;
const now = (): number => 1_000;
beforeEach(async () => {
  store = await createSqliteStore({ path: ':memory:' });
});
afterEach(async () => {
  await store.close();
});

describe('ensureBootstrap', () => {
  it('creates tenant default with a generated admin key on first start, and nothing later', async () => {
    const first = await ensureBootstrap(store, { now });
    expect(first.createdKey).toMatch(/^lw_/);
    expect(await store.getTenant('default')).toEqual({ id: 'default', name: 'Default', createdAt: 1_000 });
    const key = await store.findApiKeyByHash(hashApiKey(first.createdKey as string));
    expect(key).toMatchObject({ tenant: 'default', scopes: ['admin'], name: 'bootstrap' });
    expect(await ensureBootstrap(store, { now })).toEqual({});
    expect(await store.listApiKeys('default')).toHaveLength(1);
  });

  it('uses BOOTSTRAP_API_KEY when given and returns no key to print', async () => {
    const given = 'lw_my_bootstrap_key_0123456789';
    expect(await ensureBootstrap(store, { bootstrapApiKey: given, now })).toEqual({});
    expect(await store.findApiKeyByHash(hashApiKey(given))).toMatchObject({ tenant: 'default', scopes: ['admin'] });
    expect(await ensureBootstrap(store, { bootstrapApiKey: given, now })).toEqual({});
    expect(await store.listApiKeys('default')).toHaveLength(1);
  });

  it('adds a new BOOTSTRAP_API_KEY on a later start, but never revives a revoked one', async () => {
    await ensureBootstrap(store, { now });
    const later = 'lw_added_later_0123456789abcdef';
    await ensureBootstrap(store, { bootstrapApiKey: later, now });
    const added = await store.findApiKeyByHash(hashApiKey(later));
    expect(added).toMatchObject({ tenant: 'default', scopes: ['admin'] });
    await store.revokeApiKey('default', added?.id as string, 2_000);
    await ensureBootstrap(store, { bootstrapApiKey: later, now });
    expect((await store.findApiKeyByHash(hashApiKey(later)))?.revokedAt).toBe(2_000);
    expect(await store.listApiKeys('default')).toHaveLength(2);
  });

  it('survives concurrent first starts with one tenant and one generated key', async () => {
    const results = await Promise.all([ensureBootstrap(store, { now }), ensureBootstrap(store, { now }), ensureBootstrap(store, { now })]);
    expect((await store.listTenants()).map((t) => t.id)).toEqual(['default']);
    const printed = results.filter((r) => r.createdKey !== undefined);
    expect(printed).toHaveLength((await store.listApiKeys('default')).length);
    expect(printed.length).toBeGreaterThanOrEqual(1);
  });

  it('refuses a short BOOTSTRAP_API_KEY', async () => {
    await expect(ensureBootstrap(store, { bootstrapApiKey: 'admin', now })).rejects.toThrow(/BOOTSTRAP_API_KEY must be at least 16/);
    expect(await store.getTenant('default')).toBeNull();
  });
});
