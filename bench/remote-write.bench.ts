// remote_write samples/s into Lightwatch vs into Prometheus's own remote-write receiver (Debian's
// `prometheus --web.enable-remote-write-receiver`), the same generated load in the same run: pre-encoded
// snappy WriteRequests of SERIES×SAMPLES samples, CONCURRENCY requests in flight, SECONDS each.
// Lightwatch's rate counts samples accepted AND stored: the clock stops when the persister has appended every
// accepted sample to the series store (the persister caught up), not when the last 204 came back. That is read
// from the persister's own counter (`lightwatch_metrics_samples_total{outcome="appended"}` on the all-in-one's
// unauthenticated /metrics) every ~100 ms: cheap, where a PromQL count decodes every stored sample on the HTTP
// thread and took a sixth of that thread's CPU from the ingest being measured. Once the counter says so, ONE
// PromQL count over /api/prom checks that every accepted sample is queryable; the bench fails if one is not.
// Prometheus's samples are queryable once its receiver answers (they are in its head).
// BENCH_CPU_PROF=dir: V8 CPU profiles of every thread of the all-in-one, and the load window printed in the
// profiles' clock (CLOCK_MONOTONIC µs), to restrict an analysis to it.
// Also CPU seconds per sample of each side's processes (Lightwatch's all-in-one plus the Redis it needs,
// against Prometheus), from /proc: on a loaded machine the two rates are measured minutes apart under different
// load, while CPU per sample hardly moves with it, so its inverse ratio is the steadier comparison.
// Installs nothing: when `prometheus` is missing it says how to get it and skips that row.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snappy from 'snappyjs';
import { WriteRequest } from '../proto/gen/compat/prometheus/remote.js';
import { startLocalRedis } from '../lib/redis/local-server.js';
import { prometheusAvailable, startPrometheus } from '../test/support/prometheus.js';
import { startSystem } from '../test/support/system.js';
import { reportFigures, type Figure } from './report.js';
import { waitAppended } from './persisted.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SERIES = Number(process.env.BENCH_SERIES ?? 500);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2);
// Every request carries new, later timestamps: Prometheus refuses duplicate and out-of-order samples.
// Enough bodies for SECONDS at a million samples/s: a load that runs out of bodies ends early (1500 did at
// ~450k/s, 3.3 s into a 5 s run), and a shorter run weighs the fixed tail after it more. A drive that runs out
// says so.
const BODIES = Number(process.env.BENCH_BODIES ?? Math.ceil((SECONDS * 1_000_000) / (SERIES * SAMPLES)));
/** Warm-up bodies per concurrent sender. */
const WARM_BODIES = Number(process.env.BENCH_WARM_BODIES ?? 25);

function makeBodies(count: number, job: string, worker: number): Buffer[] {
  const start = Date.now() - 30 * 60_000;
  return Array.from({ length: count }, (_, b) => {
    const req = WriteRequest.fromPartial({
      timeseries: Array.from({ length: SERIES }, (_, s) => ({
        labels: [
          { name: '__name__', value: `bench_metric_${s % 50}` },
          { name: 'instance', value: `host-${s % 100}:9100` },
          { name: 'job', value: job },
          { name: 'series', value: String(s) },
          { name: 'worker', value: String(worker) },
        ],
        samples: Array.from({ length: SAMPLES }, (_, k) => ({ value: Math.random() * 100, timestamp: String(start + b * SAMPLES + k) })),
      })),
    });
    return Buffer.from(snappy.compress(WriteRequest.encode(req).finish()));
  });
}

// One body list per worker: each worker's series are its own and its timestamps only grow, so no sample
// arrives out of order however the workers interleave.
async function drive(url: string, headers: Record<string, string>, perWorker: Buffer[][]): Promise<{ samples: number; samplesPerSec: number; seconds: number; errors: number; p99Ms: number }> {
  const deadline = performance.now() + SECONDS * 1000;
  let sent = 0;
  let errors = 0;
  const latencies: number[] = [];
  await Promise.all(
    perWorker.map(async (bodies) => {
      let i = 0;
      while (performance.now() < deadline && i < bodies.length) {
        const t0 = performance.now();
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', ...headers },
          body: bodies[i++],
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (res.status >= 200 && res.status < 300) sent += SERIES * SAMPLES;
        else errors++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const elapsed = Math.min(SECONDS, (performance.now() - (deadline - SECONDS * 1000)) / 1000);
  return { samples: sent, samplesPerSec: sent / elapsed, seconds: elapsed, errors, p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

/** A measured load that ran out of bodies before SECONDS says so: the run is shorter than the bench claims. */
function warnIfShort(who: string, seconds: number): void {
  if (seconds < SECONDS * 0.99) console.log(`${who}: the load ran out of bodies ${seconds.toFixed(1)} s into ${SECONDS} s (raise BENCH_BODIES)`);
}

/**
 * CPU seconds (user + system) a process has used so far, all its threads, plus its children's that it has
 * waited for: Redis's AOF rewrite runs in a forked child, 0.1-0.18 µs per sample of this load (Linux /proc;
 * NaN elsewhere).
 */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14-17 (utime, stime, cutime, cstime) in clock ticks of 1/100 s on Linux.
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
}

/** CLOCK_MONOTONIC in µs: the clock of V8's CPU profiles (both from libuv/V8's monotonic time source). */
const monoUs = (): bigint => process.hrtime.bigint() / 1000n;

/** Samples of job `node` queryable through /api/prom (PromQL count over the last hour). */
async function storedSamples(url: string, headers: Record<string, string>): Promise<number> {
  const q = encodeURIComponent('sum(count_over_time({job="node"}[2h]))');
  const res = await fetch(`${url}/api/prom/api/v1/query?query=${q}`, { headers });
  const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
  return Number(body.data?.result?.[0]?.value[1] ?? 0);
}

async function main(): Promise<void> {
  const bodies = Array.from({ length: CONCURRENCY }, (_, w) => makeBodies(Math.ceil(BODIES / CONCURRENCY), 'node', w));
  // Warm-up bodies are series of their own, so the measured ones are new samples for both systems. They come
  // CONCURRENCY at a time, as the load does: one at a time they warmed one of the all-in-one's parse threads and
  // left the other's start and JIT warm-up (~1,100 against ~300 µs per task for its first hundred) inside the
  // measured window. Both systems get the same warm-up.
  const warm = Array.from({ length: CONCURRENCY }, (_, w) => makeBodies(WARM_BODIES, 'warmup', w));
  const figures: Figure[] = [];
  const redisDir = mkdtempSync(join(tmpdir(), 'lw-rwbench-redis-'));
  const redis = await startLocalRedis({ dir: redisDir, appendOnly: true });
  // BENCH_CPU_PROF=dir: the all-in-one writes V8 CPU profiles there (one per thread: HTTP edge, persister).
  const prof = process.env.BENCH_CPU_PROF;
  const sys = await startSystem({ redisUrl: redis.url, env: { PERSIST_BACKLOG_LIMIT: '0' }, ...(prof ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${prof}`] } : {}) });
  let lw;
  let storedRate: number | undefined;
  let lwCpuPerSample: number;
  try {
    const headers = { authorization: `Bearer ${sys.apiKey}` };
    const warmed = await drive(`${sys.url}/ingest/prometheus/write`, headers, warm);
    // The warm-up's samples stored first: the counter's base for the measured ones.
    // Counts as sent, not rate × time: that product can come out a hair above the count, and the wait for a
    // count the persister never reaches then ran its full 2 minutes (and failed the run after the load).
    const base = await waitAppended(sys.url, warmed.samples);
    const sys0 = cpuSeconds(sys.process.pid);
    const redis0 = cpuSeconds(redis.pid);
    const t0 = performance.now();
    const m0 = monoUs();
    lw = await drive(`${sys.url}/ingest/prometheus/write`, headers, bodies);
    warnIfShort('lightwatch', lw.seconds);
    const m1 = monoUs();
    const accepted = lw.samples;
    const appended = (await waitAppended(sys.url, base + accepted)) - base;
    const seconds = (performance.now() - t0) / 1000;
    const m2 = monoUs();
    const sysCpu = cpuSeconds(sys.process.pid) - sys0;
    const redisCpu = cpuSeconds(redis.pid) - redis0;
    lwCpuPerSample = (sysCpu + redisCpu) / appended;
    if (appended < accepted) throw new Error(`lightwatch_metrics_samples_total{outcome="appended"} counts ${appended} of ${accepted} accepted samples 2 minutes after the load`);
    // Once, after the clock stopped: every accepted sample is queryable.
    const stored = await storedSamples(sys.url, headers);
    if (stored !== accepted) throw new Error(`PromQL counts ${stored} samples of job "node", but ${accepted} were accepted and the persister counted ${appended} appended`);
    storedRate = appended / seconds;
    console.log(`lightwatch: ${(lwCpuPerSample * 1e6).toFixed(1)} CPU µs per stored sample (all-in-one ${((sysCpu / appended) * 1e6).toFixed(1)} + Redis ${((redisCpu / appended) * 1e6).toFixed(1)})`);
    console.log(`lightwatch: ${Math.round(appended).toLocaleString()} of ${Math.round(accepted).toLocaleString()} accepted samples stored ${seconds.toFixed(1)} s after the load began (PromQL counts all ${stored.toLocaleString()})`);
    if (prof) console.log(`profile windows (CLOCK_MONOTONIC µs): load ${m0} ${m1}, until stored ${m0} ${m2}`);
  } finally {
    await sys.stop();
    await redis.stop();
    rmSync(redisDir, { recursive: true, force: true });
  }
  if (storedRate === undefined) throw new Error('unreachable: the Lightwatch run ended without a figure');
  console.log(`lightwatch: accepted ${Math.round(lw.samplesPerSec).toLocaleString()} samples/s, stored ${Math.round(storedRate).toLocaleString()} samples/s, p99 ${lw.p99Ms.toFixed(1)} ms, ${lw.errors} errors`);
  figures.push({ name: 'remote_write into Lightwatch (accepted)', value: lw.samplesPerSec, unit: 'samples/s' });
  figures.push({ name: 'remote_write into Lightwatch (accepted and stored)', value: storedRate, unit: 'samples/s' });
  const prom = (await prometheusAvailable()) ? await startPrometheus([], { extraArgs: ['--web.enable-remote-write-receiver'] }) : undefined;
  if (!prom) {
    console.log('prometheus: not installed — skipping that row (Debian/Ubuntu: `sudo apt-get install prometheus`, then stop its service: the benchmark starts its own)');
  } else {
    try {
      await drive(`${prom.url}/api/v1/write`, {}, warm);
      const cpu0 = cpuSeconds(prom.pid);
      const p = await drive(`${prom.url}/api/v1/write`, {}, bodies);
      warnIfShort('prometheus', p.seconds);
      const promCpuPerSample = (cpuSeconds(prom.pid) - cpu0) / p.samples;
      console.log(`prometheus: ${(promCpuPerSample * 1e6).toFixed(1)} CPU µs per sample`);
      const cpuRatio = promCpuPerSample / lwCpuPerSample;
      console.log(`Prometheus / Lightwatch CPU per sample: ${cpuRatio.toFixed(2)}× (the rate ratio the CPU costs imply)`);
      figures.push({ name: 'Lightwatch CPU µs per stored sample', value: lwCpuPerSample * 1e6, unit: 'µs' });
      figures.push({ name: 'Prometheus CPU µs per sample', value: promCpuPerSample * 1e6, unit: 'µs' });
      figures.push({ name: 'Prometheus / Lightwatch CPU per sample', value: cpuRatio, unit: '×' });
      console.log(`prometheus: ${Math.round(p.samplesPerSec).toLocaleString()} samples/s, p99 ${p.p99Ms.toFixed(1)} ms, ${p.errors} errors`);
      figures.push({ name: 'remote_write into Prometheus receiver', value: p.samplesPerSec, unit: 'samples/s' });
      const ratio = storedRate / p.samplesPerSec;
      console.log(`stored Lightwatch / Prometheus: ${ratio.toFixed(2)}× (issue floor 0.5×, goal 1.0×)`);
      figures.push({ name: 'Lightwatch stored / Prometheus', value: ratio, unit: '×', goal: '≥ 0.5× (goal 1.0×)', met: ratio >= 0.5 });
    } finally {
      await prom.stop();
    }
  }
  reportFigures('remote_write', figures);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
