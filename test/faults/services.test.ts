// Fault tests of the services, on one cluster of real processes (2 gateways, 2 ingests, 2 queries,
// 2 realtimes, 3 detectors; detector leases of 2 s) under steady load: kill -9 of each service kind in turn
// and its restart, and a detector paused (SIGSTOP) past its lease and then continued. After each: every event
// of a batch that got a 2xx is stored exactly once, the fault's incident opened and resolved once, each
// notification delivered once, and every WebSocket client that resumed with its cursor missed nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { GROUP_DETECT, partitionOf, type StreamNames } from '../../lib/streams/partition.js';
import { createMonitoring, startCluster, type Cluster, type ServiceProcess } from '../support/cluster.js';
import { clusterRedis, evenlySpread, leaseSpread, ownerOf, runScenario, TENANT, type FaultContext, type Scenario, type ScenarioResult, expectExactlyOnce } from './scenario.js';
import { formatTable, until, type FaultRow } from './verify.js';
import { sleep } from '../../lib/lifecycle/sleep.js';

const LEASE_MS = 2_000;
/** How long a killed process stays down before its restart. */
const DOWN_MS = 1_000;

const killAndRestart = (pick: (c: Cluster) => ServiceProcess): Scenario['inject'] => async (ctx) => {
  const victim = pick(ctx.cluster);
  await victim.kill('SIGKILL');
  await sleep(DOWN_MS);
  await victim.start();
};

const SCENARIOS: Record<string, Scenario> = {
  gateway: { fault: 'kill -9 gateway', down: 'before', inject: killAndRestart((c) => c.gateways[0] as ServiceProcess) },
  ingest: { fault: 'kill -9 ingest', down: 'before', inject: killAndRestart((c) => c.ingests[0] as ServiceProcess) },
  query: {
    fault: 'kill -9 query',
    down: 'before',
    async inject(ctx) {
      const victim = ctx.cluster.queries[0];
      if (!victim) throw new Error('no query process');
      await victim.kill('SIGKILL');
      // Reads go on through the other gateway and query replica meanwhile.
      const other = await fetch(`${ctx.cluster.gateways[1]?.url}/api/logs?limit=1`, { headers: { authorization: `Bearer ${ctx.cluster.apiKey}` } });
      await other.arrayBuffer();
      if (other.status !== 200) throw new Error(`reads through the other query replica answered ${other.status} while query-1 was down`);
      await sleep(DOWN_MS);
      await victim.start();
    },
  },
  realtime: { fault: 'kill -9 realtime', down: 'before', inject: killAndRestart((c) => c.realtimes[0] as ServiceProcess) },
  detector: {
    fault: 'kill -9 detector',
    down: 'inject',
    async inject(ctx) {
      // Stopped first so that the /fail entry can reach its blocked read and stay pending on it, as when a
      // detector dies after reading and before acting: the takeover must claim and replay it.
      const owner = await ownerOf(ctx.cluster, ctx.redis, ctx.names, ctx.heartbeat);
      owner.pause();
      if ((await ctx.ping('fail')) !== 202) throw new Error('fail ping refused');
      held.detector = await pendingOn(ctx, owner);
      await owner.kill('SIGKILL');
      await sleep(DOWN_MS);
      await owner.start();
    },
  },
  pause: {
    fault: 'SIGSTOP detector past lease',
    down: 'inject',
    async inject(ctx) {
      const owner = await ownerOf(ctx.cluster, ctx.redis, ctx.names, ctx.heartbeat);
      const partition = partitionOf(TENANT, ctx.heartbeat, ctx.names.partitions);
      owner.pause();
      const pausedAt = Date.now();
      staleEpoch.value = Number(await ctx.redis.get(ctx.names.epoch(partition)));
      // Sent while its owner is stopped: its blocked XREADGROUP may already hold the entry when it continues.
      if ((await ctx.ping('fail')) !== 202) throw new Error('fail ping refused');
      held.pause = await pendingOn(ctx, owner);
      await until(() => ctx.cluster.webhook.received.some((n) => n.target === ctx.heartbeat && n.transition === 'opened'), 30_000, 'another detector opened the incident');
      const past = pausedAt + 2 * LEASE_MS - Date.now();
      if (past > 0) await sleep(past);
      const before = owner.output().length;
      owner.resume();
      // The continued owner runs on its stale epoch until it sees the lease is gone: it must write nothing.
      await sleep(LEASE_MS);
      const after = owner.output().slice(before);
      staleEpoch.attempts = (after.match(/incident write refused|not notifying/g) ?? []).length;
    },
  },
};

/** Whether the heartbeat's latest entry is pending on `owner` in group `detect` (it read it, then stopped). */
async function pendingOn(ctx: FaultContext, owner: ServiceProcess): Promise<boolean> {
  const stream = ctx.names.events(partitionOf(TENANT, ctx.heartbeat, ctx.names.partitions));
  await sleep(100);
  const pending = (await ctx.redis.xpending(stream, GROUP_DETECT, '-', '+', 100)) as Array<[string, string, number, number]>;
  return pending.some(([, consumer]) => consumer.startsWith(`${owner.name}-${owner.pid()}`));
}

const held: Record<string, boolean> = {};
/** The stopped owner's epoch, and how many writes it attempted with it once continued (refused by the fence). */
const staleEpoch = { value: 0, attempts: 0 };

describe('faults of the services, under load', () => {
  let cluster: Cluster;
  let shared: { redis: Redis; names: StreamNames };
  const rows: FaultRow[] = [];
  const debug: ScenarioResult[] = [];
  const results = new Map<string, ScenarioResult>();

  beforeAll(async () => {
    cluster = await startCluster({
      gateways: 2,
      ingests: 2,
      queries: 2,
      realtimes: 2,
      detectors: 3,
      env: { DETECTOR_LEASE_MS: String(LEASE_MS) },
      ...(process.env.LW_FAULTS_DEBUG ? { envFor: { detector: { LOG_LEVEL: 'info' } } } : {}),
      beforeDetectors: async (c) => {
        const slugs = Object.values(SCENARIOS).map((s) => `hb-${s.fault.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}`);
        await createMonitoring(c, { heartbeatTargets: slugs.map((name) => ({ name })) });
      },
    });
    shared = clusterRedis(cluster);
  }, 240_000);

  afterAll(async () => {
    if (rows.length > 0) console.log(`\nFault tests (services), ${rows.length} faults:\n${formatTable(rows)}\n`);
    if (process.env.LW_FAULTS_DEBUG) {
      for (const r of debug) console.log(r.row.fault, JSON.stringify(r.phases), JSON.stringify([...r.load.statuses]));
      // LW_FAULTS_DEBUG=<dir>: every process's output is written there.
      mkdirSync(process.env.LW_FAULTS_DEBUG, { recursive: true });
      for (const p of cluster?.all() ?? []) writeFileSync(join(process.env.LW_FAULTS_DEBUG, `${p.name}.log`), p.output());
    }
    shared?.redis.disconnect();
    await cluster?.stop();
  });

  const check = (key: string, r: ScenarioResult): void => {
    results.set(key, r);
    rows.push(r.row);
    debug.push(r);
    expectExactlyOnce(cluster, r);
  };

  it('kill -9 of a gateway: its clients retry on the other one, nothing lost or duplicated', async () => {
    const r = await runScenario(cluster, SCENARIOS.gateway as Scenario, shared);
    check('gateway', r);
    expect(r.load.statuses.get(0) ?? 0).toBeGreaterThan(0); // the load really met the dead gateway
  }, 120_000);

  it('kill -9 of an ingest: batches in flight are retried, its pending entries are reclaimed', async () => {
    const r = await runScenario(cluster, SCENARIOS.ingest as Scenario, shared);
    check('ingest', r);
    expect((r.load.statuses.get(503) ?? 0) + (r.load.statuses.get(0) ?? 0)).toBeGreaterThan(0);
  }, 180_000);

  it('kill -9 of a query: reads go on through the other replica and return once it is back', async () => {
    check('query', await runScenario(cluster, SCENARIOS.query as Scenario, shared));
  }, 120_000);

  it('kill -9 of a realtime: its clients resume with their cursor on the other replica or on the restarted one', async () => {
    const r = await runScenario(cluster, SCENARIOS.realtime as Scenario, shared);
    check('realtime', r);
    const dropped = r.clients.filter((c) => c.drops.length > 0);
    expect(dropped.length).toBe(2); // both clients of the killed replica
    for (const c of dropped) expect(c.connections.at(-1)?.since).toBeTruthy();
  }, 120_000);

  it('kill -9 of the detector holding an unprocessed /fail: the takeover replays it and notifies once, and partitions spread again', async () => {
    const r = await runScenario(cluster, SCENARIOS.detector as Scenario, shared);
    r.row.note = held.detector ? 'the /fail entry was pending on the killed owner' : 'the /fail entry was read after the kill';
    check('detector', r);
    await until(async () => evenlySpread(await leaseSpread(cluster, shared.redis, shared.names), 3, cluster.partitions), 30_000, 'partitions spread over 3 detectors');
  }, 120_000);

  it('a detector stopped past its lease and continued writes nothing with its stale epoch', async () => {
    const r = await runScenario(cluster, SCENARIOS.pause as Scenario, shared);
    r.row.note = `${held.pause ? 'the /fail entry was pending on the stopped owner' : 'the /fail entry was read by the new owner'}; ${staleEpoch.attempts} stale writes fenced off`;
    check('pause', r);
    // The stored incident and both notification claims carry a later owner's epoch, never the stopped one's.
    const detail = await cluster.api<{ epoch: number; notifications: Array<{ transition: string; epoch: number }> }>('GET', `/api/incidents/${r.incidents[0]?.id}`);
    expect(detail.body.epoch).toBeGreaterThan(staleEpoch.value);
    expect(detail.body.notifications.map((n) => n.transition).sort()).toEqual(['opened', 'resolved']);
    for (const n of detail.body.notifications) expect(n.epoch).toBeGreaterThan(staleEpoch.value);
    await until(async () => evenlySpread(await leaseSpread(cluster, shared.redis, shared.names), 3, cluster.partitions), 30_000, 'partitions spread over 3 detectors');
  }, 120_000);
});
