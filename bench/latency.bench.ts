// End-to-end latency: POST /ingest/logs → gateway → ingest → Redis → realtime → WebSocket client, at a
// steady RATE events/s (default 10k: batches of BATCH every BATCH/RATE s) for SECONDS, against a real
// all-in-one process with its own Redis. Each event carries its send time; the client (this process,
// same clock) records arrival. Goal: p99 ≤ 20 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startLocalRedis } from '../lib/redis/local-server.js';
import { startSystem } from '../test/support/system.js';
import { reportFigures } from './report.js';

const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;

const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lw-latency-'));
  const redis = await startLocalRedis({ dir, appendOnly: true });
  const sys = await startSystem({ redisUrl: redis.url, nodeArgs: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [] });
  const latencies: number[] = [];
  let received = 0;
  let sent = 0;
  let measuring = false;
  try {
    const ws = new WebSocket(`${sys.wsUrl}/ws/logs?target=latency&token=${sys.apiKey}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (data) => {
      const now = performance.timeOrigin + performance.now();
      const msg = JSON.parse(String(data)) as { type: string; data?: { body?: { fields?: { sentAt?: number } } } };
      if (msg.type !== 'event') return;
      received++;
      const sentAt = msg.data?.body?.fields?.sentAt;
      if (measuring && typeof sentAt === 'number') latencies.push(now - sentAt);
    });
    const intervalMs = (BATCH / RATE) * 1000;
    const started = performance.now();
    const totalMs = (SECONDS + WARMUP_SECONDS) * 1000;
    let next = started;
    const inflight: Promise<unknown>[] = [];
    let seq = 0;
    while (performance.now() - started < totalMs) {
      measuring = performance.now() - started > WARMUP_SECONDS * 1000;
      const sentAt = performance.timeOrigin + performance.now();
      const body = JSON.stringify(Array.from({ length: BATCH }, () => ({ target: 'latency', level: 'info', message: `event ${seq++} padding-to-about-three-hundred-bytes-of-log-line-content-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`, sentAt })));
      inflight.push(fetch(`${sys.url}/ingest/logs`, { method: 'POST', headers: { authorization: `Bearer ${sys.apiKey}`, 'content-type': 'application/json' }, body }).then((r) => r.arrayBuffer()));
      sent += BATCH;
      if (inflight.length > 64) await inflight.shift();
      next += intervalMs;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inflight);
    const deadline = Date.now() + 10_000;
    while (received < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    ws.close();
  } finally {
    await sys.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  latencies.sort((a, b) => a - b);
  const achieved = latencies.length / SECONDS;
  const p50 = pct(latencies, 0.5);
  const p99 = pct(latencies, 0.99);
  console.log(`rate ${RATE}/s in batches of ${BATCH}: sent ${sent}, received ${received}; measured ${latencies.length} (${Math.round(achieved)}/s)`);
  console.log(`latency POST /ingest/logs → WebSocket: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${(latencies.at(-1) ?? NaN).toFixed(2)} ms`);
  reportFigures('latency', [
    { name: `e2e latency p50 @${RATE}/s`, value: p50, unit: 'ms' },
    { name: `e2e latency p99 @${RATE}/s`, value: p99, unit: 'ms', goal: '≤ 20 ms', met: p99 <= 20 },
    { name: 'events delivered / sent', value: received / sent, unit: 'ratio', goal: '= 1', met: received === sent },
  ]);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
