// Store benchmark (issue 4): builds a SQLite store of N events through the adapter's appendEvents in batches,
// then times the first and the 1000th page of filtered queries and a 90-day incidentsInWindow, and compares the
// figures with the goals (p99 <= 20 ms, 1000th page no slower than the first, >= 200k appended events/s).
//
//   node --max-semi-space-size=64 --import tsx bench/store.bench.ts [--events 10000000] [--batch 10000] [--runs 1000] [--path file.db] [--keep]
//        [--mix requests|random] [--page-size 8192] [--write-cache-mb 32] [--cache-mb 256] [--rate 16.5] [--jitter-ms 0]
//
// Each timed query runs `--runs` times (default 1000): with 200 samples the p99 is the second-slowest one, and at
// a third of a millisecond per page a single GC pause or scheduler delay decides it.
//
// Batches model what the persister writes (default: its batchMaxEvents; --max-semi-space-size=64 gives this
// thread the young generation the persister's worker thread gets): stream entries, each entry one agent request of
// `--request` (default 100) events of one (tenant, target, kind). `--mix random` draws every event's target
// independently instead (the worst case for index locality).
//
// Event time: by default the events are spread evenly over 7 days (10M events: one every 60 ms), in order.
// `--rate R` packs them at R events per second of event time instead, and `--jitter-ms J` makes each event up to
// J ms older than its place in that order (many agents, each a little late): at high rates a batch's rows then
// land among the rows of earlier batches instead of after them, and each commit dirties many more pages.
//
// Two connections, as in a deployment: appends go through one opened like the persister's (its page cache,
// PERSISTER_SQLITE_CACHE_MB, unless --write-cache-mb), reads and incidents through another opened like the query
// service's (the store's defaults, or --cache-mb).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanonicalEvent, EventKind } from '../lib/events/event.js';
import { createIdGenerator } from '../lib/events/ids.js';
import { decodeBatch, encodeBatch } from '../lib/streams/codec.js';
import type { Store } from '../lib/store/port.js';
import { createSqliteStore } from '../lib/store/sqlite/store.js';
import type { EventQuery, Incident } from '../lib/store/types.js';
import { DEFAULT_PERSISTER_CONFIG, PERSISTER_SQLITE_CACHE_MB } from '../ingest/persister/persister.js';
import { reportFigures } from './report.js';

interface Args {
  events: number;
  batch: number;
  request: number;
  runs: number;
  pages: number;
  path: string | undefined;
  keep: boolean;
  mix: 'requests' | 'random';
  ratePerSec: number | undefined;
  jitterMs: number;
  pageSize: number;
  writeCacheMb: number;
  cacheMb: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { events: 10_000_000, batch: DEFAULT_PERSISTER_CONFIG.batchMaxEvents, request: 100, runs: 1000, pages: 1000, path: undefined, keep: false, mix: 'requests', pageSize: 8192, writeCacheMb: PERSISTER_SQLITE_CACHE_MB, cacheMb: undefined, ratePerSec: undefined, jitterMs: 0 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    const num = (): number => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${k} needs a positive number`);
      i++;
      return Math.floor(n);
    };
    if (k === '--events') a.events = num();
    else if (k === '--batch') a.batch = num();
    else if (k === '--request') a.request = num();
    else if (k === '--runs') a.runs = num();
    else if (k === '--pages') a.pages = num();
    else if (k === '--page-size') a.pageSize = num();
    else if (k === '--cache-mb') a.cacheMb = num();
    else if (k === '--write-cache-mb') a.writeCacheMb = num();
    else if (k === '--rate') {
      a.ratePerSec = Number(v);
      if (!(a.ratePerSec > 0)) throw new Error('--rate needs a positive number');
      i++;
    } else if (k === '--jitter-ms') a.jitterMs = num();
    else if (k === '--path') {
      a.path = v;
      i++;
    }
    else if (k === '--keep') a.keep = true;
    else if (k === '--mix') {
      a.mix = v === 'random' ? 'random' : 'requests';
      i++;
    }
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

/** Deterministic PRNG (mulberry32) so every run builds the same data. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index drawn with weights ∝ 1/(i+1) (Zipf): a few busy targets, a long tail. */
function zipfPicker(n: number, rand: () => number): () => number {
  const cum: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) cum.push((total += 1 / (i + 1)));
  return () => {
    const x = rand() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cum[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const TENANTS = 10;
const TARGETS_PER_TENANT = 200;
const SPAN_MS = 7 * 86_400_000;
const LEVELS = ['info', 'info', 'info', 'info', 'warn', 'warn', 'debug', 'debug', 'error', 'info'] as const;
const KIND_WEIGHTS: Array<[EventKind, number]> = [
  ['log', 0.7],
  ['metric', 0.25],
  ['security', 0.02],
  ['heartbeat', 0.02],
  ['check', 0.01],
];

/**
 * The events as the persister hands them to the store: decoded from stream entries (an entry per agent request),
 * outside the timed append. Besides fidelity this matters for speed: objects built by spreading
 * (`{ ...env, kind, body }`) get a hidden class of their own almost each (2988 classes for 3000 events), so every
 * property read in the store's append missed V8's inline caches and went to the runtime, while JSON.parse gives
 * events of one kind one class. At 1M events: 153k appended events/s fed spread objects, 245k fed decoded ones.
 */
function asRead(events: CanonicalEvent[], perEntry = 100): CanonicalEvent[] {
  const out: CanonicalEvent[] = [];
  for (let i = 0; i < events.length; i += perEntry) out.push(...decodeBatch(encodeBatch(events.slice(i, i + perEntry))));
  return out;
}

function generator(args: Args, start: number) {
  const rand = rng(42);
  const msPerEvent = args.ratePerSec === undefined ? SPAN_MS / args.events : 1000 / args.ratePerSec;
  const ids = createIdGenerator();
  const pickTarget = zipfPicker(TARGETS_PER_TENANT, rand);
  // Tenant 0 is the big one (about 30%), the rest share the remainder.
  const pickTenant = () => (rand() < 0.3 ? 0 : 1 + Math.floor(rand() * (TENANTS - 1)));
  const pickKind = (): EventKind => {
    let x = rand();
    for (const [k, w] of KIND_WEIGHTS) if ((x -= w) < 0) return k;
    return 'log';
  };
  let n = 0;
  const make = (kind: EventKind, tenant: number, target: number): CanonicalEvent => {
    const ts = start + Math.floor(n++ * msPerEvent) - (args.jitterMs > 0 ? Math.floor(rand() * args.jitterMs) : 0);
    const env = { id: ids.next(ts), tenant: `tenant-${tenant}`, target: `svc-${target}`, ts, receivedAt: ts + 20, labels: { env: target % 3 === 0 ? 'prod' : target % 3 === 1 ? 'staging' : 'dev', region: `r${target % 4}`, host: `h${n % 64}` } };
    switch (kind) {
      case 'metric':
        return { ...env, kind, body: { name: `m${n % 20}`, value: rand() * 100, type: 'gauge' } };
      case 'security':
        return { ...env, kind, body: { category: n % 2 ? 'auth' : 'net', severity: n % 7 ? 'low' : 'high', actor: `u${n % 100}`, ip: '10.0.0.1', outcome: 'failure', message: 'login failed' } };
      case 'heartbeat':
        return { ...env, kind, body: { status: n % 50 ? 'ok' : 'fail' } };
      case 'check':
        return { ...env, kind, body: { ok: n % 40 !== 0, status: 200, latencyMs: 20 + (n % 80), attempts: 1 } };
      default:
        return { ...env, kind: 'log', body: { level: LEVELS[n % LEVELS.length] as (typeof LEVELS)[number], message: `GET /api/items/${n % 5000} 200 in ${n % 300}ms`, fields: { status: 200, bytes: n % 9000 }, format: 'json' } };
    }
  };
  return {
    batch(size: number): CanonicalEvent[] {
      const out: CanonicalEvent[] = [];
      if (args.mix === 'random') {
        while (out.length < size) out.push(make(pickKind(), pickTenant(), pickTarget()));
        return asRead(out);
      }
      while (out.length < size) {
        const tenant = pickTenant();
        const target = pickTarget();
        const kind = pickKind();
        for (let i = 0; i < args.request && out.length < size; i++) out.push(make(kind, tenant, target));
      }
      return asRead(out);
    },
  };
}

/**
 * CPU time of the main thread alone, ms (Linux: /proc/self/task/<pid>/stat, clock ticks; summed over many calls
 * the tick sampling evens out). The store checkpoints on a worker thread, so process CPU and the CPU of the thread
 * the persister runs on differ. Undefined elsewhere.
 */
function mainThreadCpuMs(): number | undefined {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
    return fields ? ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 : undefined;
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * Times the functions in turn, round after round (rotating which goes first), so that whatever slows the machine
 * for a moment (a GC pause, another process) falls on all of them alike: comparing their percentiles is then
 * about the queries, not about when each ran.
 */
async function timeInterleaved(runs: number, fns: ReadonlyArray<() => Promise<unknown>>): Promise<Timing[]> {
  const times = fns.map(() => [] as number[]);
  for (let i = 0; i < 5; i++) for (const fn of fns) await fn();
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < fns.length; k++) {
      const j = (i + k) % fns.length;
      const s = performance.now();
      await (fns[j] as () => Promise<unknown>)();
      (times[j] as number[]).push(performance.now() - s);
    }
  }
  return times.map((t) => {
    t.sort((x, y) => x - y);
    return { p50: percentile(t, 50), p99: percentile(t, 99), max: t[t.length - 1] as number };
  });
}

interface Timing {
  p50: number;
  p99: number;
  max: number;
}

async function time(runs: number, fn: () => Promise<unknown>): Promise<Timing> {
  const t: number[] = [];
  for (let i = 0; i < 5; i++) await fn(); // warm the statement cache and pages
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { p50: percentile(t, 50), p99: percentile(t, 99), max: t[t.length - 1] as number };
}

async function pageCursor(store: Store, q: EventQuery, page: number): Promise<{ cursor: string | undefined; walkMs: number; items: number }> {
  let cursor: string | undefined;
  let items = 0;
  const s = performance.now();
  for (let i = 1; i < page; i++) {
    const res = await store.queryEvents(cursor ? { ...q, cursor } : q);
    items += res.items.length;
    if (!res.nextCursor) throw new Error(`the query has fewer than ${page} pages (${i} pages, ${items} items)`);
    cursor = res.nextCursor;
  }
  return { cursor, walkMs: performance.now() - s, items };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = args.path ? undefined : mkdtempSync(join(tmpdir(), 'lw-store-bench-'));
  const path = args.path ?? join(dir as string, 'bench.db');
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  const writer = await createSqliteStore({ path, cacheSizeMb: args.writeCacheMb, pageSize: args.pageSize });
  // Checkpoints are the writer's store's job (its worker thread), as the persister's store does them in a deployment.
  const store = await createSqliteStore({ path, checkpointIntervalMs: 0, ...(args.cacheMb === undefined ? {} : { cacheSizeMb: args.cacheMb }) });
  const start = Date.UTC(2026, 0, 1);
  const gen = generator(args, start);

  // 1. Append. Wall time is what the goal is about; CPU time (this process) is also reported because the
  // machine is shared and other work inflates wall time.
  let appended = 0;
  let appendMs = 0;
  let appendCpuMs = 0;
  let appendMainCpuMs = 0;
  const buildCpu0 = process.cpuUsage();
  const buildMain0 = mainThreadCpuMs();
  let firstBatch: CanonicalEvent[] | undefined;
  const load0 = loadavg()[0] as number;
  let lastMillionMs = 0;
  let lastMillionCount = 0;
  const progressEvery = Math.max(args.batch, Math.floor(args.events / 20 / args.batch) * args.batch);
  while (appended < args.events) {
    const batch = gen.batch(Math.min(args.batch, args.events - appended));
    firstBatch ??= batch;
    const m0 = mainThreadCpuMs();
    const c0 = process.cpuUsage();
    const s = performance.now();
    const { inserted } = await writer.appendEvents(batch);
    const dt = performance.now() - s;
    const cpu = process.cpuUsage(c0);
    const m1 = mainThreadCpuMs();
    if (m0 !== undefined && m1 !== undefined) appendMainCpuMs += m1 - m0;
    appendCpuMs += (cpu.user + cpu.system) / 1000;
    if (inserted !== batch.length) throw new Error(`inserted ${inserted} of ${batch.length}`);
    appendMs += dt;
    appended += inserted;
    if (appended > args.events - 1_000_000) {
      lastMillionMs += dt;
      lastMillionCount += inserted;
    }
    if (appended % progressEvery === 0) process.stderr.write(`  appended ${appended} (${Math.round(appended / (appendMs / 1000))} ev/s)\n`);
  }
  const appendRate = appended / (appendMs / 1000);
  const appendCpuRate = appended / (appendCpuMs / 1000);
  const appendMainCpuRate = buildMain0 === undefined ? undefined : appended / (appendMainCpuMs / 1000);
  // Threads other than the main one over the whole build (the checkpoint worker, V8's GC helpers), CPU-seconds.
  const buildCpu = process.cpuUsage(buildCpu0);
  const buildMain1 = mainThreadCpuMs();
  const otherThreadsCpuSec = buildMain0 === undefined || buildMain1 === undefined ? undefined : ((buildCpu.user + buildCpu.system) / 1000 - (buildMain1 - buildMain0)) / 1000;
  const load1 = loadavg()[0] as number;
  const replay = (await writer.appendEvents(firstBatch ?? [])).inserted;
  await writer.close();

  // 2. Pages: first and `pages`-th of filtered queries, limit 100.
  const base: EventQuery = { tenant: 'tenant-0', kind: 'log', limit: 100, order: 'desc' };
  const queries: Array<[string, EventQuery]> = [
    ['target=svc-0', { ...base, target: 'svc-0' }],
    ['label.env=prod', { ...base, labels: { env: 'prod' } }],
    ['level=error', { ...base, level: 'error' }],
  ];
  const pageRows: Array<Record<string, string | number>> = [];
  for (const [name, q] of queries) {
    const walk = await pageCursor(store, q, args.pages);
    // Page 2 as well: like page 1000 it seeks past a cursor, so the two differ only by depth, while the first
    // page has no cursor bound to check (about 10 µs less work whatever the depth).
    const second = (await store.queryEvents(q)).nextCursor ?? undefined;
    const [first, two, deep] = (await timeInterleaved(args.runs, [
      () => store.queryEvents(q),
      () => store.queryEvents({ ...q, cursor: second }),
      () => store.queryEvents({ ...q, cursor: walk.cursor }),
    ])) as [Timing, Timing, Timing];
    const deepPage = await store.queryEvents({ ...q, cursor: walk.cursor });
    if (deepPage.items.length !== q.limit) throw new Error(`${name}: page ${args.pages} is not full`);
    pageRows.push({ query: name, firstP50: first.p50, firstP99: first.p99, secondP50: two.p50, secondP99: two.p99, deepP50: deep.p50, deepP99: deep.p99, walkMs: walk.walkMs });
  }

  // 3. Uptime-like read: incidents of one target over 90 days (1-3 incidents a day for each of 200 targets).
  const day = 86_400_000;
  const incidents: Incident[] = [];
  const ids = createIdGenerator();
  const r = rng(7);
  for (let t = 0; t < 200; t++) {
    for (let d = 0; d < 120; d++) {
      const count = 1 + Math.floor(r() * 3);
      for (let k = 0; k < count; k++) {
        const openedAt = start - 120 * day + d * day + Math.floor(r() * day);
        incidents.push({
          id: ids.next(openedAt), tenant: 'tenant-0', targetId: `target-${t}`, ruleId: 'heartbeat', status: 'resolved', severity: 'critical', title: 'down',
          openedAt, resolvedAt: openedAt + Math.floor(r() * 3_600_000), reopenCount: 0, epoch: 1, updatedAt: openedAt,
          timeline: [{ at: openedAt, type: 'opened', message: 'no heartbeat' }, { at: openedAt + 60_000, type: 'resolved', message: 'back' }],
        });
      }
    }
  }
  for (const inc of incidents) await store.upsertIncident(inc);
  let windowCount = 0;
  const uptime = await time(args.runs, async () => {
    windowCount = (await store.incidentsInWindow('tenant-0', 'target-42', start - 90 * day, start)).length;
  });

  await store.close();
  const sizeMb = (statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0)) / 1024 / 1024;

  const fmt = (n: number) => n.toFixed(2);
  const line = (cells: Array<string | number>) => `| ${cells.map(String).join(' | ')} |`;
  console.log(`\nSQLite store, ${appended.toLocaleString('en')} events (${args.mix} batches of ${args.batch}${args.ratePerSec === undefined ? '' : `, ${args.ratePerSec} events per second of event time`}${args.jitterMs > 0 ? `, up to ${args.jitterMs} ms late` : ''}), file ${sizeMb.toFixed(0)} MB, page cache ${args.writeCacheMb} MiB appending / ${args.cacheMb ?? 'default'} reading`);
  console.log(line(['figure', 'value', 'goal', 'ratio (goal / value; >= 1 meets it)']));
  console.log(line(['---', '---', '---', '---']));
  console.log(line(['append throughput, whole build', `${Math.round(appendRate).toLocaleString('en')} ev/s`, '>= 200,000 ev/s', fmt(appendRate / 200_000)]));
  reportFigures('store', [
    { name: 'append throughput', value: appendRate, unit: 'events/s', goal: '≥ 200k', met: appendRate >= 200_000 },
    { name: 'append per CPU-second', value: appendCpuRate, unit: 'events/s' },
    { name: '90-day incident window p99', value: uptime.p99, unit: 'ms' },
    ...pageRows.flatMap((p) => [
      { name: `${p.query}: first page p99`, value: p.firstP99 as number, unit: 'ms', goal: '≤ 20', met: (p.firstP99 as number) <= 20 },
      { name: `${p.query}: page ${args.pages} p99`, value: p.deepP99 as number, unit: 'ms', goal: '≤ 20', met: (p.deepP99 as number) <= 20 },
    ]),
  ]);
  console.log(line(['append throughput per CPU-second of this process', `${Math.round(appendCpuRate).toLocaleString('en')} ev/s`, '>= 200,000 ev/s', fmt(appendCpuRate / 200_000)]));
  if (appendMainCpuRate !== undefined) console.log(line(['append throughput per CPU-second of the main thread (the persister\'s)', `${Math.round(appendMainCpuRate).toLocaleString('en')} ev/s`, '>= 200,000 ev/s', fmt(appendMainCpuRate / 200_000)]));
  if (otherThreadsCpuSec !== undefined) console.log(line(['CPU of other threads during the build (checkpoint worker, GC helpers)', `${otherThreadsCpuSec.toFixed(1)} s`, '-', '-']));
  console.log(line(['load average (1 min) at start / end of the build', `${load0.toFixed(1)} / ${load1.toFixed(1)} on ${cpus().length} cores`, '-', '-']));
  console.log(line(['append throughput, last 1M events', `${Math.round(lastMillionCount / (lastMillionMs / 1000)).toLocaleString('en')} ev/s`, '>= 200,000 ev/s', fmt(lastMillionCount / (lastMillionMs / 1000) / 200_000)]));
  console.log(line(['replayed batch inserted', replay, '0', replay === 0 ? 'ok' : 'FAIL']));
  for (const p of pageRows) {
    const f99 = p.firstP99 as number;
    const d99 = p.deepP99 as number;
    console.log(line([`${p.query}: first page p50 / p99`, `${fmt(p.firstP50 as number)} / ${fmt(f99)} ms`, 'p99 <= 20 ms', fmt(20 / f99)]));
    console.log(line([`${p.query}: page ${args.pages} p50 / p99`, `${fmt(p.deepP50 as number)} / ${fmt(d99)} ms`, 'p99 <= 20 ms', fmt(20 / d99)]));
    console.log(line([`${p.query}: page ${args.pages} vs first (p50, p99)`, `${fmt((p.deepP50 as number) / (p.firstP50 as number))}x, ${fmt(d99 / f99)}x`, '<= 1x (no slower)', fmt(f99 / d99)]));
    const s99 = p.secondP99 as number;
    console.log(line([`${p.query}: page ${args.pages} vs page 2, both after a cursor (p50, p99)`, `${fmt((p.deepP50 as number) / (p.secondP50 as number))}x, ${fmt(d99 / s99)}x`, '<= 1x (no slower)', fmt(s99 / d99)]));
    console.log(line([`${p.query}: walk to page ${args.pages} (once)`, `${fmt(p.walkMs as number)} ms`, '-', '-']));
  }
  console.log(line([`incidentsInWindow 90 days, one target (${windowCount} incidents of ${incidents.length}) p50 / p99`, `${fmt(uptime.p50)} / ${fmt(uptime.p99)} ms`, 'p99 <= 20 ms', fmt(20 / uptime.p99)]));
  console.log(
    JSON.stringify({
      bench: 'store',
      adapter: 'sqlite',
      events: appended,
      mix: args.mix,
      batch: args.batch,
      writeCacheMb: args.writeCacheMb,
      ratePerSec: args.ratePerSec ?? null,
      jitterMs: args.jitterMs,
      readCacheMb: args.cacheMb ?? null,
      fileMb: Math.round(sizeMb),
      appendEventsPerSec: Math.round(appendRate),
      appendEventsPerCpuSec: Math.round(appendCpuRate),
      appendEventsPerMainThreadCpuSec: appendMainCpuRate === undefined ? null : Math.round(appendMainCpuRate),
      otherThreadsCpuSec: otherThreadsCpuSec === undefined ? null : Math.round(otherThreadsCpuSec * 10) / 10,
      loadavg: [load0, load1],
      cores: cpus().length,
      appendEventsPerSecLastMillion: Math.round(lastMillionCount / (lastMillionMs / 1000)),
      replayInserted: replay,
      pages: pageRows,
      pageNumber: args.pages,
      incidentsInWindow: { ...uptime, incidents: windowCount, totalIncidents: incidents.length },
    }),
  );
  if (dir && !args.keep) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${path}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
