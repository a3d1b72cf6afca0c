// Authentication, scopes and administration through the QueryApi: tenants, keys shown once and stored hashed,
// users with hashed passwords, login to a JWT that then works as a credential.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../lib/auth/keys.js';
import { verifyToken } from '../lib/auth/jwt.js';
import { createFixture, JWT_SECRET, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(async () => {
  f = await createFixture();
});
afterEach(async () => {
  await f.close();
});

describe('authentication and scopes', () => {
  it('answers 401 without or with a bad credential, before anything else', async () => {
    for (const cred of [null, '', 'lw_not_a_key', 'eyJhbGciOiJIUzI1NiJ9.e30.sig']) {
      const res = await f.http(cred, 'GET', '/api/targets');
      expect(res.status, String(cred)).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
    expect((await f.http(null, 'GET', '/api/logs')).status).toBe(401);
    expect((await f.http(null, 'POST', '/api/targets', { body: '{bad json' })).status).toBe(401);
  });

  it('gives ingest-only keys 403 on every read and read keys 403 on every write', async () => {
    for (const path of ['/api/logs', '/api/metrics', '/api/events', '/api/heartbeats', '/api/checks', '/api/targets', '/api/incidents', '/api/rules', '/api/channels', '/api/silences', '/api/maintenance']) {
      const res = await f.http(f.keys.ingestA, 'GET', path);
      expect(res.status, path).toBe(403);
      expect(res.body.error.message).toBe('this operation needs the read scope');
      expect((await f.http(f.keys.readA, 'GET', path)).status, path).toBe(200);
    }
    for (const [method, path] of [['POST', '/api/targets'], ['PATCH', '/api/rules/x'], ['DELETE', '/api/channels/x'], ['POST', '/api/silences'], ['POST', '/api/incidents/x/ack'], ['GET', '/api/keys'], ['GET', '/api/users'], ['GET', '/api/tenants'], ['POST', '/api/keys']] as const) {
      const res = await f.http(f.keys.readA, method, path, { body: {} });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.message).toBe('this operation needs the admin scope');
    }
  });

  it('stops accepting a key once it is revoked', async () => {
    const keys = (await f.http(f.keys.adminA, 'GET', '/api/keys')).body.items as { id: string; name: string }[];
    const reader = keys.find((k) => k.name === 'reader');
    const revoked = await f.http(f.keys.adminA, 'POST', `/api/keys/${reader?.id}/revoke`);
    expect(revoked.body).toMatchObject({ id: reader?.id, revokedAt: T0 });
    expect((await f.http(f.keys.readA, 'GET', '/api/targets')).status).toBe(401);
    // Revoking twice changes nothing.
    f.clock.now = T0 + 5;
    expect((await f.http(f.keys.adminA, 'POST', `/api/keys/${reader?.id}/revoke`)).body.revokedAt).toBe(T0);
  });
});

describe('tenants', () => {
  it('lets only admins of tenant default create tenants, with a first admin key', async () => {
    const res = await f.http(f.keys.adminA, 'POST', '/api/tenants', { body: { id: 'c', name: 'C' } });
    expect(res.status).toBe(403);
    const created = await f.http(f.keys.operator, 'POST', '/api/tenants', { body: { id: 'c', name: 'C' } });
    expect(created.status).toBe(201);
    expect(created.body.tenant).toEqual({ id: 'c', name: 'C', createdAt: T0 });
    expect(created.body.adminKey).toMatchObject({ tenant: 'c', scopes: ['admin'], key: expect.stringMatching(/^lw_/) });
    expect(created.body.adminKey).not.toHaveProperty('hash');
    expect((await f.http(created.body.adminKey.key, 'GET', '/api/targets')).status).toBe(200);
    expect((await f.http(f.keys.operator, 'POST', '/api/tenants', { body: { id: 'c', name: 'again' } })).status).toBe(409);
    expect((await f.http(f.keys.operator, 'POST', '/api/tenants', { body: { id: 'Bad Id', name: 'x' } })).body.error.details[0].at).toBe('/id');
  });

  it('shows operators every tenant and everyone else only their own', async () => {
    const all = await f.http(f.keys.operator, 'GET', '/api/tenants');
    expect(all.body.items.map((t: { id: string }) => t.id).sort()).toEqual(['a', 'b', 'default']);
    expect((await f.http(f.keys.adminA, 'GET', '/api/tenants')).body.items.map((t: { id: string }) => t.id)).toEqual(['a']);
    expect((await f.http(f.keys.adminA, 'GET', '/api/tenants/a')).status).toBe(200);
    const other = await f.http(f.keys.adminA, 'GET', '/api/tenants/b');
    const missing = await f.http(f.keys.adminA, 'GET', '/api/tenants/zz');
    expect(other.status).toBe(404);
    expect(other.body.error.message.replace('"b"', '"zz"')).toBe(missing.body.error.message);
    expect((await f.http(f.keys.operator, 'GET', '/api/tenants/b')).status).toBe(200);
  });
});

describe('keys', () => {
  it('returns the key once, stores only its hash, lists prefixes', async () => {
    const created = await f.http(f.keys.adminA, 'POST', '/api/keys', { body: { name: 'ci', scopes: ['ingest', 'read'] } });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(created.body).toMatchObject({ tenant: 'a', name: 'ci', scopes: ['ingest', 'read'], prefix: key.slice(0, 10), createdAt: T0 });
    expect(created.body).not.toHaveProperty('hash');
    const stored = await f.store.findApiKeyByHash(hashApiKey(key));
    expect(stored?.id).toBe(created.body.id);
    const listed = await f.http(f.keys.adminA, 'GET', '/api/keys');
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(JSON.stringify(listed.body)).not.toContain(hashApiKey(key));
    const { key: _shownOnce, ...record } = created.body;
    expect((await f.http(f.keys.adminA, 'GET', `/api/keys/${created.body.id}`)).body).toEqual(record);
    expect(listed.body.items).toContainEqual(record);
    expect((await f.http(f.keys.adminA, 'POST', '/api/keys', { body: { name: 'ci', scopes: ['read'] } })).status).toBe(409);
    const unknown = await f.http(f.keys.adminA, 'POST', '/api/keys', { body: { name: 'x', scopes: ['root'] } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details.map((d: { at: string }) => d.at)).toEqual(['/scopes/0']);
    const repeated = await f.http(f.keys.adminA, 'POST', '/api/keys', { body: { name: 'x', scopes: ['read', 'read'] } });
    expect(repeated.body.error.details).toEqual([{ at: '/scopes', message: 'scopes must not repeat' }]);
  });
});

describe('users and login', () => {
  it('creates users with hashed passwords and never returns the hash', async () => {
    const created = await f.http(f.keys.adminA, 'POST', '/api/users', { body: { email: 'Ann@Example.com', password: 'correct horse battery' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), tenant: 'a', email: 'ann@example.com', scopes: ['read'], createdAt: T0 });
    const stored = await f.store.findUserByEmail('ann@example.com');
    expect(stored?.passwordHash).toMatch(/^scrypt\$/);
    expect(stored?.passwordHash).not.toContain('correct horse');
    expect(JSON.stringify((await f.http(f.keys.adminA, 'GET', '/api/users')).body)).not.toContain('scrypt');
    expect((await f.http(f.keys.adminB, 'POST', '/api/users', { body: { email: 'ann@example.com', password: 'another password' } })).status).toBe(409);
    expect((await f.http(f.keys.adminA, 'POST', '/api/users', { body: { email: 'not-an-email', password: 'short' } })).body.error.details.map((d: { at: string }) => d.at)).toEqual(['/email', '/password']);
  });

  it('logs in without a credential and the token then authenticates as the user', async () => {
    await f.http(f.keys.adminA, 'POST', '/api/users', { body: { email: 'ops@example.com', password: 'correct horse battery', scopes: ['admin'] } });
    // JWT verification reads the real clock, so issue the token at the real time.
    const issuedAt = Date.now();
    f.clock.now = issuedAt;
    const res = await f.http(null, 'POST', '/api/auth/login', { body: { email: 'OPS@example.com', password: 'correct horse battery' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', tenant: 'a', scopes: ['admin'], expiresAt: Math.floor(issuedAt / 1000) * 1000 + 3600 * 1000 });
    expect(await verifyToken(res.body.token, JWT_SECRET)).toMatchObject({ tenant: 'a', scopes: ['admin'], subject: expect.stringMatching(/^user:/) });
    const silence = await f.http(res.body.token, 'POST', '/api/silences', { body: { matchers: [{ name: 'env', value: 'x' }], endsAt: issuedAt + 60_000 } });
    expect(silence.status).toBe(201);
    expect(silence.body.creator).toMatch(/^user:/);
  });

  it('answers a wrong email and a wrong password with the same 401', async () => {
    await f.http(f.keys.adminA, 'POST', '/api/users', { body: { email: 'ops@example.com', password: 'correct horse battery' } });
    const wrongPassword = await f.http(null, 'POST', '/api/auth/login', { body: { email: 'ops@example.com', password: 'wrong password!' } });
    const wrongEmail = await f.http(null, 'POST', '/api/auth/login', { body: { email: 'nobody@example.com', password: 'correct horse battery' } });
    expect(wrongPassword).toEqual({ status: 401, body: { error: { code: 'unauthenticated', message: 'invalid email or password', details: [] } } });
    expect(wrongEmail).toEqual(wrongPassword);
    expect((await f.http(null, 'POST', '/api/auth/login', { body: { email: 'ops@example.com' } })).status).toBe(422);
  });

  it('deletes users of the own tenant only', async () => {
    const created = await f.http(f.keys.adminA, 'POST', '/api/users', { body: { email: 'x@example.com', password: 'correct horse battery' } });
    expect((await f.http(f.keys.adminB, 'DELETE', `/api/users/${created.body.id}`)).status).toBe(404);
    expect((await f.http(f.keys.adminA, 'DELETE', `/api/users/${created.body.id}`)).body).toEqual({ deleted: true, id: created.body.id });
    expect((await f.http(null, 'POST', '/api/auth/login', { body: { email: 'x@example.com', password: 'correct horse battery' } })).status).toBe(401);
  });
});
