import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { Streams } from '../../lib/streams/port.js';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, newRedis, newStreams, testRedisUrl, uniquePrefix } from '../../test/support/redis.js';
import { createSqliteStore } from '../../lib/store/sqlite/store.js';
import { GROUP_PERSIST, streamNames } from '../../lib/streams/partition.js';
import { createAppender } from '../appender/appender.js';
import { createBacklogMonitor } from '../appender/backlog.js';
import { logEvents } from '../test-events.js';
import { createPersister } from './persister.js';

const CHILD = fileURLToPath(new URL('./testdata/crash-persister.ts', import.meta.url));

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('persister killed mid-batch', () => {
  let redis: Redis;
  let streams: Streams;
  const dir = mkdtempSync(join(tmpdir(), 'lw-crash-'));

  beforeAll(async () => {
    redis = newRedis();
    streams = await newStreams();
  });
  afterAll(async () => {
    redis.disconnect();
    await streams.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every accepted event exactly once when a persister dies between its store write and its XACK', async () => {
    const prefix = uniquePrefix('crash');
    const names = streamNames(prefix, 4);
    const dbPath = join(dir, 'store.db');
    try {
      await streams.ensureGroup(names.allEvents(), GROUP_PERSIST, '0');
      const appender = createAppender({ streams, names });
      const accepted = [];
      for (let i = 0; i < 30; i++) {
        const batch = logEvents(40, { tenant: 'acme' });
        await appender.append(batch);
        accepted.push(...batch);
      }

      // The doomed persister writes its second batch, then SIGKILLs itself before acknowledging it.
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
        env: { ...process.env, LW_REDIS_URL: testRedisUrl(), LW_DB_PATH: dbPath, LW_PREFIX: prefix, LW_PARTITIONS: '4', LW_CONSUMER: 'doomed', LW_CRASH_AFTER_WRITES: '2', LW_BATCH: '200' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
      expect(signal, out).toBe('SIGKILL');
      expect(out).toContain('crashing after write 2');

      const store = await createSqliteStore({ path: dbPath });
      try {
        // Its last batch is in the store but still pending in Redis: the duplicate-or-lose moment.
        const written = await store.countEvents('acme');
        expect(written).toBeGreaterThan(0);
        expect(written).toBeLessThan(accepted.length);
        const pendingOnDoomed = (await Promise.all(names.allEvents().map((s) => redis.xpending(s, GROUP_PERSIST)))).reduce((a, r) => a + Number(r[0]), 0);
        expect(pendingOnDoomed).toBeGreaterThan(0);

        // A surviving replica reclaims the dead consumer's entries and finishes the work.
        const rescuer = createPersister({
          streams,
          names,
          store,
          logger: pino({ level: 'silent' }),
          registry: new Registry(),
          config: { consumerName: 'rescuer', batchMaxEvents: 200, blockMs: 50, claimIdleMs: 100, retryBaseMs: 5, retryMaxMs: 50, streamRetentionMs: 3_600_000 },
        });
        await rescuer.start();
        const backlog = createBacklogMonitor({ streams, names, limitEntries: 0 });
        await waitFor(async () => (await backlog.sample()).entries === 0);
        await rescuer.close();
        expect(rescuer.stats().claimedEntries).toBeGreaterThan(0);

        expect(await store.countEvents('acme')).toBe(accepted.length);
        const stored = [];
        let cursor: string | undefined;
        do {
          const page = await store.queryEvents({ tenant: 'acme', kind: 'log', limit: 1000, order: 'asc', ...(cursor ? { cursor } : {}) });
          stored.push(...page.items.map((e) => e.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(stored.length).toBe(accepted.length);
        expect(new Set(stored)).toEqual(new Set(accepted.map((e) => e.id)));
      } finally {
        await store.close();
      }
    } finally {
      await deletePrefix(redis, prefix);
    }
  });
});
