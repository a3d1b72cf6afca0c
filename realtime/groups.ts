// This replica's consumer groups: one per stream (every partition stream plus the incidents stream), created at `$`
// on first start and kept across restarts so a restarted replica continues where it stopped. Removing them is an
// operator's step for a replica that is gone for good (`removeReplicaGroups`).
import type { Redis } from 'ioredis';
import { realtimeGroup, type StreamNames } from '../lib/streams/partition.js';
import { Vector, WHOLE, parseStreamId } from './cursor.js';

/** The streams realtime reads, in vector order: partitions 0..P-1, then the incidents stream. */
export function realtimeStreams(names: StreamNames): string[] {
  return [...names.allEvents(), names.incidents()];
}

function isBusyGroup(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('BUSYGROUP');
}

/** Creates the groups that do not exist yet (at `$`, creating empty streams where needed). */
export async function ensureReplicaGroups(redis: Redis, names: StreamNames, replicaId: string): Promise<void> {
  const group = realtimeGroup(replicaId);
  await Promise.all(
    realtimeStreams(names).map(async (key) => {
      try {
        await redis.xgroup('CREATE', key, group, '$', 'MKSTREAM');
      } catch (err) {
        if (!isBusyGroup(err)) throw err;
      }
    }),
  );
}

function field(flat: unknown[], name: string): unknown {
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] === name) return flat[i + 1];
  return undefined;
}

/** Where each of this replica's groups stands (its last-delivered id), as a vector of whole entries. */
export async function readGroupPositions(redis: Redis, names: StreamNames, replicaId: string): Promise<Vector> {
  const group = realtimeGroup(replicaId);
  const streams = realtimeStreams(names);
  const v = new Vector(streams.length);
  const infos = await Promise.all(streams.map((key) => redis.xinfo('GROUPS', key) as Promise<unknown[][]>));
  infos.forEach((groups, p) => {
    const mine = groups.find((g) => field(g, 'name') === group);
    const last = mine ? field(mine, 'last-delivered-id') : undefined;
    if (typeof last !== 'string') throw new Error(`consumer group ${group} is missing on ${streams[p]}`);
    const [ms, seq] = parseStreamId(last);
    v.set(p, ms, seq, WHOLE);
  });
  return v;
}

/**
 * Deletes a replica's consumer groups from every stream it reads; for operators retiring a replica (a running
 * replica's groups must stay so a restart continues). Returns how many groups existed and were removed.
 */
export async function removeReplicaGroups(redis: Redis, names: StreamNames, replicaId: string): Promise<number> {
  const group = realtimeGroup(replicaId);
  const removed = await Promise.all(
    realtimeStreams(names).map(async (key) => {
      try {
        return Number(await redis.xgroup('DESTROY', key, group));
      } catch (err) {
        // A stream that no longer exists holds no group.
        if (err instanceof Error && /no such key|requires the key to exist/i.test(err.message)) return 0;
        throw err;
      }
    }),
  );
  return removed.reduce((a, b) => a + b, 0);
}
