// Event reads and metric series: the request is validated again here (the gateway's parsing is a
// convenience, not a guarantee; any gRPC client can call the service), then handed to the store as typed
// values scoped to the caller's tenant.
import type { MetricSeriesRequest, MetricSeriesResponse, QueryEventsRequest, QueryEventsResponse } from '../proto/gen/lightwatch/v1/query.js';
import { eventToWire } from '../lib/api/event-wire.js';
import { DEFAULT_LIMIT, MAX_LIMIT, MAX_SERIES_POINTS, ParamProblems } from '../lib/api/params.js';
import { FILTER_LIMITS, KIND_FILTERS, filterValues } from '../lib/events/filters.js';
import { MAX_EPOCH_MS } from '../lib/api/time.js';
import { EVENT_KINDS, type EventKind } from '../lib/events/event.js';
import type { Principal } from '../lib/auth/principal.js';
import type { EventQuery, Page, SeriesPoint, SeriesQuery, StoredEvent } from '../lib/store/types.js';
import type { MetricBody } from '../lib/events/event.js';
import { decodeCursor, encodeCursor, fingerprint } from '../lib/store/cursor.js';
import { eventLabelsOf } from '../lib/tsdb/batch.js';
import { bucketSamples, finishBuckets } from '../lib/tsdb/buckets.js';
import type { SampleQuery } from '../lib/tsdb/port.js';
import type { ServiceContext } from './context.js';

export const MAX_CURSOR_LENGTH = 1024;
export const DEFAULT_SERIES_WINDOW_MS = 3_600_000;
/** Samples one `/api/metrics/series` request reads at most (beyond, the last buckets are left out). */
const MAX_BUCKETED_SAMPLES = 5_000_000;
/** Steps chosen when none is given: the smallest giving at most AUTO_POINTS points. */
const AUTO_STEPS_MS = [1e3, 5e3, 10e3, 15e3, 30e3, 60e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 10800e3, 21600e3, 43200e3, 86400e3];
const AUTO_POINTS = 300;

function int64(raw: string, at: string, problems: ParamProblems): number {
  const n = Number(raw || '0');
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_EPOCH_MS) {
    problems.add(at, 'must be epoch milliseconds (0 = unbounded)');
    return 0;
  }
  return n;
}

function checkLabels(labels: Record<string, string>, problems: ParamProblems): void {
  const keys = Object.keys(labels);
  if (keys.length > FILTER_LIMITS.labels) problems.add('labels', `at most ${FILTER_LIMITS.labels} label filters`);
  for (const k of keys) {
    if (!k || k.length > FILTER_LIMITS.labelName) problems.add(`label.${k.slice(0, 40)}`, `label name must be 1-${FILTER_LIMITS.labelName} characters`);
    else if ((labels[k] ?? '').length > FILTER_LIMITS.value) problems.add(`label.${k}`, `longer than ${FILTER_LIMITS.value} characters`);
  }
}

/** The store query for a QueryEventsRequest, or a 400 naming every problem. */
export function eventQueryFromRequest(tenant: string, req: QueryEventsRequest): EventQuery {
  const problems = new ParamProblems();
  const kind = req.kind as EventKind;
  if (!(EVENT_KINDS as readonly string[]).includes(req.kind)) {
    problems.add('kind', `must be one of ${EVENT_KINDS.join(', ')}`);
    problems.throwIfAny();
  }
  const filters = { level: req.level, severity: req.severity, category: req.category, status: req.status, name: req.name, text: req.text };
  const out: EventQuery = { tenant, kind, limit: DEFAULT_LIMIT, order: 'desc' };
  for (const [key, value] of Object.entries(filters) as [keyof typeof filters, string][]) {
    if (!value) continue;
    if (!KIND_FILTERS[kind].includes(key)) {
      problems.add(key, `does not apply to ${kind} events`);
      continue;
    }
    if (value.length > FILTER_LIMITS.value) {
      problems.add(key, `longer than ${FILTER_LIMITS.value} characters`);
      continue;
    }
    const allowed = filterValues(kind, key);
    if (allowed && !allowed.includes(value)) {
      problems.add(key, `must be one of ${allowed.join(', ')}`);
      continue;
    }
    out[key] = value;
  }
  if (req.target) {
    if (req.target.length > FILTER_LIMITS.value) problems.add('target', `longer than ${FILTER_LIMITS.value} characters`);
    else out.target = req.target;
  }
  checkLabels(req.labels, problems);
  if (Object.keys(req.labels).length > 0) out.labels = { ...req.labels };
  const from = int64(req.from, 'from', problems);
  const to = int64(req.to, 'to', problems);
  if (from > 0) out.from = from;
  if (to > 0) out.to = to;
  if (from > 0 && to > 0 && from >= to) problems.add('from', 'must be before to');
  if (req.limit !== 0) {
    if (!Number.isInteger(req.limit) || req.limit < 1 || req.limit > MAX_LIMIT) problems.add('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
    else out.limit = req.limit;
  }
  if (req.order) {
    if (req.order !== 'asc' && req.order !== 'desc') problems.add('order', 'must be asc or desc');
    else out.order = req.order;
  }
  if (req.cursor) {
    if (req.cursor.length > MAX_CURSOR_LENGTH) problems.add('cursor', 'not a cursor this API issued');
    else out.cursor = req.cursor;
  }
  problems.throwIfAny();
  return out;
}

export async function queryEvents(ctx: ServiceContext, principal: Principal, req: QueryEventsRequest): Promise<QueryEventsResponse> {
  const query = eventQueryFromRequest(principal.tenant, req);
  const page = query.kind === 'metric' ? await querySamples(ctx, query) : await ctx.store.queryEvents(query);
  return { items: page.items.map(eventToWire), nextCursor: page.nextCursor ?? '' };
}

/** `/api/metrics`: samples of the series store as canonical metric events, keyset-paged on (ts, series). */
async function querySamples(ctx: ServiceContext, q: EventQuery): Promise<Page<StoredEvent>> {
  const filter = fingerprint({ kind: 'metric', name: q.name, target: q.target, labels: q.labels, from: q.from, to: q.to });
  const sq: SampleQuery = { tenant: q.tenant, limit: q.limit + 1, order: q.order };
  if (q.name !== undefined) sq.name = q.name;
  if (q.target !== undefined) sq.target = q.target;
  if (q.labels !== undefined) sq.labels = q.labels;
  if (q.from !== undefined) sq.from = q.from;
  if (q.to !== undefined) sq.to = q.to;
  if (q.cursor !== undefined) {
    const at = decodeCursor(q.cursor, { order: q.order, filter });
    sq.after = { ts: at.ts, seriesId: at.id };
  }
  const rows = await ctx.store.metrics.samples(sq);
  const more = rows.length > q.limit;
  const items = rows.slice(0, q.limit).map((r): StoredEvent => {
    const body: MetricBody = { name: r.labels.__name__ ?? '', value: r.value, type: r.type };
    if (r.unit !== undefined) body.unit = r.unit;
    return { id: `${r.seriesId}-${r.ts}`, tenant: q.tenant, kind: 'metric', target: r.target, ts: r.ts, receivedAt: r.ts, labels: eventLabelsOf(r.target, r.labels), body };
  });
  const last = rows[q.limit - 1];
  return { items, nextCursor: more && last ? encodeCursor({ ts: last.ts, id: last.seriesId, order: q.order, filter }) : null };
}

export function autoStep(spanMs: number): number {
  return AUTO_STEPS_MS.find((s) => spanMs / s <= AUTO_POINTS) ?? Math.ceil(spanMs / AUTO_POINTS / 86_400_000) * 86_400_000;
}

/** The store query for a MetricSeriesRequest (window defaults to the last hour, step to about 300 points). */
export function seriesQueryFromRequest(tenant: string, req: MetricSeriesRequest, now: number): SeriesQuery {
  const problems = new ParamProblems();
  if (!req.name) problems.add('name', 'the metric name is required');
  if (req.name.length > FILTER_LIMITS.value) problems.add('name', `longer than ${FILTER_LIMITS.value} characters`);
  if (req.target.length > FILTER_LIMITS.value) problems.add('target', `longer than ${FILTER_LIMITS.value} characters`);
  checkLabels(req.labels, problems);
  const to = int64(req.to, 'to', problems) || now;
  const from = int64(req.from, 'from', problems) || Math.max(0, to - DEFAULT_SERIES_WINDOW_MS);
  if (from >= to) problems.add('from', 'must be before to');
  const given = Number(req.stepMs || '0');
  if (!Number.isSafeInteger(given) || given < 0) problems.add('step', 'must be a positive number of milliseconds');
  problems.throwIfAny();
  const stepMs = given > 0 ? given : autoStep(to - from);
  const points = Math.ceil((to - from) / stepMs);
  if (points > MAX_SERIES_POINTS) {
    problems.add('step', `this window and step give ${points} points; at most ${MAX_SERIES_POINTS}: use a larger step or a shorter window`);
    problems.throwIfAny();
  }
  const q: SeriesQuery = { tenant, name: req.name, from, to, stepMs };
  if (req.target) q.target = req.target;
  if (Object.keys(req.labels).length > 0) q.labels = { ...req.labels };
  return q;
}

export async function metricSeries(ctx: ServiceContext, principal: Principal, req: MetricSeriesRequest): Promise<MetricSeriesResponse> {
  const q = seriesQueryFromRequest(principal.tenant, req, ctx.now());
  const sq: SampleQuery = { tenant: q.tenant, name: q.name, from: q.from, to: q.to, limit: MAX_BUCKETED_SAMPLES, order: 'asc' };
  if (q.target !== undefined) sq.target = q.target;
  if (q.labels !== undefined) sq.labels = q.labels;
  const rows = await ctx.store.metrics.samples(sq);
  const buckets = new Map<number, SeriesPoint & { sum: number }>();
  bucketSamples(rows.map((r) => r.ts), rows.map((r) => r.value), q.from, q.stepMs, buckets);
  const points = finishBuckets(buckets);
  return { points: points.map((p) => ({ t: String(p.t), avg: p.avg, min: p.min, max: p.max, count: String(p.count) })), stepMs: String(q.stepMs) };
}
