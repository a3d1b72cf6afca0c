// One fault, end to end, the same way for every kind: WebSocket clients watching the run, a heartbeat target
// driven down (before the fault, or right at it) and back up after it, steady load through the gateways,
// the fault itself, then everything the checks need: what the load got, what the store holds, what the
// streams hold, what each client received, the notifications, and the recovery time.
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { GROUP_DETECT, partitionOf, streamNames, type StreamNames } from '../../lib/streams/partition.js';
import type { RedisClient } from '../../lib/streams/redis/connect.js';
import type { Cluster, Notification, ServiceProcess } from '../support/cluster.js';
import { startLoad, type LoadGenerator, type LoadSummary } from './load.js';
import { deliveryProblems, incidentsOf, notificationsOf, readRun, repeatedNotifications, streamMark, streamTruth, tally, until, waitForDelivery, waitPersisted, type FaultRow, type IncidentSummary, type StoreTally, type StoredLog } from './verify.js';
import { ResumingClient } from './ws-client.js';
import { sleep } from '../../lib/lifecycle/sleep.js';

export const TENANT = 'default';

export interface FaultContext {
  cluster: Cluster;
  /** One Redis or a Redis Cluster client. */
  redis: RedisClient;
  names: StreamNames;
  load: LoadGenerator;
  /** The heartbeat target of this fault. */
  heartbeat: string;
  /** GET /ingest/heartbeat/<target>[/suffix] through a live gateway; the status. */
  ping(suffix?: string): Promise<number>;
}

export interface Scenario {
  /** Row name in the table. */
  fault: string;
  /** `before`: the heartbeat target is down and notified before the fault; `at-fault`: its /fail ping goes in
   *  right before the fault, unprocessed; `inject`: the fault drives it itself. Always brought up after. */
  down: 'before' | 'at-fault' | 'inject';
  /** Injects the fault and undoes it (restart, resume, unlock); resolves when the faulty part is back. */
  inject(ctx: FaultContext): Promise<void>;
  batchesPerSec?: number;
  /** Targets the load is spread over (distinct partitions). Default 4. */
  targets?: number;
  /** Called every 250 ms while the scenario runs (samplers). */
  onTick?: (ctx: FaultContext) => Promise<void>;
}

export interface ScenarioResult {
  row: FaultRow;
  load: LoadSummary;
  stored: StoredLog[];
  tally: StoreTally;
  truth: Map<string, string[]>;
  clients: ResumingClient[];
  /** Notifications of this fault's heartbeat target, in arrival order. */
  notifications: Notification[];
  incidents: IncidentSummary[];
  faultAt: number;
  restoredAt: number;
  /** Milliseconds from the fault: the part back, every gateway serving, the backlog drained, the last retried batch taken. */
  phases: { restored: number; serving: number; drained: number; lastRetry: number };
}

/** `n` target names of `run` that fall in distinct partitions, so the load touches `n` streams. */
export function spreadTargets(run: string, n: number, partitions: number): string[] {
  const out: string[] = [];
  const used = new Set<number>();
  for (let i = 0; out.length < n && i < 10_000; i++) {
    const name = `${run}-t${i}`;
    const p = partitionOf(TENANT, name, partitions);
    if (used.has(p)) continue;
    used.add(p);
    out.push(name);
  }
  return out;
}

export function clusterRedis(cluster: Cluster): { redis: Redis; names: StreamNames } {
  const redis = new Redis(cluster.redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 100, lazyConnect: false });
  redis.on('error', () => undefined);
  return { redis, names: streamNames(cluster.streamPrefix, cluster.partitions) };
}

/** The detector process holding the lease on `target`'s partition (token `<REPLICA_ID>-<pid>:<random>`). */
export async function ownerOf(cluster: Cluster, redis: RedisClient, names: StreamNames, target: string): Promise<ServiceProcess> {
  const p = partitionOf(TENANT, target, names.partitions);
  let owner: ServiceProcess | undefined;
  await until(async () => {
    const token = await redis.get(names.lease(p));
    owner = cluster.detectors.find((d) => d.running() && token?.startsWith(`${d.name}-${d.pid()}:`));
    return owner !== undefined;
  }, 30_000, `an owner of partition ${p}`);
  return owner as ServiceProcess;
}

/** Lease holders per detector name (partitions without a live holder under `none`). */
export async function leaseSpread(cluster: Cluster, redis: RedisClient, names: StreamNames): Promise<Map<string, number>> {
  const tokens = await Promise.all(Array.from({ length: names.partitions }, (_, p) => redis.get(names.lease(p))));
  const spread = new Map<string, number>();
  for (const token of tokens) {
    const d = cluster.detectors.find((x) => x.running() && token?.startsWith(`${x.name}-${x.pid()}:`));
    const key = d?.name ?? 'none';
    spread.set(key, (spread.get(key) ?? 0) + 1);
  }
  return spread;
}

/** Whether the `n` partitions are held by the running detectors, 5 or 6 of 16 each (floor/ceil of the share). */
export function evenlySpread(spread: ReadonlyMap<string, number>, detectors: number, partitions: number): boolean {
  if (spread.has('none') || spread.size !== detectors) return false;
  const lo = Math.floor(partitions / detectors);
  const hi = Math.ceil(partitions / detectors);
  return [...spread.values()].every((n) => n >= lo && n <= hi);
}

async function gatewaysServe(cluster: Cluster): Promise<boolean> {
  for (const g of cluster.gateways) {
    try {
      const auth = { authorization: `Bearer ${cluster.apiKey}` };
      const put = await fetch(`${g.url}/ingest/logs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '[]', signal: AbortSignal.timeout(5_000) });
      await put.arrayBuffer();
      const get = await fetch(`${g.url}/api/logs?limit=1`, { headers: auth, signal: AbortSignal.timeout(5_000) });
      await get.arrayBuffer();
      if (put.status !== 202 || get.status !== 200) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export async function runScenario(cluster: Cluster, s: Scenario, shared: { redis: RedisClient; names: StreamNames }): Promise<ScenarioResult> {
  const { redis, names } = shared;
  const slug = s.fault.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
  const run = `${slug}-${Date.now().toString(36)}`;
  const heartbeat = `hb-${slug}`;
  const replicas = cluster.realtimes.map((r) => r.wsUrl);
  const clients: ResumingClient[] = [];
  for (let r = 0; r < replicas.length; r++) {
    for (const onDrop of ['failover', 'sticky'] as const) {
      clients.push(await ResumingClient.open({ replicas, first: r, onDrop, token: cluster.apiKey, path: `/ws/logs?label.run=${run}`, label: `${run}/${cluster.realtimes[r]?.name}/${onDrop}` }));
    }
  }
  const ping = async (suffix = ''): Promise<number> => {
    const deadline = Date.now() + 60_000;
    for (let n = 0; ; n++) {
      const live = cluster.gateways.filter((g) => g.running());
      const g = live[n % Math.max(1, live.length)];
      try {
        if (g) {
          const r = await fetch(`${g.url}/ingest/heartbeat/${heartbeat}${suffix ? `/${suffix}` : ''}`, { headers: { authorization: `Bearer ${cluster.apiKey}` }, signal: AbortSignal.timeout(30_000) });
          await r.arrayBuffer();
          if (r.status < 500) return r.status;
        }
      } catch {
        // the next gateway
      }
      if (Date.now() > deadline) throw new Error(`ping ${heartbeat}/${suffix}: no gateway took it within 60 s`);
      await sleep(200);
    }
  };
  const transitions = (): string[] => notificationsOf(cluster, heartbeat).map((n) => n.transition);

  if (s.down === 'before') {
    if ((await ping('fail')) !== 202) throw new Error(`${heartbeat}/fail was refused`);
    await until(() => transitions().includes('opened'), 60_000, `${heartbeat} opened before the fault`).catch(async (err: Error) => {
      const p = partitionOf(TENANT, heartbeat, names.partitions);
      const pending = await redis.xpending(names.events(p), GROUP_DETECT, '-', '+', 20);
      throw new Error(
        `${err.message}; incidents of ${heartbeat}: ${JSON.stringify(await incidentsOf(cluster, heartbeat))}; notifications: ${JSON.stringify(cluster.webhook.received.map((n) => [n.target, n.transition]))}; ` +
          `partition ${p} leased by ${await redis.get(names.lease(p))}, pending in detect: ${JSON.stringify(pending)}`,
      );
    });
  }
  const load = startLoad({ gateways: cluster.gateways.map((g) => g.url), apiKey: cluster.apiKey, run, targets: spreadTargets(run, s.targets ?? 4, cluster.partitions), batchesPerSec: s.batchesPerSec ?? 10 });
  const ctx: FaultContext = { cluster, redis, names, load, heartbeat, ping };
  let ticking = true;
  const ticker = (async () => {
    while (ticking && s.onTick) {
      await s.onTick(ctx).catch(() => undefined);
      await sleep(250);
    }
  })();
  try {
    await load.waitAccepted(10);
    if (s.down === 'at-fault' && (await ping('fail')) !== 202) throw new Error(`${heartbeat}/fail was refused`);
    const faultAt = Date.now();
    await s.inject(ctx);
    const restoredAt = Date.now();
    const mark = await streamMark(redis, names);
    const drained = waitPersisted(redis, names, mark, 120_000);
    await load.waitAccepted(10);
    await until(() => gatewaysServe(cluster), 60_000, 'every gateway serving ingest and /api');
    const servingAt = Date.now();
    const summary = await load.stop();
    const drainedAt = await drained;

    if ((await ping()) !== 202) throw new Error(`${heartbeat} ok ping was refused`);
    await until(() => transitions().includes('resolved'), 60_000, `${heartbeat} resolved after the fault`);
    await waitPersisted(redis, names, await streamMark(redis, names), 120_000);
    const stored = await readRun(cluster, run);
    const truth = await streamTruth(redis, names, run);
    for (const c of clients) await waitForDelivery(c, truth, 30_000).catch(() => undefined); // the checks say what is missing
    // Room for a late duplicate (a stale detector, a replayed entry) to show up before counting.
    await sleep(1_500);
    const retried = summary.batches.filter((b) => b.attempts.length > 1 && b.acceptedAt !== undefined).map((b) => b.acceptedAt as number);
    const recoveredAt = Math.max(restoredAt, servingAt, drainedAt, ...retried);
    const t = tally(summary, stored);
    return {
      row: { fault: s.fault, load: summary.rate, sent: summary.sentEvents, accepted: summary.acceptedEvents, stored: t.stored, duplicates: t.duplicates, lost: t.lost, recoveryMs: recoveredAt - faultAt },
      load: summary,
      stored,
      tally: t,
      truth,
      clients,
      notifications: notificationsOf(cluster, heartbeat),
      incidents: await incidentsOf(cluster, heartbeat),
      faultAt,
      restoredAt,
      phases: { restored: restoredAt - faultAt, serving: servingAt - faultAt, drained: drainedAt - faultAt, lastRetry: Math.max(faultAt, ...retried) - faultAt },
    };
  } finally {
    ticking = false;
    await ticker;
    await load.stop().catch(() => undefined);
    for (const c of clients) await c.close();
  }
}

/**
 * What every fault must leave: every batch eventually answered 2xx (retries included) and each of its events
 * stored once; every client, resumed with its cursor after any drop, given exactly what the streams hold, in
 * order; the fault's incident opened and resolved once, each notified once.
 */
export function expectExactlyOnce(cluster: Cluster, r: ScenarioResult): void {
  expect(r.load.batches.filter((b) => b.acceptedAt === undefined).map((b) => b.key)).toEqual([]);
  expect(r.row.accepted).toBe(r.row.sent);
  expect(r.tally.unknown).toBe(0);
  expect(r.tally.duplicateSeqs).toEqual([]);
  expect(r.tally.duplicates).toBe(0);
  expect(r.tally.lostSeqs).toEqual([]);
  expect(r.tally.lost).toBe(0);
  expect(r.row.stored).toBe(r.row.accepted);
  for (const c of r.clients) {
    expect(c.notices.filter((n) => (n.message as { type?: string }).type === 'reset')).toEqual([]);
    expect(deliveryProblems(c, r.truth)).toEqual([]);
  }
  expect(r.incidents.map((i) => i.status)).toEqual(['resolved']);
  expect(r.notifications.map((n) => n.transition)).toEqual(['opened', 'resolved']);
  expect(new Set(r.notifications.map((n) => n.incidentId))).toEqual(new Set([r.incidents[0]?.id]));
  expect(repeatedNotifications(cluster)).toEqual([]);
}
