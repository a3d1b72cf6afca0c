import { describe, expect, it } from 'vitest';
import type { LightwatchError } from '../errors/errors.js';
import { encodeCursor } from './cursor.js';
import { checkEventQuery, checkIncidentFilter, checkSeriesQuery, eventStatus } from './query.js';
import type { EventQuery } from './types.js';

function refusal(fn: () => unknown): LightwatchError {
  try {
    fn();
  } catch (err) {
    return err as LightwatchError;
  }
  throw new Error('expected a refusal');
}

const base: EventQuery = { tenant: 'acme', kind: 'log', limit: 100, order: 'desc' };

describe('checkEventQuery', () => {
  it('keeps only known fields, sorts labels, lower-cases text', () => {
    const q = checkEventQuery({ ...base, labels: { z: '1', a: '2' }, text: 'TimeOut', target: 'api', extra: 'x' } as EventQuery);
    expect(q.filter).toEqual({ tenant: 'acme', kind: 'log', target: 'api', labels: [['a', '2'], ['z', '1']], text: 'timeout' });
    expect(q.limit).toBe(100);
    expect(q.after).toBeUndefined();
  });

  it('names the parameter at fault', () => {
    const cases: Array<[Partial<EventQuery> | Record<string, unknown>, string]> = [
      [{ target: { $ne: 'x' } }, 'target'],
      [{ labels: { env: 5 } }, 'label.env'],
      [{ labels: [] }, 'labels'],
      [{ level: 'loud' }, 'level'],
      [{ severity: 'high' }, 'severity'],
      [{ limit: 0 }, 'limit'],
      [{ from: 1.5 }, 'from'],
      [{ from: 10, to: 1 }, 'from'],
      [{ order: 'sideways' }, 'order'],
      [{ kind: 'trace' }, 'kind'],
      [{ tenant: '' }, 'tenant'],
      [{ target: 'x'.repeat(2000) }, 'target'],
    ];
    for (const [over, at] of cases) {
      const err = refusal(() => checkEventQuery({ ...base, ...over }));
      expect(err.code).toBe('bad_request');
      expect(err.details[0]?.at).toBe(at);
    }
  });

  it('checks status values per kind', () => {
    expect(checkEventQuery({ ...base, kind: 'check', status: 'fail' }).filter.status).toBe('fail');
    expect(checkEventQuery({ ...base, kind: 'heartbeat', status: 'start' }).filter.status).toBe('start');
    expect(checkEventQuery({ ...base, kind: 'incident', status: 'resolved' }).filter.status).toBe('resolved');
    expect(refusal(() => checkEventQuery({ ...base, kind: 'check', status: 'start' })).details[0]?.at).toBe('status');
  });

  it('decodes a cursor issued for the same filter and refuses one of another', () => {
    const q = checkEventQuery(base);
    const cursor = encodeCursor({ ts: 5, id: 'X', order: 'desc', filter: q.fingerprint });
    expect(checkEventQuery({ ...base, cursor }).after).toEqual({ ts: 5, id: 'X' });
    expect(refusal(() => checkEventQuery({ ...base, target: 'api', cursor })).reason).toBe('bad_cursor');
    expect(checkEventQuery({ ...base, cursor: '' }).after).toBeUndefined();
  });
});

describe('checkSeriesQuery', () => {
  it('accepts a window with at most 10000 points and refuses more', () => {
    expect(checkSeriesQuery({ tenant: 'a', name: 'cpu', from: 0, to: 10_000, stepMs: 1 }).stepMs).toBe(1);
    expect(refusal(() => checkSeriesQuery({ tenant: 'a', name: 'cpu', from: 0, to: 10_001, stepMs: 1 })).details[0]?.at).toBe('step');
    expect(refusal(() => checkSeriesQuery({ tenant: 'a', name: 'cpu', from: 0, to: 10, stepMs: 0 })).details[0]?.at).toBe('step');
    expect(refusal(() => checkSeriesQuery({ tenant: 'a', name: '', from: 0, to: 10, stepMs: 1 })).details[0]?.at).toBe('name');
  });
});

describe('checkIncidentFilter', () => {
  it('normalizes the status list and scopes the cursor to the filter', () => {
    const f = checkIncidentFilter({ tenant: 'a', limit: 10, status: ['open', 'acknowledged', 'open'] });
    expect(f.status).toEqual(['acknowledged', 'open']);
    expect(checkIncidentFilter({ tenant: 'a', limit: 10, status: [] }).status).toBeUndefined();
    const cursor = encodeCursor({ ts: 1, id: 'i', order: 'desc', filter: f.fingerprint });
    expect(checkIncidentFilter({ tenant: 'a', limit: 10, status: ['open', 'acknowledged'], cursor }).after).toEqual({ ts: 1, id: 'i' });
    expect(refusal(() => checkIncidentFilter({ tenant: 'a', limit: 10, cursor })).reason).toBe('bad_cursor');
  });
});

describe('eventStatus', () => {
  it('reads the heartbeat status, the check outcome and the incident state', () => {
    const env = { id: 'x', tenant: 't', target: 'a', ts: 0, receivedAt: 0, labels: {} };
    expect(eventStatus({ ...env, kind: 'check', body: { ok: false, latencyMs: 1, attempts: 1 } })).toBe('fail');
    expect(eventStatus({ ...env, kind: 'heartbeat', body: { status: 'start' } })).toBe('start');
    expect(eventStatus({ ...env, kind: 'log', body: { level: 'info', message: '', fields: {}, format: 'plain' } })).toBeNull();
  });
});
