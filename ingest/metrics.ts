// Prometheus metrics of the ingest service and its persister, with bounded label values only (kinds, formats
// and reasons come from fixed sets; anything else is counted as `other`). Get-or-create, so an all-in-one
// process (or a test) that builds two instances on one registry shares the series instead of throwing.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { EVENT_KINDS } from '../lib/events/event.js';

function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** Reasons a request or an item is refused; anything else is `other` (bounded label cardinality). */
export const REJECTION_REASONS = [
  'invalid_item',
  'malformed',
  'payload_too_large',
  'batch_too_large',
  'unsupported_media_type',
  'bad_encoding',
  'unauthenticated',
  'forbidden',
  'rate_limited',
  'unknown_target',
  'idempotency_in_progress',
  'idempotency_key_reused',
  'unavailable',
  /** The parse workers' byte budget was spent (503 + Retry-After). */
  'ingest_busy',
  'internal',
  'other',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

const KNOWN_KINDS = new Set<string>(EVENT_KINDS);
// The parsers' result formats (ParseResult.format), the forced text formats, and `grpc` for PushEvents.
const KNOWN_FORMATS = new Set([
  'json', 'ndjson', 'text', 'logfmt', 'rfc5424', 'rfc3164', 'syslog', 'clf', 'combined', 'nginx', 'apache', 'plain',
  'prometheus', 'loki_json', 'loki_protobuf', 'otlp_json', 'otlp_protobuf', 'elasticsearch_bulk', 'heartbeat_ping', 'grpc',
]);

export const kindLabel = (kind: string): string => (KNOWN_KINDS.has(kind) ? kind : 'unknown');
export const formatLabel = (format: string): string => (KNOWN_FORMATS.has(format) ? format : 'other');

/** Maps an error reason (LightwatchError.reason or code) onto the fixed set. */
export function reasonLabel(reason: string): RejectionReason {
  if ((REJECTION_REASONS as readonly string[]).includes(reason)) return reason as RejectionReason;
  if (reason === 'bad_request' || reason === 'unprocessable' || reason.startsWith('malformed') || reason.startsWith('invalid')) return 'malformed';
  if (reason === 'not_found') return 'unknown_target';
  if (reason === 'conflict') return 'idempotency_in_progress';
  if (reason.includes('gzip') || reason.includes('snappy') || reason.includes('encoding') || reason.includes('utf8')) return 'bad_encoding';
  if (reason.includes('too_large') || reason.includes('too_many')) return 'batch_too_large';
  return 'other';
}

export interface IngestMetrics {
  events: Counter<'kind' | 'format' | 'outcome'>;
  rejections: Counter<'reason'>;
  refused: Counter<'protocol' | 'reason'>;
  seriesRefused: Counter<'reason'>;
  requestBytes: Histogram<'endpoint'>;
  batchSize: Histogram<'endpoint'>;
  appendSeconds: Histogram;
  backlogEntries: Gauge;
}

export function ingestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    events: getOrCreate(registry, 'lightwatch_ingest_events_total', () =>
      new Counter({ name: 'lightwatch_ingest_events_total', help: 'Events accepted or rejected by ingest', labelNames: ['kind', 'format', 'outcome'] as const, registers }),
    ),
    rejections: getOrCreate(registry, 'lightwatch_ingest_rejections_total', () =>
      new Counter({ name: 'lightwatch_ingest_rejections_total', help: 'Rejected requests and items by reason', labelNames: ['reason'] as const, registers }),
    ),
    seriesRefused: getOrCreate(registry, 'lightwatch_metrics_refused_samples_total', () =>
      new Counter({
        name: 'lightwatch_metrics_refused_samples_total',
        help: 'remote_write samples refused at ingest by per-tenant series limits: reason labels_per_series (INGEST_MAX_SERIES_LABELS) or series_limit (METRICS_MAX_SERIES)',
        labelNames: ['reason'] as const,
        registers,
      }),
    ),
    refused: getOrCreate(registry, 'lightwatch_ingest_refused_total', () =>
      new Counter({
        name: 'lightwatch_ingest_refused_total',
        help: 'What ingest refused, by protocol (ingest endpoint) and reason: reason invalid_item counts refused items of otherwise accepted requests, every other reason counts whole refused requests',
        labelNames: ['protocol', 'reason'] as const,
        registers,
      }),
    ),
    requestBytes: getOrCreate(registry, 'lightwatch_ingest_request_bytes', () =>
      new Histogram({
        name: 'lightwatch_ingest_request_bytes',
        help: 'Ingest request body size (as received, before decompression)',
        labelNames: ['endpoint'] as const,
        buckets: [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216],
        registers,
      }),
    ),
    batchSize: getOrCreate(registry, 'lightwatch_ingest_batch_events', () =>
      new Histogram({
        name: 'lightwatch_ingest_batch_events',
        help: 'Items per ingest request',
        labelNames: ['endpoint'] as const,
        buckets: [1, 10, 100, 500, 1000, 5000, 10_000],
        registers,
      }),
    ),
    appendSeconds: getOrCreate(registry, 'lightwatch_ingest_append_seconds', () =>
      new Histogram({
        name: 'lightwatch_ingest_append_seconds',
        help: 'Time for one request\'s pipelined XADDs to be acknowledged by Redis',
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers,
      }),
    ),
    backlogEntries: getOrCreate(registry, 'lightwatch_ingest_persist_backlog_entries', () =>
      new Gauge({ name: 'lightwatch_ingest_persist_backlog_entries', help: 'Stream entries the persist group has not acknowledged (lag + pending), as last sampled', registers }),
    ),
  };
}

export interface PersisterMetrics {
  persisted: Counter;
  batches: Counter<'outcome'>;
  lagSeconds: Histogram;
  lagLastSeconds: Gauge;
  backlogEntries: Gauge;
  retentionWindowSeconds: Gauge;
  claimed: Counter;
  poison: Counter;
}

export function persisterMetrics(registry: Registry): PersisterMetrics {
  const registers = [registry];
  return {
    persisted: getOrCreate(registry, 'lightwatch_persist_events_total', () =>
      new Counter({ name: 'lightwatch_persist_events_total', help: 'Events written to the store by the persister (replays included)', registers }),
    ),
    batches: getOrCreate(registry, 'lightwatch_persist_batches_total', () =>
      new Counter({ name: 'lightwatch_persist_batches_total', help: 'Store writes by outcome', labelNames: ['outcome'] as const, registers }),
    ),
    lagSeconds: getOrCreate(registry, 'lightwatch_persist_lag_seconds', () =>
      new Histogram({
        name: 'lightwatch_persist_lag_seconds',
        help: 'Time from an event\'s receivedAt to its store write',
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
        registers,
      }),
    ),
    lagLastSeconds: getOrCreate(registry, 'lightwatch_persist_lag_last_seconds', () =>
      new Gauge({ name: 'lightwatch_persist_lag_last_seconds', help: 'Largest receivedAt-to-store-write delay of the last write (alert on this)', registers }),
    ),
    backlogEntries: getOrCreate(registry, 'lightwatch_persist_backlog_entries', () =>
      new Gauge({ name: 'lightwatch_persist_backlog_entries', help: 'Stream entries not yet acknowledged by the persist group, as seen by the persister', registers }),
    ),
    retentionWindowSeconds: getOrCreate(registry, 'lightwatch_persist_stream_retention_seconds', () =>
      new Gauge({
        name: 'lightwatch_persist_stream_retention_seconds',
        help: 'How long persisted entries stay in the streams (the WebSocket resume window): STREAM_RETENTION_MS, less while Redis is over STREAM_RETENTION_MAX_MB',
        registers,
      }),
    ),
    claimed: getOrCreate(registry, 'lightwatch_persist_claimed_entries_total', () =>
      new Counter({ name: 'lightwatch_persist_claimed_entries_total', help: 'Entries reclaimed from idle consumers (XAUTOCLAIM)', registers }),
    ),
    poison: getOrCreate(registry, 'lightwatch_persist_undecodable_entries_total', () =>
      new Counter({ name: 'lightwatch_persist_undecodable_entries_total', help: 'Entries that could not be decoded and were acknowledged without a write', registers }),
    ),
  };
}
