// The persister thread under its supervisor, against real Redis and a real SQLite file: killed mid-stream, a
// new thread takes over and every accepted event is stored exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Streams } from '../../lib/streams/port.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deletePrefix, newRedis, newStreams, testRedisUrl, uniquePrefix } from '../../test/support/redis.js';
import { createIdGenerator } from '../../lib/events/ids.js';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { createSqliteStore } from '../../lib/store/sqlite/store.js';
import { GROUP_PERSIST, streamNames, type StreamNames } from '../../lib/streams/partition.js';
import { createAppender } from '../appender/appender.js';
import { createBacklogMonitor } from '../appender/backlog.js';
import { DEFAULT_PERSISTER_CONFIG } from './persister.js';
import { supervisePersisterWorker, type PersisterWorker } from './worker.js';

describe('supervised persister worker', () => {
  let redis: Redis;
  let streams: Streams;
  let names: StreamNames;
  let dir: string;
  let worker: PersisterWorker | undefined;

  beforeEach(async () => {
    redis = newRedis();
    streams = await newStreams();
    names = streamNames(uniquePrefix('pw'), 4);
    dir = mkdtempSync(join(tmpdir(), 'lw-pw-'));
  });
  afterEach(async () => {
    await worker?.close();
    await deletePrefix(redis, names.prefix);
    redis.disconnect();
    await streams.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a new thread when the thread dies, which stores what the dead one left, each event once', async () => {
    const storeUrl = join(dir, 'lw.db');
    const seen: string[] = [];
    worker = await supervisePersisterWorker(
      {
        redis: { kind: 'single', url: testRedisUrl() },
        storeUrl,
        streamPrefix: names.prefix,
        partitions: names.partitions,
        logLevel: 'silent',
        service: 'test',
        config: { ...DEFAULT_PERSISTER_CONFIG, consumerName: 'pw-test', blockMs: 50, claimIdleMs: 60_000 },
      },
      {
        died: () => void seen.push('died'),
        restarted: (attempt) => void seen.push(`restarted after ${attempt}`),
        restartFailed: () => void seen.push('failed'),
      },
    );
    await streams.ensureGroup(names.allEvents(), GROUP_PERSIST, '0');
    const appender = createAppender({ streams, names });
    const ids = createIdGenerator();
    const batch = (from: number): CanonicalEvent[] =>
      Array.from({ length: 500 }, (_, i) => {
        const ts = 1_767_225_600_000 + from + i;
        return { id: ids.next(ts), tenant: 'acme', kind: 'log', target: `svc-${i % 7}`, ts, receivedAt: ts, labels: {}, body: { level: 'info', message: `m${from + i}`, fields: {}, format: 'json' } };
      });
    const reader = await createSqliteStore({ path: storeUrl, checkpointIntervalMs: 0 });
    const stored = (): Promise<number> => reader.countEvents('acme');
    const until = async (cond: () => Promise<boolean>, what: string): Promise<void> => {
      const end = Date.now() + 20_000;
      while (!(await cond())) {
        if (Date.now() > end) throw new Error(`${what}: not in time (${seen.join(', ')})`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    try {
      await appender.append(batch(0));
      await until(async () => (await stored()) === 500, 'the first batch stored');
      // Killed while entries keep arriving: some are read and not acknowledged, some not read yet.
      const writing = (async () => {
        for (let k = 1; k <= 6; k++) await appender.append(batch(k * 1000));
      })();
      await worker.kill();
      await writing;
      await until(async () => seen.includes('restarted after 1'), 'a new thread');
      await until(async () => (await stored()) === 3500, 'every batch stored');
      expect(seen).toEqual(['died', 'restarted after 1']);
      // Exactly once: a replayed entry adds nothing. Once every entry is acknowledged (nothing left to replay), a
      // fresh count agrees.
      const backlog = createBacklogMonitor({ streams, names, limitEntries: 0 });
      await until(async () => (await backlog.sample()).entries === 0, 'every entry acknowledged');
      expect(await stored()).toBe(3500);
    } finally {
      await reader.close();
    }
  });
});
