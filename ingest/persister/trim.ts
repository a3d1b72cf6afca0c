// Trims the partition streams behind the `persist` group, never past it: everything below
// min(oldest entry persist has not acked, now - streamRetentionMs) may go (MINID ~, so Redis trims whole
// nodes only, which errs on keeping more). The retention term keeps realtime's resume window. The same
// pass measures the persist backlog (lag + pending) for the gauge.
import { compareStreamIds } from '../../lib/streams/codec.js';
import { GROUP_PERSIST, type StreamNames } from '../../lib/streams/partition.js';
import type { Streams } from '../../lib/streams/port.js';

export interface TrimPassResult {
  /** Unacknowledged entries (lag + pending) over all partitions; lag unknown counts as 0. */
  backlogEntries: number;
  /** Entries removed by XTRIM. */
  trimmed: number;
}

/**
 * The id below which persist has acknowledged everything. XINFO is read before XPENDING: entries at or below
 * the last-delivered id L were delivered before the XPENDING; any of them still unacked shows in its summary.
 */
export function safeTrimId(lastDeliveredId: string, pendingCount: number, minPendingId: string | null): string {
  if (pendingCount > 0 && minPendingId !== null && compareStreamIds(minPendingId, lastDeliveredId) < 0) return minPendingId;
  return lastDeliveredId;
}

export async function trimPass(streams: Streams, names: StreamNames, retentionMs: number, now: number): Promise<TrimPassResult> {
  const keys = names.allEvents();
  const states = await streams.groupState(keys, GROUP_PERSIST);
  const retentionId = `${Math.max(0, now - retentionMs)}-0`;
  const targets: Array<[string, string]> = [];
  let backlogEntries = 0;
  keys.forEach((key, p) => {
    const group = states[p];
    if (!group) return; // no stream or no persist group: nothing may be trimmed
    backlogEntries += (group.lag ?? 0) + group.pending;
    const safe = safeTrimId(group.lastDeliveredId, group.pending, group.minPendingId);
    const minId = compareStreamIds(safe, retentionId) < 0 ? safe : retentionId;
    if (minId !== '0-0') targets.push([key, minId]);
  });
  const trimmed = targets.length > 0 ? await streams.trimBelow(targets) : 0;
  return { backlogEntries, trimmed };
}
