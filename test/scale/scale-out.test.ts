// Scale-out without containers: two gateways, two ingests, two queries, two realtimes and three detectors as
// separate processes on one Redis and one SQLite file. Events posted to both gateways land in the store
// exactly once, both realtime replicas deliver every one of them to their WebSocket clients, reads agree
// through both gateways, and the detectors share the 16 partitions 5 or 6 each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { StreamNames } from '../../lib/streams/partition.js';
import { startCluster, type Cluster, type ServiceProcess } from '../support/cluster.js';
import { batchBody, startLoad } from '../faults/load.js';
import { clusterRedis, evenlySpread, leaseSpread, spreadTargets } from '../faults/scenario.js';
import { deliveryProblems, readRun, streamMark, streamTruth, tally, until, waitForDelivery, waitPersisted } from '../faults/verify.js';
import { ResumingClient } from '../faults/ws-client.js';

/** Sum of a metric's samples whose labels include `match`, from a process's /metrics. */
async function metricSum(p: ServiceProcess, name: string, match = ''): Promise<number> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (match && !line.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('scale-out: 2 gateways, 2 ingests, 2 queries, 2 realtimes, 3 detectors', () => {
  let cluster: Cluster;
  let shared: { redis: Redis; names: StreamNames };

  beforeAll(async () => {
    cluster = await startCluster({ gateways: 2, ingests: 2, queries: 2, realtimes: 2, detectors: 3 });
    shared = clusterRedis(cluster);
  }, 240_000);

  afterAll(async () => {
    shared?.redis.disconnect();
    await cluster?.stop();
  });

  it('events posted to both gateways are stored exactly once and reach every client of both realtime replicas', async () => {
    const run = `scale-${Date.now().toString(36)}`;
    const replicas = cluster.realtimes.map((r) => r.wsUrl);
    const clients: ResumingClient[] = [];
    for (let r = 0; r < replicas.length; r++) {
      for (let k = 0; k < 2; k++) {
        clients.push(await ResumingClient.open({ replicas, first: r, onDrop: 'sticky', token: cluster.apiKey, path: `/ws/logs?label.run=${run}`, label: `${cluster.realtimes[r]?.name}#${k}` }));
      }
    }
    try {
      const targets = spreadTargets(run, 8, cluster.partitions);
      const load = startLoad({ gateways: cluster.gateways.map((g) => g.url), apiKey: cluster.apiKey, run, targets, batchesPerSec: 20 });
      await load.waitAccepted(60);
      const summary = await load.stop();
      // A healthy cluster takes every batch at the first attempt.
      expect(summary.batches.filter((b) => b.attempts.length !== 1 || b.acceptedAt === undefined).map((b) => b.key)).toEqual([]);
      expect(summary.acceptedEvents).toBe(summary.sentEvents);

      // A retried batch (same Idempotency-Key) through the other gateway is answered from the record, not stored again.
      const first = summary.batches[0];
      if (!first) throw new Error('no batch');
      const again = await fetch(`${cluster.gateways[1]?.url}/ingest/logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/json', 'idempotency-key': first.key },
        body: batchBody(run, targets, first.firstSeq, first.size),
      });
      expect(again.status).toBe(202);
      expect(await again.json()).toMatchObject({ accepted: first.size, replayed: true });

      await waitPersisted(shared.redis, shared.names, await streamMark(shared.redis, shared.names), 60_000);
      const stored = await readRun(cluster, run);
      const t = tally(summary, stored);
      expect(t.unknown).toBe(0);
      expect(t.duplicates).toBe(0);
      expect(t.lost).toBe(0);
      expect(stored.length).toBe(summary.sentEvents);
      expect(new Set(stored.map((s) => s.id)).size).toBe(summary.sentEvents);

      const truth = await streamTruth(shared.redis, shared.names, run);
      expect([...truth.values()].reduce((n, ids) => n + ids.length, 0)).toBe(summary.sentEvents);
      for (const c of clients) {
        await waitForDelivery(c, truth, 30_000);
        expect(deliveryProblems(c, truth)).toEqual([]);
        expect(c.drops).toEqual([]);
      }

      // Both ingests took requests (gateway i calls ingest i), and reads agree through both gateways and queries.
      for (const ingest of cluster.ingests) expect(await metricSum(ingest, 'lightwatch_ingest_events_total', 'outcome="accepted"')).toBeGreaterThan(0);
      const pages = await Promise.all(
        cluster.gateways.map(async (g) => {
          const r = await fetch(`${g.url}/api/logs?label.run=${run}&order=asc&limit=50`, { headers: { authorization: `Bearer ${cluster.apiKey}` } });
          expect(r.status).toBe(200);
          return ((await r.json()) as { items: Array<{ id: string }> }).items.map((e) => e.id);
        }),
      );
      expect(pages[0]).toHaveLength(50);
      expect(pages[1]).toEqual(pages[0]);
    } finally {
      for (const c of clients) await c.close();
    }
  }, 120_000);

  it('the three detectors hold the 16 partitions, 5 or 6 each', async () => {
    let spread = new Map<string, number>();
    await until(async () => evenlySpread((spread = await leaseSpread(cluster, shared.redis, shared.names)), 3, cluster.partitions), 30_000, 'partitions spread over 3 detectors');
    expect([...spread.keys()].sort()).toEqual(['detector-1', 'detector-2', 'detector-3']);
    expect([...spread.values()].reduce((a, b) => a + b, 0)).toBe(16);
    expect([...spread.values()].sort()).toEqual([5, 5, 6]);
  }, 60_000);
});
