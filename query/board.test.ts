// The status board, public status pages and first-run setup through the QueryApi on a real SQLite store:
// states derived from incidents, silences, maintenance and last contact; strips; tenant isolation of pages.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../lib/events/ids.js';
import type { Incident } from '../lib/store/types.js';
import { createFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(async () => {
  f = await createFixture();
});
afterEach(async () => {
  await f.close();
});

const ids = createIdGenerator();
const H = 3_600_000;

async function target(key: string, body: Record<string, unknown>): Promise<{ id: string; name: string }> {
  const res = await f.http(key, 'POST', '/api/targets', { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

function incident(tenant: string, targetId: string, over: Partial<Incident> = {}): Incident {
  const openedAt = over.openedAt ?? f.clock.now;
  return { id: ids.next(openedAt), tenant, targetId, ruleId: 'r1', status: 'open', severity: 'critical', title: 'no ping', openedAt, reopenCount: 0, epoch: 1, timeline: [{ at: openedAt, type: 'opened', message: 'opened by key:abc' }], updatedAt: openedAt, ...over };
}

describe('GET /api/board', () => {
  it('shows when a cron heartbeat expects its next ping, late past it and up before it', async () => {
    f.clock.now = Date.parse('2026-03-28T12:00:00Z');
    await target(f.keys.adminA, { name: 'backup', kind: 'heartbeat', heartbeat: { cron: '0 3 * * *', timezone: 'Europe/Berlin', graceSec: 3600 } });
    const ping = (ts: number) => ({ id: ids.next(ts), tenant: 'a', kind: 'heartbeat' as const, target: 'backup', ts, receivedAt: ts, labels: {}, body: { status: 'ok' as const } });
    await f.store.appendEvents([ping(Date.parse('2026-03-28T02:00:10Z'))]);
    const row = async () => (await f.http(f.keys.readA, 'GET', '/api/board')).body.targets[0] as { state: string; nextPingExpectedAt: number };
    // 03:00 CEST on the day the clocks go forward
    expect(await row()).toMatchObject({ state: 'up', nextPingExpectedAt: Date.parse('2026-03-29T01:00:00Z') });
    f.clock.now = Date.parse('2026-03-29T01:30:00Z');
    expect(await row()).toMatchObject({ state: 'late' });
  });

  it('gives every target its state, strip and last contact in one call', async () => {
    const hb = { kind: 'heartbeat', heartbeat: { intervalSec: 60, graceSec: 30 } };
    const up = await target(f.keys.adminA, { name: 'up-job', ...hb, labels: { team: 'core' } });
    await target(f.keys.adminA, { name: 'late-job', ...hb });
    const down = await target(f.keys.adminA, { name: 'down-job', ...hb });
    const silenced = await target(f.keys.adminA, { name: 'quiet-job', ...hb, labels: { env: 'dev' } });
    await target(f.keys.adminA, { name: 'new-job', ...hb });
    await target(f.keys.adminA, { name: 'paused-job', ...hb, paused: true });
    await target(f.keys.adminA, { name: 'maint-job', ...hb, labels: { zone: 'b' } });
    await target(f.keys.adminB, { name: 'other-tenant', ...hb });
    f.clock.now = T0 + 10 * H;
    const ping = (name: string, ts: number) => ({ id: ids.next(ts), tenant: 'a', kind: 'heartbeat' as const, target: name, ts, receivedAt: ts, labels: {}, body: { status: 'ok' as const } });
    await f.store.appendEvents([ping('up-job', f.clock.now - 10_000), ping('up-job', f.clock.now - 70_000), ping('late-job', f.clock.now - 75_000), ping('down-job', f.clock.now - 5 * H), ping('quiet-job', f.clock.now - 5 * H), ping('maint-job', f.clock.now - 1000)]);
    await f.store.upsertIncident(incident('a', down.id, { openedAt: f.clock.now - 2 * H - H / 2 }));
    await f.store.upsertIncident(incident('a', silenced.id, { openedAt: f.clock.now - H }));
    await f.store.upsertIncident(incident('a', up.id, { openedAt: f.clock.now - 3 * H, resolvedAt: f.clock.now - 3 * H + 6 * 60_000, status: 'resolved' }));
    expect((await f.http(f.keys.adminA, 'POST', '/api/silences', { body: { matchers: [{ name: 'env', value: 'dev' }], endsAt: f.clock.now + H } })).status).toBe(201);
    expect((await f.http(f.keys.adminA, 'POST', '/api/maintenance', { body: { name: 'zone b', selector: { zone: 'b' }, startsAt: f.clock.now - H, endsAt: f.clock.now + H } })).status).toBe(201);

    const res = await f.http(f.keys.readA, 'GET', '/api/board');
    expect(res.status).toBe(200);
    const states = Object.fromEntries(res.body.targets.map((t: { name: string; state: string }) => [t.name, t.state]));
    expect(states).toEqual({ 'up-job': 'up', 'late-job': 'late', 'down-job': 'down', 'quiet-job': 'silenced', 'new-job': 'pending', 'paused-job': 'paused', 'maint-job': 'maintenance' });
    expect(res.body.counts).toEqual({ up: 1, down: 1, late: 1, pending: 1, paused: 1, maintenance: 1, silenced: 1 });
    const byName = new Map(res.body.targets.map((t: { name: string }) => [t.name, t]));
    expect(byName.get('up-job')).toMatchObject({ lastHeartbeatAt: f.clock.now - 10_000, heartbeatIntervalMs: 60_000, labels: { team: 'core' } });
    // Hour buckets: the resolved 6-minute outage shows as 100‰ in its bucket, the open one fills the last buckets.
    expect(res.body.bucket).toBe('hour');
    expect((byName.get('up-job') as { strip: { down: number[][] } }).strip.down).toEqual([[86, 100]]);
    expect((byName.get('down-job') as { strip: { down: number[][] } }).strip.down).toEqual([[86, 500], [87, 1000], [88, 1000]]); // bucket 89 (now to now + 1 h) has not begun
    expect(byName.get('down-job')).toMatchObject({ incident: { status: 'open', title: 'no ping' } });
    expect(byName.get('up-job')).toMatchObject({ nextPingExpectedAt: f.clock.now - 10_000 + 60_000 });
    const days = await f.http(f.keys.readA, 'GET', '/api/board', { params: { bucket: 'day' } });
    expect(days.body.bucketMs).toBe(24 * H);
    expect((await f.http(f.keys.readA, 'GET', '/api/board', { params: { bucket: 'week' } })).status).toBe(400);
    expect((await f.http(null, 'GET', '/api/board')).status).toBe(401);
    const b = await f.http(f.keys.readB, 'GET', '/api/board');
    expect(b.body.targets.map((t: { name: string }) => t.name)).toEqual(['other-tenant']);
  });
});

describe('public status pages', () => {
  it('serves a published page without credentials, and only its own targets', async () => {
    const api = await target(f.keys.adminA, { name: 'api', kind: 'heartbeat', heartbeat: { intervalSec: 60, graceSec: 30 } });
    const hidden = await target(f.keys.adminA, { name: 'internal', kind: 'heartbeat', heartbeat: { intervalSec: 60, graceSec: 30 } });
    const otherTenant = await target(f.keys.adminB, { name: 'b-api', kind: 'log' });
    f.clock.now = T0 + 3 * 86_400_000;
    await f.store.upsertIncident(incident('a', api.id, { openedAt: f.clock.now - H }));
    const created = await f.http(f.keys.adminA, 'POST', '/api/statuspages', { body: { name: 'Acme', slug: 'acme', sections: [{ name: 'Public API', targetIds: [api.id] }] } });
    expect(created.status).toBe(201);
    // Another tenant cannot take the slug nor reference tenant a's targets.
    expect((await f.http(f.keys.adminB, 'POST', '/api/statuspages', { body: { name: 'B', slug: 'acme', sections: [] } })).status).toBe(409);
    const refB = await f.http(f.keys.adminB, 'POST', '/api/statuspages', { body: { name: 'B', slug: 'bee', sections: [{ name: 'x', targetIds: [api.id, otherTenant.id] }] } });
    expect(refB.status).toBe(422);
    expect(refB.body.error.details).toEqual([{ at: '/targetIds/0', message: `unknown target ${JSON.stringify(api.id)}`, index: 0 }]);
    expect((await f.http(f.keys.adminA, 'POST', '/api/statuspages', { body: { name: 'Bad', slug: 'Not A Slug' } })).body.error.details[0].at).toBe('/slug');

    const page = await f.http(null, 'GET', '/api/public/status/acme');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ slug: 'acme', name: 'Acme', overall: 'outage', sections: [{ name: 'Public API', targets: [{ name: 'api', state: 'down' }] }] });
    expect(page.body.sections[0].targets[0].uptime['24h']).toBeCloseTo((23 / 24) * 100, 3);
    expect(page.body.incidents).toEqual([{ title: 'no ping', target: 'api', status: 'open', openedAt: f.clock.now - H, updates: [{ at: f.clock.now - H, status: 'opened', message: expect.stringContaining('Investigating') }] }]);
    expect(JSON.stringify(page.body)).not.toContain(hidden.id);
    expect(JSON.stringify(page.body)).not.toContain('key:abc');
    expect((await f.http(null, 'GET', '/api/public/status/nope')).status).toBe(404);
    // Unpublished: gone from public view.
    expect((await f.http(f.keys.adminA, 'PATCH', `/api/statuspages/${created.body.id}`, { body: { published: false } })).status).toBe(200);
    expect((await f.http(null, 'GET', '/api/public/status/acme')).status).toBe(404);
  });

  it('gives a slug to exactly one of two concurrent creates; the other is a 409', async () => {
    const create = (key: string, name: string) => f.http(key, 'POST', '/api/statuspages', { body: { name, slug: 'status', sections: [] } });
    const [a, b] = await Promise.all([create(f.keys.adminA, 'A'), create(f.keys.adminB, 'B')]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const lost = a.status === 409 ? a : b;
    expect(lost.body.error).toMatchObject({ code: 'conflict', message: 'the slug "status" is taken' });
    expect((await f.store.statusPages.listAll()).filter((p) => p.slug === 'status')).toHaveLength(1);
  });
});

describe('GET /api/setup', () => {
  it('says whether the first user is still to be created, without credentials', async () => {
    expect((await f.http(null, 'GET', '/api/setup')).body).toEqual({ needsFirstUser: true });
    expect((await f.http(f.keys.operator, 'POST', '/api/users', { body: { email: 'ops@example.com', password: 'correct horse battery', scopes: ['admin'] } })).status).toBe(201);
    expect((await f.http(null, 'GET', '/api/setup')).body).toEqual({ needsFirstUser: false });
  });
});
