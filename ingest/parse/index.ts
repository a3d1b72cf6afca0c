// The one entry point of the ingest parsers: an endpoint, a content type and a (decoded) body in, parsed
// items and per-item rejections out. Whole-request problems (wrong content type, malformed body, too many
// items) throw LightwatchError; nothing else is ever thrown. Pure; no I/O.
import { asLightwatchError, badRequest } from '../../lib/errors/errors.js';
import { assertUtf8Charset, bodyKindOf, parseContentType, unsupportedMediaType } from './content-type.js';
import type { BodyKind } from './content-type.js';
import { decodeUtf8 } from './decode.js';
import { parseBulk } from './elasticsearch.js';
import type { BulkActionMeta } from './elasticsearch.js';
import { parseHeartbeatPing } from './heartbeat.js';
import { parseLokiJson, parseLokiProtobuf } from './loki.js';
import { parseNativeBody } from './native.js';
import type { NativeKind } from './native.js';
import { runSteps, runStepsCooperatively, type Steps } from '../../lib/lifecycle/steps.js';
import { otlpLogsSteps } from './otlp/logs.js';
import { DEFAULT_LABEL_LIMITS } from '../../lib/tsdb/labels.js';
import { otlpMetricsSteps } from './otlp/metrics.js';
import { parsePrometheusSeries } from './prometheus.js';
import type { BatchSeries } from '../../lib/tsdb/batch.js';
import { parseTelegramUpdate } from './telegram.js';
import { alertsToDrafts } from '../../lib/am/alerts.js';
import { parseTextBody } from './text/text.js';
import type { ParsedItem, Rejection } from './values.js';

export { decodeBody, assertUtf8, decodeUtf8, snappyUncompress } from './decode.js';
export { parseJson, tryParseJson, DEFAULT_MAX_DEPTH } from './json.js';
export { parseHeartbeatPing } from './heartbeat.js';
export type { HeartbeatPing } from './heartbeat.js';
export { parseNativeItem } from './native.js';
export { TEXT_FORMATS } from './text/text.js';
export type { BulkActionMeta } from './elasticsearch.js';
export type { ParsedItem, Rejection } from './values.js';
export {
  buildBulkResponse,
  bulkOutcomes,
  elasticsearchRootInfo,
  lokiPushResponse,
  otlpErrorResponse,
  otlpExportResponse,
  prometheusWriteResponse,
} from './responses.js';
export type { BulkItemOutcome, BulkResponse, CompatResponse, OtlpSignal } from './responses.js';

export type IngestEndpoint = 'metrics' | 'logs' | 'events' | 'heartbeats' | 'heartbeat' | 'checks' | 'prometheus' | 'loki' | 'otlp_logs' | 'otlp_metrics' | 'elasticsearch' | 'telegram' | 'alertmanager';

export const INGEST_ENDPOINTS: readonly IngestEndpoint[] = ['metrics', 'logs', 'events', 'heartbeats', 'heartbeat', 'checks', 'prometheus', 'loki', 'otlp_logs', 'otlp_metrics', 'elasticsearch', 'telegram', 'alertmanager'];

export interface ParseInput {
  endpoint: IngestEndpoint;
  contentType: string;
  /** Already decoded by decodeBody (Content-Encoding undone, size bounded). */
  body: Buffer;
  /** Query parameters: `target` (default target), `format` (text logs), `index` (Elasticsearch). */
  params: Readonly<Record<string, string>>;
  /** Heartbeat ping target (path), or a default target for every other endpoint. */
  target?: string;
  /** Heartbeat ping suffix: '' | 'start' | 'fail' | exit status. */
  suffix?: string;
  method?: string;
  /** Injected clock (RFC 3164 syslog has no year). */
  now: number;
}

export interface ParseLimits {
  maxItems: number;
  maxDepth: number;
  maxLineBytes: number;
  /** Bound for snappy bodies Loki clients send without Content-Encoding (default 5 MiB). */
  maxBodyBytes?: number;
  /** OTLP attributes in one request (INGEST_MAX_ATTRIBUTES; default 100 000). */
  maxAttributes?: number;
  /** Labels of one remote_write series (INGEST_MAX_SERIES_LABELS; default the series store's 64). */
  maxSeriesLabels?: number;
  /** The label naming an Alertmanager-API alert's target (AM_TARGET_LABEL; default instance, then job, alertname). */
  alertTargetLabel?: string;
}

export interface ParseResult {
  /** Parsed drafts with the index of the item they came from (one item may give several drafts). */
  items: ParsedItem[];
  rejected: Rejection[];
  /** Which parser produced it, for metrics: json, ndjson, text, prometheus, loki_json, otlp_protobuf, ... */
  format: string;
  /** Items deliberately not turned into events, by reason (Prometheus staleness markers, ...). */
  skipped?: Record<string, number>;
  /** Elasticsearch only: each action, for the bulk response (see bulkOutcomes). */
  bulk?: BulkActionMeta[];
  /** remote_write only: the samples as series for the series store (items is then empty). */
  series?: BatchSeries[];
}

/** Media types each endpoint accepts (also the list a 415 names). Missing headers are sniffed. */
export const ACCEPTED_CONTENT_TYPES: Readonly<Record<IngestEndpoint, readonly string[]>> = {
  metrics: ['application/json', 'application/x-ndjson'],
  logs: ['application/json', 'application/x-ndjson', 'text/plain'],
  events: ['application/json', 'application/x-ndjson'],
  heartbeats: ['application/json', 'application/x-ndjson'],
  heartbeat: ['any'],
  checks: ['application/json', 'application/x-ndjson'],
  prometheus: ['application/x-protobuf'],
  loki: ['application/json', 'application/x-protobuf'],
  otlp_logs: ['application/json', 'application/x-protobuf'],
  otlp_metrics: ['application/json', 'application/x-protobuf'],
  elasticsearch: ['application/x-ndjson', 'application/json'],
  telegram: ['application/json'],
  alertmanager: ['application/json'],
};

const NATIVE: Partial<Record<IngestEndpoint, { kind: NativeKind; wrappers: readonly string[] }>> = {
  metrics: { kind: 'metric', wrappers: ['metrics', 'items', 'data'] },
  logs: { kind: 'log', wrappers: ['logs', 'items', 'data'] },
  events: { kind: 'security', wrappers: ['events', 'items', 'data'] },
  heartbeats: { kind: 'heartbeat', wrappers: ['heartbeats', 'items', 'data'] },
  checks: { kind: 'check', wrappers: ['checks', 'items', 'data'] },
};

export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

export function parsePayload(input: ParseInput, limits: ParseLimits): ParseResult {
  return runSteps(parsePayloadSteps(input, limits));
}

/**
 * parsePayload yielding to the event loop every few ms of work: OTLP requests (up to 100 000 attributes) are
 * mapped in slices so other requests are served meanwhile; the other formats parse in one go as before.
 */
export function parsePayloadCooperatively(input: ParseInput, limits: ParseLimits): Promise<ParseResult> {
  return runStepsCooperatively(parsePayloadSteps(input, limits));
}

/** parsePayload as steps (OTLP mapping pauses; the other formats parse in one step). */
export function* parsePayloadSteps(input: ParseInput, limits: ParseLimits): Steps<ParseResult> {
  try {
    return yield* dispatch(input, limits);
  } catch (err) {
    throw asLightwatchError(err);
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

/** The body's kind after sniffing: JSON-ish when it starts with `{`/`[`, else `otherwise`. */
function sniff(body: Buffer, otherwise: BodyKind): BodyKind {
  for (let i = 0; i < body.length && i < 64; i++) {
    const c = body[i] as number;
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    if (c === 0xef && body[i + 1] === 0xbb && body[i + 2] === 0xbf) {
      i += 2;
      continue;
    }
    return c === 123 || c === 91 ? 'json' : otherwise;
  }
  return otherwise;
}

// A generator only so OTLP mapping can pause (`yield*`); every other case returns without yielding.
function* dispatch(input: ParseInput, limits: ParseLimits): Steps<ParseResult> {
  const { endpoint, body, params } = input;
  const defaultTarget = nonEmpty(input.target) ?? nonEmpty(params.target);
  const common = { maxItems: limits.maxItems, maxDepth: limits.maxDepth, defaultTarget };
  if (endpoint === 'heartbeat') {
    const latency = params.latencyMs === undefined ? undefined : Number(params.latencyMs);
    const item = parseHeartbeatPing({
      target: input.target ?? params.target ?? '',
      suffix: input.suffix ?? '',
      method: input.method ?? 'POST',
      body,
      ...(params.rid ? { rid: params.rid } : {}),
      ...(params.msg ? { message: params.msg } : {}),
      ...(latency !== undefined && Number.isFinite(latency) && latency >= 0 ? { latencyMs: latency } : {}),
    });
    return { items: [item], rejected: [], format: 'heartbeat_ping' };
  }
  const mt = parseContentType(input.contentType);
  const declared = bodyKindOf(mt);
  const refuse = (): never => {
    throw unsupportedMediaType(`/ingest/${endpointPath(endpoint)}`, mt.type, ACCEPTED_CONTENT_TYPES[endpoint] ?? []);
  };
  if (declared === undefined) refuse();
  const text = (): string => {
    assertUtf8Charset(mt);
    return decodeUtf8(body);
  };
  // An empty batch is valid for every protocol (and some agents flush empty ones): nothing to parse.
  const empty: ParseResult = { items: [], rejected: [], format: 'empty' };
  const native = NATIVE[endpoint];
  if (native) {
    let kind = declared as BodyKind;
    const forcedFormat = nonEmpty(params.format);
    if (kind === 'sniff') kind = endpoint === 'logs' && forcedFormat !== undefined ? 'text' : endpoint === 'logs' ? sniff(body, 'text') : 'json';
    if (kind === 'protobuf' || (kind === 'text' && endpoint !== 'logs')) refuse();
    if (body.length === 0) return empty;
    if (kind === 'text') {
      return parseTextBody(text(), { ...common, format: forcedFormat, maxLineBytes: limits.maxLineBytes, now: input.now });
    }
    return parseNativeBody(native.kind, text(), common, native.wrappers);
  }
  switch (endpoint) {
    case 'prometheus': {
      if (declared !== 'protobuf' && declared !== 'sniff') refuse();
      const proto = mt.params.proto;
      if (proto !== undefined && proto !== 'prometheus.WriteRequest') {
        throw unsupportedMediaType('/ingest/prometheus/write', `${mt.type};proto=${proto}`, ['application/x-protobuf (remote_write 1.0, proto=prometheus.WriteRequest)']);
      }
      if (body.length === 0) return empty;
      // Label counts are bounded as the series are read, before their labels are (prometheus.ts).
      return parsePrometheusSeries(body, { ...common, maxSeriesLabels: limits.maxSeriesLabels ?? DEFAULT_LABEL_LIMITS.maxLabels });
    }
    case 'loki': {
      const kind = declared === 'sniff' ? sniff(body, 'protobuf') : declared;
      if (kind !== 'json' && kind !== 'protobuf') return refuse();
      if (body.length === 0) return empty;
      const opts = { ...common, maxBodyBytes: limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES };
      return kind === 'json' ? parseLokiJson(text(), opts) : parseLokiProtobuf(body, opts);
    }
    case 'otlp_logs':
    case 'otlp_metrics': {
      const kind = declared === 'sniff' ? sniff(body, 'protobuf') : declared;
      if (kind !== 'json' && kind !== 'protobuf') return refuse();
      if (body.length === 0) return empty;
      const parse = endpoint === 'otlp_logs' ? otlpLogsSteps : otlpMetricsSteps;
      const opts = limits.maxAttributes === undefined ? common : { ...common, maxAttributes: limits.maxAttributes };
      return yield* parse(kind === 'json' ? text() : body, opts);
    }
    case 'telegram': {
      if (declared === 'protobuf' || declared === 'text') refuse();
      return body.length === 0 ? empty : parseTelegramUpdate(text(), { maxDepth: limits.maxDepth, maxLineBytes: limits.maxLineBytes, maxItems: limits.maxItems, now: input.now });
    }
    case 'alertmanager': {
      // Alertmanager's POST /api/v2/alerts as Prometheus sends it (through /api/am): alerts become alert log events.
      if (declared === 'protobuf' || declared === 'text') refuse();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text());
      } catch (err) {
        throw badRequest(`parsing alerts body from "" failed, because ${err instanceof Error ? err.message : String(err)}`, [], 'bad_json');
      }
      let out;
      try {
        out = alertsToDrafts(parsed, input.now, undefined, limits.alertTargetLabel);
      } catch (err) {
        throw badRequest(err instanceof Error ? err.message : String(err), [], 'bad_alerts');
      }
      if (out.drafts.length > limits.maxItems) throw badRequest(`more than ${limits.maxItems} alerts in one request`, [], 'too_many_items');
      return { items: out.drafts, rejected: out.rejected, format: 'alertmanager' };
    }
    case 'elasticsearch': {
      if (declared === 'protobuf' || declared === 'text') refuse();
      return body.length === 0 ? empty : parseBulk(text(), { ...common, defaultIndex: nonEmpty(params.index) });
    }
  }
  throw badRequest(`unknown ingest endpoint "${String(endpoint).slice(0, 40)}"`, [{ at: 'endpoint', message: `one of ${INGEST_ENDPOINTS.join(', ')}` }], 'unknown_endpoint');
}

function endpointPath(e: IngestEndpoint): string {
  switch (e) {
    case 'prometheus':
      return 'prometheus/write';
    case 'loki':
      return 'loki/api/v1/push';
    case 'otlp_logs':
      return 'otlp/v1/logs';
    case 'otlp_metrics':
      return 'otlp/v1/metrics';
    case 'elasticsearch':
      return 'elasticsearch/_bulk';
    default:
      return e;
  }
}
