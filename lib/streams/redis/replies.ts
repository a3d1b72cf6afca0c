// Parses the Redis replies the adapter reads structure out of: XINFO GROUPS, XPENDING's summary, XINFO STREAM,
// XAUTOCLAIM (flat RESP2-shaped arrays, which ioredis returns under RESP3 too). Pure.
import type { ClaimResult, StreamEntry } from '../port.js';

export interface GroupInfo {
  name: string;
  consumers: number;
  /** Entries delivered to a consumer and not yet acknowledged. */
  pending: number;
  lastDeliveredId: string;
  /** Entries not yet delivered to the group; null when Redis cannot tell (after XSETID or deletions). */
  lag: number | null;
}

export function parseGroups(reply: unknown): GroupInfo[] {
  if (!Array.isArray(reply)) return [];
  const out: GroupInfo[] = [];
  for (const raw of reply) {
    if (!Array.isArray(raw)) continue;
    const m = new Map<string, unknown>();
    for (let i = 0; i + 1 < raw.length; i += 2) m.set(String(raw[i]), raw[i + 1]);
    const lag = m.get('lag');
    out.push({
      name: String(m.get('name') ?? ''),
      consumers: Number(m.get('consumers') ?? 0),
      pending: Number(m.get('pending') ?? 0),
      lastDeliveredId: String(m.get('last-delivered-id') ?? '0-0'),
      lag: lag === null || lag === undefined ? null : Number(lag),
    });
  }
  return out;
}

/** XPENDING summary form: `[count, smallestId, greatestId, [[consumer, count], ...]]`. */
export function parsePendingSummary(reply: unknown): { count: number; minId: string | null } {
  if (!Array.isArray(reply)) return { count: 0, minId: null };
  const count = Number(reply[0] ?? 0);
  const minId = count > 0 && typeof reply[1] === 'string' ? reply[1] : null;
  return { count, minId };
}

/** Value of `name` in a flat `[k1, v1, …]` reply. */
export function field(flat: unknown, name: string): unknown {
  if (!Array.isArray(flat)) return undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] === name) return flat[i + 1];
  return undefined;
}

/** XAUTOCLAIM: `[next, [[id, fields] | null, …], deletedIds?]`; entries deleted meanwhile are left out. */
export function parseClaim(reply: unknown): ClaimResult {
  if (!Array.isArray(reply)) return { next: '0-0', entries: [] };
  const raw = Array.isArray(reply[1]) ? (reply[1] as unknown[]) : [];
  const entries = raw.filter((e): e is StreamEntry => Array.isArray(e) && typeof e[0] === 'string' && Array.isArray(e[1]));
  return { next: typeof reply[0] === 'string' ? reply[0] : '0-0', entries };
}

/** XREADGROUP as ioredis returns it: `[[stream, [[id, fields], …]], …]` or null; nil entries left out. */
export function parseRead(reply: unknown): Array<[string, StreamEntry[]]> {
  if (!Array.isArray(reply)) return [];
  const out: Array<[string, StreamEntry[]]> = [];
  for (const item of reply) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || !Array.isArray(item[1])) continue;
    const entries = (item[1] as unknown[]).filter((e): e is StreamEntry => Array.isArray(e) && typeof e[0] === 'string' && Array.isArray(e[1]));
    if (entries.length > 0) out.push([item[0], entries]);
  }
  return out;
}
