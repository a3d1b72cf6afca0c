// Issue 17.5 across replicas: two gateways (in-process, each with its own limiter) sharing one real Redis count
// login attempts as one, answer 429 + Retry-After before any password hash, and an address that signed in
// through one gateway is exempt from its account's limit on the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNetworks, type Networks } from '../../lib/net/networks.js';
import { startTestbed, type Testbed } from '../support/gateway.js';
import { createRedisStreams } from '../../lib/streams/redis/adapter.js';
import { deletePrefix, lossyRelay, testRedisUrl, uniquePrefix } from '../support/redis.js';

describe('login limits over two gateway replicas', () => {
  const prefix = uniquePrefix('login');
  let a: Testbed;
  let b: Testbed;
  beforeAll(async () => {
    const options = {
      loginKeyPrefix: `${prefix}:{login}`,
      // The test client is the trusted proxy here, so X-Forwarded-For plays each client's address.
      gateway: { trustedProxies: parseNetworks('127.0.0.1/32') as Networks, login: { attemptsPerMinPerAddress: 4, failuresPerMinPerAccount: 3 } },
    };
    [a, b] = await Promise.all([startTestbed(options), startTestbed(options)]);
    // One user, in both gateways' stores (each testbed has its own in-memory store; Redis is what they share).
    for (const bed of [a, b]) {
      const created = await fetch(`${bed.url}/api/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bed.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ann@example.com', password: 'correct horse battery', scopes: ['read'] }),
      });
      expect(created.status).toBe(201);
    }
  });
  afterAll(async () => {
    if (a) await deletePrefix(a.redis, prefix);
    await Promise.all([a?.close(), b?.close()]);
  });

  const login = (bed: Testbed, from: string, email: string, password: string): Promise<Response> =>
    fetch(`${bed.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify({ email, password }) });

  it('limits attempts from one address spread over both gateways as one limit, with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(i % 2 === 0 ? a : b, '198.51.100.1', `nobody${i}@example.com`, 'wrong password')).status);
    // Per replica, 4 each would have let 6 through; shared, the fifth is refused on whichever gateway.
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    const refused = await login(a, '198.51.100.1', 'nobody@example.com', 'wrong password');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringContaining('from this address') } });
    expect(a.handlerErrors).toEqual([]);
    expect(b.handlerErrors).toEqual([]);
  });

  it('limits an account guessed at through both gateways, but not from an address its user signed in from on either', async () => {
    expect((await login(a, '192.0.2.10', 'ann@example.com', 'correct horse battery')).status).toBe(200);
    expect((await login(b, '203.0.113.1', 'ann@example.com', 'guess')).status).toBe(401);
    expect((await login(a, '203.0.113.2', 'ann@example.com', 'guess')).status).toBe(401);
    const refused = await login(b, '203.0.113.3', 'ANN@example.com', 'correct horse battery');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringContaining('for this account') } });
    // Signed in through gateway a from 192.0.2.10: gateway b knows it through Redis.
    expect((await login(b, '192.0.2.10', 'ann@example.com', 'correct horse battery')).status).toBe(200);
  });
});

describe('login limits when Redis goes away', () => {
  it('falls back to the replica’s own limit: still 429 past it, never 5xx, never everybody refused', async () => {
    const prefix = uniquePrefix('login');
    const relay = await lossyRelay(new URL(testRedisUrl()));
    const streams = await createRedisStreams({ topology: { kind: 'single', url: relay.url }, name: 'lw-login-down' });
    const bed = await startTestbed({
      loginCounters: { counters: streams.counters, ready: () => streams.ready(), keyPrefix: `${prefix}:{login}` },
      gateway: { trustedProxies: parseNetworks('127.0.0.1/32') as Networks, login: { attemptsPerMinPerAddress: 3, failuresPerMinPerAccount: 3 } },
    });
    try {
      const login = (from: string, email = 'x@example.com'): Promise<Response> =>
        fetch(`${bed.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify({ email, password: 'wrong' }) });
      expect((await login('198.51.100.20')).status).toBe(401); // shared, while Redis is there
      // Redis unreachable: the relay refuses connections and breaks the open ones.
      const closing = relay.close();
      relay.cut();
      await closing;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await login('198.51.100.20')).status);
      // The local limiter counted the first attempt too: 2 more, then 429. Another client is not refused.
      expect(statuses).toEqual([401, 401, 429, 429]);
      expect((await login('198.51.100.21', 'y@example.com')).status).toBe(401);
      expect(bed.handlerErrors).toEqual([]);
    } finally {
      await bed.close();
      await streams.close();
    }
  });
});
