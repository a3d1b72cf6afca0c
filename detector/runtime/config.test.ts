import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Channel, Maintenance, Silence } from '../../lib/store/types.js';
import { targetKey } from '../machines/env.js';
import { makeRule, makeTarget, TENANT, webhookChannel } from '../testing/harness.js';
import { ConfigCache, type ConfigSnapshot } from './config.js';

const logger = pino({ level: 'silent' });
const key = (name: string) => targetKey(TENANT, name);
const cfg = (over: Partial<ConfigSnapshot> = {}): ConfigSnapshot => ({
  targets: [makeTarget('web', { labels: { env: 'prod' } }), makeTarget('db', { channels: ['ch-db'] })],
  rules: [makeRule('cpu', 'threshold', { metric: 'cpu', op: '>', value: 90 }, { selector: { env: 'prod' } })],
  channels: [webhookChannel('http://x'), { ...webhookChannel('http://y'), id: 'ch-db', isDefault: false, repeatIntervalSec: 60 }],
  silences: [],
  maintenance: [],
  routes: [],
  inhibitRules: [],
  ...over,
});

describe('ConfigCache', () => {
  it('compiles per target, and reports exactly the targets whose rules or pause changed', () => {
    const c = new ConfigCache(logger);
    c.apply(cfg());
    expect(c.specs(key('web')).map((s) => s.id)).toEqual(['cpu']);
    expect(c.specs(key('db'))).toEqual([]);
    expect(c.apply(cfg())).toEqual(new Set());
    const edited = cfg({ rules: [makeRule('cpu', 'threshold', { metric: 'cpu', op: '>', value: 80 }, { selector: { env: 'prod' }, updatedAt: 2 })] });
    expect(c.apply(edited)).toEqual(new Set([key('web')]));
    expect(c.specs(key('web'))[0]?.params).toMatchObject({ value: 80 });
    const paused = { ...edited, targets: [makeTarget('web', { labels: { env: 'prod' }, paused: true, updatedAt: 3 }), makeTarget('db', { channels: ['ch-db'] })] };
    expect(c.apply(paused)).toEqual(new Set([key('web')]));
    expect(c.target(key('web'))?.paused).toBe(true);
  });

  it('watches a tenant once it has a target or a rule, and no other', () => {
    const c = new ConfigCache(logger);
    c.apply(cfg({ targets: [], rules: [] }));
    expect(c.watchesTenant(TENANT)).toBe(false);
    c.apply(cfg({ targets: [makeTarget('web')], rules: [] }));
    expect(c.watchesTenant(TENANT)).toBe(true);
    expect(c.watchesTenant('someone-else')).toBe(false);
    c.apply(cfg({ targets: [], rules: [makeRule('cpu', 'threshold', { metric: 'cpu', op: '>', value: 90 }, { updatedAt: 5 })] }));
    expect(c.watchesTenant(TENANT)).toBe(true);
    expect(c.tenants()).toEqual([TENANT]);
  });

  it('watches a tenant\'s metrics once it has a rule that reads samples (threshold, anomaly), by reload and by notice', () => {
    const c = new ConfigCache(logger);
    c.apply(cfg({ rules: [makeRule('err', 'log_pattern', { pattern: 'fatal', count: 1, windowSec: 60 })] }));
    expect(c.watchesTenant(TENANT)).toBe(true);
    expect(c.watchesMetrics(TENANT)).toBe(false);
    expect(c.metricTenants()).toEqual([]);
    c.apply(cfg());
    expect(c.watchesMetrics(TENANT)).toBe(true);
    expect(c.metricTenants()).toEqual([TENANT]);
    c.update({ kind: 'rule', tenant: TENANT, id: 'cpu', value: null }, c.beginRead());
    expect(c.watchesMetrics(TENANT)).toBe(false);
    c.update({ kind: 'rule', tenant: TENANT, id: 'z', value: makeRule('z', 'anomaly', { metric: 'latency' }) }, c.beginRead());
    expect(c.watchesMetrics(TENANT)).toBe(true);
  });

  it('shares one compiled list between targets with the same rules', () => {
    const c = new ConfigCache(logger);
    c.apply(cfg({ targets: [makeTarget('a', { labels: { env: 'prod' } }), makeTarget('b', { labels: { env: 'prod' } })] }));
    expect(c.specs(key('a'))).toBe(c.specs(key('b')));
  });

  it('applies tenant-wide rules to targets seen only in events', () => {
    const c = new ConfigCache(logger);
    c.apply(cfg({ rules: [makeRule('errs', 'log_pattern', { pattern: 'x' })] }));
    expect(c.specs(key('never-configured')).map((s) => s.id)).toEqual(['errs']);
    expect(c.specs(targetKey('other-tenant', 'x'))).toEqual([]);
  });

  it('routes to named channels of the tenant, else to its defaults; reminders follow the smallest repeat interval', () => {
    const c = new ConfigCache(logger);
    const foreign: Channel = { ...webhookChannel('http://z'), id: 'ch-foreign', tenant: 'other' };
    c.apply(cfg({ channels: [...cfg().channels, foreign] }));
    expect(c.channelsFor(TENANT, ['ch-db']).map((ch) => ch.id)).toEqual(['ch-db']);
    expect(c.channelsFor(TENANT, []).map((ch) => ch.id)).toEqual(['ch-hook']);
    expect(c.channelsFor(TENANT, ['ch-foreign']).map((ch) => ch.id)).toEqual(['ch-hook']);
    expect(c.reminderMs(TENANT, ['ch-db'])).toBe(60_000);
    expect(c.reminderMs(TENANT, [])).toBe(0);
  });

  it('answers suppression from the current silences without recompiling rules', () => {
    const c = new ConfigCache(logger);
    c.apply(cfg());
    const q = { tenant: TENANT, targetId: 'tg-web', targetName: 'web', ruleId: 'cpu', ruleName: 'cpu', severity: 'critical', labels: { env: 'prod' } };
    expect(c.suppressedBy(q, 5)).toBeNull();
    const s: Silence = { id: 's1', tenant: TENANT, matchers: [{ name: 'env', op: '=', value: 'prod' }], startsAt: 0, endsAt: 10, comment: '', creator: 'me', createdAt: 0 };
    const specs = c.specs(key('web'));
    expect(c.apply(cfg({ silences: [s] }))).toEqual(new Set());
    expect(c.suppressedBy(q, 5)).toBe('silence:s1');
    expect(c.suppressedBy(q, 10)).toBeNull();
    expect(c.specs(key('web'))).toBe(specs);
  });

  it('holds back notifications of a target while a parent (or a parent of a parent) is down', () => {
    const c = new ConfigCache(logger);
    c.apply(cfg({ targets: [makeTarget('app', { dependsOn: ['tg-db'] }), makeTarget('db', { dependsOn: ['tg-switch'] }), makeTarget('switch')] }));
    const q = { tenant: TENANT, targetId: 'tg-app', targetName: 'app', ruleId: 'r', ruleName: 'r', severity: 'critical', labels: {} };
    expect(c.hasDependencies(TENANT)).toBe(true);
    expect(c.suppressedBy(q, 0)).toBeNull();
    c.setDownTargets(TENANT, ['tg-switch']);
    expect(c.suppressedBy(q, 0)).toBe('dependency:tg-switch');
    expect(c.suppressedBy({ ...q, targetId: 'tg-switch', targetName: 'switch' }, 0)).toBeNull();
    c.setDownTargets(TENANT, []);
    expect(c.suppressedBy(q, 0)).toBeNull();
  });

  describe('entity by entity, on change notices', () => {
    const q = { tenant: TENANT, targetId: 'tg-web', targetName: 'web', ruleId: 'cpu', ruleName: 'cpu', severity: 'critical', labels: { env: 'prod' } };
    const silence: Silence = { id: 's1', tenant: TENANT, matchers: [{ name: 'env', op: '=', value: 'prod' }], startsAt: 0, endsAt: 10, comment: '', creator: 'me', createdAt: 0 };

    it('applies a target, a rule, a channel, a silence and a maintenance window each without a reload', () => {
      const c = new ConfigCache(logger);
      c.apply(cfg({ targets: [], rules: [] }));
      expect(c.watchesTenant(TENANT)).toBe(false);
      c.update({ kind: 'target', tenant: TENANT, id: 'tg-web', value: makeTarget('web', { labels: { env: 'prod' } }) }, c.beginRead());
      expect(c.watchesTenant(TENANT)).toBe(true);
      expect(c.targetByKey(key('web'))?.id).toBe('tg-web');
      expect(c.targetName(TENANT, 'tg-web')).toBe('web');
      expect(c.specs(key('web'))).toEqual([]);
      const rule = makeRule('cpu', 'threshold', { metric: 'cpu', op: '>', value: 90 }, { selector: { env: 'prod' } });
      // The compiled target the rule applies to is reported; one it does not apply to is not.
      c.specs(key('other'));
      expect(c.update({ kind: 'rule', tenant: TENANT, id: 'cpu', value: rule }, c.beginRead())).toEqual(new Set([key('web')]));
      expect(c.specs(key('web')).map((s) => s.id)).toEqual(['cpu']);
      c.update({ kind: 'channel', tenant: TENANT, id: 'ch-new', value: { ...webhookChannel('http://n'), id: 'ch-new', repeatIntervalSec: 30 } }, c.beginRead());
      expect(c.channelsFor(TENANT, []).map((ch) => ch.id)).toEqual(['ch-hook', 'ch-new']);
      expect(c.reminderMs(TENANT, [])).toBe(30_000);
      c.update({ kind: 'silence', tenant: TENANT, id: 's1', value: silence }, c.beginRead());
      expect(c.suppressedBy(q, 5)).toBe('silence:s1');
      const window: Maintenance = { id: 'm1', tenant: TENANT, name: 'w', targetIds: ['tg-web'], startsAt: 20, endsAt: 30, comment: '', createdAt: 0 };
      c.update({ kind: 'maintenance', tenant: TENANT, id: 'm1', value: window }, c.beginRead());
      expect(c.suppressedBy(q, 25)).toBe('maintenance:m1');
    });

    it('removes an entity deleted before its notice was read, and ignores a delete of one never held', () => {
      const c = new ConfigCache(logger);
      c.apply(cfg({ silences: [silence] }));
      expect(c.specs(key('web')).map((s) => s.id)).toEqual(['cpu']);
      expect(c.update({ kind: 'rule', tenant: TENANT, id: 'cpu', value: null }, c.beginRead())).toEqual(new Set([key('web')]));
      expect(c.specs(key('web'))).toEqual([]);
      c.update({ kind: 'silence', tenant: TENANT, id: 's1', value: null }, c.beginRead());
      expect(c.suppressedBy(q, 5)).toBeNull();
      c.update({ kind: 'channel', tenant: TENANT, id: 'ch-db', value: null }, c.beginRead());
      expect(c.reminderMs(TENANT, ['ch-db'])).toBe(0);
      c.update({ kind: 'target', tenant: TENANT, id: 'tg-web', value: null }, c.beginRead());
      expect(c.targetByKey(key('web'))).toBeUndefined();
      c.update({ kind: 'target', tenant: TENANT, id: 'tg-db', value: null }, c.beginRead());
      expect(c.watchesTenant(TENANT)).toBe(false);
      expect(c.update({ kind: 'target', tenant: TENANT, id: 'tg-ghost', value: null }, c.beginRead())).toEqual(new Set());
      expect(c.watchesTenant(TENANT)).toBe(false);
    });

    it('of two reads of one entity, the one begun later wins, whatever order they finish in', () => {
      const c = new ConfigCache(logger);
      c.apply(cfg());
      const first = c.beginRead();
      const second = c.beginRead();
      const v2 = makeRule('cpu', 'threshold', { metric: 'cpu', op: '>', value: 70 }, { selector: { env: 'prod' }, updatedAt: 3 });
      const v1 = makeRule('cpu', 'threshold', { metric: 'cpu', op: '>', value: 80 }, { selector: { env: 'prod' }, updatedAt: 2 });
      c.specs(key('web'));
      expect(c.update({ kind: 'rule', tenant: TENANT, id: 'cpu', value: v2 }, second)).toEqual(new Set([key('web')]));
      expect(c.update({ kind: 'rule', tenant: TENANT, id: 'cpu', value: v1 }, first)).toEqual(new Set());
      expect(c.specs(key('web'))[0]?.params).toMatchObject({ value: 70 });
      // A delete read later than a create stays deleted.
      const created = c.beginRead();
      const deleted = c.beginRead();
      c.update({ kind: 'target', tenant: TENANT, id: 'tg-new', value: null }, deleted);
      c.update({ kind: 'target', tenant: TENANT, id: 'tg-new', value: makeTarget('new') }, created);
      expect(c.targetByKey(key('new'))).toBeUndefined();
    });

    it('keeps an entity read during a full reload over the older value in that reload, and drops one read before it', () => {
      const c = new ConfigCache(logger);
      c.apply(cfg());
      const stale = c.beginRead();
      const reload = c.beginRead(); // the full reload's read starts ...
      const during = c.beginRead(); // ... a notice's read starts after it and finishes first
      c.update({ kind: 'silence', tenant: TENANT, id: 's1', value: silence }, during);
      c.update({ kind: 'target', tenant: TENANT, id: 'tg-web', value: null }, during);
      c.update({ kind: 'target', tenant: TENANT, id: 'tg-api', value: makeTarget('api') }, during);
      // The reload's snapshot was read before those changes: no silence, web still there, no api.
      c.apply(cfg(), reload);
      expect(c.suppressedBy({ ...q, targetId: 'tg-db', targetName: 'db' }, 5)).toBe('silence:s1');
      expect(c.targetByKey(key('web'))).toBeUndefined();
      expect(c.targetByKey(key('api'))?.id).toBe('tg-api');
      // A read begun before the reload's, finishing after it, is older than what the reload applied.
      c.update({ kind: 'target', tenant: TENANT, id: 'tg-web', value: makeTarget('web', { updatedAt: 9 }) }, stale);
      expect(c.targetByKey(key('web'))).toBeUndefined();
      // The next reload reads the store as it is now: its values hold again.
      c.apply(cfg());
      expect(c.targetByKey(key('web'))?.id).toBe('tg-web');
      expect(c.targetByKey(key('api'))).toBeUndefined();
      expect(c.suppressedBy({ ...q, targetId: 'tg-db', targetName: 'db' }, 5)).toBeNull();
    });

    it('follows a rename, and a later full reload of the same versions recompiles nothing', () => {
      const c = new ConfigCache(logger);
      c.apply(cfg());
      c.specs(key('web'));
      const renamed = makeTarget('www', { id: 'tg-web', labels: { env: 'prod' }, updatedAt: 2 });
      expect(c.update({ kind: 'target', tenant: TENANT, id: 'tg-web', value: renamed }, c.beginRead())).toEqual(new Set([key('web')]));
      expect(c.targetByKey(key('web'))).toBeUndefined();
      expect(c.targetName(TENANT, 'tg-web')).toBe('www');
      const www = c.specs(key('www'));
      expect(www.map((s) => s.id)).toEqual(['cpu']);
      expect(c.apply(cfg({ targets: [renamed, makeTarget('db', { channels: ['ch-db'] })] }))).toEqual(new Set());
      expect(c.specs(key('www'))).toBe(www);
    });
  });
});

describe('ConfigCache inhibition', () => {
  const rule = { id: 'crit-over-warn', tenant: TENANT, name: 'c', source: [{ name: 'severity', op: '=' as const, value: 'critical' }], target: [{ name: 'severity', op: '=' as const, value: 'warning' }], equal: ['cluster'], createdAt: 1, updatedAt: 1 };
  const targets = [makeTarget('db', { labels: { cluster: 'eu' } }), makeTarget('app', { labels: { cluster: 'eu' } }), makeTarget('web', { labels: { cluster: 'us' } })];
  const incident = (id: string, targetId: string, status: 'open' | 'resolved') => ({ id, tenant: TENANT, targetId, ruleId: 'r', status, severity: 'critical' as const, title: id, openedAt: 1, reopenCount: 0, epoch: 1, timeline: [], updatedAt: 1 });
  const q = (name: string) => ({ tenant: TENANT, targetId: `tg-${name}`, targetName: name, ruleId: 'w', ruleName: 'w', severity: 'warning', labels: { cluster: name === 'web' ? 'us' : 'eu' } });

  it('sees open incidents from the store and from its own writes, the newer view winning', () => {
    const c = new ConfigCache(logger);
    c.apply(cfg({ targets, inhibitRules: [rule] }));
    expect(c.suppressedBy(q('app'), 0)).toBeNull();
    c.setOpenIncidents(TENANT, [incident('src', 'tg-db', 'open')]);
    expect(c.suppressedBy(q('app'), 0)).toBe('inhibit:crit-over-warn:src');
    expect(c.suppressedBy(q('web'), 0)).toBeNull();
    // This detector resolved it: no longer a source, though the store's list is older.
    c.noteIncident(incident('src', 'tg-db', 'resolved'), 'db');
    expect(c.suppressedBy(q('app'), 0)).toBeNull();
    c.noteIncident(incident('src2', 'tg-db', 'open'), 'db');
    expect(c.suppressedBy(q('app'), 0)).toBe('inhibit:crit-over-warn:src2');
    // The next reload lists what the store holds; own writes it reflects are dropped.
    c.setOpenIncidents(TENANT, [incident('src2', 'tg-db', 'open')]);
    expect(c.openIncidents(TENANT).map((i) => i.id)).toEqual(['src2']);
  });
});
