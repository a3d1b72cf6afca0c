// Heap per active series of the series store's in-process state (not a test), the part of issue 13's "memory
// per active series" that is ours alone: bench/metrics-vs-prometheus.bench.ts measures the all-in-one's RSS,
// which also holds V8's spare heap, SQLite's page caches and the other threads, and moves with the machine's
// load; this counts live objects after full collections, which does not.
//  - writer: what the persister's thread keeps per series: the batch decoder's label memo (shared, frozen
//    labels), the series keys, the SQLite store's SeriesState map;
//  - reader: what a thread answering PromQL keeps per series once a query has touched it (the store's row cache).
//
//   node --expose-gc --import tsx bench/series-state.bench.ts [--series 20000] [--samples 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../lib/store/sqlite/store.js';
import { decodeMetricBatch, encodeMetricBatch } from '../lib/tsdb/batch-codec.js';
import type { MetricBatch } from '../lib/tsdb/batch.js';
import { reportFigures } from './report.js';

function arg(flag: string, def: number): number {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const SERIES = arg('--series', 20_000);
const SAMPLES = arg('--samples', 10);
const PER_BATCH = 2_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
/** Live heap after full collections, the concurrent sweeper given time to finish. */
async function liveHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage().heapUsed;
}

const t0 = Date.now() - (SAMPLES + 4) * 15_000;
/** Series [from, to) with their k-th sample, as the persister reads them: through the stream entry's codec. */
function batch(from: number, to: number, k: number, job: string): MetricBatch {
  const series = [];
  for (let s = from; s < to; s++) {
    const instance = `host-${s % 500}:9100`;
    series.push({ labels: { __name__: `mem_metric_${s % 20}`, instance, job, series: String(s) }, target: instance, type: 'gauge' as const, timestamps: new Float64Array([t0 + k * 15_000]), values: new Float64Array([s + k]) });
  }
  return decodeMetricBatch(encodeMetricBatch({ tenant: 'default', receivedAt: Date.now(), id: `0-${k}`, series }));
}

const dir = mkdtempSync(join(tmpdir(), 'lw-series-state-'));
try {
  const store = await createSqliteStore({ path: join(dir, 'store.db'), checkpointIntervalMs: 0 });
  // Warm up (statements prepared, code compiled) on other series.
  for (let k = 0; k < 2; k++) await store.metrics.append('default', batch(SERIES, SERIES + 500, k, 'warmup').series);
  const before = await liveHeap();
  for (let k = 0; k < SAMPLES; k++) for (let from = 0; from < SERIES; from += PER_BATCH) await store.metrics.append('default', batch(from, Math.min(SERIES, from + PER_BATCH), k, 'mem').series);
  const written = await liveHeap();
  const querier = store.metrics.querier('default');
  const found = (await querier.select([{ name: 'job', type: '=', value: 'mem' }], { startMs: t0, endMs: Date.now() })).length;
  if (found !== SERIES) throw new Error(`read ${found} series, wrote ${SERIES}`);
  const read = await liveHeap();
  await store.close();
  const writer = (written - before) / SERIES;
  const reader = (read - written) / SERIES;
  console.log(`${SERIES.toLocaleString('en-US')} series, ${SAMPLES} samples each: writer ${writer.toFixed(0)} B per series (decoder memo, keys, SeriesState), reader ${reader.toFixed(0)} B per series (row cache)`);
  reportFigures('series_state', [
    { name: 'writer heap per active series', value: writer, unit: 'B' },
    { name: 'reader heap per series read', value: reader, unit: 'B' },
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
