// Issue 17.5 at the public surface: POST /api/auth/login limited per client address and per account with
// 429 + Retry-After, the address taken from X-Forwarded-For only when the peer is in TRUSTED_PROXIES, and a
// user who signed in from an address before not locked out of it by someone guessing their password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNetworks, type Networks } from '../../lib/net/networks.js';
import { startTestbed, type Testbed } from '../support/gateway.js';

describe('login rate limit', () => {
  let bed: Testbed;
  let now = 1_000_000;
  beforeAll(async () => {
    bed = await startTestbed({
      now: () => now,
      // The test client is the trusted proxy here, so X-Forwarded-For plays each client's address.
      gateway: { trustedProxies: parseNetworks('127.0.0.1/32') as Networks, login: { attemptsPerMinPerAddress: 5, failuresPerMinPerAccount: 3 } },
    });
    const created = await fetch(`${bed.url}/api/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bed.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ann@example.com', password: 'correct horse battery', scopes: ['read'] }),
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await bed?.close();
  });

  const login = (from: string, email: string, password: string): Promise<Response> =>
    fetch(`${bed.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify({ email, password }) });

  it('refuses an address past its attempts with 429 and Retry-After, and lets it in after that wait', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login('198.51.100.1', `nobody${i}@example.com`, 'wrong password')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const refused = await login('198.51.100.1', 'nobody@example.com', 'wrong password');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('12');
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringContaining('from this address') } });
    // A spoofed X-Forwarded-For entry left of the proxy's own does not move the attacker to a new bucket.
    expect((await login('6.6.6.6, 198.51.100.1', 'nobody@example.com', 'wrong password')).status).toBe(429);
    now += 12_000;
    expect((await login('198.51.100.1', 'nobody@example.com', 'wrong password')).status).toBe(401);
  });

  it('refuses an account after its failures from any address, but not from an address its user signed in from', async () => {
    // The first sign-in from an address is an attempt on the account like any other: 1 of its 3.
    expect((await login('192.0.2.10', 'ann@example.com', 'correct horse battery')).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await login(`203.0.113.${i}`, 'ann@example.com', 'guess')).status).toBe(401);
    const refused = await login('203.0.113.50', 'ANN@example.com', 'correct horse battery');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('20');
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringContaining('for this account') } });
    expect((await login('192.0.2.10', 'ann@example.com', 'correct horse battery')).status).toBe(200);
    now += 20_000;
    expect((await login('203.0.113.50', 'ann@example.com', 'correct horse battery')).status).toBe(200);
    expect(bed.handlerErrors).toEqual([]);
  });
});
