// Retention against the real SQLite store and real Redis: old events of each kind go, new ones stay, and only
// one replica works per round.
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createSqliteStore } from '../../lib/store/sqlite/store.js';
import { deletePrefix, newRedis, uniquePrefix } from '../../test/support/redis.js';
import { createMemoryStreams } from '../../lib/streams/memory/memory.js';
import { logEvent } from '../test-events.js';
import { createRetentionLoop } from './retention.js';

const DAY = 86_400_000;

describe('retention', async () => {
  const redis = newRedis();
  const streams = createMemoryStreams();
  const prefix = uniquePrefix('retention');
  const store = await createSqliteStore({ path: ':memory:' });
  afterAll(async () => {
    await store.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  const now = Date.UTC(2026, 5, 1);
  const days = { log: 7, metric: 0, security: 30, heartbeat: 7, check: 7, incident: 0 };

  it('deletes what is older than each kind keeps, once per round across replicas', async () => {
    const base = logEvent(0);
    const old = { ...base, id: '01OLDLOG00000000000000000A', ts: now - 8 * DAY };
    const fresh = { ...base, id: '01NEWLOG00000000000000000B', ts: now - 6 * DAY };
    await store.appendEvents([old, fresh]);
    const logger = pino({ level: 'silent' });
    const config = { days, intervalMs: 60_000, lockKey: `${prefix}:retention`, owner: 'a' };
    const a = createRetentionLoop({ streams, store, logger, config, now: () => now });
    const b = createRetentionLoop({ streams, store, logger, config: { ...config, owner: 'b' }, now: () => now });
    expect(await a.runOnce()).toEqual({ log: 1 });
    expect(await b.runOnce()).toBeNull();
    const left = await store.queryEvents({ tenant: base.tenant, kind: 'log', limit: 10, order: 'asc' });
    expect(left.items.map((e) => e.id)).toEqual([fresh.id]);
    await a.close();
    await b.close();
  });

  it("drops each tenant's metric samples past its own retention, on the injected clock", async () => {
    const t = now - 40 * DAY;
    await store.metrics.append('short', [{ labels: { __name__: 'up' }, target: 'a', type: 'gauge', timestamps: [t, now - DAY], values: [1, 1] }]);
    await store.metrics.append('long', [{ labels: { __name__: 'up' }, target: 'a', type: 'gauge', timestamps: [t, now - DAY], values: [1, 1] }]);
    const daysOf = (tenant: string): number => (tenant === 'short' ? 30 : 90);
    // A loop per round: the round lock is held for the interval, in real time.
    const round = async (at: number, n: number): Promise<unknown> => {
      const loop = createRetentionLoop({
        streams,
        store,
        logger: pino({ level: 'silent' }),
        config: { days, intervalMs: 60_000, lockKey: `${prefix}:retention-metrics-${n}`, owner: 'a', metricDaysOf: daysOf },
        now: () => at,
      });
      const r = await loop.runOnce();
      await loop.close();
      return r?.series_samples;
    };
    expect(await round(now, 1)).toEqual({ short: 1 });
    expect(await round(now + 60 * DAY, 2)).toEqual({ short: 1, long: 1 });
    expect(await store.metrics.tenants()).toEqual(['long']);
  });
});
