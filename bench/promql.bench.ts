// Micro-benchmark of the PromQL engine alone (not a test): evaluation over an in-memory Querier, no storage
// and no HTTP, the two dashboard queries over 24 h at a 60 s step. Prints p50/p99 per query.
// Run: node --import tsx bench/promql.bench.ts [--runs 20] [--series 1000]
import { createEngine } from '../lib/promql/engine.js';
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

reportFigures('promql', figures);
