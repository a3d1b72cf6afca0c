import type { Redis } from 'ioredis';
import type { Streams } from '../../lib/streams/port.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deletePrefix, newRedis, newStreams, uniquePrefix } from '../../test/support/redis.js';
import { streamNames, type StreamNames } from '../../lib/streams/partition.js';
import { createIdempotencyStore, holdLease, sha256Hex } from './idempotency.js';

describe('idempotency store', () => {
  let redis: Redis;
  let streams: Streams;
  let names: StreamNames;
  const answer = { accepted: 2, rejected: [{ index: 1, error: 'bad' }], compatBodyJson: '' };
  const fp = sha256Hex('body');
  const T = 1_700_000_000_000;

  beforeAll(async () => {
    redis = newRedis();
    streams = await newStreams();
  });
  afterEach(async () => {
    await deletePrefix(redis, names.prefix);
  });
  afterAll(async () => {
    redis.disconnect();
    await streams.close();
  });

  it('claims a new key, refuses a concurrent duplicate with 409, then replays the stored answer', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ streams, names });
    expect(await idem.begin('acme', 'k1', fp, T)).toEqual({ state: 'new', receivedAt: T, holder: expect.any(String) });
    await expect(idem.begin('acme', 'k1', fp, T + 10)).rejects.toMatchObject({ code: 'conflict', reason: 'idempotency_in_progress' });
    await idem.complete('acme', 'k1', fp, answer);
    expect(await idem.begin('acme', 'k1', fp, T + 20)).toEqual({ state: 'done', response: answer });
  });

  it('lets a retry take over an attempt whose lease expired (a crashed process), with the first receivedAt', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ streams, names, leaseMs: 1_000 });
    await idem.begin('acme', 'k', fp, T);
    await expect(idem.begin('acme', 'k', fp, T + 999)).rejects.toMatchObject({ reason: 'idempotency_in_progress' });
    expect(await idem.begin('acme', 'k', fp, T + 1_000)).toEqual({ state: 'new', receivedAt: T, holder: expect.any(String) });
    // The taker holds a fresh lease.
    await expect(idem.begin('acme', 'k', fp, T + 1_500)).rejects.toMatchObject({ reason: 'idempotency_in_progress' });
  });

  it('renewing keeps the lease for its holder only, and the 409 says how long the lease still runs', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ streams, names, leaseMs: 10_000 });
    const first = await idem.begin('acme', 'k', fp, T);
    if (first.state !== 'new') throw new Error('expected a new attempt');
    await expect(idem.begin('acme', 'k', fp, T + 2_500)).rejects.toMatchObject({ reason: 'idempotency_in_progress', retryAfterSec: 8 });
    // Renewed at T + 9 s: the lease now runs to T + 19 s, so a retry at T + 12 s is still refused.
    expect(await idem.renew('acme', 'k', fp, first.holder, T + 9_000)).toBe(true);
    await expect(idem.begin('acme', 'k', fp, T + 12_000)).rejects.toMatchObject({ reason: 'idempotency_in_progress', retryAfterSec: 7 });
    expect(await idem.renew('acme', 'k', fp, 'someone-else', T + 12_000)).toBe(false);
    expect(await idem.renew('acme', 'k', sha256Hex('other'), first.holder, T + 12_000)).toBe(false);
    // Not renewed any more (the process died): a retry takes over at the lease end, with the first receivedAt.
    const second = await idem.begin('acme', 'k', fp, T + 19_000);
    expect(second).toEqual({ state: 'new', receivedAt: T, holder: expect.any(String) });
    if (second.state !== 'new') throw new Error('expected a takeover');
    expect(second.holder).not.toBe(first.holder);
    // The first attempt, had it only stalled, can no longer extend the lease it lost.
    expect(await idem.renew('acme', 'k', fp, first.holder, T + 19_500)).toBe(false);
    expect(await idem.renew('acme', 'k', fp, second.holder, T + 19_500)).toBe(true);
    // Nothing renews a completed answer back into a pending record.
    await idem.complete('acme', 'k', fp, answer);
    expect(await idem.renew('acme', 'k', fp, second.holder, T + 20_000)).toBe(false);
    expect(await idem.begin('acme', 'k', fp, T + 20_000)).toEqual({ state: 'done', response: answer });
  });

  it('takes over a pending record written without a holder (before leases were renewable)', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ streams, names, leaseMs: 1_000 });
    await redis.set(names.key('idem', 'acme', sha256Hex('old')), `P|${fp}|${T}|${T + 60_000}`, 'PX', 100_000);
    await expect(idem.begin('acme', 'old', fp, T + 30_000)).rejects.toMatchObject({ reason: 'idempotency_in_progress', retryAfterSec: 30 });
    const taken = await idem.begin('acme', 'old', fp, T + 60_000);
    expect(taken).toEqual({ state: 'new', receivedAt: T, holder: expect.any(String) });
    if (taken.state !== 'new') throw new Error('expected a takeover');
    expect(await idem.renew('acme', 'old', fp, taken.holder, T + 60_500)).toBe(true);
  });

  it('release lets the retry proceed at once with the same receivedAt; abort forgets the key', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ streams, names });
    await idem.begin('acme', 'rel', fp, T);
    await idem.release('acme', 'rel', fp);
    expect(await idem.begin('acme', 'rel', fp, T + 5)).toEqual({ state: 'new', receivedAt: T, holder: expect.any(String) });

    await idem.begin('acme', 'ab', fp, T);
    await idem.abort('acme', 'ab', fp);
    expect(await idem.begin('acme', 'ab', sha256Hex('other body'), T + 5)).toEqual({ state: 'new', receivedAt: T + 5, holder: expect.any(String) });

    // Neither touches a completed answer.
    await idem.complete('acme', 'ab', sha256Hex('other body'), answer);
    await idem.abort('acme', 'ab', sha256Hex('other body'));
    await idem.release('acme', 'ab', sha256Hex('other body'));
    expect((await idem.begin('acme', 'ab', sha256Hex('other body'), T + 9)).state).toBe('done');
  });

  it('refuses the same key with a different request (422), pending or done', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ streams, names });
    await idem.begin('acme', 'k', fp, T);
    await expect(idem.begin('acme', 'k', sha256Hex('two'), T)).rejects.toMatchObject({ code: 'unprocessable', reason: 'idempotency_key_reused' });
    await idem.complete('acme', 'k', fp, answer);
    await expect(idem.begin('acme', 'k', sha256Hex('two'), T)).rejects.toMatchObject({ reason: 'idempotency_key_reused' });
  });

  it('keeps keys per tenant, stores only a hash of the key, and expires records after the TTL', async () => {
    names = streamNames(uniquePrefix('idem'), 1);
    const idem = createIdempotencyStore({ streams, names, ttlMs: 5_000 });
    expect((await idem.begin('acme', 'secret-key', fp, T)).state).toBe('new');
    expect((await idem.begin('globex', 'secret-key', fp, T)).state).toBe('new');
    await idem.complete('acme', 'secret-key', fp, answer);
    // One SCAN call sees only part of a shared Redis's keyspace: ask for every match at once (test-only).
    const keys = await redis.keys(`${names.prefix}:*`);
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
    await expect(createIdempotencyStore({ streams, names }).begin('acme', 'x'.repeat(257), fp, T)).rejects.toMatchObject({ code: 'bad_request' });
  });
});

describe('holdLease', () => {
  it('renews every interval until stopped, and stops by itself once the lease is lost', async () => {
    vi.useFakeTimers();
    try {
      let held = true;
      const renew = vi.fn(async () => held);
      const stop = holdLease(renew, 1_000);
      await vi.advanceTimersByTimeAsync(3_500);
      expect(renew).toHaveBeenCalledTimes(3);
      held = false;
      await vi.advanceTimersByTimeAsync(1_000);
      expect(renew).toHaveBeenCalledTimes(4);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(renew).toHaveBeenCalledTimes(4);
      stop();

      const renew2 = vi.fn(async () => true);
      const stop2 = holdLease(renew2, 1_000);
      await vi.advanceTimersByTimeAsync(1_000);
      stop2();
      await vi.advanceTimersByTimeAsync(5_000);
      expect(renew2).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps renewing after a failed renewal (Redis briefly away)', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const renew = vi.fn(async () => {
        calls++;
        if (calls === 1) throw new Error('connection lost');
        return true;
      });
      const stop = holdLease(renew, 500);
      await vi.advanceTimersByTimeAsync(1_600);
      expect(renew).toHaveBeenCalledTimes(3);
      stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
