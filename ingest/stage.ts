// Staging a request, the pure part of ingest: decode and parse the body (Prepared), then normalize the items and
// encode the events as stream entries (Staged). The ingest service runs these steps cooperatively on the event
// loop for small bodies, with its I/O (heartbeat targets, series limits) between the two halves; a parse worker
// thread runs the same steps for large bodies (ingest/offload). Pure apart from the injected id generator.
import type { IdGenerator } from '../lib/events/ids.js';
import type { Steps } from '../lib/lifecycle/steps.js';
import type { StreamNames } from '../lib/streams/partition.js';
import type { BatchSeries } from '../lib/tsdb/batch.js';
import { encodeAppend, type EncodedAppend } from './appender/appender.js';
import type { Accepted } from './compat.js';
import { normalizeSteps, type NormalizeItem, type NormalizeLimits } from './normalize/normalize.js';
import { decodeBody, parsePayloadSteps, type IngestEndpoint, type ParseLimits, type ParseResult, type Rejection } from './parse/index.js';

/** What a body becomes once parsed, and what its answer needs. */
export interface Prepared {
  items: NormalizeItem[];
  rejected: Rejection[];
  format: string;
  /** For `/ingest/heartbeat/{target}`: the target named in the path. */
  defaultTarget?: string;
  /** Whole-request 404 when a single ping names an unknown target (otherwise items are rejected). */
  singlePing: boolean;
  endpoint: IngestEndpoint | 'grpc';
  /** Parser's view of the request, for compatibility answers. */
  parsed?: ParseResult;
}

/** A request ready to be written, and what its answer needs. */
export interface Staged {
  encoded: EncodedAppend;
  accepted: number;
  byKind: Map<string, number>;
  rejected: Rejection[];
  format: string;
  endpoint: IngestEndpoint | 'grpc';
  /** Elasticsearch only: the parse result (bulk actions) and the id of each accepted item. */
  parsed?: ParseResult;
  ids?: Accepted[];
}

/** A PushRequest's body and what says how to read it. */
export interface PushBody {
  endpoint: IngestEndpoint;
  contentType: string;
  contentEncoding: string;
  body: Buffer;
  params: Readonly<Record<string, string>>;
  target: string;
  suffix: string;
}

/**
 * Decodes (unless `decoded` is given: the caller did it already) and parses a pushed body. `now`: the parsers'
 * clock (RFC 3164 syslog has no year).
 */
export function* prepareSteps(request: PushBody, limits: ParseLimits & { maxBodyBytes: number }, now: number, decoded?: Buffer): Steps<Prepared> {
  const { endpoint } = request;
  const body = decoded ?? decodeBody(request.body, request.contentEncoding, limits.maxBodyBytes);
  const parsed = yield* parsePayloadSteps(
    {
      endpoint,
      contentType: request.contentType,
      body,
      params: request.params,
      ...(request.target ? { target: request.target } : {}),
      ...(request.suffix ? { suffix: request.suffix } : {}),
      now,
    },
    limits,
  );
  return {
    items: parsed.items,
    rejected: [...parsed.rejected],
    format: parsed.format,
    ...(endpoint === 'heartbeat' && request.target ? { defaultTarget: request.target } : {}),
    singlePing: endpoint === 'heartbeat',
    endpoint,
    parsed,
  };
}

/** Target named by each heartbeat item, by item index (empty for a request without heartbeats). */
export function heartbeatTargets(p: Prepared): Map<number, string> {
  const named = new Map<number, string>();
  for (const it of p.items) {
    if (it.draft.kind !== 'heartbeat') continue;
    const t = it.draft.target ?? p.defaultTarget;
    if (t) named.set(it.index, t);
  }
  return named;
}

export interface FinishContext {
  tenant: string;
  receivedAt: number;
  ids: IdGenerator;
  idempotencyKey: string;
  names: StreamNames;
  normalize: NormalizeLimits;
  /** The request created a target (its entries are marked, so the detector loads it first). */
  configChanged: boolean;
  /** remote_write's series, as admitted. */
  series: readonly BatchSeries[];
}

function kindCounts(events: readonly { kind: string }[]): Map<string, number> {
  const byKind = new Map<string, number>();
  for (const e of events) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
  return byKind;
}

/**
 * Normalizes and encodes: the request's events as stream entries, and what the answer needs once Redis has
 * them. The drafts and events stay behind in this frame, so nothing of them is kept alive while the request
 * waits for Redis (with several requests in flight, whatever is kept across that wait survives young-generation
 * collections, which then cost most of the GC time). Pauses between events (a request may carry 10 000).
 */
export function* finishSteps(p: Prepared, ctx: FinishContext): Steps<Staged> {
  const { tenant, receivedAt, ids, idempotencyKey, series } = ctx;
  const norm = yield* normalizeSteps(
    p.items,
    { tenant, receivedAt, ids, ...(idempotencyKey ? { idempotencyKey } : {}), ...(p.defaultTarget ? { defaultTarget: p.defaultTarget } : {}) },
    ctx.normalize,
  );
  let seriesSamples = 0;
  for (const x of series) seriesSamples += x.timestamps.length;
  const byKind = kindCounts(norm.events);
  if (seriesSamples > 0) byKind.set('metric', (byKind.get('metric') ?? 0) + seriesSamples);
  const staged: Staged = {
    // A created target is marked on the entries, so the detector loads it before applying them. Metric
    // samples go in as series (metric-batch entries), not one event each.
    encoded: encodeAppend(ctx.names, norm.events, { configChanged: ctx.configChanged, alerts: p.endpoint === 'alertmanager', metrics: { tenant, receivedAt, batchId: ids.next(receivedAt), series } }),
    accepted: norm.events.length + seriesSamples,
    byKind,
    rejected: [...p.rejected, ...norm.rejected].sort((a, b) => a.index - b.index),
    format: p.format,
    endpoint: p.endpoint,
  };
  // Only the Elasticsearch answer names ids and actions.
  if (p.endpoint === 'elasticsearch') {
    // The actions only: the drafts stay behind (and need not cross back from a parse worker).
    staged.parsed = { items: [], rejected: [], format: p.format, ...(p.parsed?.bulk ? { bulk: p.parsed.bulk } : {}) };
    staged.ids = norm.eventIndexes.map((index, k) => ({ index, id: (norm.events[k] as { id: string }).id }));
  }
  return staged;
}
