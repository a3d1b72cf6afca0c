import type { Redis } from 'ioredis';
import type { Streams } from '../../lib/streams/port.js';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, newRedis, newStreams, uniquePrefix } from '../../test/support/redis.js';
import { GROUP_PERSIST, streamNames, type StreamNames } from '../../lib/streams/partition.js';
import { createAppender } from '../appender/appender.js';
import { createBacklogMonitor } from '../appender/backlog.js';
import { logEvents } from '../test-events.js';
import { createSqliteStore, type SqliteStore } from '../../lib/store/sqlite/store.js';
import { faultyStore } from './faulty-store.js';
import { createManualClock, type ManualClock } from '../../lib/time/manual-clock.js';
import type { TimerClock } from '../../lib/time/clock.js';
import { createPersister, type Persister, type PersisterConfig } from './persister.js';

const logger = pino({ level: 'silent' });

const T0 = 1_700_000_000_000;

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits for `cond` (real Redis and store I/O), moving `clock` on by `stepMs` between looks so its timers fire. */
async function advancingUntil(clock: ManualClock, stepMs: number, cond: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    clock.advance(stepMs);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Runs `n` more trim passes of `p`, each let due by the clock and awaited (real Redis I/O). */
async function trimPasses(p: Persister, clock: ManualClock, intervalMs: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const done = p.stats().trimPasses;
    clock.advance(intervalMs);
    await waitFor(() => p.stats().trimPasses > done);
  }
}

const baseConfig = (name: string): PersisterConfig => ({
  consumerName: name,
  batchMaxEvents: 500,
  blockMs: 50,
  claimIdleMs: 60_000,
  retryBaseMs: 5,
  retryMaxMs: 40,
  streamRetentionMs: 60 * 60_000,
});

describe('persister', () => {
  let redis: Redis;
  let streams: Streams;
  let names: StreamNames;
  let store: SqliteStore;
  const persisters: Persister[] = [];

  beforeAll(async () => {
    redis = newRedis();
    streams = await newStreams();
  });
  afterEach(async () => {
    for (const p of persisters.splice(0)) await p.close();
    await store.close();
    await deletePrefix(redis, names.prefix);
  });
  afterAll(async () => {
    redis.disconnect();
    await streams.close();
  });

  async function setup(partitions = 4): Promise<void> {
    names = streamNames(uniquePrefix('per'), partitions);
    store = await createSqliteStore({ path: ':memory:' });
    await streams.ensureGroup(names.allEvents(), GROUP_PERSIST, '0');
  }
  function persister(config: Partial<PersisterConfig> & { consumerName: string }, s: SqliteStore['appendEvents'] | undefined = undefined, registry = new Registry(), clock?: TimerClock): Persister {
    const p = createPersister({
      streams,
      names,
      store: s ? { appendEvents: s, metrics: store.metrics } : store,
      logger,
      registry,
      config: { ...baseConfig(config.consumerName), ...config },
      ...(clock ? { clock } : {}),
    });
    persisters.push(p);
    return p;
  }
  const backlog = async (): Promise<number> => (await createBacklogMonitor({ streams, names, limitEntries: 0 }).sample()).entries;

  it('writes every appended event to the store once and acknowledges it, across all partitions', async () => {
    await setup();
    const appender = createAppender({ streams, names });
    const events = [...logEvents(700), ...logEvents(300, { tenant: 'globex' })];
    for (let i = 0; i < events.length; i += 100) await appender.append(events.slice(i, i + 100));
    expect(await backlog()).toBeGreaterThan(0);

    const registry = new Registry();
    const p = persister({ consumerName: 'p1', trimIntervalMs: 20 }, undefined, registry);
    await p.start();
    await waitFor(async () => (await store.countEvents('acme')) === 700 && (await store.countEvents('globex')) === 300);
    await waitFor(async () => (await backlog()) === 0);
    expect(p.stats().persistedEvents).toBe(1000);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/lightwatch_persist_events_total 1000/);
    expect(metrics).toMatch(/lightwatch_persist_lag_seconds_count [1-9]/);
    await waitFor(async () => /lightwatch_persist_backlog_entries 0/.test(await registry.metrics()));
    const stored = await store.queryEvents({ tenant: 'acme', kind: 'log', limit: 1000, order: 'asc' });
    expect(new Set(stored.items.map((e) => e.id))).toEqual(new Set(events.filter((e) => e.tenant === 'acme').map((e) => e.id)));

    // Keeps following new appends.
    await appender.append(logEvents(5));
    await waitFor(async () => (await store.countEvents('acme')) === 705);
  });

  it('writes metric batches to the series store as series, idempotently on replay, and counts the outcomes', async () => {
    await setup(4);
    const appender = createAppender({ streams, names });
    const series = Array.from({ length: 50 }, (_, k) => ({
      target: `host-${k % 7}`,
      labels: { __name__: 'node_load1', instance: `host-${k % 7}`, cpu: String(k) },
      type: 'gauge' as const,
      timestamps: [T0, T0 + 15_000],
      values: [k, k + 0.5],
    }));
    const write = (id: string) =>
      appender.write(appender.encode([], { metrics: { tenant: 'acme', receivedAt: T0, batchId: id, series } }));
    await write('b1');
    await write('b2'); // the same samples again: duplicates, nothing new
    const registry = new Registry();
    const p = persister({ consumerName: 'm1' }, undefined, registry);
    await p.start();
    await waitFor(async () => (await backlog()) === 0);
    const got = await store.metrics.querier('acme').select([{ name: '__name__', type: '=', value: 'node_load1' }], { startMs: T0, endMs: T0 + 60_000 });
    expect(got).toHaveLength(50);
    expect(got.every((s) => s.timestamps.length === 2)).toBe(true);
    const text = await registry.metrics();
    expect(text).toMatch(/lightwatch_metrics_samples_total\{outcome="appended"\} 100/);
    expect(text).toMatch(/lightwatch_metrics_samples_total\{outcome="duplicate"\} 100/);
    expect(await store.countEvents('acme', 'metric')).toBe(0);
  });

  it('reads metric samples by their own budget (batchMaxSamples), not by the events budget', async () => {
    await setup(1);
    const appender = createAppender({ streams, names });
    // 40 entries of 50 samples: 2000 samples, 20 times batchMaxEvents.
    for (let e = 0; e < 40; e++) {
      const series = Array.from({ length: 50 }, (_, k) => ({ target: 'h', labels: { __name__: 'm', k: String(k) }, type: 'gauge' as const, timestamps: [T0 + e * 1000], values: [e] }));
      await appender.write(appender.encode([], { metrics: { tenant: 'acme', receivedAt: T0, batchId: `b${e}-`, series } }));
    }
    const writes = async (batchMaxSamples: number): Promise<number> => {
      const p = persister({ consumerName: `s${batchMaxSamples}`, batchMaxEvents: 100, batchMaxSamples });
      await p.start();
      await waitFor(async () => (await backlog()) === 0 && p.stats().ackedEntries === 40);
      await p.close();
      return p.stats().storeWrites;
    };
    // Two reads are sized before the first one's samples are counted; the third takes the rest.
    expect(await writes(10_000)).toBeLessThanOrEqual(4);
    const [s] = await store.metrics.querier('acme').select([{ name: 'k', type: '=', value: '7' }], { startMs: T0, endMs: T0 + 60_000 });
    expect(s?.timestamps.length).toBe(40);
    await streams.destroyGroup(names.allEvents(), GROUP_PERSIST);
    await streams.ensureGroup(names.allEvents(), GROUP_PERSIST, '0');
    // The same entries read again (replays, all duplicates) under a samples budget of 100: two entries a read.
    expect(await writes(100)).toBeGreaterThanOrEqual(15);
  });

  it('trims persisted entries before their retention while Redis is over its memory budget, and never unpersisted ones', async () => {
    await setup(1);
    const appender = createAppender({ streams, names });
    const len = () => redis.xlen(names.events(0));
    // Approximate trimming drops whole stream nodes (100 entries): enough entries for a few of them.
    const fill = async (): Promise<void> => {
      for (let i = 0; i < 250; i++) await appender.append(logEvents(2));
    };
    await fill();
    // A store that refuses every write: over budget or not, nothing unpersisted leaves the stream.
    const faulty = faultyStore(store);
    faulty.failing = true;
    // On a manual clock (at the real time: stream ids are Redis's): retries and trim passes fall due as it moves.
    const clock = createManualClock(Date.now());
    const stuck = persister({ consumerName: 'stuck', trimIntervalMs: 10, streamRetentionMaxBytes: 1 }, faulty.store.appendEvents, undefined, clock);
    await stuck.start();
    // The trim pass before the first read ran over budget; then the write is retried (no trim pass runs while a
    // write is retried), through 30 failures and many trim intervals of the clock.
    await advancingUntil(clock, 10, () => faulty.failures >= 30 && stuck.stats().trimPasses >= 1);
    expect(await len()).toBe(250);
    await stuck.close();

    // Persisted, under a budget Redis is always over: the hour of retention gives way.
    const registry = new Registry();
    // (It takes over what the stuck consumer left pending once that has been idle for 50 ms.)
    const p = persister({ consumerName: 'p1', trimIntervalMs: 10, claimIdleMs: 50, streamRetentionMaxBytes: 1 }, undefined, registry);
    await p.start();
    await waitFor(async () => (await store.countEvents('acme')) === 500);
    await waitFor(async () => (await len()) < 100);
    await waitFor(async () => /lightwatch_persist_stream_retention_seconds 0\n/.test(await registry.metrics()));
  });

  it('keeps persisted entries for the whole retention when Redis memory is not bounded', async () => {
    await setup(1);
    const appender = createAppender({ streams, names });
    for (let i = 0; i < 250; i++) await appender.append(logEvents(2));
    const registry = new Registry();
    const clock = createManualClock(Date.now());
    // No linger: trimPasses() moves the clock by one trim interval at a time, which a linger on it would outlast.
    const p = persister({ consumerName: 'p1', trimIntervalMs: 10, streamRetentionMaxBytes: 0, lingerMs: 0 }, undefined, registry, clock);
    await p.start();
    await waitFor(async () => (await store.countEvents('acme')) === 500);
    await waitFor(async () => (await backlog()) === 0);
    // Every entry persisted: trim passes (due as the clock moves) keep them all for the hour of retention.
    await trimPasses(p, clock, 10, 20);
    expect(await redis.xlen(names.events(0))).toBe(250);
    expect(await registry.metrics()).toMatch(/lightwatch_persist_stream_retention_seconds 3600\n/);
  });

  it('retries a failing store with backoff, acknowledging nothing until the write succeeds', async () => {
    await setup(2);
    const faulty = faultyStore(store);
    faulty.failing = true;
    const p = persister({ consumerName: 'p1' }, faulty.store.appendEvents);
    await p.start();
    const appender = createAppender({ streams, names });
    for (let i = 0; i < 10; i++) await appender.append(logEvents(50));
    await waitFor(() => faulty.failures >= 5);

    // Nothing written, nothing acked: the entries are pending on p1 or not yet delivered.
    expect(await store.countEvents('acme')).toBe(0);
    expect(await backlog()).toBeGreaterThanOrEqual(10);
    const pending = (await Promise.all(names.allEvents().map((s) => redis.xpending(s, GROUP_PERSIST)))).reduce((a, r) => a + Number(r[0]), 0);
    expect(pending).toBeGreaterThan(0);
    expect(p.stats().retrying).toBeGreaterThan(0);

    faulty.failing = false;
    await waitFor(async () => (await store.countEvents('acme')) === 500);
    await waitFor(async () => (await backlog()) === 0);
    expect(p.stats().retrying).toBe(0);
  });

  it('reclaims entries left pending by a dead consumer (XAUTOCLAIM) and persists them', async () => {
    await setup(2);
    const appender = createAppender({ streams, names });
    await appender.append(logEvents(40));
    // A consumer that read and died before writing.
    const read = await redis.xreadgroup('GROUP', GROUP_PERSIST, 'dead', 'COUNT', 100, 'STREAMS', ...names.allEvents(), ...names.allEvents().map(() => '>'));
    expect(read).not.toBeNull();
    const p = persister({ consumerName: 'alive', claimIdleMs: 30 });
    await p.start();
    await waitFor(async () => (await store.countEvents('acme')) === 40);
    await waitFor(async () => (await backlog()) === 0);
    expect(p.stats().claimedEntries).toBeGreaterThan(0);
  });

  it('resumes its own pending entries after a restart under the same consumer name', async () => {
    await setup(2);
    await createAppender({ streams, names }).append(logEvents(30));
    await redis.xreadgroup('GROUP', GROUP_PERSIST, 'same', 'COUNT', 100, 'STREAMS', ...names.allEvents(), ...names.allEvents().map(() => '>'));
    const p = persister({ consumerName: 'same' }); // claimIdleMs is a minute: only the id-0 read can find them
    await p.start();
    await waitFor(async () => (await store.countEvents('acme')) === 30);
    expect(p.stats().claimedEntries).toBe(0);
  });

  it('shares the work between replicas with different consumer names, each event stored once', async () => {
    await setup(4);
    const a = persister({ consumerName: 'a', batchMaxEvents: 50 });
    const b = persister({ consumerName: 'b', batchMaxEvents: 50 });
    await Promise.all([a.start(), b.start()]);
    const appender = createAppender({ streams, names });
    for (let i = 0; i < 40; i++) await appender.append(logEvents(25));
    await waitFor(async () => (await store.countEvents('acme')) === 1000);
    await waitFor(async () => (await backlog()) === 0);
    expect(a.stats().persistedEvents + b.stats().persistedEvents).toBe(1000);
  });

  it('close() interrupts the blocking read at once and is idempotent', async () => {
    await setup(2);
    // Not timed: a close that waited for the read would wait out its ten minutes, far past the test's timeout.
    const p = persister({ consumerName: 'p1', blockMs: 600_000 });
    await p.start();
    // Its blocking read is in flight once Redis knows the consumer (XREADGROUP creates it).
    await waitFor(async () => ((await redis.xinfo('CONSUMERS', names.events(0), GROUP_PERSIST)) as unknown[]).length > 0);
    await p.close();
    await p.close();
    expect(p.stats().running).toBe(false);
  });
});
