// Fault scenarios on a Redis Cluster on hosts of its own (netns-cluster.ts), through the streams port as ingest and
// the consumers use it; shared by test/scale/redis-cluster-hosts.test.ts (which asserts) and
// bench/redis-cluster.bench.ts (which prints the times).
import { sleep } from '../../lib/lifecycle/sleep.js';
import { isStreamsError } from '../../lib/streams/errors.js';
import type { Streams } from '../../lib/streams/port.js';
import { createRedisStreams } from '../../lib/streams/redis/adapter.js';
import { keySlot } from '../../lib/streams/redis/slot.js';
import type { HostCluster } from './netns-cluster.js';

export const PARTITIONS = 16;
export const streamOf = (run: string, p: number): string => `${run}:{p${p}}:events`;

export function openStreams(c: HostCluster, minReplicasAck = 0): Promise<Streams> {
  return createRedisStreams({ topology: { kind: 'cluster', nodes: c.seeds }, name: 'lw-faults', minReplicasAck, replicaAckTimeoutMs: 1_000 });
}

/** Appends one batch (an entry per partition) until it is acknowledged; retryable errors are retried. */
async function appendAcked(s: Streams, run: string, n: number, deadline: number): Promise<boolean> {
  const entries = Array.from({ length: PARTITIONS }, (_, p) => ({ stream: streamOf(run, p), fields: ['n', String(n)] }));
  while (Date.now() < deadline) {
    try {
      await s.append(entries);
      return true;
    } catch (err) {
      if (!isStreamsError(err) || !err.retryable) throw err;
      await sleep(50);
    }
  }
  return false;
}

export interface MasterKillOutcome {
  acked: number;
  /** Acknowledged batches missing from some partition after the failover. */
  missing: number[];
  /** From the kill until appends to every partition are acknowledged again. */
  recoveryMs: number;
}

/**
 * Steady appends (each batch touches every master); kill -9 the master of partition 3's slot mid-run; its replica
 * takes over. With minReplicasAck ≥ 1 the promoted replica has no replica of its own, so the killed node is
 * started again (it rejoins as the new master's replica) once the promotion is seen. Then every acknowledged batch
 * must be in every partition's stream.
 */
export async function masterKill(c: HostCluster, run: string, minReplicasAck: number, batches = 60): Promise<MasterKillOutcome> {
  await c.healthy();
  const s = await openStreams(c, minReplicasAck);
  try {
    const victim = await c.ownerOf(keySlot(streamOf(run, 3)));
    const acked: number[] = [];
    let killedAt = 0;
    let recoveryMs = NaN;
    let restarting: Promise<void> | undefined;
    for (let n = 0; n < batches; n++) {
      if (n === Math.floor(batches / 3)) {
        await victim.kill();
        killedAt = Date.now();
        if (minReplicasAck > 0) {
          restarting = (async () => {
            // The replica's promotion first: a node restarted before it would take its slots back.
            while ((await c.ownerOf(keySlot(streamOf(run, 3))).catch(() => victim)) === victim) await sleep(100);
            await victim.restart();
          })();
        }
      }
      const ok = await appendAcked(s, run, n, Date.now() + 30_000);
      if (!ok) throw new Error(`batch ${n} not acknowledged within 30 s of trying`);
      acked.push(n);
      if (killedAt > 0 && Number.isNaN(recoveryMs)) recoveryMs = Date.now() - killedAt;
    }
    await restarting;
    // Back to three masters with a replica each (the killed node rejoins as a replica) for whatever runs next.
    await c.healthy();
    const missing = new Set<number>();
    for (let p = 0; p < PARTITIONS; p++) {
      const seen = new Set<string>();
      let after = '0-0';
      for (;;) {
        const page = await s.rangeAfter(streamOf(run, p), after, 1000);
        if (page.length === 0) break;
        for (const [id, fields] of page) {
          seen.add(fields[1] as string);
          after = id;
        }
      }
      for (const n of acked) if (!seen.has(String(n))) missing.add(n);
    }
    return { acked: acked.length, missing: [...missing].sort((a, b) => a - b), recoveryMs };
  } finally {
    await s.close();
  }
}

export interface ReshardOutcome {
  appended: number;
  read: number;
  missing: number;
  duplicates: number;
  moved: boolean;
}

/** A group reader reads partition 5 while a writer appends to it and its slot moves to another master. */
export async function reshardDuringRead(c: HostCluster, run: string, entries = 3000): Promise<ReshardOutcome> {
  const stream = streamOf(run, 5);
  const slot = keySlot(stream);
  await c.healthy();
  const writer = await openStreams(c);
  const reader = await openStreams(c);
  try {
    await writer.append([{ stream, fields: ['n', 'first'] }]);
    await reader.ensureGroup([stream], 'g', '0');
    const got = new Map<string, number>();
    let stop = false;
    const reading = (async () => {
      while (!stop || got.size < entries + 1) {
        try {
          const res = await reader.readGroup({ group: 'g', consumer: 'c1', streams: [stream], count: 200, blockMs: 100 });
          for (const [, list] of res) {
            for (const [, f] of list) got.set(f[1] as string, (got.get(f[1] as string) ?? 0) + 1);
            if (list.length > 0) await reader.ack(stream, 'g', list.map(([id]) => id));
          }
        } catch (err) {
          if (!isStreamsError(err) || !err.retryable) throw err;
          await sleep(20);
        }
        if (stop && got.size >= entries + 1) break;
      }
    })();
    const from = await c.ownerOf(slot);
    const to = c.nodes.find((n) => n !== from && n.addr !== from.addr) as (typeof c.nodes)[number];
    let moved = false;
    for (let n = 0; n < entries; n++) {
      if (n === Math.floor(entries / 2)) {
        // Move it to another master (a node that serves some other slot as master).
        const other = await c.ownerOf((slot + 8192) % 16384);
        await c.moveSlot(slot, other === from ? to : other);
        moved = (await c.ownerOf(slot)) !== from;
      }
      for (;;) {
        try {
          await writer.append([{ stream, fields: ['n', String(n)] }]);
          break;
        } catch (err) {
          if (!isStreamsError(err) || !err.retryable) throw err;
          await sleep(20);
        }
      }
    }
    stop = true;
    await Promise.race([reading, sleep(30_000)]);
    let missing = 0;
    for (let n = 0; n < entries; n++) if (!got.has(String(n))) missing++;
    const duplicates = [...got.values()].filter((k) => k > 1).length;
    return { appended: entries, read: got.size - 1, missing, duplicates, moved };
  } finally {
    await writer.close();
    await reader.close();
  }
}
