// Redis Cluster on hosts of its own (netns, test/support/netns-cluster.ts), through the streams port (issue 16):
//   (1) with 1, 2 and 3 masters (one replica each): ingest throughput (pipelined appends, an entry per partition
//       per request, EVENTS_PER_ENTRY events of ~300 bytes each, REQUESTS_IN_FLIGHT requests in flight), delivery
//       throughput (one group reader draining every partition), and each master's Redis CPU per million events
//       with its share of all masters' CPU (the load spreads when each share is about 1/N);
//   (2) on 3 masters: append latency p50/p99 of one request with REDIS_MIN_REPLICAS_ACK=0 and =1;
//   (3) on 3 masters: time from kill -9 of a master to appends acknowledged on every partition again, with
//       REDIS_MIN_REPLICAS_ACK=0 (replica promotion) and =1 (promotion, then the old master back as a replica).
// The load generator runs on this machine too: with 2 cores, the client is the bottleneck and is reported as such.
//
//   nice -n 10 node --import tsx bench/redis-cluster.bench.ts      (needs root for network namespaces)
//   BENCH_SECONDS=5 BENCH_EVENTS_PER_ENTRY=100 BENCH_IN_FLIGHT=8
import { cpus } from 'node:os';
import { masterKill, openStreams, PARTITIONS, streamOf } from '../test/support/cluster-faults.js';
import { startHostCluster, type HostCluster } from '../test/support/netns-cluster.js';
import { reportFigures, type Figure } from './report.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const EVENTS_PER_ENTRY = Number(process.env.BENCH_EVENTS_PER_ENTRY ?? 100);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 8);
const EVENT = JSON.stringify({ id: '01J0000000000000000000000', tenant: 'bench', kind: 'log', target: 'web-1', ts: 0, body: { level: 'info', message: 'x'.repeat(180) } });
const PAYLOAD = `[${Array.from({ length: EVENTS_PER_ENTRY }, () => EVENT).join(',')}]`;

const pct = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const masters = (c: HostCluster, n: number) => c.nodes.slice(0, n);

async function throughput(c: HostCluster, n: number): Promise<{ ingest: number; delivery: number; cpuPerMillion: number[]; shares: number[] }> {
  const run = `tp${n}`;
  const s = await openStreams(c);
  const entries = Array.from({ length: PARTITIONS }, (_, p) => ({ stream: streamOf(run, p), fields: ['e', PAYLOAD] }));
  // Masters at the start are the first n nodes (redis-cli --cluster create makes the first half masters).
  const before = await Promise.all(masters(c, n).map((m) => c.cpuSeconds(m)));
  let requests = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < end) {
        await s.append(entries);
        requests++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const events = requests * PARTITIONS * EVENTS_PER_ENTRY;
  const after = await Promise.all(masters(c, n).map((m) => c.cpuSeconds(m)));
  const cpu = after.map((a, i) => a - (before[i] as number));
  const total = cpu.reduce((x, y) => x + y, 0);
  // Delivery: one group reader takes everything appended, partition by partition as the consumers do.
  const keys = Array.from({ length: PARTITIONS }, (_, p) => streamOf(run, p));
  await s.ensureGroup(keys, 'bench', '0');
  let delivered = 0;
  const d0 = performance.now();
  for (;;) {
    const res = await s.readGroup({ group: 'bench', consumer: 'b', streams: keys, count: 100, noAck: true });
    const got = res.reduce((k, [, list]) => k + list.length, 0);
    if (got === 0) break;
    delivered += got * EVENTS_PER_ENTRY;
  }
  const deliverySec = (performance.now() - d0) / 1000;
  await s.close();
  return { ingest: events / elapsed, delivery: delivered / deliverySec, cpuPerMillion: cpu.map((x) => (x / events) * 1e6), shares: cpu.map((x) => (total > 0 ? x / total : 0)) };
}

async function latency(c: HostCluster, minReplicasAck: number, requests = 300): Promise<{ p50: number; p99: number }> {
  const s = await openStreams(c, minReplicasAck);
  const run = `lat${minReplicasAck}`;
  const entries = Array.from({ length: PARTITIONS }, (_, p) => ({ stream: streamOf(run, p), fields: ['e', PAYLOAD] }));
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const t = performance.now();
    await s.append(entries);
    times.push(performance.now() - t);
  }
  await s.close();
  times.sort((a, b) => a - b);
  return { p50: pct(times, 0.5), p99: pct(times, 0.99) };
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  const lines: string[] = [];
  for (const n of [1, 2, 3]) {
    const c = await startHostCluster(n);
    if (!c) {
      console.log('skipped: network namespaces cannot be made here (no privilege)');
      return;
    }
    try {
      const r = await throughput(c, n);
      lines.push(`${n} master(s): ingest ${Math.round(r.ingest)} events/s, delivery ${Math.round(r.delivery)} events/s, Redis CPU per 1M events by master ${r.cpuPerMillion.map((x) => `${x.toFixed(2)} s`).join(' / ')}, shares ${r.shares.map((x) => `${Math.round(x * 100)}%`).join(' / ')}`);
      figures.push({ name: `${n} masters ingest events/s`, value: r.ingest, unit: 'events/s' }, { name: `${n} masters delivery events/s`, value: r.delivery, unit: 'events/s' }, { name: `${n} masters max master CPU share`, value: Math.max(...r.shares), unit: 'ratio', goal: `≈ 1/${n}`, met: Math.max(...r.shares) <= 1 / n + 0.15 });
      if (n === 3) {
        const l0 = await latency(c, 0);
        const l1 = await latency(c, 1);
        lines.push(`append of ${PARTITIONS} entries × ${EVENTS_PER_ENTRY} events: REDIS_MIN_REPLICAS_ACK=0 p50 ${l0.p50.toFixed(2)} ms p99 ${l0.p99.toFixed(2)} ms; =1 p50 ${l1.p50.toFixed(2)} ms p99 ${l1.p99.toFixed(2)} ms (p99 cost ${(l1.p99 - l0.p99).toFixed(2)} ms)`);
        figures.push({ name: 'append p99 ms, MIN_REPLICAS_ACK=0', value: l0.p99, unit: 'ms' }, { name: 'append p99 ms, MIN_REPLICAS_ACK=1', value: l1.p99, unit: 'ms' });
        const k0 = await masterKill(c, 'bk0', 0, 45);
        const k1 = await masterKill(c, 'bk1', 1, 45);
        lines.push(`kill -9 of a master → appends acknowledged on every partition: MIN_REPLICAS_ACK=0 ${k0.recoveryMs} ms (${k0.missing.length} acknowledged batches lost), =1 ${k1.recoveryMs} ms (${k1.missing.length} lost)`);
        figures.push({ name: 'master kill → full service ms, ACK=0', value: k0.recoveryMs, unit: 'ms' }, { name: 'master kill → full service ms, ACK=1', value: k1.recoveryMs, unit: 'ms' }, { name: 'acknowledged batches lost, ACK=1', value: k1.missing.length, unit: 'batches', goal: '0', met: k1.missing.length === 0 });
      }
    } finally {
      await c.stop();
    }
  }
  console.log(`Redis Cluster on netns hosts, ${cpus().length} cores shared with the load generator`);
  for (const l of lines) console.log(`  ${l}`);
  reportFigures('redis_cluster', figures);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
