// What each store read accepts, checked once for both adapters: every filter value must be a plain string or an
// integer (an object such as `{$ne: 'x'}` is refused, never passed on as an operator), the filter must apply to
// the event kind, and a cursor must belong to this exact filter. Also which body field each filter reads, so
// the SQLite and MongoDB adapters agree. Pure; no I/O.
import { EVENT_KINDS, type EventKind } from '../events/event.js';
import { FILTER_LIMITS, INCIDENT_STATES, KIND_FILTERS, filterValues } from '../events/filters.js';
import { badRequest, type LightwatchError } from '../errors/errors.js';
import { decodeCursor, fingerprint, type SortOrder } from './cursor.js';
import type { IncidentFilter } from './port.js';
import type { EventQuery, IncidentStatus, SeriesQuery } from './types.js';

export const MAX_PAGE_LIMIT = 1000;
export const MAX_SERIES_POINTS = 10_000;

export { eventStatus, KIND_FILTERS, type FilterName } from '../events/filters.js';

/** The body field `text` searches (case-insensitive substring), per kind. */
export const TEXT_FIELD: Readonly<Partial<Record<EventKind, string>>> = {
  log: 'message',
  security: 'message',
  heartbeat: 'log',
  check: 'error',
  incident: 'title',
};

/** A checked event filter: only known fields, typed values, labels as sorted pairs. */
export interface EventFilter {
  tenant: string;
  kind: EventKind;
  target?: string;
  labels: Array<[string, string]>;
  level?: string;
  severity?: string;
  category?: string;
  status?: string;
  name?: string;
  /** Lower-cased needle. */
  text?: string;
  /** Inclusive lower bound on ts, epoch ms. */
  from?: number;
  /** Exclusive upper bound on ts, epoch ms. */
  to?: number;
}

export interface CheckedEventQuery {
  filter: EventFilter;
  limit: number;
  order: SortOrder;
  /** Keyset position to continue after. */
  after?: { ts: number; id: string };
  /** `fingerprint(filter)`, stored in the cursors this query hands out. */
  fingerprint: string;
}

function invalid(at: string, message: string): LightwatchError {
  return badRequest(`${at}: ${message}`, [{ at, message }]);
}

export function requireString(value: unknown, at: string, opts: { allowEmpty?: boolean } = {}): string {
  if (typeof value !== 'string') throw invalid(at, 'must be a string');
  if (!opts.allowEmpty && value.length === 0) throw invalid(at, 'must not be empty');
  if (value.length > FILTER_LIMITS.value) throw invalid(at, `must be at most ${FILTER_LIMITS.value} characters`);
  return value;
}

export function requireInteger(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(at, 'must be an integer');
  return value;
}

function optionalString(value: unknown, at: string): string | undefined {
  return value === undefined ? undefined : requireString(value, at);
}

function requireTime(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(at, 'must be an integer epoch-milliseconds time');
  return value;
}

function optionalTime(value: unknown, at: string): number | undefined {
  return value === undefined ? undefined : requireTime(value, at);
}

function checkLimit(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_LIMIT) {
    throw invalid('limit', `must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
  }
  return value;
}

function checkLabels(value: unknown): Array<[string, string]> {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('labels', 'must be an object of string values');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > FILTER_LIMITS.labels) throw invalid('labels', `at most ${FILTER_LIMITS.labels} label filters`);
  return entries
    .map(([k, v]): [string, string] => [requireString(k, 'label'), requireString(v, `label.${k}`, { allowEmpty: true })])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function checkRange(from: number | undefined, to: number | undefined): void {
  if (from !== undefined && to !== undefined && from > to) throw invalid('from', 'must not be after `to`');
}

/** Validates an EventQuery and decodes its cursor; throws `bad_request` (reason `bad_cursor` for cursors). */
export function checkEventQuery(query: EventQuery): CheckedEventQuery {
  if (query === null || typeof query !== 'object') throw invalid('query', 'must be an object');
  const kind = query.kind;
  if (typeof kind !== 'string' || !(EVENT_KINDS as readonly string[]).includes(kind)) {
    throw invalid('kind', `must be one of ${EVENT_KINDS.join(', ')}`);
  }
  const filter: EventFilter = {
    tenant: requireString(query.tenant, 'tenant'),
    kind,
    labels: checkLabels(query.labels),
  };
  const target = optionalString(query.target, 'target');
  if (target !== undefined) filter.target = target;
  const allowed = KIND_FILTERS[kind];
  for (const name of ['level', 'severity', 'category', 'status', 'name', 'text'] as const) {
    const raw = query[name];
    if (raw === undefined) continue;
    const value = requireString(raw, name);
    if (!allowed.includes(name)) throw invalid(name, `does not apply to ${kind} events`);
    const values = filterValues(kind, name);
    if (values && !values.includes(value)) throw invalid(name, `must be one of ${values.join(', ')}`);
    filter[name] = name === 'text' ? value.toLowerCase() : value;
  }
  const from = optionalTime(query.from, 'from');
  const to = optionalTime(query.to, 'to');
  checkRange(from, to);
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  const order = query.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalid('order', 'must be asc or desc');
  const limit = checkLimit(query.limit);
  const fp = fingerprint(filter);
  const checked: CheckedEventQuery = { filter, limit, order, fingerprint: fp };
  if (query.cursor !== undefined && query.cursor !== '') {
    checked.after = decodeCursor(requireString(query.cursor, 'cursor'), { order, filter: fp });
  }
  return checked;
}

export interface CheckedSeriesQuery {
  tenant: string;
  name: string;
  target?: string;
  labels: Array<[string, string]>;
  from: number;
  to: number;
  stepMs: number;
}

export function checkSeriesQuery(query: SeriesQuery): CheckedSeriesQuery {
  const from = requireTime(query.from, 'from');
  const to = requireTime(query.to, 'to');
  checkRange(from, to);
  const stepMs = query.stepMs;
  if (typeof stepMs !== 'number' || !Number.isSafeInteger(stepMs) || stepMs < 1) throw invalid('step', 'must be a positive integer of milliseconds');
  if ((to - from) / stepMs > MAX_SERIES_POINTS) throw invalid('step', `too small for the window: at most ${MAX_SERIES_POINTS} points`);
  const checked: CheckedSeriesQuery = {
    tenant: requireString(query.tenant, 'tenant'),
    name: requireString(query.name, 'name'),
    labels: checkLabels(query.labels),
    from,
    to,
    stepMs,
  };
  const target = optionalString(query.target, 'target');
  if (target !== undefined) checked.target = target;
  return checked;
}

export interface CheckedIncidentFilter {
  tenant: string;
  status?: IncidentStatus[];
  targetId?: string;
  from?: number;
  to?: number;
  limit: number;
  after?: { ts: number; id: string };
  fingerprint: string;
}

/** Incidents are listed newest first (openedAt desc, id desc). */
export function checkIncidentFilter(filter: IncidentFilter): CheckedIncidentFilter {
  const tenant = requireString(filter.tenant, 'tenant');
  let status: IncidentStatus[] | undefined;
  if (filter.status !== undefined && !(Array.isArray(filter.status) && filter.status.length === 0)) {
    if (!Array.isArray(filter.status)) throw invalid('status', 'must be a list of incident states');
    status = [...new Set(filter.status.map((s) => requireString(s, 'status')))].sort() as IncidentStatus[];
    for (const s of status) {
      if (!(INCIDENT_STATES as readonly string[]).includes(s)) throw invalid('status', `must be one of ${INCIDENT_STATES.join(', ')}`);
    }
  }
  const targetId = optionalString(filter.targetId, 'target');
  const from = filter.from === undefined ? undefined : requireTime(filter.from, 'from');
  const to = filter.to === undefined ? undefined : requireTime(filter.to, 'to');
  const limit = checkLimit(filter.limit);
  const fp = fingerprint({ tenant, status, targetId, from, to, of: 'incidents' });
  const checked: CheckedIncidentFilter = { tenant, limit, fingerprint: fp };
  if (status !== undefined) checked.status = status;
  if (targetId !== undefined) checked.targetId = targetId;
  if (from !== undefined) checked.from = from;
  if (to !== undefined) checked.to = to;
  if (filter.cursor !== undefined && filter.cursor !== '') {
    checked.after = decodeCursor(requireString(filter.cursor, 'cursor'), { order: 'desc', filter: fp });
  }
  return checked;
}
