// Trims the partition streams behind the `persist` group, never past it: everything below
// min(oldest entry persist has not acked, now - streamRetentionMs) may go (MINID ~, so Redis trims whole
// nodes only, which errs on keeping more). The retention term keeps realtime's resume window. The same
// pass measures the persist backlog (lag + pending) for the gauge.
import type { Redis } from 'ioredis';
import { compareStreamIds } from '../../lib/streams/codec.js';
import { GROUP_PERSIST, type StreamNames } from '../../lib/streams/partition.js';
import { isNoSuchKey, parseGroups, parsePendingSummary } from '../appender/xinfo.js';

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

export async function trimPass(redis: Redis, names: StreamNames, retentionMs: number, now: number): Promise<TrimPassResult> {
  const streams = names.allEvents();
  const read = redis.pipeline();
  for (const s of streams) {
    read.xinfo('GROUPS', s);
    read.xpending(s, GROUP_PERSIST);
  }
  const replies = (await read.exec()) ?? [];
  const retentionId = `${Math.max(0, now - retentionMs)}-0`;
  const trim = redis.pipeline();
  let backlogEntries = 0;
  let trims = 0;
  for (let p = 0; p < streams.length; p++) {
    const [infoErr, info] = replies[2 * p] ?? [null, null];
    const [pendErr, pend] = replies[2 * p + 1] ?? [null, null];
    if (infoErr || pendErr) {
      if (isNoSuchKey(infoErr) || (pendErr && /NOGROUP|no such key/i.test(pendErr.message))) continue;
      throw infoErr ?? pendErr;
    }
    const group = parseGroups(info).find((g) => g.name === GROUP_PERSIST);
    if (!group) continue; // no persist group: nothing may be trimmed
    backlogEntries += (group.lag ?? 0) + group.pending;
    const summary = parsePendingSummary(pend);
    const safe = safeTrimId(group.lastDeliveredId, summary.count, summary.minId);
    const minId = compareStreamIds(safe, retentionId) < 0 ? safe : retentionId;
    if (minId === '0-0') continue;
    trim.xtrim(streams[p] as string, 'MINID', '~', minId);
    trims++;
  }
  let trimmed = 0;
  if (trims > 0) {
    for (const [err, n] of (await trim.exec()) ?? []) {
      if (!err) trimmed += Number(n);
    }
  }
  return { backlogEntries, trimmed };
}
