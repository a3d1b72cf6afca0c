// Ingest throughput benchmark (issue 3), one run on this machine, load generator included:
//   (a) raw ceiling: pipelined XADD of the same events, pre-encoded, from one Node process — read two ways:
//       (a0) one entry per event, the literal reading (1000 XADDs pipelined per request, no await between);
//       (a1) laid out as ingest lays them out, one entry per partition per 1000-event batch (16 XADDs per
//       request): a stricter ceiling, since Redis then does per-request rather than per-event work;
//       (a2) the appender alone (batch encoding + XADD);
//   (b) Lightwatch ingest: createIngestApi(...).push in-process with a JSON array of 1000 logs per request,
//       several requests in flight, the persister running in the same process into a SQLite file; and,
//       when the all-in-one system starts, HTTP → gateway → ingest (b-http);
//   (c) naive baseline: a node:http server doing one awaited XADD per event.
// Prints events/s, p99 latency, the ratios (b)/(a) and (b)/(c), whether the persister kept up, and where
// the CPU time of (b) went (inspector CPU profile, self time grouped by the nearest known frame).
//
//   node --import tsx bench/ingest.bench.ts            (REDIS_URL optional; otherwise a local redis-server, AOF on)
//   BENCH_SECONDS=10 BENCH_CONCURRENCY=8 BENCH_PHASES=a,c,b BENCH_PERSISTER=child|inprocess|off node --import tsx bench/ingest.bench.ts
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAuthenticator } from '../lib/auth/authenticator.js';
import { generateApiKey } from '../lib/auth/keys.js';
import type { CanonicalEvent } from '../lib/events/event.js';
import { createIdGenerator } from '../lib/events/ids.js';
import { startLocalRedis, type LocalRedis } from '../lib/redis/local-server.js';
import { encodeBatch, FIELD_EVENTS } from '../lib/streams/codec.js';
import { partitionOf, streamNames, type StreamNames } from '../lib/streams/partition.js';
import { createSqliteStore } from '../lib/store/sqlite/store.js';
import type { PushRequest } from '../proto/gen/lightwatch/v1/ingest.js';
import { createAppender } from '../ingest/appender/appender.js';
import { createBacklogMonitor, type BacklogMonitor } from '../ingest/appender/backlog.js';
import { createRedisStreams } from '../lib/streams/redis/adapter.js';
import type { Streams } from '../lib/streams/port.js';
import { GROUP_PERSIST } from '../lib/streams/partition.js';
import { DEFAULT_NORMALIZE_LIMITS } from '../ingest/normalize/normalize.js';
import { createPersister, DEFAULT_PERSISTER_CONFIG, PERSISTER_SQLITE_CACHE_MB } from '../ingest/persister/persister.js';
import { createIngestApi } from '../ingest/service.js';
import { reportFigures, type Figure } from './report.js';

/** The streams port of the benchmark's own calls (set by main). */
let port: Streams;

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1.5);
/** Where (b)'s persister runs: `child` (its own process, as a separate replica would), `inprocess`, or `off`. */
const PERSISTER = process.env.BENCH_PERSISTER ?? 'child';
/** Which phases to run: a (raw ceiling), c (naive), b (in-process ingest), d (persister drain), http. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'a,c,b,d,http').split(',').map((x) => x.trim()));
const SELF = fileURLToPath(import.meta.url);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const BATCH = 1000;
const PARTITIONS = 16;
const TENANT = 'bench';

// ---------------------------------------------------------------------------------------------------------
// Load: the same 1000 log events, as a JSON body (what agents send) and as canonical events (what ingest
// appends). Each log is ~300 bytes of JSON.

function logLine(i: number, now: number): Record<string, unknown> {
  return {
    ts: now - (i % 1000),
    level: i % 10 === 0 ? 'warn' : 'info',
    target: `svc-${i % 50}`,
    message: `GET /api/v1/items/${100000 + i}?expand=owner,tags 200 12ms user=u${i % 997} ua="curl/8.5" trace=${(i * 2654435761).toString(16).padStart(8, '0')}`,
    labels: { env: 'prod', region: 'eu-west-1', host: `web-${i % 20}` },
    fields: { status: 200, duration_ms: 12 + (i % 50), bytes: 1200 + i },
  };
}

const now0 = Date.now();
const bodyJson = JSON.stringify(Array.from({ length: BATCH }, (_, i) => logLine(i, now0)));
const body = Buffer.from(bodyJson);
const ids = createIdGenerator();
/** Entries one request makes: one per partition its targets fall in. */
const ENTRIES_PER_REQUEST = new Set(Array.from({ length: BATCH }, (_, i) => partitionOf(TENANT, `svc-${i % 50}`, PARTITIONS))).size;

function canonicalBatch(): CanonicalEvent[] {
  const t = Date.now();
  return Array.from({ length: BATCH }, (_, i) => {
    const l = logLine(i, t);
    return {
      id: ids.next(t),
      tenant: TENANT,
      kind: 'log' as const,
      target: l.target as string,
      ts: l.ts as number,
      receivedAt: t,
      labels: l.labels as Record<string, string>,
      body: { level: l.level as 'info', message: l.message as string, fields: l.fields as Record<string, number>, format: 'json' },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Measurement helpers.

interface PhaseResult {
  name: string;
  events: number;
  seconds: number;
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** CPU time of this process (user + system) per 1000 events: contention-proof cost of the Node side. */
  cpuMsPer1000: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Runs `op` from `concurrency` loops for `seconds`; each op carries `perOp` events. */
async function closedLoop(name: string, seconds: number, concurrency: number, perOp: number, op: () => Promise<void>): Promise<PhaseResult> {
  // Warm-up (JIT, connections), not measured.
  const warmEnd = performance.now() + WARMUP_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < warmEnd) await op();
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await op();
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors++;
          firstError ??= err;
          if (errors > 100) throw err;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (firstError) console.error(`  ${name}: ${errors} errors, first: ${String(firstError)}`);
  latencies.sort((a, b) => a - b);
  const events = latencies.length * perOp;
  const cpuMsPer1000 = events > 0 ? (cpu.user + cpu.system) / 1000 / (events / 1000) : NaN;
  return { name, events, seconds: elapsed, eventsPerSec: events / elapsed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors, cpuMsPer1000 };
}

function report(r: PhaseResult): void {
  console.log(
    `  ${r.name.padEnd(34)} ${Math.round(r.eventsPerSec).toLocaleString('en-US').padStart(10)} events/s   p50 ${r.p50Ms.toFixed(1).padStart(6)} ms   p99 ${r.p99Ms.toFixed(1).padStart(6)} ms   ` +
      `bench-process CPU ${r.cpuMsPer1000.toFixed(2)} ms/1000 events   (${r.events.toLocaleString('en-US')} events in ${r.seconds.toFixed(1)} s${r.errors ? `, ${r.errors} errors` : ''})`,
  );
}

async function clearStreams(redis: Redis, names: StreamNames): Promise<void> {
  await redis.del(...names.allEvents());
}

// ---------------------------------------------------------------------------------------------------------
// (a) raw ceiling.

async function rawCeiling(redis: Redis, names: StreamNames): Promise<{ a0: PhaseResult; a1: PhaseResult; a2: PhaseResult }> {
  const events = canonicalBatch();
  const single = events.map((e) => ({ stream: names.events(partitionOf(e.tenant, e.target, PARTITIONS)), payload: encodeBatch([e]) }));
  const a0 = await closedLoop('(a0) XADD per event, pipelined', SECONDS, CONCURRENCY, BATCH, async () => {
    const pl = redis.pipeline();
    for (const e of single) pl.xadd(e.stream, '*', FIELD_EVENTS, e.payload);
    await pl.exec();
  });
  await clearStreams(redis, names);
  const byPartition = new Map<number, CanonicalEvent[]>();
  for (const e of events) {
    const p = partitionOf(e.tenant, e.target, PARTITIONS);
    byPartition.set(p, [...(byPartition.get(p) ?? []), e]);
  }
  const entries = [...byPartition].map(([p, evs]) => ({ stream: names.events(p), payload: encodeBatch(evs) }));
  const a1 = await closedLoop('(a1) XADD, pre-encoded entries', SECONDS, CONCURRENCY, BATCH, async () => {
    const pl = redis.pipeline();
    for (const e of entries) pl.xadd(e.stream, '*', FIELD_EVENTS, e.payload);
    await pl.exec();
  });
  await clearStreams(redis, names);
  const appender = createAppender({ streams: port, names });
  const a2 = await closedLoop('(a2) appender: encode + XADD', SECONDS, CONCURRENCY, BATCH, async () => {
    await appender.append(events);
  });
  await clearStreams(redis, names);
  return { a0, a1, a2 };
}

// ---------------------------------------------------------------------------------------------------------
// (c) naive baseline: node:http, JSON.parse, one awaited XADD per event.

async function naive(redis: Redis, names: StreamNames): Promise<PhaseResult> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const items = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>[];
        for (const item of items) {
          const target = String(item.target);
          await redis.xadd(names.events(partitionOf(TENANT, target, PARTITIONS)), '*', FIELD_EVENTS, JSON.stringify([{ ...item, tenant: TENANT }]));
        }
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: items.length, rejected: [] }));
      })().catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    return await closedLoop('(c) naive: await XADD per event', SECONDS, CONCURRENCY, BATCH, () => post(agent, `http://127.0.0.1:${port}/ingest/logs`, body, {}));
  } finally {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
    await clearStreams(redis, names);
  }
}

function post(agent: http.Agent, url: string, payload: Buffer, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(payload.length), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Keeping up: the persist backlog (unacked entries) sampled through a run, and events stored.

interface BacklogTrace {
  samples: { t: number; entries: number }[];
  stop(): Promise<void>;
}

function traceBacklog(monitor: BacklogMonitor): BacklogTrace {
  const samples: { t: number; entries: number }[] = [];
  const t0 = performance.now();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const s = await monitor.sample().catch(() => undefined);
      if (s) samples.push({ t: (performance.now() - t0) / 1000, entries: s.entries });
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * Kept up when the backlog did not grow over the loaded run: the least-squares slope of unacked entries over
 * time, in entries/s, against what ingest appended (entries/s). Up to 5 % is noise (a batch in flight).
 */
function keptUp(trace: BacklogTrace, ingestEntriesPerSec: number): { ok: boolean; text: string } {
  const s = trace.samples;
  if (s.length < 4) return { ok: false, text: 'too few samples' };
  const n = s.length;
  const mt = s.reduce((a, x) => a + x.t, 0) / n;
  const me = s.reduce((a, x) => a + x.entries, 0) / n;
  const slope = s.reduce((a, x) => a + (x.t - mt) * (x.entries - me), 0) / s.reduce((a, x) => a + (x.t - mt) ** 2, 0);
  const ok = slope <= 0.05 * ingestEntriesPerSec;
  const shown = s.filter((_, i) => i % Math.max(1, Math.floor(n / 12)) === 0).map((x) => x.entries).join(' ');
  return {
    ok,
    text: `backlog growth ${slope >= 0 ? '+' : ''}${Math.round(slope)} entries/s while ingest appended ~${Math.round(ingestEntriesPerSec)} entries/s (unacked entries every 0.5 s: ${shown})`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The persister, as a child process (`--persister`) or in-process.

async function persisterRole(): Promise<void> {
  const redis = new Redis(process.env.LW_REDIS_URL as string, { maxRetriesPerRequest: null });
  // Opened as the persister's worker opens its store.
  const store = await createSqliteStore({ path: process.env.LW_DB_PATH as string, cacheSizeMb: PERSISTER_SQLITE_CACHE_MB });
  const persister = createPersister({
    streams: await createRedisStreams({ topology: { kind: 'single', url: process.env.LW_REDIS_URL as string }, name: 'bench-persister' }),
    names: streamNames(process.env.LW_PREFIX as string, PARTITIONS),
    store,
    logger: pino({ level: 'warn' }),
    registry: new Registry(),
    config: { ...DEFAULT_PERSISTER_CONFIG, consumerName: `bench-${process.pid}`, streamRetentionMs: 60_000 },
  });
  await persister.start();
  const report = setInterval(() => process.stdout.write(`${JSON.stringify(persister.stats())}\n`), 1000);
  process.once('SIGTERM', () => {
    clearInterval(report);
    void persister.close().then(async () => {
      process.stdout.write(`${JSON.stringify(persister.stats())}\n`);
      await store.close();
      redis.disconnect();
      process.exit(0);
    });
  });
}

function startPersisterChild(redisUrl: string, prefix: string, dbPath: string): { child: ChildProcess; lastStats: () => { persistedEvents?: number } } {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--persister'], {
    env: { ...process.env, LW_REDIS_URL: redisUrl, LW_PREFIX: prefix, LW_DB_PATH: dbPath },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last = {};
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) {
      try {
        last = JSON.parse(l) as object;
      } catch {
        // not a stats line
      }
    }
  });
  return { child, lastStats: () => last };
}

// ---------------------------------------------------------------------------------------------------------
// (b) Lightwatch ingest in-process, with a CPU profile.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const CATEGORIES: Array<[string, RegExp]> = [
  ['parse (ingest/parse)', /\/ingest\/parse\//],
  ['normalize (ingest/normalize)', /\/ingest\/normalize\//],
  ['encode / decode (lib/streams/codec)', /\/lib\/streams\/codec/],
  ['redis client (ioredis)', /node_modules\/(ioredis|redis-parser|denque|standard-as-callback|cluster-key-slot|@ioredis)/],
  ['appender / backlog / idempotency', /\/ingest\/(appender|idempotency)\//],
  ['SQLite store (lib/store, better-sqlite3)', /\/lib\/store\/|better-sqlite3/],
  ['persister (ingest/persister)', /\/ingest\/persister\//],
  ['ingest service glue', /\/ingest\/(service|compat|targets|metrics|grpc-drafts)\.ts/],
  ['auth', /\/lib\/auth\//],
  ['metrics (prom-client)', /node_modules\/prom-client/],
  ['load generator (bench)', /\/bench\//],
];

function summarizeProfile(profile: CpuProfile): string {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const categoryOf = (id: number): string => {
    const n0 = byId.get(id);
    const name = n0?.callFrame.functionName ?? '';
    if (name === '(garbage collector)') return 'GC';
    if (name === '(idle)') return 'idle (waiting for Redis/IO)';
    if (name === '(program)') return 'V8/native other';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)?.callFrame.url ?? '';
      if (!url) continue;
      for (const [cat, re] of CATEGORIES) if (re.test(url)) return cat;
      if (url.startsWith('node:')) continue; // Node internals: attribute to the caller
    }
    return 'node internals / other';
  };
  const cats = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const c = categoryOf(id);
    cats.set(c, (cats.get(c) ?? 0) + us);
    const f = byId.get(id)?.callFrame;
    // Line numbers are those of tsx's transpiled output, so only the file is shown.
    const where = f?.url ? f.url.replace(/^.*\/(node_modules\/|work\/main\/)/, '').replace(/^file:\/\//, '') : '';
    const key = `${f?.functionName || '(anonymous)'} ${where}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const lines = ['  self time by area (a frame\'s self time goes to the nearest known caller: JSON.parse inside a parser counts as parse):'];
  for (const [c, us] of [...cats].sort((a, b) => b[1] - a[1])) lines.push(`    ${pct(us)}  ${c}`);
  lines.push('  top self-time functions:');
  for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`    ${pct(us)}  ${f}`);
  return lines.join('\n');
}

async function lightwatchInProcess(redis: Redis, redisUrl: string, dir: string): Promise<{ b: PhaseResult; kept: { ok: boolean; text: string }; profile: string; persisted: number | undefined }> {
  const names = streamNames(`lwbenchb${process.pid}`, PARTITIONS);
  const dbPath = join(dir, 'b.db');
  const store = await createSqliteStore({ path: dbPath });
  const key = generateApiKey();
  await store.createApiKey({ id: 'bench', tenant: TENANT, name: 'bench', hash: key.hash, prefix: key.prefix, scopes: ['ingest'], createdAt: Date.now() });
  await port.ensureGroup(names.allEvents(), GROUP_PERSIST, '0');
  const registry = new Registry();
  const logger = pino({ level: 'warn' });
  const api = createIngestApi({
    streams: port,
    names,
    store,
    authenticate: createAuthenticator({ store, jwtSecret: new Uint8Array(32) }),
    logger,
    registry,
    config: {
      maxBodyBytes: 5 * 1024 * 1024,
      maxItems: 10_000,
      maxDepth: 32,
      maxLineBytes: 64 * 1024,
      normalize: { ...DEFAULT_NORMALIZE_LIMITS },
      persistBacklogLimit: 0, // measure, do not refuse
      streamRetentionMs: 60_000,
      idempotencyTtlMs: 3_600_000,
    },
  });
  let child: ReturnType<typeof startPersisterChild> | undefined;
  let inproc: ReturnType<typeof createPersister> | undefined;
  if (PERSISTER === 'child') child = startPersisterChild(redisUrl, names.prefix, dbPath);
  if (PERSISTER === 'inprocess') {
    inproc = createPersister({
      streams: port,
      names,
      store,
      logger,
      registry,
      config: { ...DEFAULT_PERSISTER_CONFIG, consumerName: 'bench-inproc', streamRetentionMs: 60_000 },
    });
    await inproc.start();
  }
  const request: PushRequest = { endpoint: 'logs', contentType: 'application/json', contentEncoding: '', body, params: {}, idempotencyKey: '', target: '', suffix: '' };
  const ctx = { requestId: 'bench', credential: key.key };
  const trace = traceBacklog(createBacklogMonitor({ streams: port, names, limitEntries: 0 }));
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  const b = await closedLoop('(b) Lightwatch push(), in-process', SECONDS, CONCURRENCY, BATCH, async () => {
    const res = await api.push(request, ctx);
    if (res.accepted !== BATCH) throw new Error(`accepted ${res.accepted} of ${BATCH}: ${JSON.stringify(res.rejected.slice(0, 2))}`);
  });
  await trace.stop();
  const kept = keptUp(trace, (b.eventsPerSec / BATCH) * ENTRIES_PER_REQUEST);
  // Profile a second run of the same load (the first one above is the measurement, unperturbed by the profiler).
  await session.post('Profiler.start');
  await closedLoop('(b) profiled run', Math.min(4, SECONDS), CONCURRENCY, BATCH, async () => void (await api.push(request, ctx)));
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
  session.disconnect();
  const profilePath = join(tmpdir(), `lightwatch-ingest-${process.pid}.cpuprofile`);
  writeFileSync(profilePath, JSON.stringify(profile));
  let persisted: number | undefined;
  if (child) {
    child.child.kill('SIGTERM');
    await new Promise((r) => child?.child.once('exit', r));
    persisted = child.lastStats().persistedEvents;
  }
  if (inproc) {
    await inproc.close();
    persisted = inproc.stats().persistedEvents;
  }
  await api.close();
  await store.close();
  await redis.del(...names.allEvents());
  return { b, kept, profile: `${summarizeProfile(profile)}\n  (full profile: ${profilePath}, open in Chrome DevTools)`, persisted };
}

// ---------------------------------------------------------------------------------------------------------
// (d) persister capacity: fill the streams with no persister running, then time one persister draining them.

async function persisterDrain(redis: Redis, redisUrl: string, dir: string): Promise<{ eventsPerSec: number; events: number; seconds: number; profile: string }> {
  const names = streamNames(`lwbenchd${process.pid}`, PARTITIONS);
  await port.ensureGroup(names.allEvents(), GROUP_PERSIST, '0');
  const appender = createAppender({ streams: port, names });
  const total = Number(process.env.BENCH_DRAIN_EVENTS ?? 300_000);
  for (let n = 0; n < total; n += BATCH) await appender.append(canonicalBatch());
  const store = await createSqliteStore({ path: join(dir, 'd.db'), cacheSizeMb: PERSISTER_SQLITE_CACHE_MB });
  const persister = createPersister({
    streams: port,
    names,
    store,
    logger: pino({ level: 'warn' }),
    registry: new Registry(),
    config: { ...DEFAULT_PERSISTER_CONFIG, consumerName: 'drain', streamRetentionMs: 0 },
  });
  const monitor = createBacklogMonitor({ streams: port, names, limitEntries: 0 });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const t0 = performance.now();
  await persister.start();
  while ((await monitor.sample()).entries > 0) await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - t0) / 1000;
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
  session.disconnect();
  const events = persister.stats().persistedEvents;
  await persister.close();
  await store.close();
  await redis.del(...names.allEvents());
  return { eventsPerSec: events / seconds, events, seconds, profile: summarizeProfile(profile) };
}

// ---------------------------------------------------------------------------------------------------------
// (b-http) through HTTP → gateway → ingest: the all-in-one system as a child process.

async function lightwatchHttp(redisUrl: string): Promise<{ r: PhaseResult; kept: { ok: boolean; text: string } } | string> {
  let system;
  try {
    const { startSystem } = await import('../test/support/system.js');
    // BENCH_SYSTEM_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the all-in-one (a file per thread).
    const nodeArgs = (process.env.BENCH_SYSTEM_NODE_ARGS ?? '').split(' ').filter(Boolean);
    system = await startSystem({ redisUrl, nodeArgs, env: { LOG_LEVEL: 'warn', PERSIST_BACKLOG_LIMIT: '0' } });
  } catch (err) {
    return `skipped: the all-in-one system did not start (${(err as Error).message.split('\n')[0]})`;
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const names = streamNames(system.streamPrefix, PARTITIONS);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const trace = traceBacklog(createBacklogMonitor({ streams: port, names, limitEntries: 0 }));
  try {
    const r = await closedLoop('(b-http) HTTP → gateway → ingest', SECONDS, CONCURRENCY, BATCH, () =>
      post(agent, `${system.url}/ingest/logs`, body, { authorization: `Bearer ${system.apiKey}` }),
    );
    await trace.stop();
    return { r, kept: keptUp(trace, (r.eventsPerSec / BATCH) * ENTRIES_PER_REQUEST) };
  } finally {
    agent.destroy();
    await system.stop();
    await redis.del(...names.allEvents()).catch(() => undefined);
    redis.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lw-bench-ingest-'));
  let local: LocalRedis | undefined;
  let url = process.env.REDIS_URL;
  if (!url) {
    local = await startLocalRedis({ dir: join(dir, 'redis'), appendOnly: true });
    url = local.url;
  }
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  port = await createRedisStreams({ topology: { kind: 'single', url }, name: 'bench-ingest' });
  const names = streamNames(`lwbench${process.pid}`, PARTITIONS);
  console.log(
    `ingest benchmark: ${BATCH} logs per request (~${Math.round(body.length / BATCH)} B of JSON each in the request, ~${Math.round(encodeBatch(canonicalBatch()).length / BATCH)} B as canonical events), ` +
      `${CONCURRENCY} requests in flight, ${SECONDS} s per phase after ${WARMUP_SECONDS} s warm-up, ${PARTITIONS} partitions, ` +
      `Redis: ${local ? 'local redis-server (AOF everysec)' : url}, persister: ${PERSISTER}`,
  );
  // Other work on the machine moves every events/s figure; the CPU-per-1000-events figures move much less.
  const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`machine: ${cpus().length} CPUs, load average at start ${load()}`);
  try {
    const ratio = (x: number, y: number | undefined): string => (y ? (x / y).toFixed(2) : 'n/a');
    let a0: PhaseResult | undefined;
    let a1: PhaseResult | undefined;
    let c: PhaseResult | undefined;
    const figures: Figure[] = [];
    const profiles: string[] = [];
    if (PHASES.has('a')) {
      const a = await rawCeiling(redis, names);
      a0 = a.a0;
      a1 = a.a1;
      report(a.a0);
      report(a.a1);
      report(a.a2);
    }
    if (PHASES.has('c')) {
      c = await naive(redis, names);
      report(c);
    }
    if (PHASES.has('b')) {
      const b = await lightwatchInProcess(redis, url, dir);
      report(b.b);
      console.log(`  persister (${PERSISTER}) kept up: ${b.kept.ok ? 'yes' : 'NO'}: ${b.kept.text}`);
      console.log(`  (b)/(a0) = ${ratio(b.b.eventsPerSec, a0?.eventsPerSec)} (goal ≥ 0.5)   (b)/(a1) = ${ratio(b.b.eventsPerSec, a1?.eventsPerSec)} (goal ≥ 0.5, stricter reading)   (b)/(c) = ${ratio(b.b.eventsPerSec, c?.eventsPerSec)} (goal ≥ 10)`);
      figures.push({ name: '(b) push() in-process', value: b.b.eventsPerSec, unit: 'events/s' });
      if (a0) figures.push({ name: '(b)/(a0) vs pipelined XADD per event', value: b.b.eventsPerSec / a0.eventsPerSec, unit: '×', goal: '≥ 0.5', met: b.b.eventsPerSec / a0.eventsPerSec >= 0.5 });
      if (a1) figures.push({ name: '(b)/(a1) vs XADD of ingest-shaped entries', value: b.b.eventsPerSec / a1.eventsPerSec, unit: '×', goal: '≥ 0.5', met: b.b.eventsPerSec / a1.eventsPerSec >= 0.5 });
      if (c) figures.push({ name: '(b)/(c) vs naive', value: b.b.eventsPerSec / c.eventsPerSec, unit: '×', goal: '≥ 10', met: b.b.eventsPerSec / c.eventsPerSec >= 10 });
      figures.push({ name: 'persister kept up with (b)', value: b.kept.ok ? 1 : 0, unit: 'yes=1', goal: '= 1', met: b.kept.ok });
      profiles.push(`CPU profile of (b), the ingest process:\n${b.profile}`);
    }
    if (PHASES.has('d')) {
      const d = await persisterDrain(redis, url, dir);
      console.log(`  (d) persister alone, draining        ${Math.round(d.eventsPerSec).toLocaleString('en-US').padStart(10)} events/s   (${d.events.toLocaleString('en-US')} events into a SQLite file in ${d.seconds.toFixed(1)} s)`);
      profiles.push(`CPU profile of (d), the persister draining:\n${d.profile}`);
    }
    if (PHASES.has('http')) {
      const h = await lightwatchHttp(url);
      if (typeof h === 'string') console.log(`  (b-http) ${h}`);
      else {
        report(h.r);
        figures.push({ name: '(b-http) through HTTP, all-in-one', value: h.r.eventsPerSec, unit: 'events/s' });
        console.log(`  all-in-one persister kept up: ${h.kept.ok ? 'yes' : 'NO'}: ${h.kept.text}`);
        console.log(`  (b-http)/(a0) = ${ratio(h.r.eventsPerSec, a0?.eventsPerSec)}   (b-http)/(a1) = ${ratio(h.r.eventsPerSec, a1?.eventsPerSec)}   (b-http)/(c) = ${ratio(h.r.eventsPerSec, c?.eventsPerSec)}`);
      }
    }
    if (a1) figures.unshift({ name: '(a1) pipelined XADD, ingest-shaped entries', value: a1.eventsPerSec, unit: 'events/s' });
    if (a0) figures.unshift({ name: '(a0) pipelined XADD, one entry per event', value: a0.eventsPerSec, unit: 'events/s' });
    if (c) figures.push({ name: '(c) naive await per XADD', value: c.eventsPerSec, unit: 'events/s' });
    reportFigures('ingest', figures);
    console.log(`load average at end ${load()}`);
    for (const p of profiles) console.log(p);
  } finally {
    await clearStreams(redis, names).catch(() => undefined);
    redis.disconnect();
    await port.close();
    await local?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--persister')) {
  persisterRole().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
