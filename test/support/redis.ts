// Per-test Redis isolation: each test gets a unique key prefix on the shared real Redis, and the keys under
// it are deleted afterwards. Tests that must kill or restart Redis start their own with startLocalRedis.
import { randomBytes } from 'node:crypto';
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
