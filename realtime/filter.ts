// Subscription filters: parsed from query parameters (or a `subscribe` message) with the same names and meaning as
// the /api/* endpoints, normalized so that equal filters get one canonical key (one uWS topic per key), and compiled
// into a predicate over canonical events. Pure; no I/O.
import { EVENT_KINDS, type CanonicalEvent, type EventKind } from '../lib/events/event.js';
import { FILTER_LIMITS, filterValues } from '../lib/events/filters.js';
import type { Channel } from './channels.js';


const MAX_LABELS = FILTER_LIMITS.labels;
const MAX_VALUE_CHARS = FILTER_LIMITS.value;
const MAX_LIST_ITEMS = FILTER_LIMITS.listItems;
const LABEL_PREFIX = 'label.';

/** Parameters that travel in the query string but are not filters. */
export const RESERVED_PARAMS = new Set(['token', 'since']);

export class FilterError extends Error {
  constructor(
    message: string,
    readonly at: string,
  ) {
    super(message);
    this.name = 'FilterError';
  }
}

export interface Filter {
  readonly channel: Channel;
  /** Exact target name (implicit for `targets/{id}`). */
  readonly target?: string;
  /** Every label must be present with exactly this value; sorted by name. */
  readonly labels: ReadonlyArray<readonly [string, string]>;
  /** Any-of lists, sorted and deduplicated. */
  readonly level?: readonly string[];
  readonly severity?: readonly string[];
  readonly category?: readonly string[];
  readonly name?: readonly string[];
  readonly status?: readonly string[];
  readonly kind?: readonly string[];
  /** Case-insensitive substring of a log message, lowercased. */
  readonly text?: string;
}

type ListField = 'level' | 'severity' | 'category' | 'name' | 'status' | 'kind';

interface ParamSpec {
  list?: ListField;
  /** Allowed values, when closed. */
  values?: readonly string[];
}

const COMMON: Record<string, ParamSpec> = { target: {} };
const PARAMS: Record<Channel, Record<string, ParamSpec>> = {
  logs: { ...COMMON, level: { list: 'level', values: filterValues('log', 'level') }, text: {} },
  metrics: { ...COMMON, name: { list: 'name' } },
  events: { ...COMMON, severity: { list: 'severity', values: filterValues('security', 'severity') }, category: { list: 'category' } },
  heartbeats: { ...COMMON, status: { list: 'status', values: filterValues('heartbeat', 'status') } },
  incidents: { ...COMMON, status: { list: 'status', values: filterValues('incident', 'status') } },
  targets: { kind: { list: 'kind', values: EVENT_KINDS } },
};

/** Filter names a channel accepts, for error messages and docs. */
export function filterNames(channel: Channel): string[] {
  return [...Object.keys(PARAMS[channel]), 'label.<name>'];
}

function checkValue(at: string, value: string): string {
  if (value.length === 0) throw new FilterError(`${at} is empty`, at);
  if (value.length > MAX_VALUE_CHARS) throw new FilterError(`${at} is longer than ${MAX_VALUE_CHARS} characters`, at);
  return value;
}

/**
 * Builds a filter from (name, value) pairs in the order given, e.g. `new URLSearchParams(query)` minus reserved
 * parameters. `target` is the id of a `targets/{id}` channel. Throws FilterError naming the parameter.
 */
export function parseFilter(channel: Channel, params: Iterable<readonly [string, string]>, target?: string): Filter {
  const spec = PARAMS[channel];
  const labels = new Map<string, string>();
  const lists: Partial<Record<ListField, string[]>> = {};
  let filterTarget = target;
  let text: string | undefined;
  const seen = new Set<string>();
  for (const [rawName, rawValue] of params) {
    if (rawName.startsWith(LABEL_PREFIX)) {
      const label = rawName.slice(LABEL_PREFIX.length);
      if (label.length === 0) throw new FilterError('label filter needs a name: label.<name>=<value>', rawName);
      if (label.length > FILTER_LIMITS.labelName) throw new FilterError(`label name longer than ${FILTER_LIMITS.labelName} characters`, rawName);
      if (labels.has(label)) throw new FilterError(`${rawName} is given more than once`, rawName);
      if (labels.size >= MAX_LABELS) throw new FilterError(`at most ${MAX_LABELS} label filters`, rawName);
      labels.set(label, checkValue(rawName, rawValue));
      continue;
    }
    const p = spec[rawName];
    if (p === undefined) {
      throw new FilterError(
        `unknown filter '${rawName.slice(0, 40)}' for channel ${channel}; filters: ${filterNames(channel).join(', ')}`,
        rawName,
      );
    }
    if (seen.has(rawName)) throw new FilterError(`${rawName} is given more than once (use a comma list)`, rawName);
    seen.add(rawName);
    checkValue(rawName, rawValue);
    if (rawName === 'target') {
      filterTarget = rawValue;
    } else if (rawName === 'text') {
      text = rawValue.toLowerCase();
    } else if (p.list) {
      const items = [...new Set(rawValue.split(',').map((s) => s.trim()))];
      if (items.length > MAX_LIST_ITEMS) throw new FilterError(`${rawName} lists more than ${MAX_LIST_ITEMS} values`, rawName);
      for (const item of items) {
        if (item.length === 0) throw new FilterError(`${rawName} has an empty item`, rawName);
        if (p.values && !p.values.includes(item)) {
          throw new FilterError(`${rawName} '${item.slice(0, 40)}' is not one of ${p.values.join(', ')}`, rawName);
        }
      }
      lists[p.list] = items.sort();
    }
  }
  return {
    channel,
    ...(filterTarget !== undefined ? { target: filterTarget } : {}),
    labels: [...labels.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ...lists,
    ...(text !== undefined ? { text } : {}),
  };
}

/** Canonical text of a filter: equal filters (parameter order, duplicates in lists aside) give equal keys. */
export function filterKey(f: Filter): string {
  return JSON.stringify([
    f.channel,
    f.target ?? null,
    f.labels,
    f.level ?? null,
    f.severity ?? null,
    f.category ?? null,
    f.name ?? null,
    f.status ?? null,
    f.kind ?? null,
    f.text ?? null,
  ]);
}

/** The filter as the query-parameter object it came from (for `unsubscribe` replies and logs). */
export function filterParams(f: Filter): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.target !== undefined && f.channel !== 'targets') out.target = f.target;
  for (const [k, v] of f.labels) out[`${LABEL_PREFIX}${k}`] = v;
  for (const field of ['level', 'severity', 'category', 'name', 'status', 'kind'] as const) {
    const list = f[field];
    if (list) out[field] = list.join(',');
  }
  if (f.text !== undefined) out.text = f.text;
  return out;
}

export type EventPredicate = (e: CanonicalEvent) => boolean;

function bodyField(e: CanonicalEvent, field: ListField): string | undefined {
  switch (field) {
    case 'level':
      return e.kind === 'log' ? e.body.level : undefined;
    case 'severity':
      return e.kind === 'security' ? e.body.severity : undefined;
    case 'category':
      return e.kind === 'security' ? e.body.category : undefined;
    case 'name':
      return e.kind === 'metric' ? e.body.name : undefined;
    case 'status':
      return e.kind === 'heartbeat' ? e.body.status : e.kind === 'incident' ? e.body.state : undefined;
    case 'kind':
      return e.kind;
  }
}

const KIND_OF_CHANNEL: Readonly<Record<Channel, EventKind | undefined>> = {
  logs: 'log',
  metrics: 'metric',
  events: 'security',
  heartbeats: 'heartbeat',
  incidents: 'incident',
  targets: undefined,
};

/** Compiles a filter into a predicate (kind and target included, so it is safe on any event of the tenant). */
export function compileFilter(f: Filter): EventPredicate {
  const tests: EventPredicate[] = [];
  const kind = KIND_OF_CHANNEL[f.channel];
  if (kind !== undefined) tests.push((e) => e.kind === kind);
  if (f.target !== undefined) {
    const t = f.target;
    tests.push((e) => e.target === t);
  }
  for (const [k, v] of f.labels) tests.push((e) => e.labels?.[k] === v);
  for (const field of ['level', 'severity', 'category', 'name', 'status', 'kind'] as const) {
    const list = f[field];
    if (!list) continue;
    if (list.length === 1) {
      const only = list[0];
      tests.push((e) => bodyField(e, field) === only);
    } else {
      const set = new Set(list);
      tests.push((e) => {
        const v = bodyField(e, field);
        return v !== undefined && set.has(v);
      });
    }
  }
  if (f.text !== undefined) {
    const needle = f.text;
    tests.push((e) => e.kind === 'log' && typeof e.body.message === 'string' && e.body.message.toLowerCase().includes(needle));
  }
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0] as EventPredicate;
  return (e) => {
    for (const t of tests) if (!t(e)) return false;
    return true;
  };
}
