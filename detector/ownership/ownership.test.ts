import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { Streams } from '../../lib/streams/port.js';
import pino from 'pino';
import { deletePrefix, newRedis, newStreams, uniquePrefix } from '../../test/support/redis.js';
import { streamNames, type StreamNames } from '../../lib/streams/partition.js';
import { preferenceOrder, quotaOf, releaseOrder } from './assign.js';
import { createOwnership, type Ownership } from './ownership.js';

const logger = pino({ level: 'silent' });

describe('assignment', () => {
  it('quotas add up to P and differ by at most one', () => {
    for (let live = 1; live <= 7; live++) {
      const members = Array.from({ length: live }, (_, i) => `d${i}`);
      for (const P of [1, 5, 16, 17]) {
        const q = members.map((m) => quotaOf(P, members, m));
        expect(q.reduce((a, b) => a + b, 0)).toBe(P);
        expect(Math.max(...q) - Math.min(...q)).toBeLessThanOrEqual(1);
      }
    }
    expect(quotaOf(16, ['a'], 'zombie')).toBe(0);
  });

  it('prefers home partitions and releases the others first', () => {
    expect(preferenceOrder(6, ['a', 'b'], 'b')).toEqual([1, 3, 5, 0, 2, 4]);
    expect(releaseOrder([0, 1, 2, 3], 6, ['a', 'b'], 'a', 2).sort()).toEqual([1, 3]);
    expect(releaseOrder([0, 2], 6, ['a', 'b'], 'a', 3)).toEqual([]);
  });
});

describe('ownership against real Redis', () => {
  let redis: Redis;
  let streams: Streams;
  let names: StreamNames;
  let prefix: string;
  const instances: Ownership[] = [];
  const events: string[] = [];

  const make = (id: string, leaseMs = 600): Ownership => {
    const o = createOwnership({
      streams,
      names,
      replicaId: id,
      leaseMs,
      logger,
      handler: {
        acquired: async (p, e) => void events.push(`${id}+${p}@${e}`),
        releasing: async (p) => void events.push(`${id}-${p}`),
        lost: (p) => void events.push(`${id}!${p}`),
      },
    });
    instances.push(o);
    return o;
  };

  const until = async (cond: () => boolean, ms = 5_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const sizes = (os: Ownership[]) => os.map((o) => o.owned().size);
  const disjointCover = (os: Ownership[], P: number): boolean => {
    const all = os.flatMap((o) => [...o.owned().keys()]);
    return all.length === P && new Set(all).size === P;
  };

  beforeEach(async () => {
    redis = newRedis();
    streams = await newStreams();
    prefix = uniquePrefix('own');
    names = streamNames(prefix, 12);
    events.length = 0;
  });

  afterEach(async () => {
    for (const o of instances.splice(0)) await o.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await streams.close();
  });

  it('spreads partitions evenly over three detectors, each partition owned once', async () => {
    const os = [make('a'), make('b'), make('c')];
    await Promise.all(os.map((o) => o.start()));
    await until(() => sizes(os).every((n) => n === 4) && disjointCover(os, 12));
    for (const o of os) for (const [p, e] of o.owned()) expect(await o.isCurrent(p, e)).toBe(true);
  });

  it('takes over a stopped owner\'s partitions within the lease time, with higher epochs', async () => {
    const os = [make('a'), make('b'), make('c')];
    await Promise.all(os.map((o) => o.start()));
    await until(() => sizes(os).every((n) => n === 4) && disjointCover(os, 12));
    const dead = os[2]!;
    const theirs = new Map(dead.owned());
    const t0 = Date.now();
    dead.abandon();
    await until(() => sizes([os[0]!, os[1]!]).every((n) => n === 6) && disjointCover([os[0]!, os[1]!], 12));
    const took = Date.now() - t0;
    expect(took).toBeLessThan(600 + 300); // within the lease time, with room for a loaded machine
    for (const [p, oldEpoch] of theirs) {
      const owner = os[0]!.owned().has(p) ? os[0]! : os[1]!;
      expect(owner.owned().get(p)).toBeGreaterThan(oldEpoch);
      // the stale owner still believes it owns p, but the fence refuses its epoch
      expect(await dead.isCurrent(p, oldEpoch)).toBe(false);
    }
  });

  it('moves partitions back when a detector joins: the over-quota owner releases its extras', async () => {
    const a = make('a');
    await a.start();
    await until(() => a.owned().size === 12);
    const b = make('b');
    await b.start();
    await until(() => a.owned().size === 6 && b.owned().size === 6 && disjointCover([a, b], 12));
    expect(events.filter((e) => e.startsWith('a-'))).toHaveLength(6);
    const c = make('c');
    await c.start();
    await until(() => sizes([a, b, c]).every((n) => n === 4) && disjointCover([a, b, c], 12));
  });

  it('close gives every lease back at once so the others take them without waiting for expiry', async () => {
    const a = make('a', 60_000);
    const b = make('b', 60_000);
    await Promise.all([a.start(), b.start()]);
    await until(() => a.owned().size === 6 && b.owned().size === 6, 10_000);
    const t0 = Date.now();
    await a.close();
    expect(events.filter((e) => e.startsWith('a-'))).toHaveLength(6);
    await until(() => b.owned().size === 12, 5_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('close hands all partitions over together, not one after another', async () => {
    // Each hand-over waits for the partition's in-flight stream read (up to the BLOCK time): one after another,
    // a detector owning 64 partitions would need 64 of those to stop, past the shutdown timeout.
    const waiting: number[] = [];
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const o = createOwnership({
      streams,
      names,
      replicaId: 'solo',
      leaseMs: 60_000,
      logger,
      handler: {
        acquired: async () => undefined,
        releasing: async (p) => {
          waiting.push(p);
          await gate;
        },
        lost: () => undefined,
      },
    });
    await o.start();
    await until(() => o.owned().size === 12);
    const closed = o.close();
    try {
      await until(() => waiting.length === 12);
      expect(o.owned().size).toBe(12);
    } finally {
      openGate();
    }
    await closed;
    expect(o.owned().size).toBe(0);
    expect(await redis.exists(...Array.from({ length: 12 }, (_, p) => names.lease(p)))).toBe(0);
  });

  it('a frozen owner knows on resuming, without Redis, that it may no longer read its partitions', async () => {
    const a = make('a');
    await a.start();
    await until(() => a.owned().size === 12);
    expect(a.fresh(0)).toBe(true);
    a.abandon(); // no more renewals, as when the process is stopped
    await new Promise((r) => setTimeout(r, 600));
    expect(a.owned().size).toBe(12); // it still believes it owns them...
    expect(a.fresh(0)).toBe(false); // ...but knows its last renewal is too old to read on
  });

  it('a lease taken by someone else is reported lost on the next renewal', async () => {
    const a = make('a');
    await a.start();
    await until(() => a.owned().size === 12);
    await redis.set(names.lease(3), 'intruder', 'PX', 60_000);
    await until(() => events.includes('a!3'));
    expect(a.owned().has(3)).toBe(false);
  });
});
