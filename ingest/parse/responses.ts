// What each compatibility endpoint answers, in the shape its real clients check: the Elasticsearch bulk
// response (Filebeat, Fluent Bit, Logstash and rsyslog read `errors` and each item's `status`), the OTLP
// export response (full or partial success, JSON or protobuf), Loki's 204 and Prometheus' 204. Pure.
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import type { LightwatchError } from '../../lib/errors/errors.js';
import { ExportLogsServiceResponse } from '../../proto/gen/compat/opentelemetry/proto/collector/logs/v1/logs_service.js';
import { ExportMetricsServiceResponse } from '../../proto/gen/compat/opentelemetry/proto/collector/metrics/v1/metrics_service.js';
import type { BulkAction, BulkActionMeta } from './elasticsearch.js';
import type { Rejection } from './values.js';

/** An HTTP answer: status, content type (absent when there is no body) and body. */
export interface CompatResponse {
  status: number;
  contentType?: string;
  body: string | Uint8Array;
}

// ---- Elasticsearch ----------------------------------------------------------------------------------

export interface BulkItemOutcome {
  action: BulkAction;
  index: string;
  id: string;
  /** 201 created, 400 rejected (or another HTTP status). */
  status: number;
  error?: { type: string; reason: string };
}

export interface BulkResponse {
  took: number;
  errors: boolean;
  items: Record<string, Record<string, unknown>>[];
}

/** `{took, errors, items: [{index: {_index, _id, status, result | error}}]}`, one item per action, in order. */
export function buildBulkResponse(items: readonly BulkItemOutcome[], tookMs = 0): BulkResponse {
  let errors = false;
  const out = items.map((it) => {
    const body: Record<string, unknown> = { _index: it.index, _id: it.id, status: it.status };
    if (it.status < 300) {
      Object.assign(body, { _version: 1, result: 'created', _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: 0, _primary_term: 1 });
    } else {
      errors = true;
      body.error = it.error ?? { type: 'illegal_argument_exception', reason: 'rejected' };
    }
    return { [it.action]: body };
  });
  return { took: Math.max(0, Math.round(tookMs)), errors, items: out };
}

/**
 * Bulk outcomes from the parse metadata and what happened to each action: `accepted` gives the event id of
 * each accepted action (by action index), `rejected` the reasons (parse or normalization). An action that
 * is in neither (all its events were dropped as duplicates, say) counts as created.
 */
export function bulkOutcomes(meta: readonly BulkActionMeta[], accepted: readonly { index: number; id: string }[], rejected: readonly Rejection[]): BulkItemOutcome[] {
  const ids = new Map<number, string>();
  for (const a of accepted) if (!ids.has(a.index)) ids.set(a.index, a.id);
  const errors = new Map<number, string>();
  for (const r of rejected) if (!errors.has(r.index)) errors.set(r.index, r.error);
  return meta.map((m, i) => {
    const id = m.id ?? ids.get(i) ?? '';
    const error = errors.get(i);
    if (error === undefined) return { action: m.action, index: m.index, id, status: 201 };
    const unsupported = m.action === 'delete' || m.action === 'update';
    return {
      action: m.action,
      index: m.index,
      id,
      status: 400,
      error: { type: unsupported ? 'illegal_argument_exception' : 'document_parsing_exception', reason: error },
    };
  });
}

/**
 * What `GET /` answers so that Beats and Logstash accept the endpoint as an Elasticsearch cluster (they
 * read `version.number` before the first bulk request).
 */
export function elasticsearchRootInfo(): Record<string, unknown> {
  return {
    name: 'lightwatch',
    cluster_name: 'lightwatch',
    cluster_uuid: 'lightwatch',
    version: {
      number: '8.11.0',
      build_flavor: 'default',
      build_type: 'docker',
      lucene_version: '9.8.0',
      minimum_wire_compatibility_version: '7.17.0',
      minimum_index_compatibility_version: '7.0.0',
    },
    tagline: 'You Know, for Search',
  };
}

// ---- OTLP -------------------------------------------------------------------------------------------

export type OtlpSignal = 'logs' | 'metrics';

function isProtobuf(contentType: string): boolean {
  return contentType.toLowerCase().includes('protobuf');
}

/**
 * 200 with an empty response on full success, or `partial_success` with the number of rejected records /
 * data points and the first reasons. Encoded as the request was (JSON or protobuf).
 */
export function otlpExportResponse(signal: OtlpSignal, requestContentType: string, rejected: readonly Rejection[]): CompatResponse {
  const rejectedCount = new Set(rejected.map((r) => r.index)).size;
  const errorMessage = rejected.length === 0 ? '' : summarize(rejected);
  if (isProtobuf(requestContentType)) {
    const body =
      signal === 'logs'
        ? ExportLogsServiceResponse.encode(rejectedCount === 0 ? {} : { partialSuccess: { rejectedLogRecords: String(rejectedCount), errorMessage } }).finish()
        : ExportMetricsServiceResponse.encode(rejectedCount === 0 ? {} : { partialSuccess: { rejectedDataPoints: String(rejectedCount), errorMessage } }).finish();
    return { status: 200, contentType: 'application/x-protobuf', body };
  }
  const key = signal === 'logs' ? 'rejectedLogRecords' : 'rejectedDataPoints';
  const json = rejectedCount === 0 ? {} : { partialSuccess: { [key]: String(rejectedCount), errorMessage } };
  return { status: 200, contentType: 'application/json', body: JSON.stringify(json) };
}

/** gRPC codes OTLP/HTTP error bodies use (google.rpc.Status.code). */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 413: 3, 415: 3, 422: 3, 429: 8, 503: 14 };

/** An OTLP error body: google.rpc.Status `{code, message}` as JSON or protobuf, with the error's HTTP status. */
export function otlpErrorResponse(err: LightwatchError, requestContentType: string): CompatResponse {
  const code = GRPC_CODE[err.httpStatus] ?? 13;
  if (isProtobuf(requestContentType)) {
    const w = new BinaryWriter();
    w.uint32(8).int32(code);
    w.uint32(18).string(err.message);
    return { status: err.httpStatus, contentType: 'application/x-protobuf', body: w.finish() };
  }
  return { status: err.httpStatus, contentType: 'application/json', body: JSON.stringify({ code, message: err.message }) };
}

// ---- Loki and Prometheus ----------------------------------------------------------------------------

/**
 * Loki answers 204 with no body; when entries were rejected it answers 400 with a text body naming them
 * (as Loki does: the accepted entries are kept, the client does not retry a 400).
 */
export function lokiPushResponse(rejected: readonly Rejection[]): CompatResponse {
  if (rejected.length === 0) return { status: 204, body: '' };
  return { status: 400, contentType: 'text/plain; charset=utf-8', body: summarize(rejected) };
}

/** remote_write: 204 on success; 400 (not retried by Prometheus) naming the rejected samples otherwise. */
export function prometheusWriteResponse(rejected: readonly Rejection[]): CompatResponse {
  if (rejected.length === 0) return { status: 204, body: '' };
  return { status: 400, contentType: 'text/plain; charset=utf-8', body: summarize(rejected) };
}

/** The first few rejections as one line each, and how many more there were. */
export function summarize(rejected: readonly Rejection[], max = 10): string {
  const lines = rejected.slice(0, max).map((r) => `item ${r.index}: ${r.error}`);
  if (rejected.length > max) lines.push(`... and ${rejected.length - max} more`);
  return lines.join('\n');
}
