// Tenant isolation over every route of the table: tenant B can neither see nor change tenant A's objects.
// Another tenant's id answers exactly like a missing one (same status, same message), lists and counts only
// hold the caller's tenant, and a body cannot name a tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_ROUTES, routePath } from '../lib/api/routes.js';
import { createIdGenerator } from '../lib/events/ids.js';
import { createFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
/** One object of each kind in tenant A, by resource. */
const ofA: Record<string, string> = {};
const ids = createIdGenerator();

beforeAll(async () => {
  f = await createFixture();
  const post = async (path: string, body: unknown): Promise<string> => {
    const res = await f.http(f.keys.adminA, 'POST', path, { body });
    if (res.status !== 201) throw new Error(`${path}: ${JSON.stringify(res.body)}`);
    return (res.body.id ?? res.body.tenant?.id) as string;
  };
  ofA.channels = await post('/api/channels', { name: 'secret-ops', kind: 'slack', config: { webhookUrl: 'https://hooks.slack.test/services/AAAA' } });
  ofA.targets = await post('/api/targets', { name: 'a-secret-target', kind: 'heartbeat', heartbeat: { intervalSec: 60 }, channels: [ofA.channels] });
  ofA.rules = await post('/api/rules', { name: 'a-rule', kind: 'heartbeat', targetId: ofA.targets });
  ofA.silences = await post('/api/silences', { matchers: [{ name: 'env', value: 'prod' }], endsAt: T0 + 3_600_000 });
  ofA.maintenance = await post('/api/maintenance', { name: 'a-mw', startsAt: T0, endsAt: T0 + 1000 });
  ofA.keys = await post('/api/keys', { name: 'a-key', scopes: ['read'] });
  ofA.users = await post('/api/users', { email: 'alice@a.example', password: 'correct horse battery' });
  ofA.statuspages = await post('/api/statuspages', { name: 'A status', slug: 'a-status', sections: [{ name: 'API', targetIds: [ofA.targets] }] });
  ofA.routes = await post('/api/routes', { name: 'a-route', channelId: ofA.channels, matchers: [{ name: 'env', value: 'prod' }] });
  ofA.inhibitrules = await post('/api/inhibitrules', { name: 'a-inhibit', source: [{ name: 'severity', value: 'critical' }], target: [{ name: 'severity', value: 'warning' }] });
  // B's own channel, so B's route bodies are valid and only the foreign id can make them fail.
  const channelOfB = await f.http(f.keys.adminB, 'POST', '/api/channels', { body: { name: 'b-ops', kind: 'slack', config: { webhookUrl: 'https://hooks.slack.test/bb' } } });
  minimalBodies.routes = { name: 'b-route', channelId: channelOfB.body.id };
  ofA.incidents = 'inc-a-1';
  ofA.tenants = 'a';
  await f.store.upsertIncident({ id: ofA.incidents, tenant: 'a', targetId: ofA.targets, ruleId: ofA.rules, status: 'open', severity: 'critical', title: 'a is down', openedAt: T0, reopenCount: 0, epoch: 1, timeline: [], updatedAt: T0 });
  await f.store.metrics.append('a', [{ labels: { __name__: 'cpu', env: 'prod', target: 'a-secret-target' }, target: 'a-secret-target', type: 'gauge', timestamps: [T0 + 1], values: [1] }]);
  await f.store.appendEvents(
    (['log', 'metric', 'security', 'heartbeat', 'check'] as const).map((kind, i) => {
      const base = { id: ids.next(T0 + i), tenant: 'a', target: 'a-secret-target', ts: T0 + i, receivedAt: T0 + i, labels: { env: 'prod' } };
      switch (kind) {
        case 'log':
          return { ...base, kind, body: { level: 'error' as const, message: 'a secret', fields: {}, format: 'plain' } };
        case 'metric':
          return { ...base, kind, body: { name: 'cpu', value: 1, type: 'gauge' as const } };
        case 'security':
          return { ...base, kind, body: { category: 'auth', severity: 'high' as const } };
        case 'heartbeat':
          return { ...base, kind, body: { status: 'ok' as const } };
        case 'check':
          return { ...base, kind, body: { ok: true, latencyMs: 1, attempts: 1 } };
      }
    }),
  );
});
afterAll(async () => {
  await f.close();
});

const minimalBodies: Record<string, unknown> = {
  targets: { name: 'b-target', kind: 'log' },
  rules: { name: 'b-rule', kind: 'heartbeat' },
  channels: { name: 'b-ch', kind: 'slack', config: { webhookUrl: 'https://hooks.slack.test/b' } },
  silences: { matchers: [{ name: 'x', value: 'y' }], endsAt: T0 + 1000 },
  maintenance: { name: 'b-mw', startsAt: T0, endsAt: T0 + 1000 },
  statuspages: { name: 'B status', slug: 'b-status', sections: [] },
  inhibitrules: { name: 'b-inhibit', source: [{ name: 'severity', value: 'critical' }], target: [{ name: 'severity', value: 'info' }] },
};

describe('tenant isolation', () => {
  // Public routes carry a published slug, which is public by design; their own test covers other tenants' targets.
  const withId = RESOURCE_ROUTES.filter((r) => r.withId && r.access !== 'public');

  it.each(withId.map((r) => [`${r.method} ${routePath(r)}`, r] as const))("%s with another tenant's id answers like a missing id", async (_, route) => {
    const id = ofA[route.resource];
    expect(id, `no sample object for ${route.resource}`).toBeDefined();
    const path = (x: string): string => routePath(route).replace('{id}', encodeURIComponent(x));
    const body = minimalBodies[route.resource] ?? {};
    const foreign = await f.http(f.keys.adminB, route.method, path(id as string), { body });
    const missing = await f.http(f.keys.adminB, route.method, path('zz-no-such-id'), { body });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(foreign.body.error.message.replace(JSON.stringify(id), '"zz-no-such-id"')).toBe(missing.body.error.message);
    expect(JSON.stringify(foreign.body)).not.toMatch(/a-secret|secret-ops|alice|a is down/);
  });

  it("leaves tenant A's objects untouched after B's attempts", async () => {
    expect((await f.http(f.keys.readA, 'GET', `/api/targets/${ofA.targets}`)).body.name).toBe('a-secret-target');
    expect((await f.http(f.keys.readA, 'GET', `/api/rules/${ofA.rules}`)).status).toBe(200);
    expect((await f.http(f.keys.readA, 'GET', `/api/channels/${ofA.channels}`)).status).toBe(200);
    expect((await f.http(f.keys.readA, 'GET', `/api/silences/${ofA.silences}`)).status).toBe(200);
    expect((await f.http(f.keys.readA, 'GET', `/api/maintenance/${ofA.maintenance}`)).status).toBe(200);
    expect((await f.http(f.keys.readA, 'GET', `/api/incidents/${ofA.incidents}`)).body.status).toBe('open');
    const key = (await f.http(f.keys.adminA, 'GET', `/api/keys/${ofA.keys}`)).body;
    expect(key.revokedAt).toBeUndefined();
    expect((await f.http(f.keys.adminA, 'GET', `/api/users/${ofA.users}`)).status).toBe(200);
  });

  it("shows B none of A's objects in any list", async () => {
    for (const route of RESOURCE_ROUTES.filter((r) => r.verb === 'list')) {
      const res = await f.http(f.keys.adminB, 'GET', routePath(route));
      expect(res.status, route.resource).toBe(200);
      const text = JSON.stringify(res.body);
      for (const id of Object.values(ofA)) if (id !== 'a') expect(text, route.resource).not.toContain(id);
      expect(text).not.toMatch(/a-secret|secret-ops|alice/);
    }
    expect((await f.http(f.keys.adminB, 'GET', '/api/tenants')).body.items.map((t: { id: string }) => t.id)).toEqual(['b']);
  });

  it("shows B none of A's events, whatever the filters", async () => {
    for (const path of ['/api/logs', '/api/metrics', '/api/events', '/api/heartbeats', '/api/checks']) {
      expect((await f.http(f.keys.readB, 'GET', path)).body, path).toEqual({ items: [], nextCursor: null });
      expect((await f.http(f.keys.readB, 'GET', path, { params: { target: 'a-secret-target', 'label.env': 'prod' } })).body.items, path).toEqual([]);
      expect((await f.http(f.keys.readA, 'GET', path)).body.items, path).toHaveLength(1);
    }
    expect((await f.http(f.keys.readB, 'GET', '/api/metrics/series', { params: { name: 'cpu', from: String(T0 - 1000), to: String(T0 + 60_000) } })).body.points).toEqual([]);
    expect((await f.http(f.keys.readB, 'GET', '/api/incidents', { params: { target: ofA.targets as string } })).body.items).toEqual([]);
  });

  it("does not let a cursor from A's pages read A's events as B", async () => {
    await f.store.appendEvents([1, 2, 3].map((i) => ({ id: ids.next(T0 + 100 + i), tenant: 'a', kind: 'log' as const, target: 't', ts: T0 + 100 + i, receivedAt: T0, labels: {}, body: { level: 'info' as const, message: `m${i}`, fields: {}, format: 'plain' } })));
    const page = await f.http(f.keys.readA, 'GET', '/api/logs', { params: { limit: '1' } });
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const asB = await f.http(f.keys.readB, 'GET', '/api/logs', { params: { limit: '1', cursor: page.body.nextCursor } });
    expect(asB.status === 400 || asB.body.items.length === 0).toBe(true);
  });

  it('never takes the tenant from a body', async () => {
    const res = await f.http(f.keys.adminB, 'POST', '/api/targets', { body: { name: 'x', kind: 'log', tenant: 'a' } });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ at: '/tenant', message: 'unknown field' }]);
    const patched = await f.http(f.keys.adminB, 'POST', '/api/targets', { body: { name: 'mine', kind: 'log' } });
    expect((await f.http(f.keys.adminB, 'PATCH', `/api/targets/${patched.body.id}`, { body: { tenant: 'a', id: ofA.targets } })).status).toBe(422);
    expect((await f.store.targets.list('a')).map((t) => t.name)).toEqual(['a-secret-target']);
  });

  it("refuses references to another tenant's objects as unknown (422), not as forbidden", async () => {
    const res = await f.http(f.keys.adminB, 'POST', '/api/targets', { body: { name: 'sneaky', kind: 'log', channels: [ofA.channels] } });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ at: '/channels/0', message: `unknown channel ${JSON.stringify(ofA.channels)}`, index: 0 }]);
    expect((await f.http(f.keys.adminB, 'POST', '/api/maintenance', { body: { name: 'm', targetIds: [ofA.targets], startsAt: T0, endsAt: T0 + 1 } })).status).toBe(422);
  });

  it('rejects operator-shaped parameters on resource routes with 400 listing them', async () => {
    for (const [path, key] of [['/api/incidents', 'target[$ne]'], ['/api/targets', 'name[$regex]'], [`/api/targets/${ofA.targets}/uptime`, 'from[$gt]']] as const) {
      const res = await f.http(f.keys.adminA, 'GET', path, { params: { [key]: 'x' } });
      expect(res.status, path).toBe(400);
      expect(res.body.error.details, path).toEqual([expect.objectContaining({ at: key, message: expect.stringContaining('unknown query parameter') })]);
    }
  });
});
