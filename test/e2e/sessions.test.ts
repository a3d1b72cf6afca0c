// Credentials and their revocation through the real all-in-one process (issue 17, items 6 and 11): any key in
// the `ApiKey` form, over HTTP and WebSocket; a revoked key's open WebSocket closed with 4401 at once (a
// revocation signal, not the 5 s cache or the periodic recheck) and its HTTP requests refused; a deleted user's
// JWT refused and their WebSocket closed; a validly signed JWT without `exp` refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from '../support/system.js';
import { testRedisUrl } from '../support/redis.js';

/** Not `lw_…` and not base64 of `id:key`: what the ApiKey form used to refuse. */
const BOOTSTRAP_KEY = 'MyOwnBootstrapKey2026abcdef';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes, read by the assertions
type Json = any;

describe('credentials and revocation through the real service', () => {
  let sys: RunningSystem;
  beforeAll(async () => {
    sys = await startSystem({ redisUrl: testRedisUrl(), env: { BOOTSTRAP_API_KEY: BOOTSTRAP_KEY }, startTimeoutMs: 50_000 });
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
  });

  const call = async (authorization: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${sys.url}${path}`, { method, headers: { authorization, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  };
  const admin = `Bearer ${BOOTSTRAP_KEY}`;

  /** Opens a WebSocket and resolves once it is open; `closed` resolves with the close code and when it came. */
  const openWs = async (path: string, headers: Record<string, string>): Promise<{ ws: WebSocket; closed: Promise<{ code: number; at: number }> }> => {
    const ws = new WebSocket(`${sys.wsUrl}${path}`, { headers, perMessageDeflate: false });
    const closed = new Promise<{ code: number; at: number }>((resolve) => ws.once('close', (code) => resolve({ code, at: Date.now() })));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    // A refused credential is closed right after the upgrade: give it the time to arrive.
    const early = await Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), 300))]);
    if (early) throw new Error(`websocket closed at once with ${early.code}`);
    return { ws, closed };
  };

  it('accepts any key in the Elasticsearch ApiKey form, raw or as base64(id:key), over HTTP and WebSocket', async () => {
    expect((await call(`ApiKey ${BOOTSTRAP_KEY}`, 'GET', '/api/targets')).status).toBe(200);
    expect((await call(`ApiKey ${Buffer.from(`some-id:${BOOTSTRAP_KEY}`).toString('base64')}`, 'GET', '/api/targets')).status).toBe(200);
    const ingest = await fetch(`${sys.url}/ingest/logs`, { method: 'POST', headers: { authorization: `ApiKey ${BOOTSTRAP_KEY}`, 'content-type': 'application/json' }, body: '[{"target":"t","message":"m"}]' });
    expect(ingest.status).toBe(202);
    const { ws } = await openWs('/ws/logs', { authorization: `ApiKey ${BOOTSTRAP_KEY}` });
    ws.close();
    expect((await call('ApiKey not-a-key-at-all', 'GET', '/api/targets')).status).toBe(401);
  });

  it("closes a revoked key's WebSocket at once and refuses the key over HTTP", async () => {
    const created = await call(admin, 'POST', '/api/keys', { name: 'dashboard-tv', scopes: ['read'] });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect((await call(`Bearer ${key}`, 'GET', '/api/targets')).status).toBe(200); // now cached by the authenticator
    const { closed } = await openWs('/ws/logs', { 'x-api-key': key });
    const revokedAt = Date.now();
    expect((await call(admin, 'POST', `/api/keys/${created.body.id}/revoke`)).status).toBe(200);
    const { code, at } = await closed;
    expect(code).toBe(4401);
    // Well under the 5 s cache TTL and the 5 s recheck: the revocation signal closed it.
    expect(at - revokedAt).toBeLessThan(2000);
    expect((await call(`Bearer ${key}`, 'GET', '/api/targets')).status).toBe(401);
    const ws = new WebSocket(`${sys.wsUrl}/ws/logs?token=${key}`);
    expect(await new Promise((resolve) => ws.once('close', resolve))).toBe(4401);
  });

  it("refuses a deleted user's token at once and closes their WebSocket", async () => {
    const user = await call(admin, 'POST', '/api/users', { email: 'leaver@example.com', password: 'correct horse battery', scopes: ['read'] });
    expect(user.status).toBe(201);
    const login = await call('', 'POST', '/api/auth/login', { email: 'leaver@example.com', password: 'correct horse battery' });
    expect(login.status).toBe(200);
    const jwt = `Bearer ${login.body.token as string}`;
    expect((await call(jwt, 'GET', '/api/targets')).status).toBe(200);
    const { closed } = await openWs('/ws/incidents', { authorization: jwt });
    const deletedAt = Date.now();
    expect((await call(admin, 'DELETE', `/api/users/${user.body.id}`)).status).toBe(200);
    const { code, at } = await closed;
    expect(code).toBe(4401);
    expect(at - deletedAt).toBeLessThan(2000);
    expect((await call(jwt, 'GET', '/api/targets')).status).toBe(401);
  });

  it('refuses a validly signed token without exp', async () => {
    const user = await call(admin, 'POST', '/api/users', { email: 'forever@example.com', password: 'correct horse battery', scopes: ['admin'] });
    const secret = new TextEncoder().encode(readFileSync(join(sys.dataDir, 'jwt-secret'), 'utf8').trim());
    const forever = await new SignJWT({ tenant: 'default', scopes: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer('lightwatch').setSubject(user.body.id as string).setIssuedAt().sign(secret);
    expect((await call(`Bearer ${forever}`, 'GET', '/api/targets')).status).toBe(401);
    const withExp = await new SignJWT({ tenant: 'default', scopes: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer('lightwatch').setSubject(user.body.id as string).setIssuedAt().setExpirationTime('5m').sign(secret);
    expect((await call(`Bearer ${withExp}`, 'GET', '/api/targets')).status).toBe(200);
  });
});
