// What the ingest API needs to know, as one typed object (the process config in lib/config maps environment
// variables onto it).
import type { NormalizeLimits } from './normalize/normalize.js';
import type { ParseOffloadConfig } from './offload/offload.js';

export interface IngestConfig {
  /** Request body limit after decompression (default 5 MiB). */
  maxBodyBytes: number;
  /** Items per request (default 10 000). */
  maxItems: number;
  /** OTLP attributes in one request (default 100 000). */
  maxAttributes?: number;
  /** Labels of one remote_write series (default 64). */
  maxSeriesLabels?: number;
  /** The label naming an Alertmanager-API alert's target (default instance; then job, then alertname). */
  alertTargetLabel?: string;
  /** JSON nesting depth. */
  maxDepth: number;
  /** One line of a text/NDJSON body, and one gRPC log's fieldsJson. */
  maxLineBytes: number;
  normalize: NormalizeLimits;
  /**
   * Unpersisted backlog bound in STREAM ENTRIES (entries of the partition streams the `persist` group has not
   * acknowledged: XINFO GROUPS lag + pending, summed). Past it, ingest answers 429 + Retry-After. One entry
   * holds one request's events of one partition (≤ ~1 MB), so Redis memory held by the backlog is about
   * this × the typical entry size. 0 disables the bound.
   */
  persistBacklogLimit: number;
  /** Kept in the streams for realtime's resume window (the persister trims behind it). */
  streamRetentionMs: number;
  /** How long an Idempotency-Key's answer is replayed (default 24 h). */
  idempotencyTtlMs: number;
  /** Large bodies parsed on worker threads (default DEFAULT_PARSE_OFFLOAD: 2 threads, bodies over 64 KiB, 32 MiB at once). */
  parseOffload?: ParseOffloadConfig;
  /** Backlog sampling period (default 250 ms). */
  backlogSampleMs?: number;
}
