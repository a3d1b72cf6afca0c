import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { Incident } from '../../lib/store/types.js';
import { createSqliteStore, type SqliteStore } from '../../lib/store/sqlite/store.js';
import { targetKey } from '../machines/env.js';
import { makeRule, makeTarget, metricValue, quietLogger, seed, TENANT } from '../testing/harness.js';
import { createManualClock } from '../../lib/time/manual-clock.js';
import { ConfigCache } from './config.js';
import { createConfigSync } from './config-sync.js';

const key = (name: string) => targetKey(TENANT, name);

describe('configuration sync against a real SQLite store', () => {
  let store: SqliteStore;
  let registry: Registry;
  let config: ConfigCache;
  let changed: string[][];
  let acks: Incident[];
  const sync = () =>
    createConfigSync({
      store,
      config,
      runtime: { configChanged: (keys) => changed.push([...keys]), syncAcks: (i) => acks.push(...i) },
      clock: createManualClock(1_000_000),
      registry,
      logger: quietLogger,
    });

  beforeEach(async () => {
    store = await createSqliteStore({ path: ':memory:' });
    registry = new Registry();
    config = new ConfigCache(quietLogger);
    changed = [];
    acks = [];
    await seed(store, { targets: [makeTarget('web', { labels: { env: 'prod' } })] });
  });
  afterEach(async () => {
    await store.close();
  });

  it('a notice naming an entity reads that entity alone, without a full reload', async () => {
    const s = sync();
    await s.reload();
    expect(config.specs(key('web'))).toEqual([]);
    await store.rules.create(makeRule('errs', 'log_pattern', { pattern: 'x', count: 1 }));
    await s.applyNotice({ tenant: TENANT, resource: 'rules', id: 'errs' });
    expect(config.specs(key('web')).map((r) => r.id)).toEqual(['errs']);
    expect(changed.at(-1)).toEqual([key('web')]);
    await store.targets.create(makeTarget('api'));
    await s.applyNotice({ tenant: TENANT, resource: 'targets', id: 'tg-api' });
    expect(config.targetByKey(key('api'))?.id).toBe('tg-api');
    expect(await metricValue(registry, 'lightwatch_detector_config_reloads_total')).toBe(1);
    expect(await metricValue(registry, 'lightwatch_detector_config_notices_total')).toBe(2);
    // A notice naming no entity (an older query service) reloads everything.
    await s.applyNotice({ tenant: TENANT, resource: 'rules' });
    expect(await metricValue(registry, 'lightwatch_detector_config_reloads_total')).toBe(2);
  });

  it('a notice for an entity deleted meanwhile removes it', async () => {
    await store.rules.create(makeRule('errs', 'log_pattern', { pattern: 'x', count: 1 }));
    const s = sync();
    await s.reload();
    expect(config.specs(key('web')).map((r) => r.id)).toEqual(['errs']);
    await store.rules.delete(TENANT, 'errs');
    await s.applyNotice({ tenant: TENANT, resource: 'rules', id: 'errs' });
    expect(config.specs(key('web'))).toEqual([]);
    // Created and deleted before its notice was read: never held.
    await store.targets.create(makeTarget('brief'));
    await store.targets.delete(TENANT, 'tg-brief');
    await s.applyNotice({ tenant: TENANT, resource: 'targets', id: 'tg-brief' });
    expect(config.targetByKey(key('brief'))).toBeUndefined();
  });

  it('two quick changes to one entity, their notices applied concurrently, leave the last one', async () => {
    const rule = makeRule('cpu', 'threshold', { metric: 'cpu', op: '>', value: 90 }, { selector: { env: 'prod' } });
    await store.rules.create(rule);
    const s = sync();
    await s.reload();
    await store.rules.update({ ...rule, params: { metric: 'cpu', op: '>', value: 80 }, updatedAt: 2 });
    const first = s.applyNotice({ tenant: TENANT, resource: 'rules', id: 'cpu' });
    await store.rules.update({ ...rule, params: { metric: 'cpu', op: '>', value: 70 }, updatedAt: 3 });
    const second = s.applyNotice({ tenant: TENANT, resource: 'rules', id: 'cpu' });
    await Promise.all([second, first]);
    expect(config.specs(key('web'))[0]?.params).toMatchObject({ value: 70 });
  });

  it('a notice arriving during a full reload is not undone by it', async () => {
    const s = sync();
    await s.reload();
    const reloading = s.reload();
    await store.targets.create(makeTarget('late'));
    await store.silences.create({ id: 's1', tenant: TENANT, matchers: [{ name: 'env', op: '=', value: 'prod' }], startsAt: 0, endsAt: 2_000_000, comment: '', creator: 'me', createdAt: 0 });
    await Promise.all([s.applyNotice({ tenant: TENANT, resource: 'targets', id: 'tg-late' }), s.applyNotice({ tenant: TENANT, resource: 'silences', id: 's1' }), reloading]);
    expect(config.targetByKey(key('late'))?.id).toBe('tg-late');
    expect(config.suppressedBy({ tenant: TENANT, targetId: 'tg-web', targetName: 'web', ruleId: 'r', ruleName: 'r', severity: 'critical', labels: { env: 'prod' } }, 1_000)).toBe('silence:s1');
  });

  it('an acknowledgement notice hands that incident to the actors', async () => {
    const s = sync();
    await s.reload();
    const incident: Incident = { id: 'inc-1', tenant: TENANT, targetId: 'tg-web', ruleId: 'r', status: 'acknowledged', severity: 'critical', title: 't', openedAt: 1, acknowledgedAt: 2, acknowledgedBy: 'bob', reopenCount: 0, epoch: 1, timeline: [], updatedAt: 2 };
    await store.upsertIncident(incident);
    acks.length = 0;
    await s.applyNotice({ tenant: TENANT, resource: 'incidents', id: 'inc-1' });
    expect(acks).toMatchObject([{ id: 'inc-1', status: 'acknowledged', acknowledgedBy: 'bob' }]);
    expect(await metricValue(registry, 'lightwatch_detector_config_reloads_total')).toBe(1);
  });
});
