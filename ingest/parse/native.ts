// Lightwatch's own JSON endpoints (/ingest/metrics, /logs, /events, /heartbeats): one item per object, in a
// JSON object, a JSON array, or NDJSON. Each item is validated on its own: good ones become DraftEvents, bad
// ones are listed with what is wrong. Field names are accepted the way common agents spell them. Pure.
import type { DraftEvent, HeartbeatStatus, MetricType } from '../../lib/events/event.js';
import { HEARTBEAT_WORDS, lookup, METRIC_TYPE_WORDS, OUTCOME_WORDS } from './words.js';
import { badRequest } from '../../lib/errors/errors.js';
import { arrayLongerThan, batchTooLarge, describeJsonProblem, firstNonSpace, jsonError, parseJson, splitLines, tryParseJson } from './json.js';
import { normalizeLevel, normalizeSeverity } from './levels.js';
import { isEmptyObject, isObject, isScalar, KeyRoles, labelsFrom, scalarString, setField, trimNewline, typeName } from './values.js';
import type { JsonObject, ParsedItem, Rejection } from './values.js';

export type NativeKind = 'metric' | 'log' | 'security' | 'heartbeat' | 'check';

export interface NativeOptions {
  maxItems: number;
  maxDepth: number;
  /** Target for items that name none (the `target` query parameter). */
  defaultTarget?: string;
}

export interface NativeResult {
  items: ParsedItem[];
  rejected: Rejection[];
  format: 'json' | 'ndjson';
}

/** Maximum heartbeat log kept, in bytes; longer logs are cut and flagged `log_truncated`. */
export const HEARTBEAT_LOG_MAX_BYTES = 10 * 1024;

const TS = ['ts', 'timestamp', 'time', '@timestamp'] as const;
const TARGET = ['target', 'service', 'host', 'source'] as const;
const LABELS = ['labels', 'tags'] as const;
const CLIENT_ID = ['clientId', 'client_id'] as const;

const metricRoles = new KeyRoles({ ts: TS, target: TARGET, labels: LABELS, clientId: CLIENT_ID, name: ['name', 'metric'], value: ['value'], type: ['type'], unit: ['unit'], samples: ['samples'] });
const logRoles = new KeyRoles({ ts: TS, target: TARGET, labels: LABELS, clientId: CLIENT_ID, level: ['level', 'severity', 'lvl', 'loglevel', 'log.level'], message: ['message', 'msg', 'log', 'line'] });
const securityRoles = new KeyRoles({
  ts: TS,
  target: TARGET,
  labels: LABELS,
  clientId: CLIENT_ID,
  category: ['category', 'type'],
  severity: ['severity', 'level'],
  actor: ['actor', 'user', 'username', 'user_name'],
  ip: ['ip', 'src_ip', 'source_ip', 'client_ip', 'remote_addr'],
  outcome: ['outcome', 'result'],
  message: ['message', 'msg', 'description'],
});
const heartbeatRoles = new KeyRoles({
  ts: TS,
  target: TARGET,
  labels: LABELS,
  clientId: CLIENT_ID,
  status: ['status', 'state'],
  exitStatus: ['exitStatus', 'exit_status', 'exitCode', 'exit_code'],
  log: ['log', 'output', 'message', 'msg'],
});
const checkRoles = new KeyRoles({
  ts: TS,
  target: TARGET,
  labels: LABELS,
  clientId: CLIENT_ID,
  ok: ['ok'],
  latencyMs: ['latencyMs', 'latency_ms'],
  attempts: ['attempts'],
  status: ['status'],
  error: ['error'],
});
const sampleRoles = new KeyRoles({ ts: TS, value: ['value'] });

/** Parses a native endpoint's body (already UTF-8 text). Throws only for whole-request problems. */
export function parseNativeBody(kind: NativeKind, text: string, opts: NativeOptions, wrapperKeys: readonly string[]): NativeResult {
  const items: ParsedItem[] = [];
  const rejected: Rejection[] = [];
  const first = firstNonSpace(text);
  if (first === -1) return { items, rejected, format: 'json' };
  if (first === 91 /* [ */) {
    if (arrayLongerThan(text, opts.maxItems)) throw batchTooLarge(`more than ${opts.maxItems} items`, opts.maxItems);
    const v = parseJson(text, opts.maxDepth);
    if (!Array.isArray(v)) throw badRequest('body must be a JSON array, a JSON object or NDJSON', [{ at: 'body', message: `got ${typeName(v)}` }], 'malformed_json');
    addAll(kind, v, opts, items, rejected);
    return { items, rejected, format: 'json' };
  }
  const whole = tryParseJson(text, opts.maxDepth);
  if (whole.ok) {
    const v = whole.value;
    if (!isObject(v)) throw badRequest(`body must be a JSON object, a JSON array or NDJSON, not ${typeName(v)}`, [{ at: 'body', message: `got ${typeName(v)}` }], 'malformed_json');
    const wrapped = unwrap(v, wrapperKeys);
    if (wrapped) addAll(kind, wrapped, opts, items, rejected);
    else addItem(kind, v, 0, opts, items, rejected);
    return { items, rejected, format: 'json' };
  }
  // Not one JSON value: NDJSON if it has several lines and its first line is JSON on its own; otherwise
  // the whole-body error is the useful one (a pretty-printed object with a mistake in it).
  const lines = splitLines(text, opts.maxItems);
  const firstLine = lines[0];
  if (lines.length < 2 || firstLine === undefined || !tryParseJson(firstLine.text, opts.maxDepth).ok) {
    throw jsonError(text, whole.problem, 'body');
  }
  for (const { line, text: lineText } of lines) {
    const r = tryParseJson(lineText, opts.maxDepth);
    if (!r.ok) {
      rejected.push({ index: line, error: `line ${line + 1}: ${describeJsonProblem(lineText, r.problem)}` });
      continue;
    }
    addItem(kind, r.value, line, opts, items, rejected);
  }
  return { items, rejected, format: 'ndjson' };
}

/** `{"metrics": [...]}`-style wrappers: an object whose only key is a known batch key holding an array. */
function unwrap(v: JsonObject, wrapperKeys: readonly string[]): unknown[] | undefined {
  let found: unknown[] | undefined;
  for (const key in v) {
    if (found !== undefined) return undefined;
    const inner = v[key];
    if (!wrapperKeys.includes(key) || !Array.isArray(inner)) return undefined;
    found = inner;
  }
  return found;
}

function addAll(kind: NativeKind, arr: unknown[], opts: NativeOptions, items: ParsedItem[], rejected: Rejection[]): void {
  if (arr.length > opts.maxItems) throw batchTooLarge(`${arr.length} items`, opts.maxItems);
  for (let i = 0; i < arr.length; i++) addItem(kind, arr[i], i, opts, items, rejected);
}

function addItem(kind: NativeKind, v: unknown, index: number, opts: NativeOptions, items: ParsedItem[], rejected: Rejection[]): void {
  if (!isObject(v)) {
    rejected.push({ index, error: `item must be a JSON object, not ${typeName(v)}` });
    return;
  }
  const error = ITEM_PARSERS[kind](v, index, opts, items);
  if (error !== undefined) rejected.push({ index, error });
}

/** Appends the item's draft(s) to `out`, or returns what is wrong with it. */
type ItemParser = (obj: JsonObject, index: number, opts: NativeOptions, out: ParsedItem[]) => string | undefined;

const ITEM_PARSERS: Record<NativeKind, ItemParser> = {
  metric: metricItem,
  log: logItem,
  security: securityItem,
  heartbeat: heartbeatItem,
  check: checkItem,
};

/**
 * One native item as parsed items (several for a metric with `samples`), or an error saying which field is
 * wrong. Exported for the gRPC path and tests.
 */
export function parseNativeItem(kind: NativeKind, obj: JsonObject, index: number, opts: NativeOptions): ParsedItem[] | string {
  const out: ParsedItem[] = [];
  const error = ITEM_PARSERS[kind](obj, index, opts, out);
  return error ?? out;
}

interface Envelope {
  ts?: number | string;
  target?: string;
  labels?: Record<string, unknown>;
  clientId?: string;
}

/** Reads ts, target, labels and clientId (roles 0-3 in every table); returns an error message or the envelope. */
function envelope(values: unknown[], defaultTarget: string | undefined): Envelope | string {
  const env: Envelope = {};
  const ts = values[0];
  if (ts !== undefined) {
    if (typeof ts !== 'number' && typeof ts !== 'string') return `ts must be a number (epoch s/ms/µs/ns) or an RFC 3339 string, not ${typeName(ts)}`;
    env.ts = ts;
  }
  const target = values[1];
  if (target !== undefined) {
    const t = scalarString(target);
    if (t === undefined) return `target must be a string, not ${typeName(target)}`;
    env.target = t;
  } else if (defaultTarget !== undefined) {
    env.target = defaultTarget;
  }
  const labels = values[2];
  if (labels !== undefined) {
    const l = labelsFrom(labels, 'labels');
    if (typeof l === 'string') return l;
    env.labels = l;
  }
  const clientId = values[3];
  if (clientId !== undefined) {
    const c = scalarString(clientId);
    if (c === undefined || c === '') return 'clientId must be a non-empty string';
    env.clientId = c;
  }
  return env;
}

function withEnvelope<D extends DraftEvent>(draft: D, env: Envelope): D {
  if (env.ts !== undefined) draft.ts = env.ts;
  if (env.target !== undefined) draft.target = env.target;
  if (env.labels !== undefined) draft.labels = env.labels;
  if (env.clientId !== undefined) draft.clientId = env.clientId;
  return draft;
}

/** Scalar extras become labels (explicit `labels` win); nested ones are ignored. */
function mergeScalarLabels(env: Envelope, rest: JsonObject): void {
  if (isEmptyObject(rest)) return;
  const labels: Record<string, unknown> = {};
  for (const k in rest) if (isScalar(rest[k])) setField(labels, k, rest[k]);
  if (env.labels) for (const k in env.labels) setField(labels, k, env.labels[k]);
  env.labels = labels;
}

function numberValue(v: unknown, what: string): number | string {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return `${what} must be a number, not ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeName(v)}`;
}

function metricItem(obj: JsonObject, index: number, opts: NativeOptions, out: ParsedItem[]): string | undefined {
  const rest: JsonObject = {};
  const v = metricRoles.pick(obj, rest);
  const env = envelope(v, opts.defaultTarget);
  if (typeof env === 'string') return env;
  mergeScalarLabels(env, rest);
  const name = v[4];
  if (name === undefined) return 'name is missing (also read from "metric")';
  if (typeof name !== 'string' || name === '') return `name must be a non-empty string, not ${typeName(name)}`;
  let type: MetricType = 'gauge';
  if (v[6] !== undefined) {
    const t = typeof v[6] === 'string' ? lookup(METRIC_TYPE_WORDS, v[6]) : undefined;
    if (t === undefined) return 'type must be one of gauge, counter, histogram, summary, untyped';
    type = t;
  }
  let unit: string | undefined;
  if (v[7] !== undefined) {
    if (typeof v[7] !== 'string') return `unit must be a string, not ${typeName(v[7])}`;
    unit = v[7];
  }
  const samples = v[8];
  if (samples !== undefined) {
    if (!Array.isArray(samples)) return `samples must be an array of [ts, value] pairs or {ts, value} objects, not ${typeName(samples)}`;
    if (samples.length === 0) return 'samples is empty';
    if (out.length + samples.length > opts.maxItems) throw batchTooLarge(`more than ${opts.maxItems} samples`, opts.maxItems);
    const drafts: DraftEvent[] = [];
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      let ts: unknown;
      let value: unknown;
      if (Array.isArray(s) && s.length === 2) [ts, value] = s as [unknown, unknown];
      else if (isObject(s)) [ts, value] = sampleRoles.pick(s, {});
      else return `samples[${i}] must be a [ts, value] pair or a {ts, value} object`;
      const n = numberValue(value, `samples[${i}] value`);
      if (typeof n === 'string') return n;
      if (ts !== undefined && typeof ts !== 'number' && typeof ts !== 'string') return `samples[${i}] ts must be a number or a string`;
      const draft = withEnvelope<DraftEvent>({ kind: 'metric', body: unit === undefined ? { name, value: n, type } : { name, value: n, type, unit } }, env);
      if (ts !== undefined) draft.ts = ts;
      drafts.push(draft);
    }
    for (const draft of drafts) out.push({ index, draft });
    return undefined;
  }
  if (v[5] === undefined) return 'value is missing (or give samples)';
  const value = numberValue(v[5], 'value');
  if (typeof value === 'string') return value;
  out.push({ index, draft: withEnvelope<DraftEvent>({ kind: 'metric', body: unit === undefined ? { name, value, type } : { name, value, type, unit } }, env) });
  return undefined;
}

function logItem(obj: JsonObject, index: number, opts: NativeOptions, out: ParsedItem[]): string | undefined {
  let fields: JsonObject = {};
  const v = logRoles.pick(obj, fields);
  const env = envelope(v, opts.defaultTarget);
  if (typeof env === 'string') return env;
  // Our own shape sends structured data under `fields`: it is the fields, not one field named `fields`.
  const nested = fields.fields;
  if (isObject(nested)) {
    if (hasOnlyKey(fields, 'fields')) {
      // Nothing to merge it with (our agents' shape): the parsed object is the fields, uncopied.
      fields = nested;
    } else {
      delete fields.fields;
      for (const [k, val] of Object.entries(nested)) if (!Object.hasOwn(fields, k)) setField(fields, k, val);
    }
  }
  let message: string | undefined;
  const m = v[5];
  if (m !== undefined) {
    message = scalarString(m);
    // A structured `log` (ECS) or `message` object is data, not the message.
    if (message === undefined) fields.message = m;
  }
  if (message === undefined && isEmptyObject(fields)) return 'message is missing (also read from msg, log, line)';
  const level = v[4] === undefined ? 'info' : normalizeLevel(v[4]);
  out.push({ index, draft: withEnvelope<DraftEvent>({ kind: 'log', body: { level, message: message === undefined ? '' : trimNewline(message), fields: fields as never, format: 'json' } }, env) });
  return undefined;
}

function hasOnlyKey(o: JsonObject, key: string): boolean {
  let n = 0;
  for (const k in o) if (++n > 1 || k !== key) return false;
  return n === 1;
}

function securityItem(obj: JsonObject, index: number, opts: NativeOptions, out: ParsedItem[]): string | undefined {
  const rest: JsonObject = {};
  const v = securityRoles.pick(obj, rest);
  const env = envelope(v, opts.defaultTarget);
  if (typeof env === 'string') return env;
  mergeScalarLabels(env, rest);
  const category = v[4];
  if (category === undefined) return 'category is missing (for example "auth", "firewall", "malware")';
  if (typeof category !== 'string' || category.trim() === '') return `category must be a non-empty string, not ${typeName(category)}`;
  let severity: ReturnType<typeof normalizeSeverity> = 'info';
  if (v[5] !== undefined) {
    severity = normalizeSeverity(v[5]);
    if (severity === undefined) return 'severity must be one of info, low, medium, high, critical (or a 0-10 score)';
  }
  const body: Extract<DraftEvent, { kind: 'security' }>['body'] = { category, severity };
  if (v[6] !== undefined) {
    const actor = scalarString(v[6]);
    if (actor === undefined) return `actor must be a string, not ${typeName(v[6])}`;
    body.actor = actor;
  }
  if (v[7] !== undefined) {
    if (typeof v[7] !== 'string') return `ip must be a string, not ${typeName(v[7])}`;
    body.ip = v[7];
  }
  if (v[8] !== undefined) {
    const o = scalarString(v[8]);
    body.outcome = (o === undefined ? undefined : lookup(OUTCOME_WORDS, o)) ?? 'unknown';
  }
  if (v[9] !== undefined) {
    const msg = scalarString(v[9]);
    if (msg === undefined) return `message must be a string, not ${typeName(v[9])}`;
    body.message = msg;
  }
  out.push({ index, draft: withEnvelope<DraftEvent>({ kind: 'security', body }, env) });
  return undefined;
}

function heartbeatItem(obj: JsonObject, index: number, opts: NativeOptions, out: ParsedItem[]): string | undefined {
  const rest: JsonObject = {};
  const v = heartbeatRoles.pick(obj, rest);
  const env = envelope(v, opts.defaultTarget);
  if (typeof env === 'string') return env;
  mergeScalarLabels(env, rest);
  if (env.target === undefined || env.target === '') return 'target is missing (the job or host the heartbeat is for)';
  let exitStatus: number | undefined;
  if (v[5] !== undefined) {
    const n = typeof v[5] === 'string' && v[5].trim() !== '' ? Number(v[5]) : v[5];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 255) return 'exitStatus must be an integer from 0 to 255';
    exitStatus = n;
  }
  let status: HeartbeatStatus = exitStatus === undefined || exitStatus === 0 ? 'ok' : 'fail';
  if (v[4] !== undefined) {
    const s = typeof v[4] === 'string' ? lookup(HEARTBEAT_WORDS, v[4]) : undefined;
    if (s === undefined) return 'status must be one of ok, start, fail';
    status = s;
  }
  const body: Extract<DraftEvent, { kind: 'heartbeat' }>['body'] = { status };
  if (exitStatus !== undefined) body.exitStatus = exitStatus;
  let truncated = false;
  if (v[6] !== undefined) {
    const log = scalarString(v[6]);
    if (log === undefined) return `log must be a string, not ${typeName(v[6])}`;
    const cut = truncateUtf8(log, HEARTBEAT_LOG_MAX_BYTES);
    body.log = cut;
    truncated = cut.length !== log.length;
  }
  const draft = withEnvelope<DraftEvent>({ kind: 'heartbeat', body }, env);
  out.push(truncated ? { index, draft, flags: ['log_truncated'] } : { index, draft });
  return undefined;
}

/** A check result of a remote probe (`lightwatch probe`): normalization checks the body as the detector writes it. */
function checkItem(obj: JsonObject, index: number, opts: NativeOptions, out: ParsedItem[]): string | undefined {
  const rest: JsonObject = {};
  const v = checkRoles.pick(obj, rest);
  const env = envelope(v, opts.defaultTarget);
  if (typeof env === 'string') return env;
  mergeScalarLabels(env, rest);
  if (env.target === undefined || env.target === '') return 'target is missing (the target the check result is for)';
  const body: Record<string, unknown> = { ok: v[4], latencyMs: v[5], attempts: v[6] };
  if (v[7] !== undefined) body.status = v[7];
  if (v[8] !== undefined) body.error = v[8];
  out.push({ index, draft: withEnvelope<DraftEvent>({ kind: 'check', body: body as never }, env) });
  return undefined;
}

/** The longest prefix of `s` whose UTF-8 encoding fits in `maxBytes`, never splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s;
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= maxBytes) return s;
  let end = maxBytes;
  while (end > 0 && ((buf[end] as number) & 0xc0) === 0x80) end--;
  return buf.toString('utf8', 0, end);
}
