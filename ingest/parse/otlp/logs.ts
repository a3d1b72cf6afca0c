// OTLP/HTTP logs (POST /v1/logs), JSON or protobuf: one log draft per LogRecord. `service.name` is the
// target; severityNumber (else severityText, else the body) gives the level; attributes, resource attributes,
// scope and trace context become fields. Pure.
import type { DraftEvent, JsonValue, LogLevel } from '../../../lib/events/event.js';
import { badRequest } from '../../../lib/errors/errors.js';
import { ExportLogsServiceRequest } from '../../../proto/gen/compat/opentelemetry/proto/collector/logs/v1/logs_service.js';
import { batchTooLarge, parseJson } from '../json.js';
import { levelFromOtlpSeverity, levelInLine, normalizeLevel } from '../levels.js';
import { isEmptyObject, isObject } from '../values.js';
import type { JsonObject, ParsedItem, Rejection } from '../values.js';
import { checkOtlpJsonAttributesSteps, checkOtlpProtobufAttributes } from '../bounds.js';
import { runSteps, type Steps } from '../../../lib/lifecycle/steps.js';
import { anyValue, arrayField, field, idHex, keyValuesSteps, nanoTime, objectField, resourceInfo } from './common.js';

export interface OtlpOptions {
  maxItems: number;
  maxDepth: number;
  /** Attributes in one request (INGEST_MAX_ATTRIBUTES), counted before mapping; default 100 000. */
  maxAttributes?: number;
  defaultTarget?: string;
}

export const DEFAULT_MAX_ATTRIBUTES = 100_000;

export interface OtlpResult {
  items: ParsedItem[];
  rejected: Rejection[];
  format: 'otlp_json' | 'otlp_protobuf';
  skipped?: Record<string, number>;
}

/** Decodes a protobuf export request into the OTLP/JSON shape, or 400 `bad_protobuf`. */
export function protobufAsJson<T>(codec: { decode(b: Uint8Array): T; toJSON(m: T): unknown }, body: Uint8Array, what: string): JsonObject {
  try {
    const json = codec.toJSON(codec.decode(body));
    return isObject(json) ? json : {};
  } catch (err) {
    const why = err instanceof Error ? err.message : 'corrupt data';
    throw badRequest(`body is not an OTLP ${what} protobuf: ${why}`, [{ at: 'body', message: why }], 'bad_protobuf');
  }
}

export function jsonRequest(text: string, maxDepth: number, what: string): JsonObject {
  const v = parseJson(text, maxDepth);
  if (!isObject(v)) throw badRequest(`body must be an OTLP ${what} JSON object`, [{ at: 'body', message: 'an object is required' }], 'malformed_json');
  return v;
}

export function parseOtlpLogs(body: Buffer | string, opts: OtlpOptions): OtlpResult {
  return runSteps(otlpLogsSteps(body, opts));
}

/**
 * parseOtlpLogs as steps: decoding is one step, then mapping pauses after each log record and every 1 024
 * attributes, so the largest allowed request (100 000 attributes) can be mapped in slices.
 */
export function* otlpLogsSteps(body: Buffer | string, opts: OtlpOptions): Steps<OtlpResult> {
  const max = opts.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES;
  if (typeof body === 'string') {
    const req = jsonRequest(body, opts.maxDepth, 'ExportLogsServiceRequest');
    yield;
    yield* checkOtlpJsonAttributesSteps(req, max);
    return yield* mapLogs(req, opts, false, 'otlp_json');
  }
  checkOtlpProtobufAttributes(body, 'logs', max);
  const req = protobufAsJson(ExportLogsServiceRequest, body, 'ExportLogsServiceRequest');
  yield;
  return yield* mapLogs(req, opts, true, 'otlp_protobuf');
}

const SEVERITY_BASE: Record<string, number> = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 };

/** severityNumber as a number, or as the enum name protobuf JSON may use (`SEVERITY_NUMBER_WARN2`). */
function severityNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return 0;
  if (!v.startsWith('SEVERITY_NUMBER_')) return Number(v) || 0;
  const rest = v.slice(16);
  const digit = /\d$/.test(rest) ? Number(rest.slice(-1)) : 1;
  const base = SEVERITY_BASE[/\d$/.test(rest) ? rest.slice(0, -1) : rest];
  return base === undefined ? 0 : base + digit - 1;
}

function* mapLogs(req: JsonObject, opts: OtlpOptions, base64Ids: boolean, format: OtlpResult['format']): Steps<OtlpResult> {
  const resourceLogs = arrayField(req, 'resourceLogs', 'resource_logs');
  let total = 0;
  for (const rl of resourceLogs) {
    if (!isObject(rl)) continue;
    for (const sl of scopeLogsOf(rl)) if (isObject(sl)) total += arrayField(sl, 'logRecords', 'log_records').length;
  }
  if (total > opts.maxItems) throw batchTooLarge(`${total} log records`, opts.maxItems);
  const items: ParsedItem[] = [];
  const rejected: Rejection[] = [];
  let index = 0;
  for (const rl of resourceLogs) {
    if (!isObject(rl)) continue;
    const res = resourceInfo(objectField(rl, 'resource', 'resource'), opts.defaultTarget);
    const resourceFields = isEmptyObject(res.attributes) ? undefined : res.attributes;
    for (const sl of scopeLogsOf(rl)) {
      if (!isObject(sl)) continue;
      const scope = objectField(sl, 'scope', 'scope') ?? objectField(sl, 'instrumentationLibrary', 'instrumentation_library');
      const scopeName = scope && typeof scope.name === 'string' && scope.name !== '' ? scope.name : undefined;
      for (const lr of arrayField(sl, 'logRecords', 'log_records')) {
        const i = index++;
        if (!isObject(lr)) {
          rejected.push({ index: i, error: 'log record must be an object' });
          continue;
        }
        items.push({ index: i, draft: yield* logDraft(lr, res.target, res.labels, resourceFields, scopeName, base64Ids) });
        yield;
      }
    }
  }
  return { items, rejected, format };
}

/** `scopeLogs`, or the pre-1.0 `instrumentationLibraryLogs` some old SDKs still send. */
function scopeLogsOf(rl: JsonObject): unknown[] {
  const s = arrayField(rl, 'scopeLogs', 'scope_logs');
  return s.length > 0 ? s : arrayField(rl, 'instrumentationLibraryLogs', 'instrumentation_library_logs');
}

function* logDraft(
  lr: JsonObject,
  target: string | undefined,
  labels: Record<string, string>,
  resource: Record<string, JsonValue> | undefined,
  scope: string | undefined,
  base64Ids: boolean,
): Steps<DraftEvent> {
  const fields: Record<string, JsonValue> = yield* keyValuesSteps(arrayField(lr, 'attributes', 'attributes'));
  const body = anyValue(field(lr, 'body', 'body'));
  let message: string;
  if (typeof body === 'string') message = body;
  else if (body === null) message = '';
  else if (isObject(body) && typeof (body.message ?? body.msg) === 'string') {
    message = (body.message ?? body.msg) as string;
    fields.body = body;
  } else {
    message = typeof body === 'object' ? JSON.stringify(body) : String(body);
    if (typeof body === 'object') fields.body = body;
  }
  const sevText = field(lr, 'severityText', 'severity_text');
  const level: LogLevel =
    levelFromOtlpSeverity(severityNumber(field(lr, 'severityNumber', 'severity_number'))) ??
    (typeof sevText === 'string' && sevText !== '' ? normalizeLevel(sevText) : undefined) ??
    levelInLine(message) ??
    'info';
  if (typeof sevText === 'string' && sevText !== '') fields.severity_text = sevText;
  const traceId = idHex(field(lr, 'traceId', 'trace_id'), base64Ids);
  if (traceId !== undefined) fields.trace_id = traceId;
  const spanId = idHex(field(lr, 'spanId', 'span_id'), base64Ids);
  if (spanId !== undefined) fields.span_id = spanId;
  const eventName = field(lr, 'eventName', 'event_name');
  if (typeof eventName === 'string' && eventName !== '') fields.event_name = eventName;
  if (scope !== undefined) fields.scope = scope;
  if (resource !== undefined) fields.resource = resource;
  const draft: DraftEvent = { kind: 'log', labels, body: { level, message, fields, format: 'otlp' } };
  const ts = nanoTime(field(lr, 'timeUnixNano', 'time_unix_nano')) ?? nanoTime(field(lr, 'observedTimeUnixNano', 'observed_time_unix_nano'));
  if (ts !== undefined) draft.ts = ts;
  if (target !== undefined) draft.target = target;
  return draft;
}
