// Parses the Redis replies the adapter reads structure out of: XINFO GROUPS, XPENDING's summary, XINFO STREAM,
// XAUTOCLAIM (flat RESP2-shaped arrays, which ioredis returns under RESP3 too). Entries are read with ioredis's
// Buffer variants (xreadgroupBuffer, xrangeBuffer, …), which skip its UTF-8 decoding of every reply string: here
// ids, names and text values become strings, and a binary field's value (a metric batch) stays the bytes it is. Pure.
import { isBinaryField } from '../codec.js';
import type { ClaimResult, FieldValue, StreamEntry } from '../port.js';

/** One-byte ASCII strings by their byte: field names are one letter, decoded without a string made per entry. */
const ONE_BYTE = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i));

/** A reply string as text (a Buffer's UTF-8; a string as it is). */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.length === 1 && (v[0] as number) < 128 ? (ONE_BYTE[v[0] as number] as string) : v.toString('utf8');
  return String(v);
}

/** A reply string that is ASCII (entry ids) as text. */
function ascii(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
}

/** An entry's `[k1, v1, …]` from a Buffer reply: names and values as text but a binary field's value, kept as bytes. */
function fieldsOf(raw: readonly unknown[]): FieldValue[] {
  const out = new Array<FieldValue>(raw.length);
  for (let i = 0; i < raw.length; i += 2) {
    const name = text(raw[i]);
    out[i] = name;
    if (i + 1 >= raw.length) break;
    const v = raw[i + 1];
    out[i + 1] = Buffer.isBuffer(v) && isBinaryField(name) ? v : text(v);
  }
  return out;
}

/** Entries of a Buffer reply (`[[id, fields | null], …]`, as XRANGE and XREADGROUP answer); deleted ones (nil fields) left out. */
export function parseEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  const out: StreamEntry[] = [];
  for (const e of reply as unknown[]) {
    if (!Array.isArray(e) || e[0] === null || e[0] === undefined || !Array.isArray(e[1])) continue;
    out.push([ascii(e[0]), fieldsOf(e[1] as unknown[])]);
  }
  return out;
}

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

/** XAUTOCLAIM (Buffer reply): `[next, [[id, fields] | null, …], deletedIds?]`; entries deleted meanwhile are left out. */
export function parseClaim(reply: unknown): ClaimResult {
  if (!Array.isArray(reply)) return { next: '0-0', entries: [] };
  return { next: reply[0] === null || reply[0] === undefined ? '0-0' : ascii(reply[0]), entries: parseEntries(reply[1]) };
}

/** XREADGROUP (Buffer reply) as ioredis returns it: `[[stream, [[id, fields], …]], …]` or null; nil entries left out. */
export function parseRead(reply: unknown): Array<[string, StreamEntry[]]> {
  if (!Array.isArray(reply)) return [];
  const out: Array<[string, StreamEntry[]]> = [];
  for (const item of reply) {
    if (!Array.isArray(item) || item[0] === null || item[0] === undefined || !Array.isArray(item[1])) continue;
    const entries = parseEntries(item[1]);
    if (entries.length > 0) out.push([text(item[0]), entries]);
  }
  return out;
}
