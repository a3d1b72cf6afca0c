// Reads a consumer group's position out of XINFO GROUPS / XPENDING replies (flat RESP2-shaped arrays, which
// ioredis returns under RESP3 too). Pure; used by the backlog monitor and by the persister's trimming.

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

export function isNoSuchKey(err: unknown): boolean {
  return err instanceof Error && /no such key/i.test(err.message);
}
