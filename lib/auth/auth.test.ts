import { describe, expect, it } from 'vitest';
import { createAuthenticator } from './authenticator.js';
import { generateApiKey, hashApiKey } from './keys.js';
import { issueToken, verifyToken } from './jwt.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { SignJWT } from 'jose';
import type { ApiKey, User } from '../store/types.js';

const secret = new TextEncoder().encode('test-secret-test-secret-test-secret');

describe('auth', () => {
  it('hashes passwords slowly and verifies only the right one', async () => {
    const h = await hashPassword('correct horse');
    expect(h.startsWith('scrypt$')).toBe(true);
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('wrong', h)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });

  it('issues JWTs that verify to the principal and expire', async () => {
    const now = Date.now();
    const t = await issueToken({ userId: 'u1', tenant: 'acme', scopes: ['read'] }, secret, 60, now);
    expect(await verifyToken(t, secret)).toEqual({ tenant: 'acme', scopes: ['read'], subject: 'user:u1' });
    const old = await issueToken({ userId: 'u1', tenant: 'acme', scopes: ['read'] }, secret, 1, now - 10_000);
    await expect(verifyToken(old, secret)).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(verifyToken(t, new TextEncoder().encode('another-secret-another-secret!!'))).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('authenticates keys by hash, caches them, and refuses revoked ones', async () => {
    const g = generateApiKey();
    expect(g.hash).toBe(hashApiKey(g.key));
    let lookups = 0;
    const rec: ApiKey = { id: 'k1', tenant: 'acme', name: 'agent', hash: g.hash, prefix: g.prefix, scopes: ['ingest'], createdAt: 0 };
    let t = 0;
    const auth = createAuthenticator({
      store: { findApiKeyByHash: async (h) => (lookups++, h === rec.hash ? rec : null), listUsers: async () => [] },
      jwtSecret: secret,
      cacheTtlMs: 1000,
      now: () => t,
    });
    expect(await auth(g.key)).toEqual({ tenant: 'acme', scopes: ['ingest'], subject: 'key:k1' });
    await auth(g.key);
    expect(lookups).toBe(1);
    rec.revokedAt = 5;
    t = 2000;
    await expect(auth(g.key)).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(auth('lw_unknown')).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('looks each key up by its own hash, past the bound of remembered keys too', async () => {
    const keys = Array.from({ length: 5 }, () => generateApiKey());
    const asked: string[] = [];
    const auth = createAuthenticator({
      store: { findApiKeyByHash: async (h) => (asked.push(h), keys.some((k) => k.hash === h) ? { id: h.slice(0, 6), tenant: 'acme', name: 'agent', hash: h, prefix: 'lw_', scopes: ['ingest'], createdAt: 0 } : null), listUsers: async () => [] },
      jwtSecret: secret,
      cacheTtlMs: 0,
      cacheMaxEntries: 2,
    });
    for (let round = 0; round < 2; round++) {
      for (const k of keys) expect(await auth(k.key)).toMatchObject({ subject: `key:${k.hash.slice(0, 6)}` });
      await expect(auth(`${keys[0]?.key}x`)).rejects.toMatchObject({ code: 'unauthenticated' });
    }
    const round = [...keys.map((k) => k.hash), hashApiKey(`${keys[0]?.key}x`)];
    expect(asked).toEqual([...round, ...round]);
  });

  it('refuses a revoked key at once after forget()', async () => {
    const g = generateApiKey();
    const rec: ApiKey = { id: 'k2', tenant: 'acme', name: 'agent', hash: g.hash, prefix: g.prefix, scopes: ['read'], createdAt: 0 };
    const auth = createAuthenticator({ store: { findApiKeyByHash: async () => rec, listUsers: async () => [] }, jwtSecret: secret, cacheTtlMs: 60_000 });
    await auth(g.key);
    rec.revokedAt = 1;
    await expect(auth(g.key)).resolves.toMatchObject({ subject: 'key:k2' }); // cached
    auth.forget();
    await expect(auth(g.key)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it("refuses a deleted user's token, and a token without exp", async () => {
    const users: User[] = [{ id: 'u1', tenant: 'acme', email: 'a@example.com', passwordHash: 'x', scopes: ['read'], createdAt: 0 }];
    const auth = createAuthenticator({ store: { findApiKeyByHash: async () => null, listUsers: async (tenant) => users.filter((u) => u.tenant === tenant) }, jwtSecret: secret, cacheTtlMs: 60_000 });
    const t = await issueToken({ userId: 'u1', tenant: 'acme', scopes: ['read'] }, secret, 60, Date.now());
    expect(await auth(t)).toEqual({ tenant: 'acme', scopes: ['read'], subject: 'user:u1' });
    users.length = 0;
    auth.forget();
    await expect(auth(t)).rejects.toMatchObject({ code: 'unauthenticated' });
    const forever = await new SignJWT({ tenant: 'acme', scopes: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer('lightwatch').setSubject('u1').setIssuedAt().sign(secret);
    await expect(verifyToken(forever, secret)).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});

describe('password hashing under a flood', () => {
  it('runs one scrypt at a time and refuses beyond the waiting bound with 503 + Retry-After', async () => {
    const h = await hashPassword('correct horse');
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => verifyPassword('wrong', h)));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBe(40 - 1 - 32);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'unavailable', retryAfterSec: 1 });
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === false)).toHaveLength(33);
    expect(await verifyPassword('correct horse', h)).toBe(true);
  });
});
