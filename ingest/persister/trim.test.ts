import type { Redis } from 'ioredis';
import type { Streams } from '../../lib/streams/port.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, newRedis, newStreams, uniquePrefix } from '../../test/support/redis.js';
import { GROUP_PERSIST, streamNames, type StreamNames } from '../../lib/streams/partition.js';
import { safeTrimId, trimPass } from './trim.js';

describe('safeTrimId', () => {
  it('is the last delivered id when nothing is pending', () => {
    expect(safeTrimId('100-3', 0, null)).toBe('100-3');
  });
  it('is the oldest pending id when one is older than the last delivered', () => {
    expect(safeTrimId('100-3', 2, '90-0')).toBe('90-0');
    expect(safeTrimId('100-3', 1, '100-2')).toBe('100-2');
  });
  it('never goes past the last delivered id read before the pending summary', () => {
    expect(safeTrimId('100-3', 1, '120-0')).toBe('100-3');
  });
});

describe('trimPass', () => {
  let redis: Redis;
  let streams: Streams;
  let names: StreamNames;

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

  async function fill(n: number): Promise<string[]> {
    const p = redis.pipeline();
    for (let i = 0; i < n; i++) p.xadd(names.events(0), '*', 'e', '[]');
    return ((await p.exec()) ?? []).map(([, id]) => id as string);
  }

  it('trims acknowledged entries but never one that persist has pending or not yet read', async () => {
    names = streamNames(uniquePrefix('trim'), 1);
    await streams.ensureGroup(names.allEvents(), GROUP_PERSIST, '0');
    const ids = await fill(450);
    // persist read 300, acked the first 250; 50 pending, 150 undelivered.
    await redis.xreadgroup('GROUP', GROUP_PERSIST, 'c', 'COUNT', 300, 'STREAMS', names.events(0), '>');
    await redis.xack(names.events(0), GROUP_PERSIST, ...ids.slice(0, 250));

    const r = await trimPass(streams, names, 0, Date.now() + 60_000);
    expect(r.trimmed).toBeGreaterThan(0);
    expect(r.backlogEntries).toBe(200);
    const left = (await redis.xrange(names.events(0), '-', '+')).map(([id]) => id);
    expect(left.length).toBe(450 - r.trimmed);
    // Every unacknowledged entry is still there.
    expect(left).toEqual(expect.arrayContaining(ids.slice(250)));
    expect(left.length).toBeGreaterThanOrEqual(200);
  });

  it('keeps entries younger than the retention window even when persisted', async () => {
    names = streamNames(uniquePrefix('trim'), 1);
    await streams.ensureGroup(names.allEvents(), GROUP_PERSIST, '0');
    const ids = await fill(300);
    await redis.xreadgroup('GROUP', GROUP_PERSIST, 'c', 'COUNT', 300, 'STREAMS', names.events(0), '>');
    await redis.xack(names.events(0), GROUP_PERSIST, ...ids);
    const r = await trimPass(streams, names, 60 * 60_000, Date.now());
    expect(r.trimmed).toBe(0);
    expect(await redis.xlen(names.events(0))).toBe(300);
  });

  it('trims nothing on a stream without a persist group', async () => {
    names = streamNames(uniquePrefix('trim'), 1);
    await fill(300);
    const r = await trimPass(streams, names, 0, Date.now() + 60_000);
    expect(r.trimmed).toBe(0);
    expect(await redis.xlen(names.events(0))).toBe(300);
  });
});
