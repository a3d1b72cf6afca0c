// The event filter, defined once: which filters apply to each kind, the values the closed ones allow, and the
// bounds on label filters and values. The /api parameters (lib/api/params.ts), the query service's check of a
// gRPC request (query/events.ts), the store's check of a read (lib/store/query.ts) and realtime's subscription
// filters (realtime/filter.ts) all read it, so a filter means and allows the same thing on every path.
// Pure; no I/O.
import { HEARTBEAT_STATUSES, LOG_LEVELS, SEVERITIES, type CanonicalEvent, type EventKind } from './event.js';

export const FILTER_LIMITS = Object.freeze({
  /** Label filters in one filter: as many as an event may carry (ingest's and the API's label bound). */
  labels: 32,
  /** Characters of a label name in a filter. */
  labelName: 128,
  /** Characters of one filter value (target, label value, text, list). */
  value: 1024,
  /** Items of a comma list (`level=error,warn` on a WebSocket subscription). */
  listItems: 16,
});

export type EnumFilter = 'level' | 'severity' | 'category' | 'status' | 'name';
export type FilterName = EnumFilter | 'text';

/** Which filters apply to each kind besides target, labels and time. Any other filter on that kind is a 400. */
export const KIND_FILTERS: Readonly<Record<EventKind, readonly FilterName[]>> = {
  metric: ['name'],
  log: ['level', 'text'],
  security: ['severity', 'category', 'text'],
  heartbeat: ['status', 'text'],
  check: ['status', 'text'],
  incident: ['status', 'text'],
};

export const CHECK_STATUSES = ['ok', 'fail'] as const;
export const INCIDENT_STATES = ['pending', 'open', 'acknowledged', 'resolved'] as const;

/** The values a closed filter allows on `kind`; undefined for free text (`category`, `name`, `text`). */
export function filterValues(kind: EventKind, name: FilterName): readonly string[] | undefined {
  switch (name) {
    case 'level':
      return LOG_LEVELS;
    case 'severity':
      return SEVERITIES;
    case 'status':
      return kind === 'heartbeat' ? HEARTBEAT_STATUSES : kind === 'check' ? CHECK_STATUSES : kind === 'incident' ? INCIDENT_STATES : undefined;
    default:
      return undefined;
  }
}

/** The value the `status` filter matches: heartbeat status, check outcome (`ok`/`fail`) or incident state. */
export function eventStatus(e: CanonicalEvent): string | null {
  switch (e.kind) {
    case 'heartbeat':
      return e.body.status;
    case 'check':
      return e.body.ok ? 'ok' : 'fail';
    case 'incident':
      return e.body.state;
    default:
      return null;
  }
}
