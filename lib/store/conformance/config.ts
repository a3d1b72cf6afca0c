// Conformance cases for the configuration collections: CRUD, 409 on duplicate names, tenant isolation.
import { describe, expect, it } from 'vitest';
import type { LightwatchError } from '../../errors/errors.js';
import type { ConfigCollection, Store } from '../port.js';
import type { Channel, InhibitRule, Maintenance, NotificationRoute, Rule, Silence, StatusPage } from '../types.js';
import { newId, T0, target } from './fixtures.js';

type Get = () => Store;
type Item = { id: string; tenant: string; name?: string };

async function rejection(p: Promise<unknown>): Promise<LightwatchError> {
  try {
    await p;
  } catch (err) {
    return err as LightwatchError;
  }
  throw new Error('expected the call to be refused');
}

const rule = (over: Partial<Rule> = {}): Rule => ({
  id: newId(),
  tenant: 'acme',
  name: `r-${newId().slice(-6)}`,
  kind: 'threshold',
  selector: { env: 'prod' },
  params: { metric: 'cpu', op: '>', value: 0.9, forSec: 60 },
  severity: 'warning',
  channels: [],
  enabled: true,
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

const channel = (over: Partial<Channel> = {}): Channel => ({
  id: newId(),
  tenant: 'acme',
  name: `c-${newId().slice(-6)}`,
  kind: 'webhook',
  config: { url: 'https://hooks.example/x', secret: 's3cret' },
  isDefault: true,
  repeatIntervalSec: 0,
  rateLimitPerMin: 30,
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

const silence = (over: Partial<Silence> = {}): Silence => ({
  id: newId(),
  tenant: 'acme',
  matchers: [{ name: 'env', value: 'prod', op: '=' }],
  startsAt: T0,
  endsAt: T0 + 3_600_000,
  comment: 'deploy',
  creator: 'user:1',
  createdAt: T0,
  ...over,
});

const maintenance = (over: Partial<Maintenance> = {}): Maintenance => ({
  id: newId(),
  tenant: 'acme',
  name: `m-${newId().slice(-6)}`,
  targetIds: ['t1'],
  startsAt: T0,
  endsAt: T0 + 3_600_000,
  comment: 'db upgrade',
  createdAt: T0,
  ...over,
});

const statusPage = (over: Partial<StatusPage> = {}): StatusPage => ({
  id: newId(),
  tenant: 'acme',
  name: `p-${newId().slice(-6)}`,
  slug: `acme-${newId().slice(-6).toLowerCase()}`,
  description: 'Our services',
  sections: [{ name: 'API', targetIds: ['t1'] }],
  published: true,
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

const route = (over: Partial<NotificationRoute> = {}): NotificationRoute => ({
  id: newId(),
  tenant: 'acme',
  name: `route-${newId().slice(-6)}`,
  channelId: 'ch1',
  matchers: [{ name: 'team', value: 'db', op: '=' }],
  groupBy: ['cluster'],
  groupWaitSec: 30,
  groupIntervalSec: 300,
  repeatIntervalSec: 14_400,
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

const inhibitRule = (over: Partial<InhibitRule> = {}): InhibitRule => ({
  id: newId(),
  tenant: 'acme',
  name: `inhibit-${newId().slice(-6)}`,
  source: [{ name: 'severity', value: 'critical', op: '=' }],
  target: [{ name: 'severity', value: 'warning', op: '=' }],
  equal: ['cluster'],
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

interface Case<T extends Item> {
  name: string;
  coll: (s: Store) => ConfigCollection<T & { id: string; tenant: string }>;
  make: (over?: Partial<T>) => T;
  named: boolean;
}

function collectionCases<T extends Item>(store: Get, c: Case<T>): void {
  describe(`${c.name} collection`, () => {
    it('creates, reads, lists, replaces and deletes within a tenant', async () => {
      const coll = c.coll(store());
      const a = c.make();
      const b = c.make();
      expect(await coll.create(a)).toEqual(a);
      await coll.create(b);
      expect(await coll.get('acme', a.id)).toEqual(a);
      expect((await coll.list('acme')).map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
      const changed = { ...a, updatedAt: T0 + 1, ...(c.named ? { name: `${a.name}-renamed` } : {}) } as T;
      expect(await coll.update(changed)).toEqual(changed);
      expect(await coll.get('acme', a.id)).toEqual(changed);
      expect(await coll.delete('acme', a.id)).toBe(true);
      expect(await coll.delete('acme', a.id)).toBe(false);
      expect(await coll.get('acme', a.id)).toBeNull();
      expect(await coll.update(changed)).toBeNull();
    });

    it('keeps tenants apart: another tenant reads null, lists nothing, cannot replace or delete', async () => {
      const coll = c.coll(store());
      const a = c.make();
      await coll.create(a);
      expect(await coll.get('other', a.id)).toBeNull();
      expect(await coll.list('other')).toEqual([]);
      expect(await coll.update({ ...a, tenant: 'other' })).toBeNull();
      expect(await coll.delete('other', a.id)).toBe(false);
      expect(await coll.get('acme', a.id)).toEqual(a);
    });

    it('refuses a duplicate id with conflict', async () => {
      const coll = c.coll(store());
      const a = c.make();
      await coll.create(a);
      const err = await rejection(coll.create({ ...a, ...(c.named ? { name: 'another-name' } : {}) }));
      expect(err.code).toBe('conflict');
      expect(err.httpStatus).toBe(409);
    });

    if (c.named) {
      it('refuses a duplicate name in the tenant (create and rename) with 409, allows it in another tenant', async () => {
        const coll = c.coll(store());
        const a = c.make({ name: 'shared' } as Partial<T>);
        await coll.create(a);
        const dup = await rejection(coll.create(c.make({ name: 'shared' } as Partial<T>)));
        expect(dup.code).toBe('conflict');
        expect(dup.message).toContain('shared');
        const b = c.make({ name: 'b' } as Partial<T>);
        await coll.create(b);
        const rename = await rejection(coll.update({ ...b, name: 'shared' }));
        expect(rename.code).toBe('conflict');
        expect(await coll.get('acme', b.id)).toEqual(b);
        const elsewhere = c.make({ name: 'shared', tenant: 'other' } as Partial<T>);
        expect(await coll.create(elsewhere)).toEqual(elsewhere);
      });
    }

    it('refuses operator objects for tenant and id', async () => {
      const coll = c.coll(store());
      await coll.create(c.make());
      for (const call of [
        () => coll.get({ $ne: 'x' } as unknown as string, 'a'),
        () => coll.get('acme', { $ne: 'x' } as unknown as string),
        () => coll.list({ $gt: '' } as unknown as string),
        () => coll.delete('acme', { $ne: 'x' } as unknown as string),
      ]) {
        expect((await rejection(call())).code).toBe('bad_request');
      }
    });
  });
}

export function configCases(store: Get): void {
  collectionCases(store, { name: 'targets', coll: (s) => s.targets, make: target, named: true });
  collectionCases(store, { name: 'rules', coll: (s) => s.rules, make: rule, named: true });
  collectionCases(store, { name: 'channels', coll: (s) => s.channels, make: channel, named: true });
  collectionCases(store, { name: 'silences', coll: (s) => s.silences, make: silence, named: false });
  collectionCases(store, { name: 'maintenance', coll: (s) => s.maintenance, make: maintenance, named: true });
  collectionCases(store, { name: 'status pages', coll: (s) => s.statusPages, make: statusPage, named: true });
  collectionCases(store, { name: 'routes', coll: (s) => s.routes, make: route, named: true });
  collectionCases(store, { name: 'inhibition rules', coll: (s) => s.inhibitRules, make: inhibitRule, named: true });

  describe('status page slugs', () => {
    it('keeps a slug unique across tenants (create and update) with 409, even for concurrent creates', async () => {
      const mine = statusPage({ slug: 'shared-slug' });
      await store().statusPages.create(mine);
      const theirs = rejection(store().statusPages.create(statusPage({ tenant: 'other', slug: 'shared-slug' })));
      expect(await theirs).toMatchObject({ code: 'conflict', message: 'the slug "shared-slug" is taken' });
      const second = statusPage({ slug: 'second' });
      await store().statusPages.create(second);
      expect(await rejection(store().statusPages.update({ ...second, slug: 'shared-slug' }))).toMatchObject({ code: 'conflict' });
      const race = await Promise.allSettled([store().statusPages.create(statusPage({ slug: 'raced' })), store().statusPages.create(statusPage({ tenant: 'other', slug: 'raced' }))]);
      expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(race.filter((r) => r.status === 'rejected').map((r) => (r.reason as { code?: string }).code)).toEqual(['conflict']);
      expect((await store().statusPages.listAll()).filter((p) => p.slug === 'raced')).toHaveLength(1);
    });
  });

  describe('targets and rules extras', () => {
    it('finds a target by name within the tenant only', async () => {
      const t = target({ name: 'checkout' });
      await store().targets.create(t);
      expect(await store().targets.getByName('acme', 'checkout')).toEqual(t);
      expect(await store().targets.getByName('other', 'checkout')).toBeNull();
      expect(await store().targets.getByName('acme', 'Checkout')).toBeNull();
    });

    it('lists every tenant\'s targets and rules for the detector', async () => {
      const a = target();
      const b = target({ tenant: 'other' });
      await store().targets.create(a);
      await store().targets.create(b);
      expect((await store().targets.listAll()).map((t) => t.id).sort()).toEqual([a.id, b.id].sort());
      const r1 = rule();
      const r2 = rule({ tenant: 'other' });
      await store().rules.create(r1);
      await store().rules.create(r2);
      expect((await store().rules.listAll()).map((r) => r.id).sort()).toEqual([r1.id, r2.id].sort());
    });
  });
}
