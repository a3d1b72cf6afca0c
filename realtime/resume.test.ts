// Resume by cursor over real uWS and real Redis: no gap and no duplicate across a disconnect while events keep
// flowing, partly passed batch entries, `reset` when the cursor's position was trimmed away, and a restarted
// replica continuing through the consumer group it kept.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { CanonicalEvent } from '../lib/events/event.js';
import { partitionOf, realtimeGroup, streamNames, type StreamNames } from '../lib/streams/partition.js';
import { deletePrefix, newRedis, newStreams, testRedisUrl, uniquePrefix } from '../test/support/redis.js';
import { Vector, encodeVector, decodeVector } from './cursor.js';
import { removeReplicaGroups } from './groups.js';
import { TestClient, deliveryProblems, logEvent, sleep, startTestServer, writeEvents, type EventMessage, type TestServer } from './testing/harness.js';

const redis: Redis = newRedis();
let prefix: string;
let names: StreamNames;
let server: TestServer;
const clients: TestClient[] = [];

async function open(path: string, headers?: Record<string, string>): Promise<TestClient> {
  const c = await TestClient.open(server.url(path), headers);
  clients.push(c);
  return c;
}

const TARGETS = ['web', 'db', 'cache', 'queue', 'auth', 'cdn', 'mail', 'search'];

/** Writes `batches` requests of `perBatch` events over several targets (so several partitions), paced. */
async function flow(batches: number, perBatch: number, pauseMs: number, level?: (i: number) => 'info' | 'error'): Promise<CanonicalEvent[]> {
  flowing.written = 0;
  flowing.batches = batches;
  const all: CanonicalEvent[] = [];
  for (let b = 0; b < batches; b++) {
    const batch = Array.from({ length: perBatch }, (_, i) => {
      const n = b * perBatch + i;
      return logEvent('acme', TARGETS[n % TARGETS.length] as string, `m${n}`, { level: level?.(n) ?? 'info' });
    });
    all.push(...batch);
    await writeEvents(redis, names, batch);
    flowing.written++;
    await sleep(pauseMs);
  }
  return all;
}

/** The running flow's progress: batches written of how many. */
const flowing = { written: 0, batches: 0 };

/** Waits until the running flow has written `n` more batches (or all of them): events flow while a client is away. */
async function whileAway(n: number): Promise<void> {
  const until = Math.min(flowing.written + n, flowing.batches);
  await expect.poll(() => flowing.written, { timeout: 10_000, interval: 2 }).toBeGreaterThanOrEqual(until);
}

beforeEach(async () => {
  prefix = uniquePrefix('rtres');
  names = streamNames(prefix, 16);
  server = await startTestServer({ redisUrl: testRedisUrl(), names });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await server.close();
  await deletePrefix(redis, prefix);
});

afterAll(() => redis.disconnect());

describe('resume with ?since=', () => {
  it('delivers every event exactly once, in order per target, across a disconnect while events keep flowing', async () => {
    const first = await open('/ws/logs');
    const writing = flow(40, 12, 5);
    await first.waitForEvents(100);
    // What the client has when it goes away is what it got; anything in flight after that is lost to it.
    const before = first.events.slice();
    first.close();
    const last = before.at(-1) as EventMessage;
    await whileAway(3); // events keep flowing while it is away
    const second = await open(`/ws/logs?since=${last.cursor}`);
    const all = await writing;
    await second.until(() => before.length + second.events.length >= all.length, 10_000, 'all events');
    await sleep(100);
    const received = [...before, ...second.events].map((m) => m.data);
    expect(deliveryProblems(received, all)).toEqual([]);
    expect(received).toHaveLength(all.length);
    expect(second.events.length).toBeGreaterThan(0);
  });

  it('resumes a filtered subscription made with a subscribe message', async () => {
    const first = await open('/ws');
    first.send({ type: 'subscribe', channel: 'logs', filter: { level: 'error' } });
    await first.sync();
    const writing = flow(30, 10, 5, (n) => (n % 3 === 0 ? 'error' : 'info'));
    await first.waitForEvents(30);
    const before = first.events.slice();
    first.close();
    await whileAway(3); // events keep flowing while it is away
    const second = await open('/ws');
    second.send({ type: 'subscribe', channel: 'logs', filter: { level: 'error' }, since: (before.at(-1) as EventMessage).cursor });
    const all = (await writing).filter((e) => e.kind === 'log' && e.body.level === 'error');
    await second.until(() => before.length + second.events.length >= all.length, 10_000, 'all error events');
    await sleep(100);
    const received = [...before, ...second.events].map((m) => m.data);
    expect(deliveryProblems(received, all)).toEqual([]);
  });

  it('resumes inside a batch entry: the cursor counts the events of the entry already delivered', async () => {
    const c = await open('/ws/targets/web');
    const batch = Array.from({ length: 5 }, (_, i) => logEvent('acme', 'web', `b${i}`));
    await writeEvents(redis, names, batch);
    const got = await c.waitForEvents(5);
    const afterSecond = (got[1] as EventMessage).cursor;
    c.close();
    const more = [logEvent('acme', 'web', 'later')];
    await writeEvents(redis, names, more);
    const resumed = await open(`/ws/targets/web?since=${afterSecond}`);
    await resumed.waitForEvents(4);
    await sleep(100);
    expect(resumed.events.map((m) => m.data.id)).toEqual([...batch.slice(2), ...more].map((e) => e.id));
  });

  it('sends reset when entries after the cursor were trimmed, then continues live', async () => {
    const c = await open('/ws/targets/web');
    // Stays connected: once it has the missed events, the live reader is past them (it reads while they keep
    // coming only every readLingerMs), so the resumed client's reset leads to live events only.
    const watcher = await open('/ws/targets/web');
    await writeEvents(redis, names, [logEvent('acme', 'web', 'seen')]);
    const [seen] = await c.waitForEvents(1);
    c.close();
    await writeEvents(redis, names, [logEvent('acme', 'web', 'missed 1')]);
    await writeEvents(redis, names, [logEvent('acme', 'web', 'missed 2')]);
    await watcher.waitForEvents(3);
    const key = names.events(partitionOf('acme', 'web', names.partitions));
    await redis.xtrim(key, 'MAXLEN', 1); // 'missed 1' is gone: the client can no longer get it
    const resumed = await open(`/ws/targets/web?since=${(seen as EventMessage).cursor}`);
    await resumed.until(() => resumed.messages.length >= 1, 5000, 'reset');
    expect(resumed.messages[0]).toEqual({ type: 'reset' });
    const live = logEvent('acme', 'web', 'after reset');
    await writeEvents(redis, names, [live]);
    await resumed.waitForEvents(1);
    expect(resumed.events.map((m) => m.data.id)).toEqual([live.id]);
  });

  it('does not reset when only entries the client already had were trimmed', async () => {
    const c = await open('/ws/targets/web');
    const key = names.events(partitionOf('acme', 'web', names.partitions));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await writeEvents(redis, names, [logEvent('acme', 'web', `old${i}`)])).get(key) as string);
    const got = await c.waitForEvents(3);
    c.close();
    const missed = [logEvent('acme', 'web', 'missed')];
    await writeEvents(redis, names, missed);
    await redis.xtrim(key, 'MINID', '=', ids[2] as string); // removes the first two only
    const resumed = await open(`/ws/targets/web?since=${(got[2] as EventMessage).cursor}`);
    await resumed.waitForEvents(1);
    await sleep(100);
    expect(resumed.messages.map((m) => m.type)).toEqual(['event']);
    expect(resumed.events.map((m) => m.data.id)).toEqual([missed[0]?.id]);
  });

  it('sends reset for a cursor ahead of the streams (a wiped Redis, or a cursor from elsewhere)', async () => {
    const c = await open('/ws/logs');
    await writeEvents(redis, names, [logEvent('acme', 'web', 'x')]);
    const [m] = await c.waitForEvents(1);
    const v = decodeVector((m as EventMessage).cursor, names.partitions + 1);
    const future = new Vector(v.size);
    future.copyFrom(v);
    future.set(0, Date.now() + 86_400_000, 0, 1);
    const resumed = await open(`/ws/logs?since=${encodeVector(future)}`);
    await resumed.until(() => resumed.messages.length >= 1, 5000, 'reset');
    expect(resumed.messages[0]).toEqual({ type: 'reset' });
  });
});

describe('consumer groups across restarts', () => {
  it('keeps its group on close so a restart continues, and removeReplicaGroups retires it', async () => {
    const c = await open('/ws/logs');
    await writeEvents(redis, names, [logEvent('acme', 'web', 'before')]);
    const [m] = await c.waitForEvents(1);
    await server.close();
    const missed = await flow(3, 4, 0);
    server = await startTestServer({ redisUrl: testRedisUrl(), names });
    const group = realtimeGroup('r1');
    const key = names.events(partitionOf('acme', 'web', names.partitions));
    const resumed = await open(`/ws/logs?since=${(m as EventMessage).cursor}`);
    await resumed.waitForEvents(missed.length);
    expect(deliveryProblems(resumed.events.map((e) => e.data), missed)).toEqual([]);
    // The reader continued from where the group stood: it read what was written while it was down.
    await expect.poll(async () => {
      const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
      const mine = groups.find((g) => g[1] === group);
      return mine?.[mine.indexOf('entries-read') + 1];
    }).toBeGreaterThanOrEqual(2);
    await server.close();
    const port = await newStreams();
    expect(await removeReplicaGroups(port, names, 'r1')).toBe(names.partitions + 1);
    expect(await removeReplicaGroups(port, names, 'r1')).toBe(0);
    await port.close();
  });
});
