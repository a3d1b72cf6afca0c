// Two realtime replicas on one Redis: each reads every partition through its own consumer group and delivers
// every event to its own clients; a client's cursor from one replica resumes on the other without gap or duplicate.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { CanonicalEvent } from '../lib/events/event.js';
import { realtimeGroup, streamNames, type StreamNames } from '../lib/streams/partition.js';
import { deletePrefix, newRedis, testRedisUrl, uniquePrefix } from '../test/support/redis.js';
import { TestClient, deliveryProblems, logEvent, sleep, startTestServer, writeEvents, type EventMessage, type TestServer } from './testing/harness.js';

const redis: Redis = newRedis();
let prefix: string;
let names: StreamNames;
let one: TestServer;
let two: TestServer;
const clients: TestClient[] = [];

async function open(server: TestServer, path: string, label: string): Promise<TestClient> {
  const c = await TestClient.open(server.url(path), undefined, label);
  clients.push(c);
  return c;
}

async function flow(batches: number, perBatch: number, pauseMs: number): Promise<CanonicalEvent[]> {
  flowing.written = 0;
  flowing.batches = batches;
  const all: CanonicalEvent[] = [];
  for (let b = 0; b < batches; b++) {
    const batch = Array.from({ length: perBatch }, (_, i) => logEvent('acme', `host-${(b * perBatch + i) % 11}`, `e${b}.${i}`));
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
  prefix = uniquePrefix('rtrep');
  names = streamNames(prefix, 16);
  one = await startTestServer({ redisUrl: testRedisUrl(), names, config: { replicaId: 'one' } });
  two = await startTestServer({ redisUrl: testRedisUrl(), names, config: { replicaId: 'two' } });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await one.close();
  await two.close();
  await deletePrefix(redis, prefix);
});

afterAll(() => redis.disconnect());

describe('two replicas', () => {
  it('each deliver every event to their own clients, through a consumer group of their own', async () => {
    const mine = [
      await open(one, '/ws/logs', 'one-a'),
      await open(one, '/ws/logs', 'one-b'),
      await open(two, '/ws/logs', 'two-a'),
      await open(two, '/ws/targets/host-3', 'two-target'),
    ];
    const all = await flow(20, 11, 2);
    for (const c of mine.slice(0, 3)) {
      await c.waitForEvents(all.length);
      expect(deliveryProblems(c.events.map((m) => m.data), all), c.ws.url).toEqual([]);
    }
    const host3 = all.filter((e) => e.target === 'host-3');
    await mine[3]?.waitForEvents(host3.length);
    expect(deliveryProblems(mine[3]?.events.map((m) => m.data) ?? [], host3)).toEqual([]);
    const groups = (await redis.xinfo('GROUPS', names.events(0))) as unknown[][];
    expect(groups.map((g) => g[1]).sort()).toEqual([realtimeGroup('one'), realtimeGroup('two')].sort());
  });

  it('resumes on one replica from a cursor another replica issued', async () => {
    const first = await open(one, '/ws/logs', 'on-one');
    const writing = flow(30, 11, 4);
    await first.waitForEvents(80);
    const before = first.events.slice();
    first.close();
    await whileAway(3); // events keep flowing while it is away
    const second = await open(two, `/ws/logs?since=${(before.at(-1) as EventMessage).cursor}`, 'on-two');
    const all = await writing;
    await second.until(() => before.length + second.events.length >= all.length, 10_000, 'all events');
    await sleep(100);
    expect(deliveryProblems([...before, ...second.events].map((m) => m.data), all)).toEqual([]);
  });
});
