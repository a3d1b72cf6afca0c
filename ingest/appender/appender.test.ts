import net from 'node:net';
import type { Redis } from 'ioredis';
import type { Streams } from '../../lib/streams/port.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, newRedis, newStreams, uniquePrefix } from '../../test/support/redis.js';
import { eventsOfEntry, tenantOfEntry } from '../../lib/streams/codec.js';
import { partitionOf, streamNames, type StreamNames } from '../../lib/streams/partition.js';
import { logEvents } from '../test-events.js';
import { createAppender } from './appender.js';

describe('appender', () => {
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

  it('writes one entry per partition, readable as soon as append resolves, with a cursor per event', async () => {
    names = streamNames(uniquePrefix('app'), 4);
    const events = logEvents(1000);
    const { cursors, entries } = await createAppender({ streams, names }).append(events);

    const partitions = new Set(events.map((e) => partitionOf(e.tenant, e.target, 4)));
    expect(entries).toBe(partitions.size);
    expect(cursors).toHaveLength(1000);
    for (let p = 0; p < 4; p++) expect(await redis.xlen(names.events(p))).toBe(partitions.has(p) ? 1 : 0);

    // Every cursor points at its own event: entry id + index in that entry's batch, on the event's partition
    // (entry ids are per stream, so the same id may exist on two partitions).
    const byStreamEntry = new Map<string, ReturnType<typeof eventsOfEntry>>();
    for (let p = 0; p < 4; p++) {
      for (const [id, fields] of await redis.xrange(names.events(p), '-', '+')) {
        byStreamEntry.set(`${p}/${id}`, eventsOfEntry(fields));
        // One request is one tenant's: each entry says whose it is, so readers may skip it undecoded.
        expect(tenantOfEntry(fields)).toBe(events[0]?.tenant);
      }
    }
    events.forEach((ev, i) => {
      const m = /^(\d+-\d+):(\d+)$/.exec(cursors[i] as string);
      expect(m).not.toBeNull();
      const batch = byStreamEntry.get(`${partitionOf(ev.tenant, ev.target, 4)}/${m?.[1]}`);
      expect(batch?.[Number(m?.[2])]?.id).toBe(ev.id);
    });
  });

  it('sends every XADD of a request in one write to the socket (one round trip, no await per event)', async () => {
    names = streamNames(uniquePrefix('app'), 8);
    const appender = createAppender({ streams, names });
    await streams.ping();
    // Every socket write of this process during the append: the adapter's connection is the only busy one.
    const proto = net.Socket.prototype as unknown as { write: (...a: unknown[]) => boolean };
    const original = proto.write;
    let writes = 0;
    proto.write = function (this: net.Socket, ...a: unknown[]) {
      writes++;
      return original.apply(this, a);
    };
    try {
      const { entries } = await appender.append(logEvents(500));
      expect(entries).toBeGreaterThan(1);
      expect(writes).toBe(1);
    } finally {
      proto.write = original;
    }
  });

  it('splits a partition batch larger than the entry bound into several entries, keeping every event once', async () => {
    names = streamNames(uniquePrefix('app'), 1);
    const events = logEvents(300, { messageBytes: 1000 });
    const { cursors, entries } = await createAppender({ streams, names, maxEntryChars: 50_000 }).append(events);
    expect(entries).toBeGreaterThan(5);
    const rows = await redis.xrange(names.events(0), '-', '+');
    expect(rows).toHaveLength(entries);
    for (const [, fields] of rows) expect(fields[1]?.length ?? 0).toBeLessThanOrEqual(50_000);
    const stored = rows.flatMap(([, fields]) => eventsOfEntry(fields).map((e) => e.id));
    expect(stored).toEqual(events.map((e) => e.id));
    expect(new Set(cursors).size).toBe(300);
  });

  it('fails with a retryable unavailable error when Redis refuses, and acknowledges nothing', async () => {
    names = streamNames(uniquePrefix('app'), 2);
    // A plain string key where a stream should be makes XADD fail with WRONGTYPE.
    await redis.set(names.events(0), 'not a stream');
    await redis.set(names.events(1), 'not a stream');
    await expect(createAppender({ streams, names }).append(logEvents(10))).rejects.toMatchObject({ code: 'unavailable', retryable: true });
  });

  it('names no tenant on an entry whose events belong to several', async () => {
    names = streamNames(uniquePrefix('app'), 1);
    const [a, b] = logEvents(2);
    await createAppender({ streams, names }).append([a!, { ...b!, tenant: 'other' }]);
    const [[, fields]] = (await redis.xrange(names.events(0), '-', '+')) as [[string, string[]]];
    expect(eventsOfEntry(fields).map((e) => e.tenant)).toEqual([a!.tenant, 'other']);
    expect(tenantOfEntry(fields)).toBeUndefined();
  });

  it('appends nothing for an empty batch', async () => {
    names = streamNames(uniquePrefix('app'), 2);
    expect(await createAppender({ streams, names }).append([])).toEqual({ cursors: [], entries: 0 });
    expect(await redis.exists(names.events(0), names.events(1))).toBe(0);
  });
});
