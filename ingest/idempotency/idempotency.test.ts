import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, newRedis, uniquePrefix } from '../../test/support/redis.js';
import { streamNames, type StreamNames } from '../../lib/streams/partition.js';
import { createIdempotencyStore, sha256Hex } from './idempotency.js';

describe('idempotency store', () => {
  let redis: Redis;
  let names: StreamNames;
  const answer = { accepted: 2, rejected: [{ index: 1, error: 'bad' }], compatBodyJson: '' };

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
    const fp = sha256Hex('body');
    expect(await idem.begin('acme', 'k1', fp)).toEqual({ state: 'new' });
    await expect(idem.begin('acme', 'k1', fp)).rejects.toMatchObject({ code: 'conflict', reason: 'idempotency_in_progress' });
    await idem.complete('acme', 'k1', fp, answer);
    expect(await idem.begin('acme', 'k1', fp)).toEqual({ state: 'done', response: answer });
  });

  it('keeps keys per tenant, stores only a hash of the key, and expires answers after the TTL', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ redis, names, ttlMs: 5_000 });
    const fp = sha256Hex('body');
    expect((await idem.begin('acme', 'secret-key', fp)).state).toBe('new');
    expect((await idem.begin('globex', 'secret-key', fp)).state).toBe('new');
    await idem.complete('acme', 'secret-key', fp, answer);
    const [, keys] = await redis.scan('0', 'MATCH', `${names.prefix}:*`, 'COUNT', 100);
    expect(keys).toHaveLength(2);
    expect(keys.some((k) => k.includes('secret-key'))).toBe(false);
    const pttl = await redis.pttl(names.key('idem', 'acme', sha256Hex('secret-key')));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
  });

  it('refuses the same key with a different body (422), and abort releases only a pending claim', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ redis, names });
    const fp1 = sha256Hex('one');
    const fp2 = sha256Hex('two');
    await idem.begin('acme', 'k', fp1);
    await expect(idem.begin('acme', 'k', fp2)).rejects.toMatchObject({ code: 'unprocessable', reason: 'idempotency_key_reused' });
    await idem.abort('acme', 'k', fp1);
    expect((await idem.begin('acme', 'k', fp1)).state).toBe('new');
    await idem.complete('acme', 'k', fp1, answer);
    await idem.abort('acme', 'k', fp1); // a completed answer survives abort
    expect((await idem.begin('acme', 'k', fp1)).state).toBe('done');
  });

  it('lets a pending claim of a crashed request expire, so the retry proceeds', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ redis, names, pendingTtlMs: 30 });
    const fp = sha256Hex('b');
    await idem.begin('acme', 'k', fp);
    await new Promise((r) => setTimeout(r, 60));
    expect((await idem.begin('acme', 'k', fp)).state).toBe('new');
  });

  it('rejects keys longer than 256 characters', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    await expect(createIdempotencyStore({ redis, names }).begin('acme', 'x'.repeat(257), 'f')).rejects.toMatchObject({ code: 'bad_request' });
  });
});
