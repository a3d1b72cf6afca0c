// Thin reads on a real Redis: a reader that took a tenant on after its read re-reads that tenant's thin entries
// whole, by id, once each; one the stream no longer holds stays thin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, newRedis, testRedisUrl, uniquePrefix } from '../../test/support/redis.js';
import { isThin } from './codec.js';
import type { StreamRead, Streams } from './port.js';
import { createRedisStreams } from './redis/adapter.js';
import { idBefore, rereadWanted } from './thin.js';

describe('idBefore', () => {
  it('is the id just below, across a millisecond boundary too', () => {
    expect(idBefore('1700000000000-3')).toBe('1700000000000-2');
    expect(idBefore('1700000000000-0')).toBe('1699999999999-18446744073709551615');
  });
});

describe('rereadWanted on a real Redis', () => {
  const redis = newRedis();
  let s: Streams;
  const prefix = uniquePrefix('thin');
  beforeAll(async () => {
    s = await createRedisStreams({ topology: { kind: 'single', url: testRedisUrl() }, name: 'lw-thin' });
  });
  afterAll(async () => {
    await s.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('re-reads whole the thin entries wanted now (by tenant and kind), once each, and leaves a deleted one thin', async () => {
    const stream = `${prefix}:{p0}:events`;
    await s.ensureGroup([stream], 'g', '0');
    const ids = await s.append([
      { stream, fields: ['e', '[1]', 't', 'A'] },
      { stream, fields: ['e', '[2]', 't', 'B'] },
      { stream, fields: ['e', '[3]', 't', 'B'] },
      { stream, fields: ['e', '[4]', 't', 'C'] },
      { stream, fields: ['b', 'batch', 't', 'B'] },
    ]);
    const reader = s.reader('thin');
    let batch: StreamRead[];
    try {
      batch = await reader.read({ group: 'g', consumer: 'c', streams: [stream], count: 10, payloadTenants: [] });
    } finally {
      await reader.close();
    }
    expect(batch[0]?.[1].map((e) => isThin(e[1]))).toEqual([true, true, true, true, true]);
    await redis.xdel(stream, ids[2] as string);
    const wanted = new Set(['B']);
    const tried = new Set<string>();
    const wants = (t: string, kind: 'batch' | 'events'): boolean => kind === 'events' && wanted.has(t);
    const first = rereadWanted(s, batch, wants, tried);
    expect(first).toBeDefined();
    wanted.add('C'); // taken on while the re-reads are under way: the next pass gets it
    await first;
    const second = rereadWanted(s, batch, wants, tried);
    expect(second).toBeDefined();
    await second;
    expect(rereadWanted(s, batch, wants, tried)).toBeUndefined();
    expect(batch[0]?.[1].map((e) => e[1])).toEqual([['e', '', 't', 'A'], ['e', '[2]', 't', 'B'], ['e', '', 't', 'B'], ['e', '[4]', 't', 'C'], ['b', '', 't', 'B']]);
  });
});
