// The persister's metric write path alone: how many CPU µs the persister spends per remote_write sample it
// stores, on the remote_write bench's load (bench/remote-write.bench.ts: WORKERS agents of SERIES series each,
// SAMPLES samples per series per request). The requests are encoded as ingest encodes them (the appender's
// encode, so any change of the metric-batch entry format is followed) and written to the partition streams of
// a local Redis first; then the real persister thread (ingest/persister/worker.ts, as the all-in-one starts it,
// into a SQLite file in a temp dir) drains that backlog. A saturated persister is what the remote_write bench
// sees: it reads as much as its budgets allow.
// Prints the drain rate, the CPU µs per sample of this process while draining (the persister thread, its GC
// helpers and the store's checkpoint thread: the main thread only polls), Redis's, and checks through PromQL
// that every sample was stored. On a loaded machine CPU per sample is the figure to compare, not the rate.
//
//   nice -n 10 node --import tsx bench/persister-metrics.bench.ts
//   BENCH_RATE=300000: the load is written at that rate while the persister runs (it keeps up, as behind the
//   remote_write bench, and reads what arrived since its last read), not drained as a backlog; the main
//   thread's CPU (the writer) is then left out. BENCH_LINGER_MS=… overrides the persister's lingerMs.
//   BENCH_BATCH_SAMPLES=… overrides the persister's batchMaxSamples. BENCH_REQUESTS=1200 BENCH_WORKERS=8 BENCH_SERIES=500 BENCH_SAMPLES=2 BENCH_STEP_MS=1 (15000: scrape-like
//   spacing, so series get cut into chunks once out of the out-of-order window)
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/persister-metrics.bench.ts  (a profile per thread)
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppender } from '../ingest/appender/appender.js';
import { DEFAULT_PERSISTER_CONFIG } from '../ingest/persister/persister.js';
import { startPersisterWorker } from '../ingest/persister/worker.js';
import { startLocalRedis } from '../lib/redis/local-server.js';
import { openStore } from '../lib/store/index.js';
import { GROUP_PERSIST, streamNames } from '../lib/streams/partition.js';
import { createRedisStreams } from '../lib/streams/redis/adapter.js';
import type { BatchSeries } from '../lib/tsdb/batch.js';
import { reportFigures } from './report.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1200);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 8);
const SERIES = Number(process.env.BENCH_SERIES ?? 500);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2);
const STEP_MS = Number(process.env.BENCH_STEP_MS ?? 1);
/** Samples/s to write while the persister runs (a persister that keeps up, as behind the remote_write bench); 0: drain a backlog. */
const RATE = Number(process.env.BENCH_RATE ?? 0);
const TENANT = 'bench';
const PARTITIONS = 16;

/** CPU seconds (user + system) of a process so far, all its threads (Linux /proc). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds of each thread of this process so far, by thread id, with its name. */
function threadCpu(): Map<string, { name: string; seconds: number }> {
  const out = new Map<string, { name: string; seconds: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), seconds: (Number(f[11]) + Number(f[12])) / 100 });
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * Where the CPU went between two threadCpu() readings, busiest threads first (Node names them all `node`: the
 * busiest is the persister's, then V8's GC helpers and the checkpoint thread).
 */
function threadShares(before: Map<string, { name: string; seconds: number }>, after: Map<string, { name: string; seconds: number }>): string {
  const used: number[] = [];
  for (const [tid, a] of after) {
    const d = a.seconds - (before.get(tid)?.seconds ?? 0);
    if (d > 0.005) used.push(d);
  }
  return used.sort((x, y) => y - x).map((s) => `${s.toFixed(2)} s`).join(', ');
}

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** One agent's series, labels as remote_write's parse makes them (the same object request after request, as a label cache would). */
function agentSeries(worker: number): { target: string; labels: Readonly<Record<string, string>> }[] {
  return Array.from({ length: SERIES }, (_, s) => {
    const labels = Object.freeze({ __name__: `bench_metric_${s % 50}`, instance: `host-${s % 100}:9100`, job: 'node', series: String(s), worker: String(worker) });
    return { target: labels.instance, labels };
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lw-persist-bench-'));
  const redis = await startLocalRedis({ dir: join(dir, 'redis'), appendOnly: true });
  const streams = await createRedisStreams({ topology: { kind: 'single', url: redis.url }, name: 'bench' });
  const names = streamNames('lw', PARTITIONS);
  const storeUrl = join(dir, 'lightwatch.db');
  try {
    // The backlog, written before the persister starts: request r of agent w carries samples r*SAMPLES.. of
    // each of its series, STEP_MS apart.
    const appender = createAppender({ streams, names });
    const agents = Array.from({ length: WORKERS }, (_, w) => agentSeries(w));
    const start = Date.now() - 30 * 60_000 - Math.ceil(REQUESTS / WORKERS) * SAMPLES * STEP_MS;
    let written = 0;
    let entries = 0;
    const encodeRequest = (r: number): ReturnType<typeof appender.encode> => {
      const w = r % WORKERS;
      const round = Math.floor(r / WORKERS);
      const series: BatchSeries[] = (agents[w] ?? []).map(({ target, labels }) => {
        const timestamps: number[] = [];
        const values: number[] = [];
        for (let k = 0; k < SAMPLES; k++) {
          timestamps.push(start + (round * SAMPLES + k) * STEP_MS);
          values.push(Math.random() * 100);
        }
        return { target, labels, type: 'gauge', timestamps, values };
      });
      const encoded = appender.encode([], { metrics: { tenant: TENANT, receivedAt: Date.now(), batchId: `b${r}-`, series } });
      entries += encoded.entries.length;
      written += SERIES * SAMPLES;
      return encoded;
    };
    // Paced (BENCH_RATE): every request encoded now, written while the persister runs.
    const paced = RATE > 0 ? Array.from({ length: REQUESTS }, (_, r) => encodeRequest(r)) : [];
    const fillStarted = performance.now();
    for (let r = 0; RATE === 0 && r < REQUESTS; r += WORKERS) {
      const writes: Promise<string[]>[] = [];
      for (let w = 0; w < WORKERS && r + w < REQUESTS; w++) writes.push(appender.write(encodeRequest(r + w)));
      await Promise.all(writes);
    }
    if (RATE === 0) console.log(`backlog: ${written.toLocaleString()} samples of ${WORKERS * SERIES} series in ${entries.toLocaleString()} entries (${REQUESTS} requests), written in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);
    else console.log(`paced: ${written.toLocaleString()} samples of ${WORKERS * SERIES} series in ${entries.toLocaleString()} entries (${REQUESTS} requests), to be written at ${RATE.toLocaleString()} samples/s while the persister runs`);

    const all = names.allEvents();
    let cpu0 = 0;
    let redis0 = 0;
    let t0 = 0;
    const worker = await startPersisterWorker(
      {
        redis: { kind: 'single', url: redis.url },
        storeUrl,
        streamPrefix: names.prefix,
        partitions: PARTITIONS,
        logLevel: 'warn',
        service: 'bench',
        config: {
          ...DEFAULT_PERSISTER_CONFIG,
          consumerName: 'bench',
          ...(process.env.BENCH_BATCH_SAMPLES ? { batchMaxSamples: Number(process.env.BENCH_BATCH_SAMPLES) } : {}),
          ...(process.env.BENCH_LINGER_MS ? { lingerMs: Number(process.env.BENCH_LINGER_MS) } : {}),
        },
      },
      (code) => console.error(`persister worker exited with ${code}`),
    );
    // 'started' comes once the persister's first read is on its way: the thread's start-up (module loading)
    // stays out of the figure.
    cpu0 = ownCpuSeconds();
    const threads0 = threadCpu();
    redis0 = cpuSecondsOf(redis.pid);
    t0 = performance.now();
    let writeSeconds = 0;
    if (RATE > 0) {
      // The main thread writes the load, request by request on schedule (its CPU is left out of the figure).
      let sent = 0;
      const perRequest = SERIES * SAMPLES;
      while (sent < paced.length) {
        const due = Math.min(paced.length, Math.floor((((performance.now() - t0) / 1000) * RATE) / perRequest) + 1);
        const writes: Promise<string[]>[] = [];
        while (sent < due) writes.push(appender.write(paced[sent++] as (typeof paced)[number]));
        await Promise.all(writes);
        await new Promise((r) => setTimeout(r, 2));
      }
      writeSeconds = (performance.now() - t0) / 1000;
    }
    for (;;) {
      const states = await streams.groupState(all, GROUP_PERSIST);
      if (states.every((s) => s !== null && s.pending === 0 && s.lag === 0)) break;
      if (!worker.alive()) throw new Error('the persister thread died');
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - t0) / 1000;
    const threads1 = threadCpu();
    // Paced, the main thread wrote the load: only the other threads (the persister's, GC helpers, checkpoints) count.
    const mainCpu = RATE > 0 ? (threads1.get(String(process.pid))?.seconds ?? 0) - (threads0.get(String(process.pid))?.seconds ?? 0) : 0;
    const cpu = ownCpuSeconds() - cpu0 - mainCpu;
    const threads = threadShares(threads0, threads1);
    const redisCpu = cpuSecondsOf(redis.pid) - redis0;
    const metricsText = await worker.metrics();
    await worker.close();
    const rssMb = process.resourceUsage().maxRSS / 1024;

    // Every sample stored and queryable (through the querier, whatever the layout).
    const store = await openStore(storeUrl);
    let stored = 0;
    try {
      const selected = await store.metrics.querier(TENANT).select([{ name: 'job', type: '=', value: 'node' }], { startMs: 0, endMs: Date.now() + 3_600_000 });
      for (const s of selected) stored += s.timestamps.length;
    } finally {
      await store.close();
    }
    const writes = /lightwatch_persist_batches_total\{[^}]*outcome="ok"[^}]*\} (\d+)/.exec(metricsText)?.[1];
    const load = loadavg().map((l) => l.toFixed(2)).join(' ');
    const usPerSample = (cpu / written) * 1e6;
    if (RATE > 0) console.log(`paced: written at ${Math.round(written / writeSeconds).toLocaleString()} samples/s (asked ${RATE.toLocaleString()}), all stored ${(seconds - writeSeconds).toFixed(2)} s after the last write; main thread (the writer) ${mainCpu.toFixed(2)} s left out`);
    console.log(`persister: drained ${written.toLocaleString()} samples in ${seconds.toFixed(2)} s = ${Math.round(written / seconds).toLocaleString()} samples/s${writes ? `, ${writes} store writes (${Math.round(written / Number(writes)).toLocaleString()} samples each)` : ''}`);
    console.log(`persister: ${usPerSample.toFixed(2)} CPU µs per sample (this process while draining), Redis ${((redisCpu / written) * 1e6).toFixed(2)} µs; max RSS ${rssMb.toFixed(0)} MiB; load ${load}`);
    console.log(`CPU by thread: ${threads}`);
    console.log(`stored and queryable: ${stored.toLocaleString()} of ${written.toLocaleString()}`);
    if (stored !== written) throw new Error(`only ${stored} of ${written} samples were stored`);
    reportFigures('persister-metrics', [
      { name: 'persister CPU µs per sample', value: usPerSample, unit: 'µs', goal: '≤ 3', met: usPerSample <= 3 },
      { name: 'persister drain rate', value: written / seconds, unit: 'samples/s' },
      { name: 'Redis CPU µs per sample (reads, acks)', value: (redisCpu / written) * 1e6, unit: 'µs' },
    ]);
  } finally {
    await streams.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
