// Fault tests of what every service depends on, on one cluster of real processes under steady load: Redis
// killed with SIGKILL and started again on the same port and AOF directory (appendfsync always, so an
// acknowledged write survives a kill; with everysec up to 1 s of acknowledged writes may be lost), and the
// SQLite store made unwritable for 30 s by an exclusive transaction held from another process, so every
// store write fails with SQLITE_BUSY. After each: every event of a batch that got a 2xx is stored exactly
// once, incidents and notifications once each, WebSocket clients resumed without a gap.
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../lib/streams/redis/connect.js';
import { GROUP_PERSIST, type StreamNames } from '../../lib/streams/partition.js';
import { createMonitoring, startCluster, type Cluster } from '../support/cluster.js';
import { clusterRedis, runScenario, type Scenario, type ScenarioResult, expectExactlyOnce } from './scenario.js';
import { formatTable, type FaultRow } from './verify.js';
import { sleep } from '../../lib/lifecycle/sleep.js';

const STORE_OUTAGE_MS = 30_000;
/** Unpersisted stream entries past which ingest answers 429: reached in about 15 s of the store outage. */
const BACKLOG_LIMIT = 1_200;

/** Unacknowledged entries of the persist group (lag + pending over every partition), as ingest measures it. */
async function persistBacklog(redis: RedisClient, names: StreamNames): Promise<number> {
  const pipe = redis.pipeline();
  for (const s of names.allEvents()) pipe.xinfo('GROUPS', s);
  let total = 0;
  for (const [err, groups] of (await pipe.exec()) ?? []) {
    if (err) continue;
    for (const g of groups as unknown[][]) {
      const o: Record<string, unknown> = {};
      for (let i = 0; i + 1 < g.length; i += 2) o[String(g[i])] = g[i + 1];
      if (o.name === GROUP_PERSIST) total += Number(o.lag ?? 0) + Number(o.pending ?? 0);
    }
  }
  return total;
}

const backlogSamples: Array<{ at: number; entries: number }> = [];

const restartRedis: Scenario['inject'] = async (ctx) => {
  await ctx.cluster.redis.kill();
  await sleep(1_000);
  await ctx.cluster.redis.start();
  await ctx.cluster.waitReady(60_000);
};

/** Holds the SQLite write lock from this process for STORE_OUTAGE_MS: every other writer gets SQLITE_BUSY. */
const lockStore: Scenario['inject'] = async (ctx) => {
  const db = new Database(ctx.cluster.storePath, { timeout: 30_000 });
  try {
    db.exec('BEGIN EXCLUSIVE');
    await sleep(STORE_OUTAGE_MS);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
};

const SCENARIOS: Record<string, Scenario> = {
  // The /fail ping goes in right before each fault: the detector must open and notify across it.
  redis: { fault: 'Redis SIGKILL + restart (AOF always)', down: 'at-fault', inject: restartRedis },
  store: {
    fault: 'store locked 30 s (SQLITE_BUSY)',
    down: 'at-fault',
    // 8 partitions per batch: 80 entries/s, so the backlog passes BACKLOG_LIMIT half way through the outage.
    targets: 8,
    onTick: async (ctx) => {
      backlogSamples.push({ at: Date.now(), entries: await persistBacklog(ctx.redis, ctx.names) });
    },
    inject: lockStore,
  },
};

describe('faults of Redis and the store, under load', () => {
  let cluster: Cluster;
  let shared: { redis: RedisClient; names: StreamNames };
  const rows: FaultRow[] = [];
  const debug: ScenarioResult[] = [];

  beforeAll(async () => {
    cluster = await startCluster({
      gateways: 2,
      ingests: 2,
      queries: 2,
      realtimes: 2,
      detectors: 3,
      redisArgs: ['--appendfsync', 'always'],
      env: { DETECTOR_LEASE_MS: '2000', PERSIST_BACKLOG_LIMIT: String(BACKLOG_LIMIT) },
      ...(process.env.LW_FAULTS_DEBUG ? { envFor: { detector: { LOG_LEVEL: 'info' } } } : {}),
      beforeDetectors: async (c) => {
        const slugs = Object.values(SCENARIOS).map((s) => `hb-${s.fault.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}`);
        await createMonitoring(c, { heartbeatTargets: slugs.map((name) => ({ name })) });
      },
    });
    shared = clusterRedis(cluster);
  }, 240_000);

  afterAll(async () => {
    if (rows.length > 0) console.log(`\nFault tests (Redis and store), ${rows.length} faults:\n${formatTable(rows)}\n`);
    if (process.env.LW_FAULTS_DEBUG) {
      for (const r of debug) {
        console.log(r.row.fault, JSON.stringify(r.phases), JSON.stringify([...r.load.statuses]));
        const refused = r.load.batches.flatMap((b) => b.attempts).filter((a) => a.status === 429);
        const byRetryAfter = new Map<string, number>();
        for (const a of refused) byRetryAfter.set(a.retryAfter ?? '', (byRetryAfter.get(a.retryAfter ?? '') ?? 0) + 1);
        const first = Math.min(...refused.map((a) => a.at));
        console.log(`  429s: first ${((first - r.faultAt) / 1000).toFixed(1)} s after the fault; by Retry-After ${JSON.stringify([...byRetryAfter])}`);
      }
      // LW_FAULTS_DEBUG=<dir>: every process's output is written there.
      mkdirSync(process.env.LW_FAULTS_DEBUG, { recursive: true });
      for (const p of cluster?.all() ?? []) writeFileSync(join(process.env.LW_FAULTS_DEBUG, `${p.name}.log`), p.output());
    }
    shared?.redis.disconnect();
    await cluster?.stop();
  });

  const check = (r: ScenarioResult): void => {
    rows.push(r.row);
    debug.push(r);
    expectExactlyOnce(cluster, r);
  };

  it('Redis killed and restarted on its AOF: every service reconnects, nothing acknowledged is lost or doubled', async () => {
    const r = await runScenario(cluster, SCENARIOS.redis as Scenario, shared);
    check(r);
    // The load met the outage: batches were sent while Redis was down (they waited or were retried).
    const during = r.load.batches.flatMap((b) => b.attempts).filter((a) => a.at >= r.faultAt && a.at < r.restoredAt);
    expect(during.length).toBeGreaterThan(0);
  }, 180_000);

  it('store unwritable for 30 s: ingest keeps accepting, 429 only past the backlog bound, then everything is persisted once', async () => {
    const r = await runScenario(cluster, SCENARIOS.store as Scenario, shared);
    const outageEnd = r.faultAt + STORE_OUTAGE_MS;
    const attempts = r.load.batches.flatMap((b) => b.attempts);
    const duringOutage = attempts.filter((a) => a.at >= r.faultAt && a.at < outageEnd);
    const refused = attempts.filter((a) => a.status === 429);
    const peak = Math.max(0, ...backlogSamples.filter((s) => s.at >= r.faultAt && s.at <= outageEnd).map((s) => s.entries));
    const taken = duringOutage.filter((a) => a.status === 202);
    const slowest = Math.max(0, ...taken.map((a) => a.ms ?? 0));
    const retryAfter = Math.max(0, ...refused.map((a) => Number(a.retryAfter ?? 0)));
    r.row.note = `${taken.length} batches taken in the outage (slowest answer ${(slowest / 1000).toFixed(1)} s); ${refused.length} × 429 past a backlog of ${peak}/${BACKLOG_LIMIT} entries, Retry-After up to ${retryAfter} s`;
    check(r);
    // Ingest kept taking batches while the store was unwritable, and only refused once the backlog passed its bound.
    expect(taken.length).toBeGreaterThan(50);
    expect(peak).toBeGreaterThanOrEqual(BACKLOG_LIMIT);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) {
      expect(a.retryAfter).toMatch(/^\d+$/);
      // The backlog had reached the bound shortly before (ingest samples it every 250 ms).
      const seen = Math.max(0, ...backlogSamples.filter((s) => s.at <= a.at + 500).map((s) => s.entries));
      expect(seen).toBeGreaterThanOrEqual(BACKLOG_LIMIT * 0.9);
    }
    // Nothing refused with a server error: the store outage is not the client's problem.
    expect(attempts.filter((a) => a.status >= 500 || a.status === 0)).toEqual([]);
  }, 240_000);
});
