// Opaque keyset cursors for paginated reads: the (ts, id) of the last item returned, the sort order, and a
// fingerprint of the filter, so a cursor replayed with another filter or order is refused rather than silently
// paging through the wrong rows. Pure; no I/O.
import { badRequest, type LightwatchError } from '../errors/errors.js';

export type SortOrder = 'asc' | 'desc';

export interface CursorPosition {
  /** Sort time of the last item returned (event ts, incident openedAt), epoch ms. */
  ts: number;
  id: string;
  order: SortOrder;
  /** `fingerprint()` of the filter the page was read with. */
  filter: string;
}

const VERSION = 1;
const MAX_ID_LENGTH = 256;
const MAX_CURSOR_LENGTH = 1024;

/** Stable text of a filter: keys sorted at every level, `undefined` dropped, so equal filters give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** 64-bit FNV-1a of the filter's canonical text, as 16 hex chars. Collisions only matter for misuse, not safety. */
export function fingerprint(filter: unknown): string {
  const text = canonicalJson(filter);
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & mask;
  }
  return h.toString(16).padStart(16, '0');
}

export function encodeCursor(pos: CursorPosition): string {
  const payload = [VERSION, pos.ts, pos.id, pos.order === 'asc' ? 'a' : 'd', pos.filter];
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

function badCursor(message: string): LightwatchError {
  return badRequest(`cursor is not valid: ${message}`, [{ at: 'cursor', message }], 'bad_cursor');
}

/**
 * Decodes a cursor and checks it belongs to this query (same order, same filter fingerprint).
 * Anything else — garbage, another version, another filter — is a `bad_request` with reason `bad_cursor`.
 */
export function decodeCursor(token: string, expected: { order: SortOrder; filter: string }): { ts: number; id: string } {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) {
    throw badCursor('not a cursor returned by this API');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('not a cursor returned by this API');
  }
  if (!Array.isArray(payload) || payload.length !== 5) throw badCursor('not a cursor returned by this API');
  const [version, ts, id, order, filter] = payload as unknown[];
  if (version !== VERSION) throw badCursor('unsupported cursor version');
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) throw badCursor('not a cursor returned by this API');
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) throw badCursor('not a cursor returned by this API');
  if (order !== 'a' && order !== 'd') throw badCursor('not a cursor returned by this API');
  if ((order === 'a' ? 'asc' : 'desc') !== expected.order) throw badCursor('it was issued for the other sort order');
  if (filter !== expected.filter) throw badCursor('it was issued for a different filter');
  return { ts, id };
}
