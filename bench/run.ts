// `npm run bench`: runs every benchmark under bench/ several times (each in its own process, one after the
// other, so they do not compete for the 2 cores) and prints one table of figures with the machine's noise:
// median and min–max over the runs. `--runs N` (default 3), `--only name,name`, `--soak 10m` (see soak.ts).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseResults } from './report.js';

interface BenchSpec {
  name: string;
  file: string;
  args?: string[];
  /** Node options placed before the file (V8 flags). */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

const BENCHES: BenchSpec[] = [
  { name: 'parse', file: 'parse.bench.ts' },
  { name: 'ingest', file: 'ingest.bench.ts', env: { BENCH_SECONDS: '5' } },
  // The idempotent append (one Lua script per entry) against the plain XADD it replaced.
  { name: 'append-once', file: 'append-once.bench.ts' },
  // The young generation of the persister's worker thread (ingest/persister/worker.ts), whose writes this models.
  { name: 'store', file: 'store.bench.ts', nodeArgs: ['--max-semi-space-size=64'], args: ['--events', process.env.BENCH_STORE_EVENTS ?? '2000000', '--runs', '100', '--pages', '300'] },
  { name: 'detector', file: 'detector.bench.ts' },
  { name: 'realtime', file: 'realtime.bench.ts' },
  { name: 'latency', file: 'latency.bench.ts' },
  { name: 'remote_write', file: 'remote-write.bench.ts' },
  { name: 'promql', file: 'promql.bench.ts' },
  // Heap per active series of the series store's writer and reader state (the steady part of metrics-vs-prometheus's memory figure).
  { name: 'series-state', file: 'series-state.bench.ts', nodeArgs: ['--expose-gc'] },
  { name: 'checks', file: 'checks.bench.ts', nodeArgs: ['--expose-gc'] },
  { name: 'check-jitter', file: 'check-jitter.bench.ts' },
  { name: 'notifications', file: 'notifications.bench.ts' },
  // A configuration change announced on the streams port → applied in a running detector (issue 16).
  { name: 'config-notice', file: 'config-notice.bench.ts' },
  // Redis Cluster with 1, 2, 3 masters on netns hosts: throughput, CPU share, WAIT's p99, master-kill recovery (issue 16).
  { name: 'redis-cluster', file: 'redis-cluster.bench.ts' },
  // The dashboard in headless Chromium against the all-in-one with 10,000 targets (issue 12).
  { name: 'dashboard', file: 'dashboard.bench.ts' },
];

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function runOnce(spec: BenchSpec): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const file = fileURLToPath(new URL(spec.file, import.meta.url));
    const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), '--import', 'tsx', file, ...(spec.args ?? [])], { env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (process.env.BENCH_VERBOSE) process.stdout.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
      if (process.env.BENCH_VERBOSE) process.stderr.write(d);
    });
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const fmt = (v: number): string => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3));

async function main(): Promise<void> {
  const soak = argValue('--soak');
  if (soak) {
    const { runSoak } = await import('./soak.js');
    await runSoak(soak);
    return;
  }
  const runs = Number(argValue('--runs') ?? 3);
  const only = argValue('--only')?.split(',');
  const rows: Array<{ bench: string; name: string; unit: string; goal: string; values: number[]; met: number }> = [];
  for (const spec of BENCHES) {
    if (only && !only.includes(spec.name)) continue;
    for (let r = 0; r < runs; r++) {
      process.stderr.write(`bench ${spec.name} run ${r + 1}/${runs} ...\n`);
      const { code, output } = await runOnce(spec);
      const results = parseResults(output);
      if (results.length === 0) {
        const last = output.trim().split('\n').slice(-3).join(' | ');
        rows.push({ bench: spec.name, name: `(no result: exit ${code}) ${last.slice(0, 160)}`, unit: '', goal: '', values: [], met: 0 });
        break;
      }
      for (const { bench, figures } of results) {
        for (const f of figures) {
          let row = rows.find((x) => x.bench === bench && x.name === f.name);
          if (!row) rows.push((row = { bench, name: f.name, unit: f.unit, goal: f.goal ?? '', values: [], met: 0 }));
          row.values.push(f.value);
          if (f.met) row.met += 1;
        }
      }
    }
  }
  const header = ['bench', 'figure', 'median', 'min–max', 'unit', 'goal', 'met'];
  const table = rows.map((r) =>
    r.values.length === 0
      ? [r.bench, r.name, '', '', '', '', '']
      : [r.bench, r.name, fmt(median(r.values)), `${fmt(Math.min(...r.values))}–${fmt(Math.max(...r.values))}`, r.unit, r.goal, r.goal ? `${r.met}/${r.values.length}` : ''],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`\nLightwatch benchmarks — ${runs} run(s) each, ${new Date().toISOString()}, node ${process.version}\n`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
