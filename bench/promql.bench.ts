// Micro-benchmark of the PromQL engine alone (not a test): evaluation over an in-memory Querier, no storage
// and no HTTP, the two dashboard queries over 24 h at a 60 s step. Prints p50/p99 per query.
// Then the event-loop stall each query causes when answered from a SQLite file (lib/promql-offload), evaluated
// on the loop and on a PromQL worker thread: the longest loop delay (perf_hooks monitorEventLoopDelay) and the
// loop's busy time per query (event-loop utilization), which is what every other request of the process waits on.
// Run: node --import tsx bench/promql.bench.ts [--runs 20] [--series 1000] [--stall-runs 5] [--stall 0]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createEngine } from '../lib/promql/engine.js';
import { createPromQueries, DEFAULT_PROM_OFFLOAD } from '../lib/promql-offload/offload.js';
import { estimatePoints } from '../lib/promql-offload/estimate.js';
import { createSqliteStore } from '../lib/store/sqlite/store.js';
import { createMemoryQuerier } from '../lib/promql/memory-querier.js';
import { DASHBOARD_QUERIES, dashboardSeries } from './dashboard-data.js';
import { reportFigures } from './report.js';

function arg(flag: string, def: number): number {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const RUNS = arg('--runs', 15);
const SERIES = arg('--series', 1000);
const HISTOGRAMS = arg('--histograms', 50);
const DAY = 86_400_000;
const END = Date.UTC(2026, 0, 2);
const START = END - DAY;
const data = dashboardSeries({ series: SERIES, histograms: HISTOGRAMS, startMs: START, endMs: END });
const samples = data.reduce((n, s) => n + s.timestamps.length, 0);
console.log(`${data.length} series, ${samples.toLocaleString('en-US')} samples in memory`);

const querier = createMemoryQuerier(data);
const engine = createEngine();
const QUERIES = DASHBOARD_QUERIES;

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};

const figures = [];
for (const [name, q] of Object.entries(QUERIES)) {
  const times: number[] = [];
  const cpu: number[] = [];
  let points = 0;
  for (let r = 0; r < RUNS + 2; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const res = await engine.rangeQuery(querier, q, START, END, 60_000);
    const dt = performance.now() - t0;
    const dc = process.cpuUsage(c0);
    if (r >= 2) {
      // two warm-up runs; CPU time as well as wall time, since the machine is shared
      times.push(dt);
      cpu.push((dc.user + dc.system) / 1000);
    }
    if (res.resultType === 'matrix') points = res.result.reduce((n, s) => n + s.values.length, 0);
  }
  const p50 = percentile(times, 50);
  const p99 = percentile(times, 99);
  const cpu50 = percentile(cpu, 50);
  console.log(`${name}: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, CPU p50 ${cpu50.toFixed(1)} ms (${points} points out, ${RUNS} runs)`);
  figures.push({ name: `${name} p50`, value: p50, unit: 'ms' }, { name: `${name} p99`, value: p99, unit: 'ms' }, { name: `${name} CPU p50`, value: cpu50, unit: 'ms' });
}

if (arg('--stall', 1) !== 0) figures.push(...(await stallFigures()));

reportFigures('promql', figures);

/** CPU time of this process's main thread (the event loop's), ms, from /proc (100 Hz ticks); NaN elsewhere. */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Event-loop stall per dashboard query answered from a SQLite file, on the loop and on a worker thread. */
async function stallFigures(): Promise<Array<{ name: string; value: number; unit: string }>> {
  const runs = arg('--stall-runs', 5);
  const dir = mkdtempSync(join(tmpdir(), 'lw-promql-bench-'));
  const out = [];
  try {
    const store = await createSqliteStore({ path: join(dir, 'lightwatch.db') });
    const t0 = performance.now();
    for (let i = 0; i < data.length; i += 100) {
      await store.metrics.append('bench', data.slice(i, i + 100).map((s) => ({ labels: s.labels, target: s.labels.instance ?? 'x', type: 'counter' as const, timestamps: s.timestamps, values: s.values })));
    }
    await store.metrics.compact({ all: true });
    console.log(`stored in SQLite in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const [mode, workers] of [['loop', 0], ['worker', 1]] as const) {
      const queries = createPromQueries({ metrics: store.metrics, storePath: join(dir, 'lightwatch.db'), offload: { ...DEFAULT_PROM_OFFLOAD, workers } });
      for (const [name, q] of Object.entries(QUERIES)) {
        const query = { kind: 'range', query: q, startMs: START, endMs: END, stepMs: 60_000 } as const;
        if (mode === 'loop') {
          const e0 = performance.now();
          const points = await estimatePoints(store.metrics.querier('bench'), query, 300_000);
          console.log(`${name}: estimate ${points.toLocaleString('en-US')} points in ${(performance.now() - e0).toFixed(1)} ms (PROMQL_INLINE_POINTS default ${DEFAULT_PROM_OFFLOAD.inlinePoints.toLocaleString('en-US')})`);
        }
        // One warm-up (the worker's start, the page cache), then the measured runs.
        await queries.answer('bench', query);
        const delay = monitorEventLoopDelay({ resolution: 1 });
        const elu0 = performance.eventLoopUtilization();
        const w0 = performance.now();
        const c0 = mainThreadCpuMs();
        delay.enable();
        for (let r = 0; r < runs; r++) await queries.answer('bench', query);
        delay.disable();
        const elu = performance.eventLoopUtilization(elu0);
        const wall = (performance.now() - w0) / runs;
        const maxMs = delay.max / 1e6;
        const busyMs = elu.active / runs;
        const cpuMs = (mainThreadCpuMs() - c0) / runs;
        console.log(`  on the ${mode}: max event-loop delay ${maxMs.toFixed(1)} ms, loop busy ${busyMs.toFixed(1)} ms and main-thread CPU ${cpuMs.toFixed(0)} ms per query, wall ${wall.toFixed(1)} ms per query (${runs} runs)`);
        out.push(
          { name: `${name} max loop delay (${mode})`, value: maxMs, unit: 'ms' },
          { name: `${name} loop busy per query (${mode})`, value: busyMs, unit: 'ms' },
          { name: `${name} main-thread CPU per query (${mode})`, value: cpuMs, unit: 'ms' },
        );
      }
      await queries.close();
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
