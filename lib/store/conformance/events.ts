// Conformance cases for events: idempotent appends, keyset pagination under concurrent inserts, every filter
// against a reference implementation, typed values only, tenant isolation, bad cursors, series maths, retention.
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../events/event.js';
import type { LightwatchError } from '../../errors/errors.js';
import type { Store } from '../port.js';
import type { EventQuery } from '../types.js';
import {
  checkEvent,
  expectedIds,
  heartbeatEvent,
  incidentEvent,
  logEvent,
  metricEvent,
  newId,
  securityEvent,
  T0,
} from './fixtures.js';

type Get = () => Store;

async function rejection(p: Promise<unknown>): Promise<LightwatchError> {
  try {
    await p;
  } catch (err) {
    return err as LightwatchError;
  }
  throw new Error('expected the call to be refused');
}

/** Walks every page of `q`, calling `between` after each page; returns the ids in the order received. */
export async function readAll(store: Store, q: EventQuery, between?: (page: number) => Promise<void>): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const res = await store.queryEvents(cursor === undefined ? q : { ...q, cursor });
    expect(res.items.length).toBeLessThanOrEqual(q.limit);
    out.push(...res.items.map((e) => e.id));
    if (res.nextCursor === null) return out;
    cursor = res.nextCursor;
    await between?.(page);
  }
  throw new Error('pagination did not end');
}

/** A mixed data set: two tenants, three targets, labels, levels, equal timestamps (ties broken by id). */
function dataset(): CanonicalEvent[] {
  const out: CanonicalEvent[] = [];
  const levels = ['info', 'warn', 'error', 'debug'] as const;
  const messages = ['GET /api/users served', 'Timeout talking to DB', 'Ünïcode Straße ok', 'cache miss for key 42'];
  for (let i = 0; i < 120; i++) {
    const tenant = i % 5 === 4 ? 'other' : 'acme';
    const target = ['api', 'web', 'db'][i % 3] as string;
    const ts = T0 + Math.floor(i / 3) * 1000; // three events per second: ties on ts
    const labels: Record<string, string> = { env: i % 2 === 0 ? 'prod' : 'dev', region: i % 4 < 2 ? 'eu' : 'us' };
    if (i % 10 === 0) labels['team.name'] = 'core';
    out.push(logEvent({ tenant, target, ts, labels, level: levels[i % 4], message: messages[i % 4] }));
    if (i % 2 === 0) out.push(metricEvent({ tenant, target, ts, labels, name: i % 4 === 0 ? 'cpu' : 'mem', value: i }));
    if (i % 3 === 0) out.push(securityEvent({ tenant, target, ts, labels, category: i % 2 ? 'auth' : 'net', severity: i % 5 ? 'low' : 'high', message: `Login FAILED for user${i}` }));
    if (i % 4 === 0) out.push(heartbeatEvent({ tenant, target, ts, labels, status: i % 8 ? 'ok' : 'fail', log: i % 8 ? undefined : 'exit 1: disk full' }));
    if (i % 4 === 1) out.push(checkEvent({ tenant, target, ts, labels, ok: i % 8 !== 1, error: i % 8 === 1 ? 'connect ECONNREFUSED' : undefined }));
    if (i % 6 === 0) out.push(incidentEvent({ tenant, target, ts, labels, state: i % 12 ? 'open' : 'resolved', title: `Target ${target} is DOWN` }));
  }
  return out;
}

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = (i * 7919 + 13) % (i + 1);
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

export function eventCases(store: Get): void {
  describe('appendEvents', () => {
    it('stores every kind and reads it back unchanged', async () => {
      const events = [
        logEvent({ labels: { env: 'prod' }, flags: ['ts_clamped'] }),
        metricEvent({ value: 0.25 }),
        securityEvent(),
        heartbeatEvent({ status: 'fail', log: 'exit 2' }),
        checkEvent({ ok: false, error: 'timeout' }),
        incidentEvent(),
        logEvent({ labels: {} }),
      ];
      expect(await store().appendEvents(events)).toEqual({ inserted: events.length });
      for (const e of events) {
        const page = await store().queryEvents({ tenant: 'acme', kind: e.kind, limit: 10, order: 'asc' });
        expect(page.items).toContainEqual(e);
      }
    });

    it('finds the newest event of a kind per target, within the tenant', async () => {
      const tenant = `latest-${Math.random().toString(36).slice(2, 8)}`;
      const old = heartbeatEvent({ tenant, target: 'a', ts: T0 });
      const newest = heartbeatEvent({ tenant, target: 'a', ts: T0 + 1000 });
      const b = heartbeatEvent({ tenant, target: 'b', ts: T0 + 10 });
      const otherTenant = heartbeatEvent({ tenant: `${tenant}-x`, target: 'c', ts: T0 + 2000 });
      await store().appendEvents([old, newest, b, otherTenant, logEvent({ tenant, target: 'c', ts: T0 + 5000 })]);
      const got = await store().latestEvents(tenant, 'heartbeat', ['a', 'b', 'c']);
      expect([...got.keys()].sort()).toEqual(['a', 'b']);
      expect(got.get('a')).toEqual(newest);
      expect(got.get('b')).toEqual(b);
    });

    it('is idempotent by id: a replayed batch inserts nothing, an overlapping one only the new events', async () => {
      const batch = [logEvent(), logEvent(), metricEvent(), heartbeatEvent()];
      expect(await store().appendEvents(batch)).toEqual({ inserted: 4 });
      expect(await store().appendEvents(batch)).toEqual({ inserted: 0 });
      const more = [batch[0] as CanonicalEvent, logEvent(), metricEvent()];
      expect(await store().appendEvents(more)).toEqual({ inserted: 2 });
      const dupInBatch = logEvent();
      expect(await store().appendEvents([dupInBatch, dupInBatch])).toEqual({ inserted: 1 });
      expect(await store().countEvents('acme')).toBe(7);
      expect(await store().appendEvents([])).toEqual({ inserted: 0 });
    });

    it('is idempotent in large mixed batches too', async () => {
      const first = Array.from({ length: 45 }, (_, i) => (i % 3 ? logEvent({ ts: T0 + i }) : metricEvent({ ts: T0 + i })));
      expect(await store().appendEvents(first)).toEqual({ inserted: 45 });
      const fresh = Array.from({ length: 37 }, (_, i) => logEvent({ ts: T0 + 100 + i }));
      const mixed = first.flatMap((e, i) => (i < fresh.length ? [e, fresh[i] as CanonicalEvent] : [e]));
      expect(await store().appendEvents([...mixed, ...fresh.slice(0, 5)])).toEqual({ inserted: 37 });
      expect(await store().countEvents('acme')).toBe(82);
    });

    it('counts per tenant and kind', async () => {
      await store().appendEvents([logEvent(), logEvent({ tenant: 'other' }), metricEvent(), metricEvent(), securityEvent({ tenant: 'other' })]);
      expect(await store().countEvents('acme')).toBe(3);
      expect(await store().countEvents('acme', 'metric')).toBe(2);
      expect(await store().countEvents('acme', 'security')).toBe(0);
      expect(await store().countEvents('other')).toBe(2);
      expect(await store().countEvents('nobody')).toBe(0);
    });
  });

  describe('queryEvents pagination', () => {
    for (const order of ['desc', 'asc'] as const) {
      it(`pages to the end in ${order} order without repeating or skipping while events arrive between pages`, async () => {
        const original: CanonicalEvent[] = [];
        // Several events share each millisecond so the id breaks ties.
        for (let i = 0; i < 157; i++) original.push(logEvent({ ts: T0 + Math.floor(i / 4) * 10, target: i % 2 ? 'api' : 'web' }));
        await store().appendEvents(shuffle(original));
        const q: EventQuery = { tenant: 'acme', kind: 'log', limit: 10, order };
        let n = 0;
        const arrived: CanonicalEvent[] = [];
        const seen = await readAll(store(), q, async (page) => {
          // Newer events (behind a desc cursor, ahead of an asc one), older ones, and ties with existing times.
          const batch = [
            logEvent({ ts: T0 + 1_000_000 + n++ }),
            logEvent({ ts: T0 - 1_000 - n++ }),
            logEvent({ ts: T0 + (page % 40) * 10 }),
          ];
          arrived.push(...batch);
          await store().appendEvents(batch);
        });
        expect(new Set(seen).size).toBe(seen.length);
        for (const e of original) expect(seen).toContain(e.id);
        // What was seen is in strict (ts, id) order.
        const all = new Map([...original, ...arrived].map((e) => [e.id, e]));
        const keys = seen.map((id) => all.get(id) as CanonicalEvent);
        for (let i = 1; i < keys.length; i++) {
          const a = keys[i - 1] as CanonicalEvent;
          const b = keys[i] as CanonicalEvent;
          const cmp = a.ts - b.ts || (a.id < b.id ? -1 : 1);
          expect(order === 'asc' ? cmp < 0 : cmp > 0).toBe(true);
        }
      });
    }

    it('returns nextCursor null on the last page, also when it is exactly full', async () => {
      await store().appendEvents([logEvent({ ts: T0 }), logEvent({ ts: T0 + 1 }), logEvent({ ts: T0 + 2 }), logEvent({ ts: T0 + 3 })]);
      const first = await store().queryEvents({ tenant: 'acme', kind: 'log', limit: 2, order: 'desc' });
      expect(first.items.map((e) => e.ts)).toEqual([T0 + 3, T0 + 2]);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await store().queryEvents({ tenant: 'acme', kind: 'log', limit: 2, order: 'desc', cursor: first.nextCursor as string });
      expect(second.items.map((e) => e.ts)).toEqual([T0 + 1, T0]);
      expect(second.nextCursor).toBeNull();
      const empty = await store().queryEvents({ tenant: 'acme', kind: 'metric', limit: 2, order: 'desc' });
      expect(empty).toEqual({ items: [], nextCursor: null });
    });

    it('refuses a garbage cursor, a cursor of another filter, order or tenant with bad_cursor', async () => {
      await store().appendEvents([logEvent({ ts: T0 }), logEvent({ ts: T0 + 1 }), logEvent({ ts: T0 + 2, tenant: 'other' }), logEvent({ ts: T0 + 3, tenant: 'other' })]);
      const q: EventQuery = { tenant: 'acme', kind: 'log', limit: 1, order: 'desc' };
      const { nextCursor } = await store().queryEvents(q);
      expect(nextCursor).not.toBeNull();
      const cursor = nextCursor as string;
      const cases: EventQuery[] = [
        { ...q, cursor: 'not a cursor!' },
        { ...q, cursor: 'eyJhIjoxfQ' },
        { ...q, cursor: Buffer.from('[1,"x","y","d","0"]').toString('base64url') },
        { ...q, target: 'api', cursor },
        { ...q, order: 'asc', cursor },
        { ...q, labels: { env: 'prod' }, cursor },
        { ...q, tenant: 'other', cursor },
        { ...q, kind: 'metric', cursor },
      ];
      for (const c of cases) {
        const err = await rejection(store().queryEvents(c));
        expect(err.code).toBe('bad_request');
        expect(err.reason).toBe('bad_cursor');
        expect(err.details[0]?.at).toBe('cursor');
      }
    });
  });

  describe('queryEvents filters', () => {
    const data = dataset();
    const base = { tenant: 'acme', limit: 1000 } as const;
    const queries: Array<Omit<EventQuery, 'limit' | 'cursor' | 'tenant'>> = [
      { kind: 'log', order: 'desc' },
      { kind: 'log', order: 'asc', target: 'api' },
      { kind: 'log', order: 'desc', labels: { env: 'prod' } },
      { kind: 'log', order: 'desc', labels: { env: 'prod', region: 'us' } },
      { kind: 'log', order: 'desc', labels: { 'team.name': 'core' } },
      { kind: 'log', order: 'desc', labels: { env: 'staging' } },
      { kind: 'log', order: 'desc', level: 'error' },
      { kind: 'log', order: 'asc', level: 'warn', target: 'web', labels: { region: 'eu' } },
      { kind: 'log', order: 'desc', text: 'timeout' },
      { kind: 'log', order: 'desc', text: 'STRASSE' },
      { kind: 'log', order: 'desc', text: 'straße' },
      { kind: 'log', order: 'desc', text: 'ÜNÏCODE' },
      { kind: 'log', order: 'desc', text: '/api/' },
      { kind: 'log', order: 'desc', from: T0 + 5_000, to: T0 + 20_000 },
      { kind: 'log', order: 'asc', from: T0 + 5_000, to: T0 + 30_000 },
      { kind: 'log', order: 'asc', from: T0 + 5_000 },
      { kind: 'log', order: 'asc', to: T0 + 5_000 },
      { kind: 'metric', order: 'desc', name: 'cpu' },
      { kind: 'metric', order: 'asc', name: 'mem', target: 'db' },
      { kind: 'security', order: 'desc', category: 'auth' },
      { kind: 'security', order: 'desc', severity: 'high' },
      { kind: 'security', order: 'desc', text: 'failed for USER3' },
      { kind: 'heartbeat', order: 'desc', status: 'fail' },
      { kind: 'heartbeat', order: 'desc', text: 'disk' },
      { kind: 'check', order: 'desc', status: 'fail' },
      { kind: 'check', order: 'desc', status: 'ok', target: 'web' },
      { kind: 'check', order: 'desc', text: 'refused' },
      { kind: 'incident', order: 'desc', status: 'resolved' },
      { kind: 'incident', order: 'desc', text: 'api is down' },
    ];
    for (const q of queries) {
      it(`answers ${JSON.stringify(q)} like the reference, page by page`, async () => {
        await store().appendEvents(data);
        const full = { ...base, ...q };
        expect((await store().queryEvents(full)).items.map((e) => e.id)).toEqual(expectedIds(data, full));
        expect(await readAll(store(), { ...full, limit: 7 })).toEqual(expectedIds(data, full));
      });
    }

    it('refuses a filter that does not apply to the kind', async () => {
      for (const q of [
        { kind: 'metric', level: 'error' },
        { kind: 'log', name: 'cpu' },
        { kind: 'metric', text: 'x' },
        { kind: 'log', status: 'ok' },
        { kind: 'log', level: 'loud' },
      ] as const) {
        const err = await rejection(store().queryEvents({ tenant: 'acme', limit: 10, order: 'desc', ...q } as unknown as EventQuery));
        expect(err.code).toBe('bad_request');
      }
    });

    it('refuses bad limits, orders, kinds and times', async () => {
      const q: EventQuery = { tenant: 'acme', kind: 'log', limit: 10, order: 'desc' };
      for (const bad of [{ limit: 0 }, { limit: 1001 }, { limit: 2.5 }, { order: 'up' }, { kind: 'trace' }, { kind: 'constructor' }, { from: 'yesterday' }, { from: 10, to: 5 }]) {
        const err = await rejection(store().queryEvents({ ...q, ...bad } as unknown as EventQuery));
        expect(err.code).toBe('bad_request');
      }
    });
  });

  describe('typed values only', () => {
    it('refuses operator objects in place of strings', async () => {
      await store().appendEvents([logEvent({ target: 'x' }), logEvent({ target: 'y' })]);
      const q: EventQuery = { tenant: 'acme', kind: 'log', limit: 10, order: 'desc' };
      const attempts = [
        { target: { $ne: 'x' } },
        { target: ['x', 'y'] },
        { level: { $gt: '' } },
        { labels: { env: { $ne: '' } } },
        { labels: 'env=prod' },
        { text: { $regex: '.*' } },
        { tenant: { $ne: 'acme' } },
      ];
      for (const a of attempts) {
        const err = await rejection(store().queryEvents({ ...q, ...a } as unknown as EventQuery));
        expect(err.code).toBe('bad_request');
      }
      const series = await rejection(store().metricSeries({ tenant: 'acme', name: { $ne: '' } as unknown as string, from: T0, to: T0 + 1000, stepMs: 100 }));
      expect(series.code).toBe('bad_request');
      const count = await rejection(store().countEvents({ $ne: '' } as unknown as string));
      expect(count.code).toBe('bad_request');
      const kind = await rejection(store().countEvents('acme', 'constructor' as unknown as 'log'));
      expect(kind.code).toBe('bad_request');
      const retention = await rejection(store().deleteEventsBefore('toString' as unknown as 'log', 0));
      expect(retention.code).toBe('bad_request');
      const append = await rejection(store().appendEvents([{ ...logEvent(), kind: 'constructor' } as unknown as CanonicalEvent]));
      expect(append).toMatchObject({ code: 'bad_request', details: [{ at: 'kind', index: 0 }] });
    });

    it('takes injection-looking values and odd label names literally', async () => {
      const sqlish = "') OR 1=1 --";
      const events = [
        logEvent({ labels: { env: sqlish } }),
        logEvent({ labels: { env: 'prod' } }),
        logEvent({ labels: { 'a.b': 'dot', '$where': 'dollar', 'q"uote': 'quote', "it's": 'apostrophe' } }),
        logEvent({ target: "api' OR '1'='1", message: 'a .* b' }),
        logEvent({ message: 'abc' }),
      ];
      await store().appendEvents(events);
      const q: EventQuery = { tenant: 'acme', kind: 'log', limit: 10, order: 'asc' };
      const ids = async (over: Partial<EventQuery>) => (await store().queryEvents({ ...q, ...over })).items.map((e) => e.id);
      expect(await ids({ labels: { env: sqlish } })).toEqual([events[0]?.id]);
      expect(await ids({ labels: { 'a.b': 'dot' } })).toEqual([events[2]?.id]);
      expect(await ids({ labels: { $where: 'dollar' } })).toEqual([events[2]?.id]);
      expect(await ids({ labels: { 'q"uote': 'quote', "it's": 'apostrophe' } })).toEqual([events[2]?.id]);
      expect(await ids({ labels: { a: 'dot' } })).toEqual([]);
      expect(await ids({ target: "api' OR '1'='1" })).toEqual([events[3]?.id]);
      expect(await ids({ target: "' OR 1=1 --" })).toEqual([]);
      expect(await ids({ text: '.*' })).toEqual([events[3]?.id]);
      expect(await ids({ text: "%' OR '1'='1" })).toEqual([]);
    });
  });

  describe('tenant isolation', () => {
    it('never returns or counts another tenant\'s events', async () => {
      await store().appendEvents([logEvent({ tenant: 'acme' }), metricEvent({ tenant: 'acme', ts: T0 + 10 }), logEvent({ tenant: 'other' })]);
      const page = await store().queryEvents({ tenant: 'other', kind: 'log', limit: 100, order: 'desc' });
      expect(page.items.every((e) => e.tenant === 'other')).toBe(true);
      expect(page.items).toHaveLength(1);
      expect((await store().queryEvents({ tenant: 'other', kind: 'metric', limit: 100, order: 'desc' })).items).toEqual([]);
      expect(await store().metricSeries({ tenant: 'other', name: 'cpu', from: T0, to: T0 + 60_000, stepMs: 1000 })).toEqual([]);
      expect(await store().countEvents('other')).toBe(1);
    });
  });

  describe('metricSeries', () => {
    it('computes avg/min/max/count per step, from inclusive, to exclusive', async () => {
      const step = 10_000;
      await store().appendEvents([
        metricEvent({ ts: T0, value: 1 }),
        metricEvent({ ts: T0 + 9_999, value: 3 }),
        metricEvent({ ts: T0 + 10_000, value: 10 }),
        metricEvent({ ts: T0 + 15_000, value: -2 }),
        metricEvent({ ts: T0 + 15_000, value: 4 }),
        metricEvent({ ts: T0 + 35_000, value: 7 }),
        metricEvent({ ts: T0 + 40_000, value: 100 }), // at `to`: left out
        metricEvent({ ts: T0 - 1, value: 100 }), // before `from`: left out
        metricEvent({ ts: T0 + 1, value: 100, name: 'mem' }),
        metricEvent({ ts: T0 + 2, value: 50, target: 'db' }),
        metricEvent({ ts: T0 + 3, value: 60, target: 'db', labels: { env: 'prod' } }),
        metricEvent({ ts: T0 + 4, value: 100, tenant: 'other' }),
      ]);
      const points = await store().metricSeries({ tenant: 'acme', name: 'cpu', from: T0, to: T0 + 40_000, stepMs: step });
      expect(points).toEqual([
        { t: T0, avg: (1 + 3 + 50 + 60) / 4, min: 1, max: 60, count: 4 },
        { t: T0 + 10_000, avg: 4, min: -2, max: 10, count: 3 },
        { t: T0 + 30_000, avg: 7, min: 7, max: 7, count: 1 },
      ]);
      expect(await store().metricSeries({ tenant: 'acme', name: 'cpu', target: 'db', from: T0, to: T0 + 40_000, stepMs: step })).toEqual([
        { t: T0, avg: 55, min: 50, max: 60, count: 2 },
      ]);
      expect(await store().metricSeries({ tenant: 'acme', name: 'cpu', labels: { env: 'prod' }, from: T0, to: T0 + 40_000, stepMs: step })).toEqual([
        { t: T0, avg: 60, min: 60, max: 60, count: 1 },
      ]);
      // A step that does not divide the window: the last bucket is partial.
      expect((await store().metricSeries({ tenant: 'acme', name: 'cpu', from: T0 + 5_000, to: T0 + 40_000, stepMs: 30_000 })).map((p) => [p.t, p.count])).toEqual([
        [T0 + 5_000, 4],
        [T0 + 35_000, 1],
      ]);
    });

    it('refuses windows that would give too many points', async () => {
      const err = await rejection(store().metricSeries({ tenant: 'acme', name: 'cpu', from: T0, to: T0 + 86_400_000, stepMs: 1 }));
      expect(err.code).toBe('bad_request');
    });
  });

  describe('deleteEventsBefore', () => {
    it('deletes one kind older than the cut-off, across tenants, and says how many', async () => {
      const old = Array.from({ length: 230 }, (_, i) => logEvent({ ts: T0 - 10_000 + i, tenant: i % 3 ? 'acme' : 'other' }));
      const kept = [logEvent({ ts: T0 }), logEvent({ ts: T0 + 1, tenant: 'other' })];
      const otherKind = metricEvent({ ts: T0 - 20_000 });
      await store().appendEvents([...old, ...kept, otherKind]);
      expect(await store().deleteEventsBefore('log', T0)).toBe(230);
      expect(await store().countEvents('acme', 'log')).toBe(1);
      expect(await store().countEvents('other', 'log')).toBe(1);
      expect(await store().countEvents('acme', 'metric')).toBe(1);
      expect(await store().deleteEventsBefore('log', T0)).toBe(0);
      expect(await store().deleteEventsBefore('metric', T0)).toBe(1);
    });
  });

  it('newId gives increasing ids for the fixtures', () => {
    const a = newId(T0);
    const b = newId(T0);
    expect(a < b).toBe(true);
  });
}
