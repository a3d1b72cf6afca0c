// Configuration change → applied in a running detector (issue 16: "every detector applies them within 100 ms").
// One detector (periodic reload an hour away, so only notices reload it) over a local Redis and a SQLite store
// holding BENCH_TARGETS targets and rules; each round creates a rule in the store, publishes its notice as the
// query service does (naming the rule), and times until the detector's notice counter moves (the rule is applied).
//
//   node --import tsx bench/config-notice.bench.ts      (REDIS_URL optional; otherwise a local redis-server)
//   BENCH_TARGETS=1000 BENCH_ROUNDS=100
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRule, makeTarget, metricValue, seed, testDetector, TENANT } from '../detector/testing/harness.js';
import { startLocalRedis, type LocalRedis } from '../lib/redis/local-server.js';
import { createSqliteStore } from '../lib/store/sqlite/store.js';
import { configChannel, createConfigPublisher } from '../lib/streams/config-changes.js';
import { streamNames } from '../lib/streams/partition.js';
import { createRedisStreams } from '../lib/streams/redis/adapter.js';
import { reportFigures } from './report.js';

const TARGETS = Number(process.env.BENCH_TARGETS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);

const pct = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lw-bench-cfg-'));
  let local: LocalRedis | undefined;
  let url = process.env.REDIS_URL;
  if (!url) {
    local = await startLocalRedis({ dir: join(dir, 'redis'), appendOnly: false });
    url = local.url;
  }
  const streams = await createRedisStreams({ topology: { kind: 'single', url }, name: 'bench-config' });
  const store = await createSqliteStore({ path: join(dir, 'store.db') });
  const names = streamNames(`bench-cfg-${process.pid}`, 4);
  try {
    await seed(store, { targets: Array.from({ length: TARGETS }, (_, i) => makeTarget(`t${i}`)), rules: Array.from({ length: TARGETS / 10 }, (_, i) => makeRule(`r${i}`, 'log_pattern', { pattern: `p${i}`, count: 1 })) });
    const d = testDetector(streams, store, names, 'bench', { configRefreshMs: 3_600_000 });
    await d.start();
    const publish = createConfigPublisher(streams.notifications, configChannel(names.prefix), (err) => {
      throw err;
    });
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await store.rules.create(makeRule(`new${i}`, 'log_pattern', { pattern: `n${i}`, count: 1 }));
      const before = await metricValue(d.registry, 'lightwatch_detector_config_notices_total');
      const t0 = performance.now();
      await publish({ tenant: TENANT, resource: 'rules', id: `new${i}` });
      while ((await metricValue(d.registry, 'lightwatch_detector_config_notices_total')) === before) await new Promise((r) => setImmediate(r));
      times.push(performance.now() - t0);
    }
    await d.close();
    times.sort((a, b) => a - b);
    const p50 = pct(times, 0.5);
    const p99 = pct(times, 0.99);
    console.log(`config notice → applied, ${TARGETS} targets, ${TARGETS / 10 + ROUNDS} rules, ${ROUNDS} rounds: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${times[times.length - 1]?.toFixed(1)} ms`);
    reportFigures('config_notice', [
      { name: 'notice → applied p50 ms', value: p50, unit: 'ms' },
      { name: 'notice → applied p99 ms', value: p99, unit: 'ms', goal: '≤ 100 ms', met: p99 <= 100 },
    ]);
  } finally {
    await streams.close();
    await store.close();
    await local?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
