// Per-test Redis isolation: each test gets a unique key prefix on the shared real Redis, and the keys under
// it are deleted afterwards. Tests that must kill or restart Redis start their own with startLocalRedis.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import type { Streams } from '../../lib/streams/port.js';
import { createRedisStreams } from '../../lib/streams/redis/adapter.js';

export function testRedisUrl(): string {
  return inject('redisUrl');
}

export function uniquePrefix(label = 't'): string {
  return `lwtest:${label}:${randomBytes(5).toString('hex')}`;
}

export function newRedis(): Redis {
  return new Redis(testRedisUrl(), { lazyConnect: false, maxRetriesPerRequest: 3 });
}

/** Deletes every key under `prefix` (SCAN, never KEYS). Stream names hold the prefix before their hash tag. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** The streams port on the test Redis (close it in afterAll). */
export function newStreams(): Promise<Streams> {
  return createRedisStreams({ topology: { kind: 'single', url: testRedisUrl() }, name: 'lw-test' });
}

/**
 * A TCP relay to the test Redis that can lose Redis's answers: while `swallow` is on, requests reach Redis and
 * replies are dropped; `cut()` then breaks every relayed connection, as a Redis killed after writing would.
 */
export async function lossyRelay(target: URL): Promise<{ url: string; swallow: boolean; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (!relay.swallow) client.write(d);
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relay = {
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}${target.pathname}`,
    swallow: false,
    cut() {
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return relay;
}
