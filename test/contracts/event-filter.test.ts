import { describe, expect, it } from 'vitest';
import { eventsRequestFromParams } from '../../lib/api/params.js';
import { EVENT_KINDS } from '../../lib/events/event.js';
import { FILTER_LIMITS, KIND_FILTERS, filterValues } from '../../lib/events/filters.js';
import { checkEventQuery } from '../../lib/store/query.js';
import type { EventQuery } from '../../lib/store/types.js';
import { parseFilter } from '../../realtime/filter.js';

// One definition, three readers: the same bounds and allow-lists hold on /api, in the store and on /ws.
describe('one event filter definition', () => {
  const labels = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
  const base: EventQuery = { tenant: 't', kind: 'log', limit: 10, order: 'desc' };

  it('the label bound is the same for /api, the store and realtime', () => {
    const n = FILTER_LIMITS.labels;
    const params = (k: number) => Object.fromEntries(Object.entries(labels(k)).map(([key, v]) => [`label.${key}`, v]));
    expect(() => eventsRequestFromParams('log', params(n))).not.toThrow();
    expect(() => eventsRequestFromParams('log', params(n + 1))).toThrow(/at most 32 label filters/);
    expect(() => checkEventQuery({ ...base, labels: labels(n) })).not.toThrow();
    expect(() => checkEventQuery({ ...base, labels: labels(n + 1) })).toThrow(/at most 32 label filters/);
    expect(() => parseFilter('logs', Object.entries(params(n)))).not.toThrow();
    expect(() => parseFilter('logs', Object.entries(params(n + 1)))).toThrow(/at most 32 label filters/);
  });

  it('every closed filter allows the same values in the store and on realtime', () => {
    for (const kind of EVENT_KINDS) {
      for (const name of KIND_FILTERS[kind]) {
        for (const value of filterValues(kind, name) ?? []) expect(() => checkEventQuery({ ...base, kind, [name]: value })).not.toThrow();
        if (filterValues(kind, name)) expect(() => checkEventQuery({ ...base, kind, [name]: 'nope' })).toThrow(/must be one of/);
      }
    }
    expect(() => parseFilter('incidents', [['status', 'acknowledged']])).not.toThrow();
    expect(() => parseFilter('heartbeats', [['status', 'late']])).toThrow(/not one of/);
  });
});
