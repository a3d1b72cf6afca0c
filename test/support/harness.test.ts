// The harness itself: the Redis every test gets is real and answers.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { deletePrefix, newRedis, uniquePrefix } from './redis.js';

describe('test harness', () => {
  const redis = newRedis();
  const prefix = uniquePrefix('harness');
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it(`gives a real Redis (${inject('redisSource')}) that answers PING and keeps a stream`, async () => {
    expect(await redis.ping()).toBe('PONG');
    const id = await redis.xadd(`${prefix}:s`, '*', 'f', 'v');
    expect(id).toMatch(/^\d+-\d+$/);
    expect(await redis.xlen(`${prefix}:s`)).toBe(1);
  });

  it('cleans keys under a prefix', async () => {
    await redis.set(`${prefix}:a`, '1');
    await deletePrefix(redis, prefix);
    expect(await redis.exists(`${prefix}:a`)).toBe(0);
  });
});
