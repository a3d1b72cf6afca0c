// Reads through the QueryApi against a real SQLite store: event pages with keyset cursors, filters and
// validation, metric series bounds, incidents with timeline and acknowledgement, uptime figures.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueryEventsRequest } from '../proto/gen/lightwatch/v1/query.js';
import type { CanonicalEvent } from '../lib/events/event.js';
import { createIdGenerator } from '../lib/events/ids.js';
import type { Incident, NotificationRecord } from '../lib/store/types.js';
import { createFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(async () => {
  f = await createFixture();
});
afterEach(async () => {
  await f.close();
});

const ids = createIdGenerator();
function logEvent(tenant: string, ts: number, message: string, extra: { level?: 'info' | 'error'; target?: string; labels?: Record<string, string> } = {}): CanonicalEvent {
  return { id: ids.next(ts), tenant, kind: 'log', target: extra.target ?? 'api', ts, receivedAt: ts, labels: extra.labels ?? {}, body: { level: extra.level ?? 'info', message, fields: {}, format: 'plain' } };
}
const H = 3_600_000;
const emptyRequest: QueryEventsRequest = { kind: 'log', target: '', labels: {}, level: '', severity: '', category: '', status: '', name: '', text: '', from: '0', to: '0', limit: 0, order: '', cursor: '' };

describe('event reads', () => {
  it('pages through every event exactly once with the cursor, also while new ones arrive', async () => {
    await f.store.appendEvents(Array.from({ length: 25 }, (_, i) => logEvent('a', T0 + i * 1000, `line ${i}`)));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const params: Record<string, string> = { limit: '10', order: 'asc' };
      if (cursor) params.cursor = cursor;
      const res = await f.http(f.keys.readA, 'GET', '/api/logs', { params });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((e: CanonicalEvent) => (e.body as { message: string }).message));
      cursor = res.body.nextCursor;
      // Newer events arriving mid-way are picked up at the end, never duplicated.
      if (pages++ === 0) await f.store.appendEvents([logEvent('a', T0 + 100_000, 'late')]);
    } while (cursor);
    expect(seen).toEqual([...Array.from({ length: 25 }, (_, i) => `line ${i}`), 'late']);
  });

  it('defaults to newest first, 100 per page, and applies filters', async () => {
    await f.store.appendEvents([
      ...Array.from({ length: 120 }, (_, i) => logEvent('a', T0 + i, `n${i}`)),
      logEvent('a', T0 + 500, 'Disk FULL on /var', { level: 'error', target: 'db', labels: { env: 'prod' } }),
      logEvent('a', T0 + 501, 'disk full again', { level: 'error', target: 'db', labels: { env: 'dev' } }),
      logEvent('b', T0 + 502, 'disk full in b', { level: 'error', target: 'db', labels: { env: 'prod' } }),
    ]);
    const page = await f.http(f.keys.readA, 'GET', '/api/logs');
    expect(page.body.items).toHaveLength(100);
    expect(page.body.items[0].body.message).toBe('disk full again');
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const filtered = await f.http(f.keys.readA, 'GET', '/api/logs', { params: { level: 'error', target: 'db', 'label.env': 'prod', text: 'disk full' } });
    expect(filtered.body.items.map((e: CanonicalEvent) => (e.body as { message: string }).message)).toEqual(['Disk FULL on /var']);
    expect(filtered.body.nextCursor).toBeNull();
    const window = await f.http(f.keys.readA, 'GET', '/api/logs', { params: { from: new Date(T0 + 10).toISOString(), to: String(T0 + 13), order: 'asc' } });
    expect(window.body.items.map((e: CanonicalEvent) => e.ts)).toEqual([T0 + 10, T0 + 11, T0 + 12]);
  });

  it('rejects operator-shaped, unknown and inapplicable parameters with 400 listing them', async () => {
    const res = await f.http(f.keys.readA, 'GET', '/api/logs', { params: { 'target[$ne]': 'x', 'level[$regex]': '.*', severity: 'high' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { at: string }) => d.at).sort()).toEqual(['level[$regex]', 'severity', 'target[$ne]']);
    expect((await f.http(f.keys.readA, 'GET', '/api/logs', { params: { limit: '1001' } })).body.error.details).toEqual([{ at: 'limit', message: 'must be an integer from 1 to 1000' }]);
    expect((await f.http(f.keys.readA, 'GET', '/api/logs', { params: { level: 'loud' } })).body.error.details[0].at).toBe('level');
  });

  it('takes an operator-looking value literally', async () => {
    await f.store.appendEvents([logEvent('a', T0, 'x', { target: '{"$ne":"x"}' }), logEvent('a', T0 + 1, 'y', { target: 'api' })]);
    const res = await f.http(f.keys.readA, 'GET', '/api/logs', { params: { target: '{"$ne":"x"}' } });
    expect(res.body.items.map((e: CanonicalEvent) => e.target)).toEqual(['{"$ne":"x"}']);
  });

  it('validates requests that bypass the gateway parsing (any gRPC client)', async () => {
    const ctx = { requestId: 'r', credential: f.keys.readA };
    const cases: [Partial<QueryEventsRequest>, string][] = [
      [{ kind: 'everything' }, 'kind'],
      [{ limit: 1001 }, 'limit'],
      [{ limit: -1 }, 'limit'],
      [{ order: 'random' }, 'order'],
      [{ from: '-5' }, 'from'],
      [{ from: '20', to: '10' }, 'from'],
      [{ severity: 'high' }, 'severity'],
      [{ level: 'loud' }, 'level'],
      [{ cursor: 'x'.repeat(2000) }, 'cursor'],
      [{ labels: { ['k'.repeat(200)]: 'v' } }, `label.${'k'.repeat(40)}`],
    ];
    for (const [patch, at] of cases) {
      const err = await f.api.queryEvents({ ...emptyRequest, ...patch }, ctx).catch((e: unknown) => e);
      expect(err, JSON.stringify(patch).slice(0, 60)).toMatchObject({ code: 'bad_request', details: [expect.objectContaining({ at })] });
    }
    const garbage = await f.api.queryEvents({ ...emptyRequest, cursor: 'not-a-cursor' }, ctx).catch((e: unknown) => e);
    expect(garbage).toMatchObject({ code: 'bad_request' });
  });
});

describe('metric series', () => {
  it('aggregates per step and bounds the number of points', async () => {
    // Metrics live in the series store: what the persister writes for metric-batch entries.
    const cpu = (timestamps: number[], values: number[]) => [{ labels: { __name__: 'cpu', target: 'web' }, target: 'web', type: 'gauge' as const, timestamps, values }];
    await f.store.metrics.append('a', cpu([T0, T0 + 30_000, T0 + 60_000], [1, 3, 10]));
    await f.store.metrics.append('b', cpu([T0], [100]));
    const listed = await f.http(f.keys.readA, 'GET', '/api/metrics', { params: { name: 'cpu', order: 'asc', limit: '2' } });
    expect(listed.body.items.map((e: { ts: number; target: string; labels: object; body: object }) => [e.ts, e.target, e.labels, e.body])).toEqual([
      [T0, 'web', {}, { name: 'cpu', value: 1, type: 'gauge' }],
      [T0 + 30_000, 'web', {}, { name: 'cpu', value: 3, type: 'gauge' }],
    ]);
    const rest = await f.http(f.keys.readA, 'GET', '/api/metrics', { params: { name: 'cpu', order: 'asc', limit: '2', cursor: listed.body.nextCursor } });
    expect(rest.body.items.map((e: { ts: number }) => e.ts)).toEqual([T0 + 60_000]);
    expect(rest.body.nextCursor).toBeNull();
    const res = await f.http(f.keys.readA, 'GET', '/api/metrics/series', { params: { name: 'cpu', from: String(T0), to: String(T0 + 120_000), step: '1m' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ stepMs: 60_000, points: [{ t: T0, avg: 2, min: 1, max: 3, count: 2 }, { t: T0 + 60_000, avg: 10, min: 10, max: 10, count: 1 }] });
    const tooMany = await f.http(f.keys.readA, 'GET', '/api/metrics/series', { params: { name: 'cpu', from: String(T0), to: String(T0 + 24 * H), step: '1s' } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0]).toMatchObject({ at: 'step', message: expect.stringContaining('86400 points') });
    f.clock.now = T0 + 2 * H;
    const auto = await f.http(f.keys.readA, 'GET', '/api/metrics/series', { params: { name: 'cpu' } });
    expect(auto.body.stepMs).toBe(15_000);
    expect((await f.http(f.keys.readA, 'GET', '/api/metrics/series', { params: {} })).body.error.details[0].at).toBe('name');
  });
});

function incident(id: string, targetId: string, patch: Partial<Incident> = {}): Incident {
  return { id, tenant: 'a', targetId, ruleId: 'r1', status: 'open', severity: 'critical', title: `${id} down`, openedAt: T0, reopenCount: 0, epoch: 1, timeline: [{ at: T0, type: 'opened', message: 'no heartbeat' }], updatedAt: T0, ...patch };
}

describe('incidents', () => {
  it('lists by status and target, gets one with timeline and notifications, acknowledges', async () => {
    const t = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'backup', kind: 'heartbeat', heartbeat: { intervalSec: 60 } } });
    const tid = t.body.id as string;
    await f.store.upsertIncident(incident('i1', tid));
    await f.store.upsertIncident(incident('i2', tid, { status: 'resolved', resolvedAt: T0 + H, openedAt: T0 - H }));
    await f.store.upsertIncident(incident('i3', 'other-target', { openedAt: T0 + 5 }));
    await f.store.claimNotification({ key: 'i1:0:c1', tenant: 'a', incidentId: 'i1', channelId: 'c1', transition: 'opened', status: 'sent', attempts: [{ at: T0, ok: true, status: 200, durationMs: 12 }], epoch: 1, partition: 3, notice: { key: 'i1:0:c1' } as NotificationRecord['notice'], createdAt: T0, updatedAt: T0 });

    const open = await f.http(f.keys.readA, 'GET', '/api/incidents', { params: { status: 'open,acknowledged', target: 'backup' } });
    expect(open.body.items.map((i: Incident) => i.id)).toEqual(['i1']);
    expect(open.body.items[0]).not.toHaveProperty('timeline');
    expect(open.body.items[0].timelineLength).toBe(1);
    expect((await f.http(f.keys.readA, 'GET', '/api/incidents', { params: { target: tid } })).body.items.map((i: Incident) => i.id).sort()).toEqual(['i1', 'i2']);
    expect((await f.http(f.keys.readA, 'GET', '/api/incidents', { params: { target: 'no-such-target' } })).body).toEqual({ items: [], nextCursor: null });
    expect((await f.http(f.keys.readA, 'GET', '/api/incidents', { params: { status: 'open,exploded' } })).body.error.details[0].at).toBe('status');

    const one = await f.http(f.keys.readA, 'GET', '/api/incidents/i1');
    expect(one.body).toMatchObject({ id: 'i1', timeline: [{ type: 'opened' }], notifications: [{ key: 'i1:0:c1', status: 'sent' }] });
    // What the claim was to send stays with the notifier.
    expect(one.body.notifications[0]).not.toHaveProperty('notice');

    f.clock.now = T0 + 1000;
    const acked = await f.http(f.keys.adminA, 'POST', '/api/incidents/i1/ack', { body: { comment: 'on it' } });
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ status: 'acknowledged', acknowledgedAt: T0 + 1000, acknowledgedBy: expect.stringMatching(/^key:/) });
    expect(acked.body.timeline.at(-1)).toMatchObject({ type: 'acknowledged', actor: acked.body.acknowledgedBy, message: expect.stringContaining('on it') });
    f.clock.now = T0 + 2000;
    const again = await f.http(f.keys.adminA, 'POST', '/api/incidents/i1/ack');
    expect(again.body.acknowledgedAt).toBe(T0 + 1000);
    expect(again.body.timeline).toHaveLength(2);
    const resolved = await f.http(f.keys.adminA, 'POST', '/api/incidents/i2/ack');
    expect(resolved.status).toBe(409);
    expect((await f.http(f.keys.adminA, 'POST', '/api/incidents/nope/ack')).status).toBe(404);
    expect((await f.http(f.keys.adminA, 'POST', '/api/incidents/i1/ack', { body: { note: 'x' } })).status).toBe(422);
  });

  it('resolves by hand only where the rule allows it, and says so on the incident', async () => {
    const t = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'db', kind: 'log' } });
    const tid = t.body.id as string;
    const rule = async (name: string, manualResolve?: boolean) => {
      const params = { metric: 'cpu', op: '>', value: 90, ...(manualResolve === undefined ? {} : { manualResolve }) };
      const res = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name, kind: 'threshold', targetId: tid, params } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const manual = await rule('cpu manual', true);
    const automatic = await rule('cpu auto');
    await f.store.upsertIncident(incident('m1', tid, { ruleId: manual }));
    await f.store.upsertIncident(incident('m2', tid, { ruleId: automatic }));
    await f.store.upsertIncident(incident('m3', tid, { ruleId: manual, status: 'pending' }));
    await f.store.upsertIncident(incident('m4', tid, { ruleId: 'builtin:heartbeat' }));
    expect((await f.http(f.keys.readA, 'GET', '/api/incidents/m1')).body.manualResolve).toBe(true);
    expect((await f.http(f.keys.readA, 'GET', '/api/incidents/m2')).body.manualResolve).toBe(false);
    expect((await f.http(f.keys.readA, 'GET', '/api/incidents/m4')).body.manualResolve).toBe(false);

    f.clock.now = T0 + 7_000;
    expect((await f.http(f.keys.readA, 'POST', '/api/incidents/m1/resolve')).status).toBe(403);
    const done = await f.http(f.keys.adminA, 'POST', '/api/incidents/m1/resolve', { body: { comment: 'fixed the disk' } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'resolved', resolvedAt: T0 + 7_000, updatedAt: T0 + 7_000 });
    expect(done.body.timeline.at(-1)).toMatchObject({ at: T0 + 7_000, type: 'resolved', actor: expect.stringMatching(/^key:/), message: expect.stringContaining('fixed the disk') });
    f.clock.now = T0 + 9_000;
    const again = await f.http(f.keys.adminA, 'POST', '/api/incidents/m1/resolve');
    expect([again.status, again.body.resolvedAt, again.body.timeline.length]).toEqual([200, T0 + 7_000, 2]);
    for (const id of ['m2', 'm3', 'm4']) {
      const refused = await f.http(f.keys.adminA, 'POST', `/api/incidents/${id}/resolve`);
      expect(refused.status, id).toBe(409);
    }
    expect((await f.http(f.keys.adminA, 'POST', '/api/incidents/m2/resolve')).body.error.message).toContain('manualResolve');
    expect((await f.http(f.keys.adminB, 'POST', '/api/incidents/m2/resolve')).status).toBe(404);
    expect((await f.http(f.keys.adminA, 'POST', '/api/incidents/m2/resolve', { body: { why: 'x' } })).status).toBe(422);
  });

  it('filters incidents by a time window (from/to, RFC 3339 or epoch ms)', async () => {
    await f.store.upsertIncident(incident('w1', 't', { status: 'resolved', openedAt: T0 - 2 * H, resolvedAt: T0 - H }));
    await f.store.upsertIncident(incident('w2', 't', { openedAt: T0 - 3 * H }));
    await f.store.upsertIncident(incident('w3', 't', { status: 'resolved', openedAt: T0 + H, resolvedAt: T0 + 2 * H }));
    const ids = async (params: Record<string, string>) => (await f.http(f.keys.readA, 'GET', '/api/incidents', { params })).body.items.map((i: Incident) => i.id);
    expect(await ids({ from: String(T0 - H / 2) })).toEqual(['w3', 'w2']);
    expect(await ids({ from: new Date(T0 - H / 2).toISOString(), to: new Date(T0).toISOString() })).toEqual(['w2']);
    expect(await ids({ to: String(T0 - 2 * H) })).toEqual(['w2']);
    const bad = await f.http(f.keys.readA, 'GET', '/api/incidents', { params: { from: 'yesterday', to: String(T0) } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].at).toBe('from');
    expect((await f.http(f.keys.readA, 'GET', '/api/incidents', { params: { from: String(T0), to: String(T0 - 1) } })).body.error.details).toEqual([{ at: 'from', message: 'must be before to' }]);
  });

  it('pages incidents with a cursor', async () => {
    for (let i = 0; i < 5; i++) await f.store.upsertIncident(incident(`p${i}`, 't', { openedAt: T0 + i }));
    const first = await f.http(f.keys.readA, 'GET', '/api/incidents', { params: { limit: '3' } });
    expect(first.body.items.map((i: Incident) => i.id)).toEqual(['p4', 'p3', 'p2']);
    const second = await f.http(f.keys.readA, 'GET', '/api/incidents', { params: { limit: '3', cursor: first.body.nextCursor } });
    expect(second.body.items.map((i: Incident) => i.id)).toEqual(['p1', 'p0']);
    expect(second.body.nextCursor).toBeNull();
  });
});

describe('uptime', () => {
  it('computes figures from incidents and maintenance over a named window or from/to', async () => {
    f.clock.now = T0;
    const t = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'site', kind: 'http', http: { url: 'https://site.test' }, slaTarget: 99, labels: { env: 'prod' } } });
    const tid = t.body.id as string;
    await f.store.upsertIncident(incident('u1', tid, { status: 'resolved', openedAt: T0 + 2 * H, resolvedAt: T0 + 4 * H }));
    await f.store.upsertIncident(incident('u2', tid, { status: 'resolved', openedAt: T0 + 3 * H, resolvedAt: T0 + 5 * H }));
    await f.store.upsertIncident(incident('u3', tid, { status: 'open', openedAt: T0 + 23 * H }));
    await f.http(f.keys.adminA, 'POST', '/api/maintenance', { body: { name: 'mw', selector: { env: 'prod' }, startsAt: T0 + 4 * H, endsAt: T0 + 6 * H } });
    await f.http(f.keys.adminA, 'POST', '/api/maintenance', { body: { name: 'other', targetIds: [], selector: { env: 'dev' }, startsAt: T0, endsAt: T0 + 24 * H } });
    f.clock.now = T0 + 24 * H;
    const res = await f.http(f.keys.readA, 'GET', `/api/targets/${tid}/uptime`, { params: { window: '24h' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ targetId: tid, name: 'site', from: T0, to: T0 + 24 * H, maintenanceMs: 2 * H, monitoredMs: 22 * H, downtimeMs: 3 * H, incidentCount: 3, mttrMs: 2 * H, slaTarget: 99 });
    expect(res.body.uptimePercent).toBeCloseTo((19 / 22) * 100, 5);
    expect(res.body.errorBudget.remainingMs).toBe(Math.round(22 * H * 0.01) - 3 * H);
    const ranged = await f.http(f.keys.readA, 'GET', `/api/targets/${tid}/uptime`, { params: { from: new Date(T0 + 6 * H).toISOString(), to: String(T0 + 12 * H) } });
    expect(ranged.body).toMatchObject({ downtimeMs: 0, uptimePercent: 100, incidentCount: 0 });
    expect((await f.http(f.keys.readA, 'GET', `/api/targets/${tid}/uptime`, { params: { window: '1y' } })).status).toBe(400);
    expect((await f.http(f.keys.readA, 'GET', `/api/targets/${tid}/uptime`, { params: { 'window[$gt]': '' } })).status).toBe(400);
  });
});
