// The Redis adapter on a real Redis Cluster (3 masters, 3 replicas, started for this file) against the streams
// contract suite, plus REDIS_MIN_REPLICAS_ACK with real replicas and a master failover ridden out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../../test/support/redis-topologies.js';
import { runStreamsConformance } from '../conformance.js';
import { isStreamsError } from '../errors.js';
import type { Streams } from '../port.js';
import { createRedisStreams } from './adapter.js';
import { keySlot } from './slot.js';

describe('Redis Cluster', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster(3);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  const open = (minReplicasAck = 0): Promise<Streams> =>
    createRedisStreams({ topology: { kind: 'cluster', nodes: cluster.nodes }, name: 'lw-conformance', minReplicasAck, replicaAckTimeoutMs: 2_000 });

  runStreamsConformance('streams port: Redis adapter, Redis Cluster', { open: () => open() });

  it('spreads the partition hash tags over every master', () => {
    // 16 partitions on 3 masters of ~5461 slots each: the tags must not all land on one master.
    const owners = new Set(Array.from({ length: 16 }, (_, p) => Math.floor(keySlot(`lw:{p${p}}:events`) / 5462)));
    expect(owners.size).toBe(3);
  });

  it('acknowledges an append only after WAIT 1 confirmed a replica on each master written', async () => {
    const s = await open(1);
    try {
      const streams = Array.from({ length: 16 }, (_, p) => `lwconf:wait:{p${p}}:events`);
      const ids = await s.append(streams.map((stream) => ({ stream, fields: ['e', '[]'] })));
      expect(ids).toHaveLength(16);
    } finally {
      await s.close();
    }
  });

  it('rides out a master failover: appends go on once the replica took over', async () => {
    const s = await open();
    try {
      const stream = 'lwconf:failover:{p3}:events';
      await s.append([{ stream, fields: ['e', 'before'] }]);
      // Kill the master that owns the stream's slot; its replica is promoted after cluster-node-timeout.
      const slot = keySlot(stream);
      const owner = cluster.servers.find((srv) => {
        const n = cluster.nodes.indexOf(cluster.nodes.find((x) => x.port === srv.port) as { host: string; port: number });
        return n >= 0 && n < 3 && Math.floor(slot / 5462) === n;
      });
      expect(owner).toBeDefined();
      await owner?.kill();
      const t0 = Date.now();
      let appended = false;
      for (let i = 0; i < 200 && !appended; i++) {
        try {
          await s.append([{ stream, fields: ['e', 'after'] }]);
          appended = true;
        } catch (err) {
          expect(isStreamsError(err) && err.retryable).toBe(true);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(appended).toBe(true);
      const entries = await s.rangeAfter(stream, '0-0', 10);
      expect(entries.map((e) => e[1][1])).toContain('after');
      expect(Date.now() - t0).toBeLessThan(20_000);
    } finally {
      await s.close();
    }
  }, 60_000);
});
