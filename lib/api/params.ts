// Query-string parsing for the /api event reads, in one place: the gateway turns `?target=&label.env=&from=…`
// into the typed QueryService request with these functions, and the query service validates the request it
// receives against the same limits. Parameters become typed values only: an unknown key such as
// `target[$ne]` is rejected (400 listing it), never passed on, so nothing can reach a store as an operator.
import type { MetricSeriesRequest, QueryEventsRequest } from '../../proto/gen/lightwatch/v1/query.js';
import { badRequest, type ErrorDetail } from '../errors/errors.js';
import type { EventKind } from '../events/event.js';
import { FILTER_LIMITS, KIND_FILTERS } from '../events/filters.js';
import { parseDuration, parseInstant } from './time.js';

export type QueryParams = Readonly<Record<string, string | readonly string[] | undefined>>;

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** Most points one series request may produce: (to - from) / step. */
export const MAX_SERIES_POINTS = 10_000;
export const LABEL_PREFIX = 'label.';

/** The HTTP collections of event reads and the event kind each one reads. */
export const EVENT_COLLECTIONS = {
  logs: 'log',
  metrics: 'metric',
  events: 'security',
  heartbeats: 'heartbeat',
  checks: 'check',
} as const satisfies Record<string, EventKind>;
export type EventCollection = keyof typeof EVENT_COLLECTIONS;

export { KIND_FILTERS } from '../events/filters.js';
export const COMMON_EVENT_PARAMS = ['target', 'from', 'to', 'limit', 'order', 'cursor'] as const;
export const SERIES_PARAMS = ['name', 'target', 'from', 'to', 'step'] as const;

/** Collects every problem of one request so the caller sees all of them at once. */
export class ParamProblems {
  readonly details: ErrorDetail[] = [];
  add(at: string, message: string): void {
    this.details.push({ at, message });
  }
  throwIfAny(): void {
    if (this.details.length === 0) return;
    const first = this.details[0] as ErrorDetail;
    const more = this.details.length > 1 ? ` (and ${this.details.length - 1} more problem${this.details.length > 2 ? 's' : ''})` : '';
    throw badRequest(`invalid query parameter ${first.at}: ${first.message}${more}`, this.details, 'invalid_parameter');
  }
}

/**
 * Single values of the allowed parameters (plus `label.*` when `labels` is set). Unknown keys and repeated
 * keys are problems: a repeated `target` would otherwise be resolved differently by different layers.
 */
export function pickParams(params: QueryParams, allowed: readonly string[], problems: ParamProblems, opts: { labels?: boolean } = {}): { values: Map<string, string>; labels: Record<string, string> } {
  const values = new Map<string, string>();
  const labels: Record<string, string> = {};
  const unknown: string[] = [];
  let labelCount = 0;
  for (const [key, raw] of Object.entries(params)) {
    if (raw === undefined) continue;
    const isLabel = opts.labels === true && key.startsWith(LABEL_PREFIX);
    if (!isLabel && !allowed.includes(key)) {
      unknown.push(key);
      continue;
    }
    if (typeof raw !== 'string') {
      if (raw.length > 1) {
        problems.add(key, 'given more than once');
        continue;
      }
    }
    const value = typeof raw === 'string' ? raw : (raw[0] ?? '');
    if (value.length > FILTER_LIMITS.value) {
      problems.add(key, `longer than ${FILTER_LIMITS.value} characters`);
      continue;
    }
    if (isLabel) {
      const name = key.slice(LABEL_PREFIX.length);
      if (!name || name.length > FILTER_LIMITS.labelName) problems.add(key, `label name must be 1-${FILTER_LIMITS.labelName} characters`);
      else if (++labelCount > FILTER_LIMITS.labels) problems.add(key, `at most ${FILTER_LIMITS.labels} label filters`);
      else labels[name] = value;
      continue;
    }
    // An empty value (`?target=`) means "not given", as a form would send it.
    if (value !== '') values.set(key, value);
  }
  for (const key of unknown) {
    problems.add(key, `unknown query parameter; accepted: ${[...allowed, ...(opts.labels ? ['label.<name>'] : [])].join(', ')}`);
  }
  return { values, labels };
}

export function instantParam(values: Map<string, string>, key: string, problems: ParamProblems): number {
  const raw = values.get(key);
  if (raw === undefined) return 0;
  const ms = parseInstant(raw);
  if (ms === null) {
    problems.add(key, `expected RFC 3339 (2024-05-01T12:00:00Z) or epoch milliseconds, got ${JSON.stringify(raw.slice(0, 40))}`);
    return 0;
  }
  return ms;
}

export function checkRange(from: number, to: number, problems: ParamProblems): void {
  if (from > 0 && to > 0 && from >= to) problems.add('from', 'must be before to');
}

function limitParam(values: Map<string, string>, problems: ParamProblems): number {
  const raw = values.get('limit');
  if (raw === undefined) return 0;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIMIT) {
    problems.add('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
    return 0;
  }
  return Number(raw);
}

/** The QueryService request for `GET /api/{collection}?…`; throws 400 with every problem found. */
export function eventsRequestFromParams(kind: EventKind, params: QueryParams): QueryEventsRequest {
  const problems = new ParamProblems();
  const filters = KIND_FILTERS[kind];
  const { values, labels } = pickParams(params, [...COMMON_EVENT_PARAMS, ...filters], problems, { labels: true });
  const from = instantParam(values, 'from', problems);
  const to = instantParam(values, 'to', problems);
  checkRange(from, to, problems);
  const limit = limitParam(values, problems);
  const order = values.get('order') ?? '';
  if (order !== '' && order !== 'asc' && order !== 'desc') problems.add('order', 'must be asc or desc');
  problems.throwIfAny();
  return {
    kind,
    target: values.get('target') ?? '',
    labels,
    level: values.get('level') ?? '',
    severity: values.get('severity') ?? '',
    category: values.get('category') ?? '',
    status: values.get('status') ?? '',
    name: values.get('name') ?? '',
    text: values.get('text') ?? '',
    from: String(from),
    to: String(to),
    limit,
    order,
    cursor: values.get('cursor') ?? '',
  };
}

/** The QueryService request for `GET /api/metrics/series?name=&step=…`; throws 400 with every problem found. */
export function seriesRequestFromParams(params: QueryParams): MetricSeriesRequest {
  const problems = new ParamProblems();
  const { values, labels } = pickParams(params, SERIES_PARAMS, problems, { labels: true });
  const name = values.get('name') ?? '';
  if (!name) problems.add('name', 'the metric name is required');
  const from = instantParam(values, 'from', problems);
  const to = instantParam(values, 'to', problems);
  checkRange(from, to, problems);
  let stepMs = 0;
  const step = values.get('step');
  if (step !== undefined) {
    const ms = parseDuration(step);
    if (ms === null || ms < 1) problems.add('step', `expected a duration such as 60s, 5m, 1h or milliseconds, got ${JSON.stringify(step.slice(0, 40))}`);
    else stepMs = ms;
  }
  problems.throwIfAny();
  return { name, target: values.get('target') ?? '', labels, from: String(from), to: String(to), stepMs: String(stepMs) };
}
