// Loki push API (POST /loki/api/v1/push), JSON and snappy protobuf, as Promtail, Alloy, Vector and Fluent Bit
// send it: one log draft per entry; stream labels stay labels and pick the target; structured metadata
// becomes fields; the level comes from a level label or from the line. Pure.
import type { DraftEvent, JsonValue, LogLevel } from '../../lib/events/event.js';
import { badRequest } from '../../lib/errors/errors.js';
import { PushRequest } from '../../proto/gen/compat/loki/push.js';
import { snappyUncompress } from './decode.js';
import { batchTooLarge, parseJson } from './json.js';
import { levelInLine, normalizeLevel } from './levels.js';
import { isObject, scalarString, setField, typeName } from './values.js';
import type { ParsedItem, Rejection } from './values.js';

export interface LokiOptions {
  maxItems: number;
  maxDepth: number;
  defaultTarget?: string;
  /** Bound for snappy decompression when the body arrives compressed without Content-Encoding. */
  maxBodyBytes: number;
}

export interface LokiResult {
  items: ParsedItem[];
  rejected: Rejection[];
  format: 'loki_json' | 'loki_protobuf';
}

/** Stream labels that name the monitored thing, most specific first. */
const TARGET_LABELS = ['service_name', 'service', 'app', 'application', 'job', 'host', 'hostname', 'instance', 'container'];
const LEVEL_LABELS = ['level', 'detected_level', 'severity', 'lvl'];

function targetOf(labels: Record<string, string>, defaultTarget: string | undefined): string | undefined {
  for (const k of TARGET_LABELS) {
    const v = labels[k];
    if (v !== undefined && v !== '') return v;
  }
  return defaultTarget;
}

function levelOf(labels: Record<string, string>, meta: Record<string, JsonValue> | undefined, line: string): LogLevel {
  for (const k of LEVEL_LABELS) {
    const v = meta?.[k] ?? labels[k];
    if (typeof v === 'string' && v !== '') {
      const l = normalizeLevel(v);
      if (l !== 'unknown') return l;
    }
  }
  return levelInLine(line) ?? 'info';
}

function entryDraft(labels: Record<string, string>, target: string | undefined, ts: number | string | undefined, line: string, meta: Record<string, JsonValue> | undefined): DraftEvent {
  const draft: DraftEvent = { kind: 'log', labels, body: { level: levelOf(labels, meta, line), message: line, fields: meta ?? {}, format: 'loki' } };
  if (ts !== undefined) draft.ts = ts;
  if (target !== undefined) draft.target = target;
  return draft;
}

/** JSON push: `{"streams":[{"stream":{...},"values":[["<ns>","line",{metadata}?]]}]}` (and the legacy `labels`/`entries` form). */
export function parseLokiJson(text: string, opts: LokiOptions): LokiResult {
  const body = parseJson(text, opts.maxDepth);
  if (!isObject(body) || !Array.isArray(body.streams)) throw badRequest('Loki push body must be {"streams": [...]}', [{ at: 'streams', message: 'an array is required' }], 'malformed_push');
  const streams = body.streams as unknown[];
  let total = 0;
  for (const s of streams) if (isObject(s)) total += Array.isArray(s.values) ? s.values.length : Array.isArray(s.entries) ? s.entries.length : 0;
  if (total > opts.maxItems) throw batchTooLarge(`${total} entries`, opts.maxItems);
  const items: ParsedItem[] = [];
  const rejected: Rejection[] = [];
  let index = 0;
  streams.forEach((s, si) => {
    const entries = isObject(s) ? (Array.isArray(s.values) ? s.values : Array.isArray(s.entries) ? s.entries : undefined) : undefined;
    if (!isObject(s) || entries === undefined) {
      rejected.push({ index: index++, error: `streams[${si}] must be an object with a "values" array` });
      return;
    }
    const labels = isObject(s.stream) ? stringLabels(s.stream) : typeof s.labels === 'string' ? parseLabelSet(s.labels) : {};
    if (typeof labels === 'string') {
      for (let k = 0; k < entries.length; k++) rejected.push({ index: index++, error: `streams[${si}].labels: ${labels}` });
      return;
    }
    const target = targetOf(labels, opts.defaultTarget);
    entries.forEach((e, ei) => {
      const i = index++;
      const at = `streams[${si}].values[${ei}]`;
      let ts: unknown;
      let line: unknown;
      let meta: unknown;
      if (Array.isArray(e)) [ts, line, meta] = e as [unknown, unknown, unknown];
      else if (isObject(e)) [ts, line, meta] = [e.ts ?? e.timestamp, e.line, e.structuredMetadata];
      else return void rejected.push({ index: i, error: `${at} must be ["<unix ns>", "<line>"], not ${typeName(e)}` });
      if (!isLokiTime(ts)) return void rejected.push({ index: i, error: `${at}: timestamp must be a string of unix nanoseconds (or RFC 3339 in the legacy form)` });
      if (typeof line !== 'string') return void rejected.push({ index: i, error: `${at}: line must be a string, not ${typeName(line)}` });
      let fields: Record<string, JsonValue> | undefined;
      if (meta !== undefined && meta !== null) {
        if (!isObject(meta)) return void rejected.push({ index: i, error: `${at}: structured metadata must be an object of strings` });
        fields = stringLabels(meta);
      }
      items.push({ index: i, draft: entryDraft(labels, target, ts, line, fields) });
    });
  });
  return { items, rejected, format: 'loki_json' };
}

/** `"1570818238000000000"` (or a number); the legacy `entries` form used RFC 3339 strings. */
function isLokiTime(ts: unknown): ts is string | number {
  if (typeof ts === 'number') return Number.isFinite(ts) && ts >= 0;
  if (typeof ts !== 'string' || ts === '' || ts.length > 40) return false;
  const c = ts.charCodeAt(4);
  if (c === 45 /* - */) return true;
  for (let i = 0; i < ts.length; i++) {
    const d = ts.charCodeAt(i);
    if (d < 48 || d > 57) return false;
  }
  return true;
}

function stringLabels(o: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in o) {
    const v = scalarString(o[k]);
    if (v !== undefined) setField(out, k, v);
  }
  return out;
}

/**
 * Protobuf push. Promtail sends it snappy-compressed without a Content-Encoding header, so a body that is
 * valid snappy is decompressed here first (a strict decoder does not accept raw protobuf by accident).
 */
export function parseLokiProtobuf(body: Buffer, opts: LokiOptions): LokiResult {
  let raw: Uint8Array = body;
  try {
    raw = snappyUncompress(body, opts.maxBodyBytes);
  } catch {
    // Not snappy: already decoded by Content-Encoding, or plain protobuf.
  }
  let req: PushRequest;
  try {
    req = PushRequest.decode(raw);
  } catch (err) {
    const why = err instanceof Error ? err.message : 'corrupt data';
    throw badRequest(`body is not a Loki PushRequest (snappy-compressed protobuf): ${why}`, [{ at: 'body', message: why }], 'bad_protobuf');
  }
  let total = 0;
  for (const s of req.streams) total += s.entries.length;
  if (total > opts.maxItems) throw batchTooLarge(`${total} entries`, opts.maxItems);
  const items: ParsedItem[] = [];
  const rejected: Rejection[] = [];
  let index = 0;
  req.streams.forEach((s, si) => {
    const labels = parseLabelSet(s.labels);
    if (typeof labels === 'string') {
      for (let k = 0; k < s.entries.length; k++) rejected.push({ index: index++, error: `streams[${si}].labels: ${labels}` });
      return;
    }
    const target = targetOf(labels, opts.defaultTarget);
    for (const e of s.entries) {
      const i = index++;
      const ms = e.timestamp?.getTime();
      if (ms !== undefined && !Number.isFinite(ms)) {
        rejected.push({ index: i, error: `streams[${si}]: entry timestamp out of range` });
        continue;
      }
      let fields: Record<string, JsonValue> | undefined;
      if (e.structuredMetadata.length > 0) {
        fields = {};
        for (const p of e.structuredMetadata) setField(fields, p.name, p.value);
      }
      items.push({ index: i, draft: entryDraft(labels, target, ms, e.line, fields) });
    }
  });
  return { items, rejected, format: 'loki_protobuf' };
}

/**
 * A label set in Prometheus text form, `{job="varlogs", host="a\"b"}`, as a record; or what is wrong
 * with it. Hand-written scanner (escapes `\\`, `\"`, `\n`).
 */
export function parseLabelSet(s: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  const n = s.length;
  let i = 0;
  const ws = (): void => {
    while (i < n && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  };
  ws();
  if (i === n) return out;
  if (s.charCodeAt(i) !== 123) return `expected '{' at column ${i + 1}`;
  i++;
  ws();
  if (s.charCodeAt(i) === 125) return out;
  for (;;) {
    ws();
    const start = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      const ok = c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (i > start && c >= 48 && c <= 57) || c === 46;
      if (!ok) break;
      i++;
    }
    const name = s.slice(start, i);
    if (name === '') return `expected a label name at column ${i + 1}`;
    ws();
    if (s.charCodeAt(i) !== 61) return `expected '=' after ${name} at column ${i + 1}`;
    i++;
    ws();
    if (s.charCodeAt(i) !== 34) return `expected '"' at column ${i + 1}`;
    i++;
    let value = '';
    let chunk = i;
    for (;;) {
      if (i >= n) return `unterminated value of ${name}`;
      const c = s.charCodeAt(i);
      if (c === 92) {
        const e = s[i + 1];
        value += s.slice(chunk, i) + (e === 'n' ? '\n' : e ?? '');
        i += 2;
        chunk = i;
        continue;
      }
      if (c === 34) break;
      i++;
    }
    value += s.slice(chunk, i);
    i++;
    setField(out, name, value);
    ws();
    const c = s.charCodeAt(i);
    if (c === 44) {
      i++;
      ws();
      if (s.charCodeAt(i) === 125) return out;
      continue;
    }
    if (c === 125) return out;
    return `expected ',' or '}' at column ${i + 1}`;
  }
}
