// Small helpers every parser shares: type tests on parsed JSON, scalar coercion, and picking the fields an
// agent may spell several ways (`ts|timestamp|time|@timestamp`) out of an object in one pass. Pure.
import type { JsonValue } from '../../lib/events/event.js';
import type { DraftEvent } from '../../lib/events/event.js';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string, number or boolean as a string; undefined for anything else. */
export function scalarString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

export function isScalar(v: unknown): v is string | number | boolean {
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean';
}

/** Values that came out of JSON.parse are JSON values; this only narrows the type. */
export function asJson(v: unknown): JsonValue {
  return v as JsonValue;
}

/** JSON type name for error messages. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/**
 * Which role each accepted key spelling plays, and how preferred that spelling is (lower rank wins when an
 * item carries several spellings of one role). Built once per kind.
 */
export class KeyRoles<R extends string> {
  private readonly table = new Map<string, number>();
  /** Scratch for pick (rank and spelling of each role's value so far): only read for roles set in the same call. */
  private readonly ranks: number[] = [];
  private readonly keys: string[] = [];
  readonly roles: readonly R[];

  constructor(spec: Record<R, readonly string[]>) {
    this.roles = Object.keys(spec) as R[];
    this.roles.forEach((role, r) => {
      (spec[role] as readonly string[]).forEach((key, rank) => this.table.set(key, r * 64 + rank));
    });
  }

  /**
   * Splits `obj` into role values (indexed like `roles`; null values count as absent) and the rest, which
   * goes to `rest` (keys that lost to a better spelling of the same role included, so nothing is dropped).
   */
  pick(obj: JsonObject, rest: JsonObject): unknown[] {
    const values: unknown[] = new Array(this.roles.length);
    const { ranks, keys } = this;
    for (const key in obj) {
      const v = obj[key];
      const code = this.table.get(key);
      if (code === undefined) {
        setField(rest, key, v);
        continue;
      }
      if (v === null) continue;
      const role = code >> 6;
      const rank = code & 63;
      const prev = values[role];
      if (prev === undefined) {
        values[role] = v;
        ranks[role] = rank;
        keys[role] = key;
      } else if (rank < (ranks[role] as number)) {
        setField(rest, keys[role] as string, prev);
        values[role] = v;
        ranks[role] = rank;
        keys[role] = key;
      } else {
        setField(rest, key, v);
      }
    }
    return values;
  }
}

/** `o[key] = v`, except that a key named `__proto__` (legal in JSON) becomes a plain property. */
export function setField(o: JsonObject, key: string, v: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
  else o[key] = v;
}

/** Whether an object has no own enumerable keys (without allocating a key array). */
export function isEmptyObject(o: JsonObject): boolean {
  for (const _ in o) return false;
  return true;
}

/**
 * Labels as agents send them: an object (values coerced later by normalization), or a list of
 * `key:value` / `key=value` strings (Datadog-style tags). Returns an error message for anything else.
 */
export function labelsFrom(v: unknown, what: string): Record<string, unknown> | string {
  if (isObject(v)) return v;
  if (Array.isArray(v)) {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < v.length; i++) {
      const t = v[i];
      if (typeof t !== 'string') return `${what}[${i}] must be a "key:value" string`;
      const colon = t.indexOf(':');
      const eq = t.indexOf('=');
      const cut = colon === -1 ? eq : eq === -1 ? colon : Math.min(colon, eq);
      if (cut <= 0) setField(out, t, 'true');
      else setField(out, t.slice(0, cut), t.slice(cut + 1));
    }
    return out;
  }
  return `${what} must be an object of name → value (or a list of "key:value" strings), not ${typeName(v)}`;
}

/** Removes one trailing newline (and CR): Docker's json-file `log` field and many shippers keep it. */
export function trimNewline(s: string): string {
  let end = s.length;
  if (end > 0 && s.charCodeAt(end - 1) === 10) end--;
  if (end > 0 && s.charCodeAt(end - 1) === 13) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** A parsed item: the item's index in the request and the draft event it became. */
export interface ParsedItem {
  index: number;
  draft: DraftEvent;
  /** Parse-time notes carried into the canonical event's flags (e.g. `log_truncated`). */
  flags?: string[];
}

export interface Rejection {
  index: number;
  error: string;
}
