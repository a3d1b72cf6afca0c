// Detector benchmark (issue 5), one run on this machine:
//   (1) events/s through target actors in one process: the domain alone (actor.send per event, rules
//       threshold + log pattern on every target, heartbeats on a fifth of them), measured in a child process;
//   (2) the same through the runtime: streams pre-loaded in Redis, one detector reading them via XREADGROUP,
//       storing snapshots in SQLite and acknowledging — events/s until the group has nothing left;
//   (3) RSS with 100k targets' actors (each with a heartbeat and a threshold evaluator, one event applied),
//       in a child process started with --expose-gc;
//   (4) missed-heartbeat → webhook latency: N heartbeat targets stop pinging; time from each deadline
//       (incident.openedAt) to a webhook receiver (its own process) receiving the notice (p50/p99/max), at
//       100 deadlines/s and as a burst of 1000 in one second;
//   (5) takeover time after an owner dies (default 5 s lease): until the survivor holds every partition, and
//       until an event published to a dead owner's partition right after the kill reaches the webhook.
//
//   node --import tsx bench/detector.bench.ts          (REDIS_URL optional; otherwise a local redis-server)
//   BENCH_EVENTS=1000000 BENCH_TARGETS=10000 BENCH_RSS_TARGETS=100000 BENCH_HB_TARGETS=200 BENCH_TAKEOVERS=3
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { CanonicalEvent } from '../lib/events/event.js';
import { createIdGenerator } from '../lib/events/ids.js';
import { startLocalRedis, type LocalRedis } from '../lib/redis/local-server.js';
import type { Streams } from '../lib/streams/port.js';
import { createRedisStreams } from '../lib/streams/redis/adapter.js';

/** The streams port the detectors under test use (set by main). */
let port: Streams;
import { createSqliteStore } from '../lib/store/sqlite/store.js';
import type { Rule, Target } from '../lib/store/types.js';
import { GROUP_DETECT, partitionOf, streamNames } from '../lib/streams/partition.js';
import { encodeBatch, FIELD_EVENTS } from '../lib/streams/codec.js';
import type { Effect } from '../detector/machines/effects.js';
import { targetKey, type DetectorEnv, type TargetView } from '../detector/machines/env.js';
import { createActorHost, startTargetActor, type TargetActor } from '../detector/machines/start.js';
import { createTargetLogic } from '../detector/machines/target.js';
import { compileTargetRules, SpecInterner } from '../detector/rules/compile.js';
import type { RuleSpec } from '../detector/rules/types.js';
import { createSharedTimers } from '../detector/time/shared-timers.js';
import { makeRule, makeTarget, ping, publish, seed, startReceiver, testDetector, TENANT, until, webhookChannel, type TestDetector } from '../detector/testing/harness.js';
import { reportFigures, type Figure } from './report.js';

const SELF = fileURLToPath(import.meta.url);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const TARGETS = Number(process.env.BENCH_TARGETS ?? 10_000);
const RSS_TARGETS = Number(process.env.BENCH_RSS_TARGETS ?? 100_000);
const HB_TARGETS = Number(process.env.BENCH_HB_TARGETS ?? 200);
const TAKEOVERS = Number(process.env.BENCH_TAKEOVERS ?? 3);
const RUNTIME_EVENTS = Number(process.env.BENCH_RUNTIME_EVENTS ?? 500_000);

const ALL_RULES: Rule[] = [
  makeRule('cpu-high', 'threshold', { metric: 'cpu', op: '>', value: 95, forSec: 30 }),
  makeRule('timeouts', 'log_pattern', { pattern: 'timeout|refused', count: 5, windowSec: 60 }),
];

/** A static environment over in-memory configuration (what the runtime's ConfigCache does over the store). */
function benchEnv(targets: Target[], rules: Rule[], now: () => number, emit: (e: Effect) => void): DetectorEnv {
  const byKey = new Map(targets.map((t) => [targetKey(t.tenant, t.name), t]));
  const views = new Map<string, TargetView>();
  const specs = new Map<string, readonly RuleSpec[]>();
  const interner = new SpecInterner();
  return {
    now,
    target(key) {
      let v = views.get(key);
      const t = byKey.get(key);
      if (!v && t) views.set(key, (v = { tenant: t.tenant, id: t.id, name: t.name, labels: t.labels, paused: false }));
      return v;
    },
    specs(key) {
      let s = specs.get(key);
      if (!s) specs.set(key, (s = interner.intern(compileTargetRules(byKey.get(key) as Target, rules).specs)));
      return s;
    },
    suppressedBy: () => null,
    reminderMs: () => 0,
    emit,
  };
}

function makeTargets(n: number, heartbeatEvery: number): Target[] {
  return Array.from({ length: n }, (_, i) => makeTarget(`host-${i}`, i % heartbeatEvery === 0 ? { kind: 'heartbeat', heartbeat: { intervalSec: 60, graceSec: 30 } } : {}));
}

function makeEvents(targets: Target[], n: number, t0: number): CanonicalEvent[] {
  const ids = createIdGenerator();
  const out: CanonicalEvent[] = [];
  for (let i = 0; i < n; i++) {
    const t = targets[(i * 7919) % targets.length] as Target;
    const at = t0 + Math.floor(i / 100);
    const base = { id: ids.next(at), tenant: TENANT, target: t.name, ts: at, receivedAt: at, labels: {} };
    const r = i % 10;
    if (t.heartbeat && r === 0) out.push({ ...base, kind: 'heartbeat', body: { status: 'ok' } });
    else if (r < 6) out.push({ ...base, kind: 'metric', body: { name: r === 1 ? 'mem' : 'cpu', value: (i * 31) % 97, type: 'gauge' } });
    else out.push({ ...base, kind: 'log', body: { level: 'error', message: i % 50 === 0 ? 'upstream timeout' : 'request served', fields: {}, format: 'plain' } });
  }
  return out;
}

// (1) -------------------------------------------------------------------------------------------------------
async function actorsThroughput(): Promise<Record<string, number>> {
  const timers = createSharedTimers();
  const targets = makeTargets(TARGETS, 5);
  let effects = 0;
  const env = benchEnv(targets, ALL_RULES, () => timers.now(), () => void effects++);
  const logic = createTargetLogic(env);
  // As the runtime does: tenant → name → actor, and `deliver` (the machine is entered when something happens).
  const actors = new Map<string, Map<string, TargetActor>>();
  const sample = makeEvents(targets, Math.min(EVENTS, 200_000), Date.now());
  const host = createActorHost(timers, (err) => console.error(err));
  const send = (e: CanonicalEvent): void => {
    let forTenant = actors.get(e.tenant);
    if (!forTenant) actors.set(e.tenant, (forTenant = new Map()));
    let a = forTenant.get(e.target);
    if (!a) {
      a = startTargetActor(logic.machine, { key: targetKey(e.tenant, e.target), tenant: e.tenant, name: e.target, partition: 0 }, { host });
      forTenant.set(e.target, a);
    }
    logic.deliver(a, e);
  };
  for (let i = 0; i < 50_000; i++) send(sample[i % sample.length] as CanonicalEvent); // warm-up, hydrates actors
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < EVENTS; i++) send(sample[i % sample.length] as CanonicalEvent);
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  timers.close();
  // Per CPU-second as well: on a shared, loaded machine wall time also counts other processes' turns.
  return { events: EVENTS, targets: TARGETS, seconds: ms / 1000, eventsPerSec: EVENTS / (ms / 1000), cpuSeconds: cpuSec, eventsPerCpuSec: EVENTS / cpuSec, effects };
}

// (3) -------------------------------------------------------------------------------------------------------
async function rssOfActors(): Promise<Record<string, number>> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  gc();
  const rss0 = process.memoryUsage().rss;
  const timers = createSharedTimers();
  const targets = makeTargets(RSS_TARGETS, 1); // every target has a heartbeat: a timer each
  const env = benchEnv(targets, [ALL_RULES[0] as Rule], () => timers.now(), () => undefined);
  const logic = createTargetLogic(env);
  const actors: TargetActor[] = [];
  const host = createActorHost(timers, (err) => console.error(err));
  const ids = createIdGenerator();
  const now = Date.now();
  for (const t of targets) {
    const key = targetKey(t.tenant, t.name);
    const a = startTargetActor(logic.machine, { key, tenant: t.tenant, name: t.name, partition: 0 }, { host });
    const base = { tenant: TENANT, target: t.name, ts: now, receivedAt: now, labels: {} };
    logic.deliver(a, { ...base, id: ids.next(now), kind: 'metric', body: { name: 'cpu', value: 50, type: 'gauge' } });
    logic.deliver(a, { ...base, id: ids.next(now), kind: 'heartbeat', body: { status: 'ok' } });
    actors.push(a);
  }
  // Settle: V8 gives back the pages the creation garbage grew the heap by only after a few idle full GCs.
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 300));
  }
  const mem = process.memoryUsage();
  const snapBytes = JSON.stringify(actors[0]?.getPersistedSnapshot()).length;
  const result = { actors: actors.length, rssMiB: mem.rss / 2 ** 20, rssDeltaMiB: (mem.rss - rss0) / 2 ** 20, heapUsedMiB: mem.heapUsed / 2 ** 20, heapTotalMiB: mem.heapTotal / 2 ** 20, bytesPerActor: (mem.rss - rss0) / actors.length, timers: timers.pending, snapshotJsonBytes: snapBytes };
  timers.close();
  return result;
}

function child(part: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', SELF, part], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1) as string) as Record<string, number>) : reject(new Error(`${part} exited with ${code}`))));
  });
}

// (2) -------------------------------------------------------------------------------------------------------
async function runtimeThroughput(redis: Redis, dir: string): Promise<Record<string, number>> {
  const names = streamNames(`bench:det:rt:${Date.now()}`, 16);
  const store = await createSqliteStore({ path: join(dir, 'rt.db') });
  const targets = makeTargets(TARGETS, 5);
  await seed(store, { rules: ALL_RULES });
  // Targets stay unconfigured (rules without a selector apply to every target of the tenant): no 10k inserts.
  const events = makeEvents(targets.map((t) => ({ ...t, heartbeat: undefined })), RUNTIME_EVENTS, Date.now());
  const byPart = new Map<number, CanonicalEvent[]>();
  for (const e of events) {
    const p = partitionOf(e.tenant, e.target, names.partitions);
    const l = byPart.get(p) ?? [];
    l.push(e);
    byPart.set(p, l);
  }
  for (const [p, list] of byPart) {
    const pipe = redis.pipeline();
    for (let i = 0; i < list.length; i += 1000) pipe.xadd(names.events(p), '*', FIELD_EVENTS, encodeBatch(list.slice(i, i + 1000)));
    await pipe.exec();
  }
  const d = testDetector(port, store, names, 'rt', { leaseMs: 5000, flushIntervalMs: 1000, batchCount: 200, blockMs: 100, configRefreshMs: 5000 });
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  await d.start();
  const lagOf = async (): Promise<number> => {
    let left = 0;
    for (let p = 0; p < names.partitions; p++) {
      const groups = (await redis.xinfo('GROUPS', names.events(p))) as unknown[][];
      const g = groups.map((row) => Object.fromEntries(Array.from({ length: row.length / 2 }, (_, i) => [row[2 * i], row[2 * i + 1]]))).find((x) => x.name === GROUP_DETECT);
      left += g ? Number(g.lag ?? 0) + Number(g.pending ?? 0) : 1;
    }
    return left;
  };
  // Polled every 100 ms: the 16 XINFO calls a poll makes would otherwise show up in the CPU figure.
  const deadline = Date.now() + 120_000;
  while ((await lagOf()) !== 0) {
    if (Date.now() > deadline) throw new Error('runtime did not drain the streams within 120 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  await d.close();
  await store.close();
  return { events: RUNTIME_EVENTS, seconds: ms / 1000, eventsPerSec: RUNTIME_EVENTS / (ms / 1000), cpuSeconds: cpuSec, eventsPerCpuSec: RUNTIME_EVENTS / cpuSec };
}

// A webhook receiver in its own process, as a real one would be: it must not share the detector's event loop.
interface RemoteReceiver {
  url: string;
  received(): Promise<Array<{ key: string; transition: string; incidentId: string; openedAt: number; at: number }>>;
  close(): void;
}

function receiverProcess(): void {
  const got: Array<{ key: string; transition: string; incidentId: string; openedAt: number; at: number }> = [];
  const server = createServer((req, res) => {
    if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(got));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { transition: string; incident: { id: string; openedAt: number } };
      got.push({ key: String(req.headers['x-lightwatch-idempotency-key']), transition: body.transition, incidentId: body.incident.id, openedAt: body.incident.openedAt, at });
      res.writeHead(200).end('{}');
    });
  });
  server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
}

async function startRemoteReceiver(): Promise<RemoteReceiver> {
  const p: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SELF, 'receiver'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    p.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim()));
    p.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  return {
    url,
    received: async () => (await (await fetch(`${url}/received`)).json()) as Awaited<ReturnType<RemoteReceiver['received']>>,
    close: () => void p.kill(),
  };
}

// (4) -------------------------------------------------------------------------------------------------------
async function missedHeartbeatLatency(redis: Redis, dir: string, count: number, spreadMs: number): Promise<Record<string, number>> {
  const names = streamNames(`bench:det:hb:${Date.now()}`, 16);
  const store = await createSqliteStore({ path: join(dir, `hb-${count}.db`) });
  const receiver = await startRemoteReceiver();
  const targets = Array.from({ length: count }, (_, i) => makeTarget(`cron-${i}`, { kind: 'heartbeat', heartbeat: { intervalSec: 4, graceSec: 0 } }));
  await seed(store, { channels: [webhookChannel(receiver.url)], targets });
  const d = testDetector(port, store, names, 'hb', { leaseMs: 5000, flushIntervalMs: 1000, configRefreshMs: 5000 });
  await d.start();
  await until(() => d.ownedPartitions().length === 16, 10_000);
  // One ping each, spread over `spreadMs`; then silence: every target misses its deadline 4 s after its ping.
  const steps = 20;
  for (let i = 0; i < steps; i++) {
    await publish(redis, names, targets.filter((_, j) => j % steps === i).map((t) => ping(t.name)));
    await new Promise((r) => setTimeout(r, spreadMs / steps));
  }
  const opened = async () => (await receiver.received()).filter((r) => r.transition === 'opened');
  await until(async () => new Set((await opened()).map((r) => r.incidentId)).size >= count, 60_000, 'all missed heartbeats notified');
  const all = await receiver.received();
  const duplicates = all.length - new Set(all.map((r) => r.key)).size;
  const lat = (await opened()).map((r) => r.at - r.openedAt).sort((a, b) => a - b);
  const q = (x: number): number => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))] as number;
  if (process.env.BENCH_DEBUG) {
    const claim: number[] = [];
    const sent: number[] = [];
    for (const r of (await opened()).slice(0, 1000)) {
      const [rec] = await store.listNotifications(TENANT, r.incidentId);
      if (!rec) continue;
      claim.push(rec.createdAt - r.openedAt);
      sent.push(r.at - rec.createdAt);
    }
    const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.error(`claim after deadline p50 ${med(claim)} ms; received after claim p50 ${med(sent)} ms`);
  }
  await d.close();
  receiver.close();
  await store.close();
  return { notices: lat.length, perSecond: Math.round((count * 1000) / spreadMs), duplicates, p50ms: q(0.5), p99ms: q(0.99), maxMs: lat.at(-1) as number };
}

// (5) -------------------------------------------------------------------------------------------------------
async function takeover(redis: Redis, dir: string): Promise<Record<string, number>> {
  const names = streamNames(`bench:det:to:${Date.now()}`, 16);
  const store = await createSqliteStore({ path: join(dir, 'to.db') });
  const receiver = await startReceiver();
  const targets = Array.from({ length: 64 }, (_, i) => makeTarget(`svc-${i}`));
  await seed(store, { channels: [webhookChannel(receiver.url)], targets, rules: [makeRule('boom', 'log_pattern', { pattern: 'boom', count: 1, relapseWindowSec: 0 })] });
  const survivor = testDetector(port, store, names, 'survivor', { leaseMs: 5000, configRefreshMs: 5000 });
  await survivor.start();
  const leaseTimes: number[] = [];
  const used = new Set<string>();
  const e2eTimes: number[] = [];
  for (let round = 0; round < TAKEOVERS; round++) {
    const victim: TestDetector = testDetector(port, store, names, `victim${round}`, { leaseMs: 5000, configRefreshMs: 5000 });
    await victim.start();
    await until(() => victim.ownedPartitions().length === 8 && survivor.ownedPartitions().length === 8, 30_000, 'rebalanced');
    await new Promise((r) => setTimeout(r, 1000 + Math.random() * 1500)); // kill at a random point of the renewal cycle
    const theirs = new Set(victim.ownedPartitions());
    // A target not used before: a pattern rule fires on its first match, not on each later one in the window.
    const probe = targets.find((t) => !used.has(t.name) && theirs.has(partitionOf(TENANT, t.name, 16))) as Target;
    used.add(probe.name);
    const before = receiver.received.length;
    const t0 = Date.now();
    victim.kill();
    await publish(redis, names, [{ ...ping(probe.name), kind: 'log', body: { level: 'error', message: `boom ${round}`, fields: {}, format: 'plain' } }]);
    await until(() => survivor.ownedPartitions().length === 16, 20_000, 'survivor owns all');
    leaseTimes.push(Date.now() - t0);
    await until(() => receiver.received.length > before, 20_000, 'event on the dead partition notified');
    e2eTimes.push((receiver.received.at(-1) as { at: number }).at - t0);
  }
  await survivor.close();
  await receiver.close();
  await store.close();
  return { rounds: TAKEOVERS, leaseTakeoverMaxMs: Math.max(...leaseTimes), leaseTakeoverAvgMs: leaseTimes.reduce((a, b) => a + b, 0) / leaseTimes.length, eventToWebhookAfterKillMaxMs: Math.max(...e2eTimes) };
}

async function main(): Promise<void> {
  const part = process.argv[2];
  if (part === 'actors') return void console.log(JSON.stringify(await actorsThroughput()));
  if (part === 'rss') return void console.log(JSON.stringify(await rssOfActors()));
  if (part === 'receiver') return receiverProcess();

  const dir = mkdtempSync(join(tmpdir(), 'lw-bench-det-'));
  let local: LocalRedis | undefined;
  let url = process.env.REDIS_URL;
  if (!url) {
    local = await startLocalRedis({ dir: join(dir, 'redis'), appendOnly: true });
    url = local.url;
  }
  const redis = new Redis(url);
  port = await createRedisStreams({ topology: { kind: 'single', url }, name: 'bench-detector' });
  const results: Record<string, Record<string, number>> = {};
  // BENCH_ONLY=4,5 runs a subset.
  const only = new Set((process.env.BENCH_ONLY ?? '1,2,3,4,5').split(','));
  try {
    if (only.has('1')) results['1. events/s through actors (domain, one process)'] = await child('actors');
    if (only.has('2')) results['2. events/s through the runtime (Redis → actors → SQLite snapshots → XACK)'] = await runtimeThroughput(redis, dir);
    if (only.has('3')) results['3. RSS with 100k targets’ actors'] = await child('rss');
    if (only.has('4')) {
      results['4. missed heartbeat → webhook latency'] = await missedHeartbeatLatency(redis, dir, HB_TARGETS, 2000);
      results['4b. the same, a burst of 1000 deadlines in 1 s'] = await missedHeartbeatLatency(redis, dir, 1000, 1000);
    }
    if (only.has('5')) results['5. takeover after an owner dies (lease 5 s)'] = await takeover(redis, dir);
  } finally {
    redis.disconnect();
    await port.close();
    await local?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [name, r] of Object.entries(results)) {
    console.log(`\n${name}`);
    for (const [k, v] of Object.entries(r)) console.log(`  ${k.padEnd(32)} ${Number.isInteger(v) ? v : v.toFixed(1)}`);
  }
  const a = results['1. events/s through actors (domain, one process)']?.eventsPerSec ?? 0;
  const rss = results['3. RSS with 100k targets’ actors']?.rssMiB ?? Infinity;
  const p99 = results['4. missed heartbeat → webhook latency']?.p99ms ?? Infinity;
  const to = results['5. takeover after an owner dies (lease 5 s)']?.leaseTakeoverMaxMs ?? Infinity;
  console.log(`\nload average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores (other work on the machine slows wall-clock figures)`);
  console.log('\ngoals');
  console.log(`  events/s through actors ≥ 100k   ${a >= 100_000 ? 'met' : 'MISSED'} (${Math.round(a)})`);
  console.log(`  RSS with 100k actors ≤ 1 GiB     ${rss <= 1024 ? 'met' : 'MISSED'} (${rss.toFixed(0)} MiB)`);
  console.log(`  missed heartbeat p99 ≤ 1 s       ${p99 <= 1000 ? 'met' : 'MISSED'} (${p99} ms)`);
  console.log(`  takeover ≤ 5 s                   ${to <= 5000 ? 'met' : 'MISSED'} (${to} ms)`);
  reportFigures('detector', [
    { name: 'events/s through actors', value: a, unit: 'events/s', goal: '≥ 100k', met: a >= 100_000 },
    { name: 'RSS with 100k actors', value: rss, unit: 'MiB', goal: '≤ 1024', met: rss <= 1024 },
    { name: 'missed heartbeat → webhook p99', value: p99, unit: 'ms', goal: '≤ 1000', met: p99 <= 1000 },
    { name: 'takeover after kill', value: to, unit: 'ms', goal: '≤ 5000', met: to <= 5000 },
  ] satisfies Figure[]);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
