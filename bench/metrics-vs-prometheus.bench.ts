// Lightwatch's series store against a real Prometheus 2.42 (Debian's `prometheus` and `promtool`) on the same
// data and the same machine, issue 13's three storage figures in one run:
//
//  1. bytes on disk per sample: 2 h of scrape-like data (counters with resets, gauges with NaN, histograms, 15 s,
//     a few ms of jitter; lib/promql/testing/generate.ts) appended to a fresh SQLite series store and compacted,
//     against the blocks `promtool tsdb create-blocks-from openmetrics` makes of the same samples;
//  2. query_range p50/p99 through each one's HTTP API (`/api/prom/api/v1/query_range` of the all-in-one against
//     Prometheus's `/api/v1/query_range`) of the dashboard queries (bench/dashboard-data.ts) over HOURS at 60 s,
//     both servers up at once and queried in turn, with the CPU time each server process spent per query;
//  3. memory per active series: resident memory of each server process before and after MEM_SERIES new series
//     arrive by remote_write (MEM_SAMPLES samples each), divided by the series. Neither server is queried before
//     its second reading: Lightwatch's persister is waited for by its counter on /metrics (bench/persisted.ts),
//     and the series are counted by PromQL only afterwards. Counted by PromQL while waiting, as before, a count
//     over every new series each 500 ms left its garbage in the PromQL worker thread's heap, which the reading
//     took for resident series: ~200 of the ~980 MB Lightwatch grew by for 100000 series (the worker's heap
//     273 MB before a forced collection, 75 after). The warm-up sends requests of the load's size, for the
//     threads they start (below).
//
//   node --import tsx bench/metrics-vs-prometheus.bench.ts [--only disk,query,memory] [--disk-instances 50]
//        [--hours 24] [--series 1000] [--histograms 50] [--runs 30] [--mem-series 20000] [--mem-samples 10]
//
// Installs nothing: without `prometheus`/`promtool` it prints Lightwatch's figures alone and says so.
import { readdirSync, readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import snappy from 'snappyjs';
import { WriteRequest } from '../proto/gen/compat/prometheus/remote.js';
import type { MemorySeries } from '../lib/promql/memory-querier.js';
import { generateSeries } from '../lib/promql/testing/generate.js';
import { createSqliteStore } from '../lib/store/sqlite/store.js';
import type { SeriesAppend } from '../lib/tsdb/port.js';
import { prometheusAvailable, startPrometheus } from '../test/support/prometheus.js';
import { startSystem } from '../test/support/system.js';
import { DASHBOARD_QUERIES, dashboardSeries } from './dashboard-data.js';
import { waitAppended } from './persisted.js';
import { reportFigures, type Figure } from './report.js';

function arg(flag: string, def: number): number {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const onlyArg = process.argv.indexOf('--only');
const ONLY = new Set(onlyArg >= 0 ? (process.argv[onlyArg + 1] ?? '').split(',') : ['disk', 'query', 'memory']);
const HOUR = 3_600_000;
const figures: Figure[] = [];
const ratio = (name: string, lw: number, prom: number, goal: string, met: boolean): void => {
  console.log(`  ${name}: ${(lw / prom).toFixed(2)}× (${goal}: ${met ? 'met' : 'NOT met'})`);
  figures.push({ name, value: lw / prom, unit: '×', goal, met });
};

function toAppends(series: readonly MemorySeries[]): SeriesAppend[] {
  return series.map((s) => ({
    labels: s.labels,
    target: s.labels.instance ?? '',
    type: (s.labels.__name__ ?? '').endsWith('_total') || (s.labels.__name__ ?? '').endsWith('_bucket') ? 'counter' : 'gauge',
    timestamps: s.timestamps,
    values: s.values,
  }));
}

/** Builds a SQLite store file holding `series` for tenant `default`, everything compacted into chunks. */
async function buildStore(path: string, series: readonly MemorySeries[]): Promise<void> {
  const store = await createSqliteStore({ path, checkpointIntervalMs: 0 });
  try {
    const appends = toAppends(series);
    for (let i = 0; i < appends.length; i += 100) {
      await store.metrics.append('default', appends.slice(i, i + 100), { maxSeriesPerTenant: 10_000_000, outOfOrderWindowMs: 10 * 60_000 });
    }
    await store.metrics.compact({ all: true });
  } finally {
    await store.close();
  }
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

async function disk(hasProm: boolean): Promise<void> {
  const instances = arg('--disk-instances', 50);
  const start = Date.UTC(2026, 0, 1);
  const series = generateSeries({ startMs: start, durationMs: 2 * HOUR, intervalMs: 15_000, instances, seed: 7 });
  const samples = series.reduce((n, s) => n + s.timestamps.length, 0);
  console.log(`disk: ${series.length} series, ${samples.toLocaleString('en-US')} samples over 2 h`);
  const dir = mkdtempSync(join(tmpdir(), 'lw-bps-'));
  try {
    const path = join(dir, 'lw.db');
    await buildStore(path, series);
    const db = new Database(path);
    // Only the series store's tables and their indexes (m_*): the file also holds the events schema's empty pages.
    const seriesTables = (): number | undefined => {
      try {
        return db.prepare<[], { b: number }>(`SELECT sum(d.pgsize) AS b FROM dbstat d JOIN sqlite_master m ON m.name = d.name WHERE m.tbl_name LIKE 'm\\_%' ESCAPE '\\'`).get()?.b;
      } catch {
        return undefined; // dbstat not compiled in: the whole file below
      }
    };
    const asWritten = seriesTables();
    db.exec('VACUUM');
    const metricsBytes = seriesTables();
    db.close();
    const fileBytes = statSync(path).size;
    const lwBytes = metricsBytes ?? fileBytes;
    console.log(
      `  lightwatch: ${(lwBytes / samples).toFixed(2)} bytes/sample (series tables ${lwBytes.toLocaleString('en-US')} B after VACUUM; ` +
        `${asWritten === undefined ? '?' : (asWritten / samples).toFixed(2)} as written; whole file ${(fileBytes / samples).toFixed(2)})`,
    );
    figures.push({ name: 'disk bytes/sample Lightwatch', value: lwBytes / samples, unit: 'B' });
    if (!hasProm) return;
    const prom = await startPrometheus(series);
    try {
      // The blocks as promtool wrote them (chunks, index, meta, tombstones); Prometheus has written nothing else yet.
      const promBytes = dirBytes(prom.dataDir) - (existsDir(join(prom.dataDir, 'wal')) ? dirBytes(join(prom.dataDir, 'wal')) : 0);
      console.log(`  prometheus blocks: ${(promBytes / samples).toFixed(2)} bytes/sample (${promBytes.toLocaleString('en-US')} B)`);
      figures.push({ name: 'disk bytes/sample Prometheus', value: promBytes / samples, unit: 'B' });
      ratio('disk Lightwatch / Prometheus', lwBytes, promBytes, '≤ 1.0×', lwBytes <= promBytes);
    } finally {
      await prom.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function existsDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};

/** CPU time (ms) of every thread of a process so far, from /proc (ns precision; the machine is shared). */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return ns / 1e6;
}

interface Side {
  label: string;
  url: string;
  headers: Record<string, string>;
  pid: number;
}

interface Timing {
  wall: number[];
  cpu: number[];
  body: string;
}

async function timeOnce(side: Side, params: URLSearchParams, name: string, into: Timing | null): Promise<string> {
  const c0 = cpuMs(side.pid);
  const t0 = performance.now();
  const res = await fetch(`${side.url}?${params}`, { headers: side.headers });
  const body = await res.text();
  const wall = performance.now() - t0;
  const cpu = cpuMs(side.pid) - c0;
  if (!res.ok) throw new Error(`${side.label} ${name}: ${res.status} ${body.slice(0, 300)}`);
  into?.wall.push(wall);
  into?.cpu.push(cpu);
  return body;
}

/**
 * Every query against every side in turn, run by run (two warm-up runs first), so that whatever else loads the
 * machine meanwhile weighs on both alike; besides wall time, the CPU time each server process spent (all its
 * threads, /proc), which load inflates far less.
 */
async function timeQueries(sides: readonly Side[], startMs: number, endMs: number, runs: number): Promise<Map<string, Map<string, Timing>>> {
  const out = new Map<string, Map<string, Timing>>();
  for (const [name, q] of Object.entries(DASHBOARD_QUERIES)) {
    const params = new URLSearchParams({ query: q, start: String(startMs / 1000), end: String(endMs / 1000), step: '60' });
    const bySide = new Map<string, Timing>(sides.map((s) => [s.label, { wall: [], cpu: [], body: '' }]));
    for (let r = 0; r < runs + 2; r++) {
      for (const side of sides) {
        const t = bySide.get(side.label) as Timing;
        t.body = await timeOnce(side, params, name, r >= 2 ? t : null);
      }
    }
    for (const side of sides) {
      const t = bySide.get(side.label) as Timing;
      console.log(
        `  ${side.label} ${name}: p50 ${percentile(t.wall, 50).toFixed(1)} ms, p99 ${percentile(t.wall, 99).toFixed(1)} ms; ` +
          `CPU p50 ${percentile(t.cpu, 50).toFixed(1)} ms, p99 ${percentile(t.cpu, 99).toFixed(1)} ms`,
      );
    }
    out.set(name, bySide);
  }
  return out;
}

async function query(hasProm: boolean): Promise<void> {
  const hours = arg('--hours', 24);
  const runs = arg('--runs', 30);
  const end = Date.UTC(2026, 0, 2);
  const start = end - hours * HOUR;
  const series = dashboardSeries({ series: arg('--series', 1000), histograms: arg('--histograms', 50), startMs: start, endMs: end });
  const samples = series.reduce((n, s) => n + s.timestamps.length, 0);
  console.log(`query_range: ${series.length} series, ${samples.toLocaleString('en-US')} samples over ${hours} h, step 60 s, ${runs} runs`);
  const dataDir = mkdtempSync(join(tmpdir(), 'lw-qbench-'));
  let t0 = performance.now();
  await buildStore(join(dataDir, 'lightwatch.db'), series);
  console.log(`  lightwatch store built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  let sys: Awaited<ReturnType<typeof startSystem>> | undefined;
  try {
    if (hasProm) {
      t0 = performance.now();
      prom = await startPrometheus(series);
      console.log(`  prometheus blocks built and started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    // BENCH_CPU_PROF=dir: the all-in-one writes V8 CPU profiles there (one per thread).
    const prof = process.env.BENCH_CPU_PROF;
    // RETENTION_DAYS=0: the data is of a fixed day long past, which the retention round (10 minutes in) would
    // delete while the runs go on (queried in turn with a loaded Prometheus, they take longer than that).
    sys = await startSystem({ dataDir, startTimeoutMs: 180_000, env: { RETENTION_DAYS: '0' }, ...(prof ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${prof}`] } : {}) });
    const sides: Side[] = [{ label: 'lightwatch', url: `${sys.url}/api/prom/api/v1/query_range`, headers: { authorization: `Bearer ${sys.apiKey}` }, pid: sys.process.pid as number }];
    if (prom) sides.push({ label: 'prometheus', url: `${prom.url}/api/v1/query_range`, headers: {}, pid: prom.pid });
    console.log(`  load before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    const timings = await timeQueries(sides, start, end, runs);
    console.log(`  load after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    for (const [name, bySide] of timings) {
      for (const [label, t] of bySide) {
        const who = label === 'lightwatch' ? 'Lightwatch' : 'Prometheus';
        figures.push(
          { name: `query_range ${name} ${who} p50`, value: percentile(t.wall, 50), unit: 'ms' },
          { name: `query_range ${name} ${who} p99`, value: percentile(t.wall, 99), unit: 'ms' },
          { name: `query_range ${name} ${who} CPU p50`, value: percentile(t.cpu, 50), unit: 'ms' },
        );
      }
      const l = bySide.get('lightwatch') as Timing;
      const p = bySide.get('prometheus');
      if (!p) continue;
      for (const [what, pct] of [['p50', 50], ['p99', 99]] as const) {
        const lw = percentile(l.wall, pct);
        const pr = percentile(p.wall, pct);
        ratio(`query_range ${name} ${what} Lightwatch / Prometheus`, lw, pr, '≤ 1.0×', lw <= pr);
      }
      const lc = percentile(l.cpu, 50);
      const pc = percentile(p.cpu, 50);
      ratio(`query_range ${name} CPU p50 Lightwatch / Prometheus`, lc, pc, 'informational', lc <= pc);
      // The same answer, or the timing compares different work.
      if (JSON.stringify(JSON.parse(l.body).data) !== JSON.stringify(JSON.parse(p.body).data)) console.log(`  WARNING: ${name}: results differ between Lightwatch and Prometheus`);
    }
  } finally {
    await sys?.stop();
    await prom?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function memoryBodies(count: number, perRequest: number, samplesEach: number, job: string): Buffer[] {
  const t0 = Date.now() - (samplesEach + 4) * 15_000;
  const out: Buffer[] = [];
  for (let k = 0; k < samplesEach; k++) {
    for (let first = 0; first < count; first += perRequest) {
      const req = WriteRequest.fromPartial({
        timeseries: Array.from({ length: Math.min(perRequest, count - first) }, (_, j) => {
          const s = first + j;
          return {
            labels: [
              { name: '__name__', value: `mem_metric_${s % 20}` },
              { name: 'instance', value: `host-${s % 500}:9100` },
              { name: 'job', value: job },
              { name: 'series', value: String(s) },
            ],
            samples: [{ value: s + k, timestamp: String(t0 + k * 15_000) }],
          };
        }),
      });
      out.push(Buffer.from(snappy.compress(WriteRequest.encode(req).finish())));
    }
  }
  return out;
}

async function post(url: string, headers: Record<string, string>, bodies: readonly Buffer[]): Promise<void> {
  for (const body of bodies) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', ...headers }, body });
    if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  }
}

async function settledRss(pid: number): Promise<number> {
  // Let queues drain and garbage be collected as the process would on its own: the lowest of a few readings.
  let min = Infinity;
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 500));
    min = Math.min(min, rssBytes(pid));
  }
  return min;
}

async function memory(hasProm: boolean): Promise<void> {
  const count = arg('--mem-series', 20_000);
  const samplesEach = arg('--mem-samples', 10);
  console.log(`memory: ${count.toLocaleString('en-US')} new series by remote_write, ${samplesEach} samples each`);
  // Requests of the load's size: they start the threads such requests need (the all-in-one's parse workers, each
  // with its own module loader thread: ~90 MB of resident memory together here), once whatever the series count, before the first reading.
  const warm = memoryBodies(2000, 2000, 2, 'warmup');
  const bodies = memoryBodies(count, 2000, samplesEach, 'mem');
  const sys = await startSystem({ startTimeoutMs: 180_000 });
  let lwPer: number;
  try {
    const url = `${sys.url}/ingest/prometheus/write`;
    const headers = { authorization: `Bearer ${sys.apiKey}` };
    await post(url, headers, warm);
    const warmSamples = 2000 * 2;
    if ((await waitAppended(sys.url, warmSamples)) < warmSamples) throw new Error('lightwatch: the warm-up was not all stored within 2 minutes');
    const before = await settledRss(sys.process.pid as number);
    await post(url, headers, bodies);
    const total = warmSamples + count * samplesEach;
    if ((await waitAppended(sys.url, total)) < total) throw new Error('lightwatch: the series were not all stored within 2 minutes');
    const after = await settledRss(sys.process.pid as number);
    // Stored: every series queryable (asked after the reading: see the file's header).
    const res = await fetch(`${sys.url}/api/prom/api/v1/query?query=${encodeURIComponent('count(last_over_time({job="mem"}[1h]))')}`, { headers });
    const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
    const stored = Number(body.data?.result?.[0]?.value[1] ?? 0);
    if (stored !== count) throw new Error(`lightwatch: PromQL counts ${stored} of the ${count} series`);
    lwPer = (after - before) / count;
    console.log(`  lightwatch all-in-one: RSS ${(before / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MiB, ${lwPer.toFixed(0)} bytes per active series`);
    figures.push({ name: 'memory per active series Lightwatch', value: lwPer, unit: 'B' });
  } finally {
    await sys.stop();
  }
  if (!hasProm) return;
  const prom = await startPrometheus([], { extraArgs: ['--web.enable-remote-write-receiver'] });
  try {
    const url = `${prom.url}/api/v1/write`;
    await post(url, {}, warm);
    const before = await settledRss(prom.pid);
    await post(url, {}, bodies);
    const after = await settledRss(prom.pid);
    const per = (after - before) / count;
    console.log(`  prometheus: RSS ${(before / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MiB, ${per.toFixed(0)} bytes per active series`);
    figures.push({ name: 'memory per active series Prometheus', value: per, unit: 'B' });
    ratio('memory per active series Lightwatch / Prometheus', lwPer, per, 'informational', lwPer <= per);
  } finally {
    await prom.stop();
  }
}

async function main(): Promise<void> {
  const hasProm = await prometheusAvailable();
  if (!hasProm) console.log('prometheus/promtool not installed: Lightwatch figures only (Debian/Ubuntu: `sudo apt-get install prometheus`)');
  if (ONLY.has('disk')) await disk(hasProm);
  if (ONLY.has('memory')) await memory(hasProm);
  if (ONLY.has('query')) await query(hasProm);
  reportFigures('metrics_vs_prometheus', figures);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
