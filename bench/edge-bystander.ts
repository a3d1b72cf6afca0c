// Bystander latency at the HTTP edge: p50/p99 of another client's small ingest requests (one every 5 ms)
// while one client sends the largest requests the limits allow — an OTLP/JSON log with 100,000 attributes
// (~4 MB) and a remote_write series with 300,000 labels — through the real gateway in-process on its own
// redis-server. Goal (issue 17): bystander p99 under 20 ms. `node --import tsx bench/edge-bystander.ts`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRedis } from '../lib/redis/local-server.js';
import { startTestbed } from '../test/support/gateway.js';
import { remoteWrite } from '../test/support/payloads.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-edge-bench-'));
const redis = await startLocalRedis({ dir, appendOnly: false });
const bed = await startTestbed({ redisUrl: redis.url });
const auth = { authorization: `Bearer ${bed.adminKey}` };

const otlp = Buffer.from(
  JSON.stringify({
    resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [{ timeUnixNano: `${Date.now()}000000`, body: { stringValue: 'big' }, attributes: Array.from({ length: 100_000 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } })) }] }] }],
  }),
);
const labels: Array<[string, string]> = [['__name__', 'wide']];
for (let i = 0; i < 300_000; i++) labels.push([`l${i}`, 'v']);
const rw = remoteWrite([{ labels, samples: [[1, Date.now()]] }]);

async function bystander(untilMs: number): Promise<number[]> {
  const lat: number[] = [];
  while (performance.now() < untilMs) {
    const t = performance.now();
    await fetch(`${bed.url}/ingest/logs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '[{"target":"bystander","message":"hi"}]' });
    lat.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 5));
  }
  return lat;
}
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

await bystander(performance.now() + 1_000); // warm-up
for (const [name, path, body, headers] of [
  ['none (baseline)', '', Buffer.alloc(0), {}],
  ['OTLP/JSON, 100k attributes', '/ingest/otlp/v1/logs', otlp, { 'content-type': 'application/json' }],
  ['remote_write, 300k labels', '/ingest/prometheus/api/v1/write', rw, { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }],
] as const) {
  const until = performance.now() + 3_000;
  const big: Array<{ status: number; ms: number }> = [];
  const heavy = (async () => {
    if (!path) return;
    while (performance.now() < until) {
      const t = performance.now();
      const r = await fetch(`${bed.url}${path}`, { method: 'POST', headers: { ...auth, ...headers }, body });
      await r.arrayBuffer();
      big.push({ status: r.status, ms: performance.now() - t });
    }
  })();
  const lat = await bystander(until);
  await heavy;
  const heavyText = big.length > 0 ? `; large requests: ${big.length}, status ${[...new Set(big.map((b) => b.status))].join('/')}, ${Math.round(pct(big.map((b) => b.ms), 50))} ms each` : '';
  console.log(`edge bystander during ${name}: p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms over ${lat.length} requests${heavyText}`);
}
await bed.close();
await redis.stop();
rmSync(dir, { recursive: true, force: true });
