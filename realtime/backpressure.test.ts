// A deliberately slow client (its socket paused, as a stuck browser tab would be) against real uWS and Redis: it
// is told `lagged` and then closed with 1013, or resumed by replay once it reads again, while a fast client on the
// same channel receives everything.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { CanonicalEvent } from '../lib/events/event.js';
import { streamNames, type StreamNames } from '../lib/streams/partition.js';
import { deletePrefix, newRedis, testRedisUrl, uniquePrefix } from '../test/support/redis.js';
import { TestClient, deliveryProblems, logEvent, startTestServer, writeEvents, type TestServer } from './testing/harness.js';

const redis: Redis = newRedis();
let prefix: string;
let names: StreamNames;
let server: TestServer | undefined;
const clients: TestClient[] = [];

async function metric(registry: Registry, name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

async function start(laggedGraceMs: number): Promise<TestServer> {
  prefix = uniquePrefix('rtbp');
  names = streamNames(prefix, 16);
  server = await startTestServer({ redisUrl: testRedisUrl(), names, config: { maxBufferBytes: 256 * 1024, laggedGraceMs } });
  return server;
}

async function open(path: string, label: string): Promise<TestClient> {
  const c = await TestClient.open((server as TestServer).url(path), undefined, label);
  clients.push(c);
  return c;
}

/** About 8 MB of log events in requests of 100: far more than socket buffers hold for a client that does not read. */
async function flood(n: number, tag: string): Promise<CanonicalEvent[]> {
  const pad = 'x'.repeat(2000);
  const all: CanonicalEvent[] = [];
  for (let b = 0; b < n / 100; b++) {
    const batch = Array.from({ length: 100 }, (_, i) => logEvent('acme', `svc${i % 5}`, `${tag}${b * 100 + i} ${pad}`));
    all.push(...batch);
    await writeEvents(redis, names, batch);
  }
  return all;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await server?.close();
  await deletePrefix(redis, prefix);
});

afterAll(() => redis.disconnect());

describe('slow clients', () => {
  it('closes a client that stays over its buffer bound with 1013, after lagged, while a fast one gets everything', async () => {
    const srv = await start(400);
    const fast = await open('/ws/logs', 'fast');
    const slow = await open('/ws/logs', 'slow');
    slow.pauseReading();
    const all = await flood(4000, 'e');
    await fast.waitForEvents(all.length, 20_000);
    expect(deliveryProblems(fast.events.map((m) => m.data), all)).toEqual([]);
    await expect.poll(() => metric(srv.registry, 'lightwatch_realtime_closed_slow_total'), { timeout: 10_000 }).toBe(1);
    slow.resumeReading();
    const closed = await slow.closed;
    expect(closed.code).toBe(1013);
    expect(closed.reason).toMatch(/too slow/);
    // What it got before `lagged` is what the fast client got first, in the same order; after `lagged`, nothing.
    const types = slow.messages.map((m) => m.type);
    const at = types.indexOf('lagged');
    expect(at).toBeGreaterThan(0);
    expect(types.slice(at + 1)).toEqual([]);
    expect(slow.events.map((m) => m.data.id)).toEqual(fast.events.slice(0, at).map((m) => m.data.id));
    expect(await metric(srv.registry, 'lightwatch_realtime_lagged_total')).toBe(1);
  }, 60_000);

  it('resumes a lagged client by replay once it drains: every event exactly once, in order per target', async () => {
    const srv = await start(15_000);
    const fast = await open('/ws/logs', 'fast');
    const slow = await open('/ws/logs', 'slow');
    slow.pauseReading();
    const first = await flood(4000, 'a');
    await expect.poll(() => metric(srv.registry, 'lightwatch_realtime_lagged_total'), { timeout: 10_000 }).toBe(1);
    const during = await flood(200, 'b'); // written while it is lagged
    slow.resumeReading();
    const all = [...first, ...during];
    await slow.waitForEvents(all.length, 20_000);
    await fast.waitForEvents(all.length, 20_000);
    const after = await flood(100, 'c'); // and live again afterwards
    await slow.waitForEvents(all.length + after.length, 10_000);
    const expected = [...all, ...after];
    await fast.waitForEvents(expected.length, 10_000);
    expect(deliveryProblems(slow.events.map((m) => m.data), expected), 'slow').toEqual([]);
    expect(deliveryProblems(fast.events.map((m) => m.data), expected), 'fast').toEqual([]);
    expect(slow.messages.filter((m) => m.type === 'lagged')).toHaveLength(1);
    expect(await metric(srv.registry, 'lightwatch_realtime_closed_slow_total')).toBe(0);
  }, 60_000);
});
