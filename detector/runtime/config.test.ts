import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Channel, Silence } from '../../lib/store/types.js';
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
});
