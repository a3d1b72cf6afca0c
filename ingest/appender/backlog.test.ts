import type { Redis } from 'ioredis';
import type { Streams } from '../../lib/streams/port.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, newRedis, newStreams, uniquePrefix } from '../../test/support/redis.js';
import { isLightwatchError } from '../../lib/errors/errors.js';
import { GROUP_PERSIST, streamNames, type StreamNames } from '../../lib/streams/partition.js';
import { logEvents } from '../test-events.js';
import { createAppender } from './appender.js';
import { createBacklogMonitor } from './backlog.js';

async function waitFor(cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('backlog monitor', () => {
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

  it('counts entries persist has not acknowledged: undelivered (lag) plus delivered-unacked (pending)', async () => {
    names = streamNames(uniquePrefix('bl'), 4);
    await streams.ensureGroup(names.allEvents(), GROUP_PERSIST, '0');
    const monitor = createBacklogMonitor({ streams, names, limitEntries: 100 });
    expect((await monitor.sample()).entries).toBe(0);

    const appender = createAppender({ streams, names });
    for (let i = 0; i < 5; i++) await appender.append(logEvents(1, { target: 'one' }));
    expect((await monitor.sample()).entries).toBe(5);

    // Delivered but not acked still counts.
    const reply = (await redis.xreadgroup('GROUP', GROUP_PERSIST, 'c1', 'COUNT', 3, 'STREAMS', ...names.allEvents(), ...names.allEvents().map(() => '>'))) as [string, [string, string[]][]][];
    const [stream, rows] = reply[0] ?? ['', []];
    expect(rows).toHaveLength(3);
    expect((await monitor.sample()).entries).toBe(5);

    await redis.xack(stream, GROUP_PERSIST, ...rows.map(([id]) => id));
    const s = await monitor.sample();
    expect(s.entries).toBe(2);
    expect(s.byPartition.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('admits until the backlog passes the bound, then throws rate_limited with a Retry-After', async () => {
    names = streamNames(uniquePrefix('bl'), 2);
    await streams.ensureGroup(names.allEvents(), GROUP_PERSIST, '0');
    const monitor = createBacklogMonitor({ streams, names, limitEntries: 3 });
    const appender = createAppender({ streams, names });
    for (let i = 0; i < 3; i++) await appender.append(logEvents(2, { target: 'x' }));
    await monitor.sample();
    expect(() => monitor.admit()).not.toThrow(); // at the bound, not past it

    await appender.append(logEvents(2, { target: 'x' }));
    await monitor.sample();
    let caught: unknown;
    try {
      monitor.admit();
    } catch (err) {
      caught = err;
    }
    expect(isLightwatchError(caught) && caught.code).toBe('rate_limited');
    expect(isLightwatchError(caught) && caught.httpStatus).toBe(429);
    expect(isLightwatchError(caught) ? caught.retryAfterSec : 0).toBeGreaterThanOrEqual(1);
  });

  it('samples in the background until closed', async () => {
    names = streamNames(uniquePrefix('bl'), 2);
    await streams.ensureGroup(names.allEvents(), GROUP_PERSIST, '0');
    let samples = 0;
    const monitor = createBacklogMonitor({ streams, names, limitEntries: 10, intervalMs: 10, onSample: () => samples++ });
    monitor.start();
    monitor.start();
    await createAppender({ streams, names }).append(logEvents(3, { target: 'y' }));
    await waitFor(() => (monitor.current()?.entries ?? 0) === 1);
    expect(monitor.healthy()).toBe(true);
    await monitor.close();
    const after = samples;
    await new Promise((r) => setTimeout(r, 60));
    expect(samples).toBe(after);
    await monitor.close(); // idempotent
  });

  it('treats missing streams as an empty backlog', async () => {
    names = streamNames(uniquePrefix('bl'), 3);
    const s = await createBacklogMonitor({ streams, names, limitEntries: 1 }).sample();
    expect(s.entries).toBe(0);
  });
});
