import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, newRedis, uniquePrefix } from '../../test/support/redis.js';
import { streamNames, type StreamNames } from '../../lib/streams/partition.js';
import { createIdempotencyStore, sha256Hex } from './idempotency.js';

describe('idempotency store', () => {
  let redis: Redis;
  let names: StreamNames;
  const answer = { accepted: 2, rejected: [{ index: 1, error: 'bad' }], compatBodyJson: '' };
  const fp = sha256Hex('body');
  const T = 1_700_000_000_000;

  beforeAll(() => {
    redis = newRedis();
  });
  afterEach(async () => {
    await deletePrefix(redis, names.prefix);
  });
  afterAll(() => {
    redis.disconnect();
  });

  it('claims a new key, refuses a concurrent duplicate with 409, then replays the stored answer', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ redis, names });
    expect(await idem.begin('acme', 'k1', fp, T)).toEqual({ state: 'new', receivedAt: T });
    await expect(idem.begin('acme', 'k1', fp, T + 10)).rejects.toMatchObject({ code: 'conflict', reason: 'idempotency_in_progress' });
    await idem.complete('acme', 'k1', fp, answer);
    expect(await idem.begin('acme', 'k1', fp, T + 20)).toEqual({ state: 'done', response: answer });
  });

  it('lets a retry take over an attempt whose lease expired (a crashed process), with the first receivedAt', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ redis, names, leaseMs: 1_000 });
    await idem.begin('acme', 'k', fp, T);
    await expect(idem.begin('acme', 'k', fp, T + 999)).rejects.toMatchObject({ reason: 'idempotency_in_progress' });
    expect(await idem.begin('acme', 'k', fp, T + 1_000)).toEqual({ state: 'new', receivedAt: T });
    // The taker holds a fresh lease.
    await expect(idem.begin('acme', 'k', fp, T + 1_500)).rejects.toMatchObject({ reason: 'idempotency_in_progress' });
  });

  it('release lets the retry proceed at once with the same receivedAt; abort forgets the key', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ redis, names });
    await idem.begin('acme', 'rel', fp, T);
    await idem.release('acme', 'rel', fp);
    expect(await idem.begin('acme', 'rel', fp, T + 5)).toEqual({ state: 'new', receivedAt: T });

    await idem.begin('acme', 'ab', fp, T);
    await idem.abort('acme', 'ab', fp);
    expect(await idem.begin('acme', 'ab', sha256Hex('other body'), T + 5)).toEqual({ state: 'new', receivedAt: T + 5 });

    // Neither touches a completed answer.
    await idem.complete('acme', 'ab', sha256Hex('other body'), answer);
    await idem.abort('acme', 'ab', sha256Hex('other body'));
    await idem.release('acme', 'ab', sha256Hex('other body'));
    expect((await idem.begin('acme', 'ab', sha256Hex('other body'), T + 9)).state).toBe('done');
  });

  it('refuses the same key with a different request (422), pending or done', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ redis, names });
    await idem.begin('acme', 'k', fp, T);
    await expect(idem.begin('acme', 'k', sha256Hex('two'), T)).rejects.toMatchObject({ code: 'unprocessable', reason: 'idempotency_key_reused' });
    await idem.complete('acme', 'k', fp, answer);
    await expect(idem.begin('acme', 'k', sha256Hex('two'), T)).rejects.toMatchObject({ reason: 'idempotency_key_reused' });
  });

  it('keeps keys per tenant, stores only a hash of the key, and expires records after the TTL', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ redis, names, ttlMs: 5_000 });
    expect((await idem.begin('acme', 'secret-key', fp, T)).state).toBe('new');
    expect((await idem.begin('globex', 'secret-key', fp, T)).state).toBe('new');
    await idem.complete('acme', 'secret-key', fp, answer);
    const [, keys] = await redis.scan('0', 'MATCH', `${names.prefix}:*`, 'COUNT', 100);
    expect(keys).toHaveLength(2);
    expect(keys.some((k) => k.includes('secret-key'))).toBe(false);
    for (const k of keys) {
      const pttl = await redis.pttl(k);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(5_000);
    }
  });

  it('rejects keys longer than 256 characters', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    await expect(createIdempotencyStore({ redis, names }).begin('acme', 'x'.repeat(257), fp, T)).rejects.toMatchObject({ code: 'bad_request' });
  });
});
