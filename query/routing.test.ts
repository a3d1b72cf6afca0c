// /api/routes and /api/inhibitrules through the QueryApi on real SQLite: defaults, 422 naming the field,
// references to channels of the own tenant, tenant isolation, the change notice the detectors reload on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
let channelId: string;
beforeEach(async () => {
  f = await createFixture();
  const ch = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'db-oncall', kind: 'webhook', config: { url: 'https://hooks.example/db' } } });
  expect(ch.status).toBe(201);
  channelId = ch.body.id as string;
});
afterEach(async () => {
  await f.close();
});

describe('routes', () => {
  it('creates with Alertmanager defaults, announces the change, updates by merge, and blocks deleting its channel', async () => {
    f.changes.length = 0;
    const created = await f.http(f.keys.adminA, 'POST', '/api/routes', { body: { name: 'db', channelId, matchers: [{ name: 'team', value: 'db' }], groupBy: ['cluster'] } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), tenant: 'a', name: 'db', channelId, matchers: [{ name: 'team', value: 'db', op: '=' }], groupBy: ['cluster'], groupWaitSec: 30, groupIntervalSec: 300, repeatIntervalSec: 14_400, createdAt: T0, updatedAt: T0 });
    expect(f.changes).toEqual([{ tenant: 'a', resource: 'routes', id: created.body.id }]);
    const id = created.body.id as string;
    const patched = await f.http(f.keys.adminA, 'PATCH', `/api/routes/${id}`, { body: { groupWaitSec: 0 } });
    expect(patched.body).toMatchObject({ id, groupWaitSec: 0, groupBy: ['cluster'] });
    expect((await f.http(f.keys.readA, 'GET', '/api/routes')).body).toEqual({ items: [patched.body], nextCursor: null });
    const blocked = await f.http(f.keys.adminA, 'DELETE', `/api/channels/${channelId}`);
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.message).toContain('route "db"');
    expect((await f.http(f.keys.adminA, 'DELETE', `/api/routes/${id}`)).body).toEqual({ deleted: true, id });
  });

  it('answers 422 naming the field: unknown or foreign channel, bad groupBy, bad durations, bad regex', async () => {
    const foreign = await f.http(f.keys.adminB, 'POST', '/api/routes', { body: { name: 'x', channelId } });
    expect(foreign.status).toBe(422);
    expect(foreign.body.error.details).toEqual([{ at: '/channelId', message: `unknown channel ${JSON.stringify(channelId)}` }]);
    const bad = await f.http(f.keys.adminA, 'POST', '/api/routes', { body: { name: 'x', channelId, groupBy: ['...', 'cluster'], groupIntervalSec: 0, groupWaitSec: -1, matchers: [{ name: 'a', value: '(', op: '=~' }], extra: 1 } });
    expect(bad.status).toBe(422);
    const at = (bad.body.error.details as { at: string }[]).map((d) => d.at);
    expect(at).toEqual(expect.arrayContaining(['/groupBy', '/groupIntervalSec', '/groupWaitSec', '/matchers/0/value', '/extra']));
  });

  it('keeps tenants apart', async () => {
    const created = await f.http(f.keys.adminA, 'POST', '/api/routes', { body: { name: 'db', channelId } });
    expect((await f.http(f.keys.readB, 'GET', `/api/routes/${created.body.id}`)).status).toBe(404);
    expect((await f.http(f.keys.readB, 'GET', '/api/routes')).body.items).toEqual([]);
    expect((await f.http(f.keys.readA, 'POST', '/api/routes', { body: { name: 'db2', channelId } })).status).toBe(403);
  });
});

describe('inhibition rules', () => {
  it('creates, lists, updates and deletes; 422 names the field', async () => {
    const created = await f.http(f.keys.adminA, 'POST', '/api/inhibitrules', { body: { name: 'crit-over-warn', source: [{ name: 'severity', value: 'critical' }], target: [{ name: 'severity', value: 'warning' }], equal: ['cluster'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenant: 'a', name: 'crit-over-warn', equal: ['cluster'], source: [{ name: 'severity', value: 'critical', op: '=' }] });
    expect(f.changes.at(-1)).toEqual({ tenant: 'a', resource: 'inhibitrules', id: created.body.id });
    const id = created.body.id as string;
    expect((await f.http(f.keys.adminA, 'PATCH', `/api/inhibitrules/${id}`, { body: { equal: [] } })).body).toMatchObject({ equal: [] });
    const bad = await f.http(f.keys.adminA, 'POST', '/api/inhibitrules', { body: { name: 'x', source: [], target: [{ name: 'severity', value: 'warning' }], equal: ['1bad', 'a', 'a'] } });
    expect(bad.status).toBe(422);
    expect((bad.body.error.details as { at: string }[]).map((d) => d.at)).toEqual(expect.arrayContaining(['/source', '/equal/0', '/equal']));
    expect((await f.http(f.keys.readB, 'GET', `/api/inhibitrules/${id}`)).status).toBe(404);
    expect((await f.http(f.keys.adminA, 'DELETE', `/api/inhibitrules/${id}`)).body).toEqual({ deleted: true, id });
  });
});
