// Draft events to canonical events: event time in ms (clamped when too far in the future), tenant from the
// credential only, target defaulted, labels coerced to strings and bounded, bodies checked and bounded,
// ids assigned (derived from a client id or idempotency key so that a retried batch maps to the same ids).
// One bad draft is rejected by index; the rest go on. Pure apart from the injected id generator.
import { runSteps, type Steps } from '../../lib/lifecycle/steps.js';
import type { CanonicalEvent, CheckBody, DraftEvent, JsonValue, Labels, LogBody } from '../../lib/events/event.js';
import { EVENT_KINDS, HEARTBEAT_STATUSES, LOG_LEVELS, METRIC_TYPES, SEVERITIES } from '../../lib/events/event.js';
import { derivedId } from '../../lib/events/ids.js';
import type { IdGenerator } from '../../lib/events/ids.js';
import { toEpochMs } from './time.js';

export { toEpochMs } from './time.js';

export interface NormalizeLimits {
  /** Labels per event (32): more and the event is rejected. */
  maxLabels: number;
  /** Bytes of a label name (128). */
  maxLabelNameBytes: number;
  /** Bytes of a label value (1024); also bounds security category, actor and ip. */
  maxLabelValueBytes: number;
  /** Bytes of a log or security message (64 KiB): longer ones are cut and flagged `message_truncated`. */
  maxStringBytes: number;
  /** Approximate JSON size of a log's fields: past it, trailing fields are dropped and flagged `fields_truncated`. */
  maxFieldsBytes: number;
  /** How far in the future an event time may be (5 min); later ones become receivedAt, flagged `ts_clamped`. */
  maxFutureSkewMs: number;
  /** Bytes of a target (256); also bounds metric names. */
  maxTargetBytes: number;
  /** Event times before this are rejected (default 2000-01-01T00:00:00Z: a device clock that was never set). */
  minTs?: number;
}

export const DEFAULT_NORMALIZE_LIMITS: Readonly<NormalizeLimits> = Object.freeze({
  maxLabels: 32,
  maxLabelNameBytes: 128,
  maxLabelValueBytes: 1024,
  maxStringBytes: 64 * 1024,
  maxFieldsBytes: 64 * 1024,
  maxFutureSkewMs: 5 * 60_000,
  maxTargetBytes: 256,
});

/** 2000-01-01T00:00:00Z. */
export const DEFAULT_MIN_TS = 946_684_800_000;

export interface NormalizeContext {
  /** From the credential; any tenant in the body is ignored (drafts have none). */
  tenant: string;
  receivedAt: number;
  ids: IdGenerator;
  idempotencyKey?: string;
  /** Target of drafts that name none (default 'unknown'). */
  defaultTarget?: string;
}

export interface NormalizeItem {
  index: number;
  draft: DraftEvent;
  /** Parse-time notes copied into the event's flags. */
  flags?: string[];
}

export interface NormalizeResult {
  events: CanonicalEvent[];
  /** The item index each event came from (parallel to `events`). */
  eventIndexes: number[];
  /** At most one rejection per item index (the first reason). */
  rejected: { index: number; error: string }[];
}

/** Maximum heartbeat log kept, in bytes (as the ping endpoint keeps). */
const HEARTBEAT_LOG_MAX_BYTES = 10 * 1024;
const MAX_CLIENT_ID_BYTES = 256;
const MAX_FORMAT_LENGTH = 32;
const MAX_FIELDS_DEPTH = 32;

/**
 * Label names: a letter or `_`, then letters, digits and `_ . : / -` (so OTLP's `service.name` and
 * Kubernetes' `app.kubernetes.io/name` are kept as they are). Other characters become `_`, as Prometheus'
 * OTLP translation does; an empty name rejects the event.
 */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/;
const LABEL_BAD_CHARS = /[^A-Za-z0-9_.:/-]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

const KIND_SET = new Set<string>(EVENT_KINDS);
const METRIC_TYPE_SET = new Set<string>(METRIC_TYPES);
const LOG_LEVEL_SET = new Set<string>(LOG_LEVELS);
const SEVERITY_SET = new Set<string>(SEVERITIES);
const HEARTBEAT_SET = new Set<string>(HEARTBEAT_STATUSES);

class Reject {
  constructor(readonly reason: string) {}
}

/** Whether `s` is over `max` bytes of UTF-8 (at most 3 bytes per UTF-16 unit: most strings need no count). */
function tooLong(s: string, max: number): boolean {
  return s.length > max || (s.length * 3 > max && Buffer.byteLength(s, 'utf8') > max);
}

/** The longest prefix of `s` that fits in `maxBytes` of UTF-8, never splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (!tooLong(s, maxBytes)) return s;
  const buf = Buffer.from(s, 'utf8');
  let end = maxBytes;
  while (end > 0 && ((buf[end] as number) & 0xc0) === 0x80) end--;
  return buf.toString('utf8', 0, end);
}

function describeTs(ts: unknown): string {
  return typeof ts === 'string' ? JSON.stringify(ts.length > 40 ? `${ts.slice(0, 40)}…` : ts) : String(ts);
}

export function normalize(items: readonly NormalizeItem[], ctx: NormalizeContext, limits: NormalizeLimits): NormalizeResult {
  return runSteps(normalizeSteps(items, ctx, limits));
}

/** normalize pausing after each event, so a request of 10 000 events can be normalized in slices. */
export function* normalizeSteps(items: readonly NormalizeItem[], ctx: NormalizeContext, limits: NormalizeLimits): Steps<NormalizeResult> {
  const events: CanonicalEvent[] = [];
  const eventIndexes: number[] = [];
  const rejected: { index: number; error: string }[] = [];
  const rejectedIndexes = new Set<number>();
  let prevIndex = Number.NEGATIVE_INFINITY;
  let sub = 0;
  // Counts per index, only built if indexes ever go backwards (parsers emit them in order).
  let counts: Map<number, number> | undefined;
  for (let n = 0; n < items.length; n++) {
    if (n > 0) yield;
    const item = items[n] as NormalizeItem;
    const index = item.index;
    // Ordinal of this draft among the drafts of its item: keeps derived ids distinct when one item gives several.
    if (counts === undefined && index < prevIndex) {
      counts = new Map();
      for (let m = 0; m < n; m++) {
        const i = (items[m] as NormalizeItem).index;
        counts.set(i, (counts.get(i) ?? 0) + 1);
      }
    }
    if (counts !== undefined) {
      sub = counts.get(index) ?? 0;
      counts.set(index, sub + 1);
    } else {
      sub = index === prevIndex ? sub + 1 : 0;
      prevIndex = index;
    }
    try {
      // A log's fields are sized here, where the work can pause: one log may carry 100 000 of them.
      const fields = logFields(item.draft);
      const sized = fields === undefined ? undefined : { kept: yield* truncatedFieldsSteps(fields, limits.maxFieldsBytes) };
      events.push(normalizeOne(item, sub, ctx, limits, sized));
      eventIndexes.push(index);
    } catch (err) {
      if (!(err instanceof Reject)) throw err;
      if (!rejectedIndexes.has(index)) {
        rejectedIndexes.add(index);
        rejected.push({ index, error: err.reason });
      }
    }
  }
  return { events, eventIndexes, rejected };
}

function normalizeOne(item: NormalizeItem, sub: number, ctx: NormalizeContext, limits: NormalizeLimits, sized?: Sized): CanonicalEvent {
  const { draft, index } = item;
  if (typeof draft !== 'object' || draft === null || typeof draft.body !== 'object' || draft.body === null) throw new Reject('event has no body');
  if (!KIND_SET.has(draft.kind)) throw new Reject(`unknown event kind "${String(draft.kind).slice(0, 40)}"`);
  const flags: string[] = item.flags ? [...item.flags] : [];
  const receivedAt = ctx.receivedAt;

  let ts = toEpochMs(draft.ts, receivedAt);
  if (ts === null) throw new Reject(`ts ${describeTs(draft.ts)} is not a timestamp (epoch s/ms/µs/ns or RFC 3339)`);
  const minTs = limits.minTs ?? DEFAULT_MIN_TS;
  if (ts < minTs) throw new Reject(`ts ${describeTs(draft.ts)} is before ${new Date(minTs).toISOString()}`);
  if (ts > receivedAt + limits.maxFutureSkewMs) {
    ts = receivedAt;
    flags.push('ts_clamped');
  }

  let target = typeof draft.target === 'string' ? draft.target.trim() : '';
  if (target === '') target = ctx.defaultTarget ?? 'unknown';
  if (tooLong(target, limits.maxTargetBytes)) throw new Reject(`target is longer than ${limits.maxTargetBytes} bytes`);
  if (CONTROL_CHARS.test(target)) throw new Reject('target contains control characters');

  const labels = normalizeLabels(draft.labels, limits);
  const body = normalizeBody(draft, limits, flags, sized);

  let id: string;
  const clientId = draft.clientId;
  if (typeof clientId === 'string' && clientId !== '') {
    if (tooLong(clientId, MAX_CLIENT_ID_BYTES)) throw new Reject(`clientId is longer than ${MAX_CLIENT_ID_BYTES} bytes`);
    id = derivedId(ts, ctx.tenant, sub === 0 ? clientId : `${clientId}#${sub}`);
  } else if (ctx.idempotencyKey !== undefined && ctx.idempotencyKey !== '') {
    id = derivedId(ts, ctx.tenant, ctx.idempotencyKey, sub === 0 ? String(index) : `${index}.${sub}`);
  } else {
    id = ctx.ids.next(receivedAt);
  }

  const event = { id, tenant: ctx.tenant, kind: draft.kind, target, ts, receivedAt, labels, body } as CanonicalEvent;
  if (flags.length > 0) event.flags = flags;
  return event;
}

/** Labels that are already what normalizeLabels would make of them (a plain object of valid names → strings). */
function alreadyNormal(src: object, limits: NormalizeLimits): boolean {
  if (Object.getPrototypeOf(src) !== Object.prototype) return false;
  let count = 0;
  for (const key in src) {
    const v: unknown = (src as Record<string, unknown>)[key];
    if (typeof v !== 'string' || key === '__proto__' || !LABEL_NAME.test(key)) return false;
    if (tooLong(key, limits.maxLabelNameBytes) || tooLong(v, limits.maxLabelValueBytes) || ++count > limits.maxLabels) return false;
  }
  return true;
}

function normalizeLabels(src: Record<string, unknown> | undefined, limits: NormalizeLimits): Labels {
  if (src === undefined || src === null || typeof src !== 'object') return {};
  // The usual case keeps the parsed object instead of copying it (the draft is not used after normalization).
  if (alreadyNormal(src, limits)) return src as Labels;
  const out: Labels = {};
  let count = 0;
  for (const key in src) {
    const v = src[key];
    if (v === undefined || v === null) continue;
    let value: string;
    if (typeof v === 'string') value = v;
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') value = String(v);
    else if (typeof v === 'object') value = JSON.stringify(v);
    else continue;
    let name = key;
    if (!LABEL_NAME.test(name)) {
      name = name.replace(LABEL_BAD_CHARS, '_');
      if (name === '') throw new Reject('label with an empty name');
      if (!/^[A-Za-z_]/.test(name)) name = `_${name}`;
    }
    if (name === '__proto__') throw new Reject('label name __proto__ is reserved');
    if (tooLong(name, limits.maxLabelNameBytes)) throw new Reject(`label name "${name.slice(0, 40)}…" is longer than ${limits.maxLabelNameBytes} bytes`);
    if (tooLong(value, limits.maxLabelValueBytes)) throw new Reject(`label ${name.slice(0, 60)} has a value longer than ${limits.maxLabelValueBytes} bytes`);
    if (!(name in out)) count++;
    out[name] = value;
  }
  if (count > limits.maxLabels) throw new Reject(`${count} labels, at most ${limits.maxLabels}`);
  return out;
}

function normalizeBody(draft: DraftEvent, limits: NormalizeLimits, flags: string[], sized?: Sized): CanonicalEvent['body'] {
  switch (draft.kind) {
    case 'metric': {
      const b = draft.body;
      if (typeof b.name !== 'string' || b.name === '') throw new Reject('metric name is missing');
      if (tooLong(b.name, limits.maxTargetBytes)) throw new Reject(`metric name is longer than ${limits.maxTargetBytes} bytes`);
      if (typeof b.value !== 'number' || !Number.isFinite(b.value)) throw new Reject(`metric ${b.name.slice(0, 60)}: value must be a finite number`);
      const type = METRIC_TYPE_SET.has(b.type) ? b.type : 'untyped';
      if (b.unit !== undefined && (typeof b.unit !== 'string' || tooLong(b.unit, limits.maxLabelNameBytes))) throw new Reject(`metric ${b.name.slice(0, 60)}: unit must be a string of at most ${limits.maxLabelNameBytes} bytes`);
      if (type === b.type) return b;
      return b.unit === undefined ? { name: b.name, value: b.value, type } : { name: b.name, value: b.value, type, unit: b.unit };
    }
    case 'log':
      return normalizeLog(draft.body, limits, flags, sized);
    case 'security': {
      const b = draft.body;
      if (typeof b.category !== 'string' || b.category.trim() === '') throw new Reject('security category is missing');
      if (tooLong(b.category, limits.maxLabelValueBytes)) throw new Reject(`security category is longer than ${limits.maxLabelValueBytes} bytes`);
      if (!SEVERITY_SET.has(b.severity)) throw new Reject(`severity must be one of ${SEVERITIES.join(', ')}`);
      for (const k of ['actor', 'ip'] as const) {
        const v = b[k];
        if (v !== undefined && (typeof v !== 'string' || tooLong(v, limits.maxLabelValueBytes))) throw new Reject(`${k} must be a string of at most ${limits.maxLabelValueBytes} bytes`);
      }
      const out = { ...b };
      if (out.outcome !== undefined && out.outcome !== 'success' && out.outcome !== 'failure' && out.outcome !== 'unknown') out.outcome = 'unknown';
      if (out.message === null) delete out.message;
      if (out.message !== undefined) {
        const raw = String(out.message);
        const m = truncateUtf8(raw, limits.maxStringBytes);
        if (m.length !== raw.length) flags.push('message_truncated');
        out.message = m;
      }
      return out;
    }
    case 'heartbeat': {
      const b = draft.body;
      if (!HEARTBEAT_SET.has(b.status)) throw new Reject(`heartbeat status must be one of ${HEARTBEAT_STATUSES.join(', ')}`);
      if (b.exitStatus !== undefined && !(Number.isInteger(b.exitStatus) && b.exitStatus >= 0 && b.exitStatus <= 255)) throw new Reject('exitStatus must be an integer from 0 to 255');
      if (b.rid !== undefined && !(typeof b.rid === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(b.rid))) throw new Reject('rid must be 1-64 letters, digits, _ or -');
      if (b.latencyMs !== undefined && !(typeof b.latencyMs === 'number' && Number.isFinite(b.latencyMs) && b.latencyMs >= 0)) throw new Reject('latencyMs must be a number of milliseconds, 0 or more');
      if (b.log === undefined) return b;
      if (b.log === null) {
        const { log: _drop, ...rest } = b;
        return rest;
      }
      const raw = String(b.log);
      const log = truncateUtf8(raw, HEARTBEAT_LOG_MAX_BYTES);
      if (log === b.log) return b;
      if (log.length !== raw.length && !flags.includes('log_truncated')) flags.push('log_truncated');
      return { ...b, log };
    }
    case 'check': {
      // Results of remote probes (`lightwatch probe`), labelled with their location: the shape the detector's own checker writes.
      const b = draft.body as unknown as Record<string, unknown>;
      if (typeof b.ok !== 'boolean') throw new Reject('check ok must be true or false');
      if (typeof b.latencyMs !== 'number' || !Number.isFinite(b.latencyMs) || b.latencyMs < 0) throw new Reject('check latencyMs must be a number of milliseconds, 0 or more');
      if (!Number.isInteger(b.attempts) || (b.attempts as number) < 1 || (b.attempts as number) > 11) throw new Reject('check attempts must be an integer from 1 to 11');
      if (b.status !== undefined && !(Number.isInteger(b.status) && (b.status as number) >= 100 && (b.status as number) <= 599)) throw new Reject('check status must be an HTTP status');
      if (b.error !== undefined && typeof b.error !== 'string') throw new Reject('check error must be text');
      const out: CheckBody = { ok: b.ok, latencyMs: b.latencyMs, attempts: b.attempts as number };
      if (b.status !== undefined) out.status = b.status as number;
      if (typeof b.error === 'string') out.error = truncateUtf8(b.error, 1024);
      return out;
    }
    default:
      // incident events are produced by Lightwatch itself, not parsed from agents.
      return draft.body;
  }
}

function normalizeLog(b: LogBody, limits: NormalizeLimits, flags: string[], sized?: Sized): LogBody {
  const level = LOG_LEVEL_SET.has(b.level) ? b.level : 'unknown';
  const raw = typeof b.message === 'string' ? b.message : b.message === undefined || b.message === null ? '' : String(b.message);
  const message = truncateUtf8(raw, limits.maxStringBytes);
  if (message.length !== raw.length) flags.push('message_truncated');
  let fields = b.fields;
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) fields = {};
  else fields = boundFields(fields, limits.maxFieldsBytes, flags, sized);
  const format = typeof b.format === 'string' && b.format !== '' && b.format.length <= MAX_FORMAT_LENGTH ? b.format : 'unknown';
  if (level === b.level && message === b.message && fields === b.fields && format === b.format) return b;
  return { level, message, fields, format };
}

/**
 * Fields within `maxBytes` of (approximate) JSON: the object itself when it fits, else the leading fields
 * that fit, flagged `fields_truncated`. Nesting deeper than 32 counts as too big.
 */
function boundFields(fields: Record<string, JsonValue>, maxBytes: number, flags: string[], sized?: Sized): Record<string, JsonValue> {
  const kept = sized ? sized.kept : runSteps(truncatedFieldsSteps(fields, maxBytes));
  if (kept === undefined) return fields;
  flags.push('fields_truncated');
  return kept;
}

/** A log's fields already passed through truncatedFieldsSteps: `kept` undefined when they fit. */
interface Sized {
  kept: Record<string, JsonValue> | undefined;
}

/** A log draft's fields object, when normalizeLog would bound it. */
function logFields(draft: DraftEvent): Record<string, JsonValue> | undefined {
  if (typeof draft !== 'object' || draft === null || draft.kind !== 'log' || typeof draft.body !== 'object' || draft.body === null) return undefined;
  const f: unknown = draft.body.fields;
  return f === null || typeof f !== 'object' || Array.isArray(f) ? undefined : (f as Record<string, JsonValue>);
}

/** boundFields' leading fields that fit, or undefined when all fit; pauses every 1 024 fields (a log may carry 100 000). */
function* truncatedFieldsSteps(fields: Record<string, JsonValue>, maxBytes: number): Steps<Record<string, JsonValue> | undefined> {
  if (jsonSize(fields, maxBytes, 0) <= maxBytes) return undefined;
  const kept: Record<string, JsonValue> = {};
  let total = 2;
  let n = 0;
  for (const k in fields) {
    if (++n % 1024 === 0) yield;
    const size = k.length + 4 + jsonSize(fields[k], maxBytes - total, 1);
    if (total + size > maxBytes) continue;
    total += size;
    Object.defineProperty(kept, k, { value: fields[k], enumerable: true, writable: true, configurable: true });
  }
  return kept;
}

/** Approximate size of `v` as JSON, stopping (with a result above `budget`) as soon as it passes `budget`. */
function jsonSize(v: unknown, budget: number, depth: number): number {
  if (v === null || v === undefined) return 4;
  switch (typeof v) {
    case 'string':
      return v.length + 2;
    case 'number':
      return 8;
    case 'boolean':
      return 5;
    case 'object': {
      if (depth >= MAX_FIELDS_DEPTH) return budget + 1;
      let size = 2;
      if (Array.isArray(v)) {
        for (const e of v) {
          size += jsonSize(e, budget - size, depth + 1) + 1;
          if (size > budget) return size;
        }
        return size;
      }
      for (const k in v as Record<string, unknown>) {
        size += k.length + 4 + jsonSize((v as Record<string, unknown>)[k], budget - size, depth + 1);
        if (size > budget) return size;
      }
      return size;
    }
    default:
      return 4;
  }
}
