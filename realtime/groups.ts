// This replica's consumer groups: one per stream (every partition stream plus the incidents stream), created at `$`
// on first start and kept across restarts so a restarted replica continues where it stopped. Removing them is an
// operator's step for a replica that is gone for good (`removeReplicaGroups`).
import type { Streams } from '../lib/streams/port.js';
import { realtimeGroup, type StreamNames } from '../lib/streams/partition.js';
import { Vector, WHOLE, parseStreamId } from './cursor.js';

/** The streams realtime reads, in vector order: partitions 0..P-1, then the incidents stream. */
export function realtimeStreams(names: StreamNames): string[] {
  return [...names.allEvents(), names.incidents()];
}

/** Creates the groups that do not exist yet (at `$`, creating empty streams where needed). */
export async function ensureReplicaGroups(streams: Streams, names: StreamNames, replicaId: string): Promise<void> {
  await streams.ensureGroup(realtimeStreams(names), realtimeGroup(replicaId), '$');
}

/** Where each of this replica's groups stands (its last-delivered id), as a vector of whole entries. */
export async function readGroupPositions(streams: Streams, names: StreamNames, replicaId: string): Promise<Vector> {
  const group = realtimeGroup(replicaId);
  const keys = realtimeStreams(names);
  const v = new Vector(keys.length);
  const states = await streams.groupState(keys, group);
  states.forEach((state, p) => {
    if (!state) throw new Error(`consumer group ${group} is missing on ${keys[p]}`);
    const [ms, seq] = parseStreamId(state.lastDeliveredId);
    v.set(p, ms, seq, WHOLE);
  });
  return v;
}

/**
 * Deletes a replica's consumer groups from every stream it reads; for operators retiring a replica (a running
 * replica's groups must stay so a restart continues). Returns how many groups existed and were removed.
 */
export async function removeReplicaGroups(streams: Streams, names: StreamNames, replicaId: string): Promise<number> {
  return streams.destroyGroup(realtimeStreams(names), realtimeGroup(replicaId));
}
