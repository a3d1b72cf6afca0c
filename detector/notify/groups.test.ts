// Routes applied by the notifier on a manual clock against a local webhook receiver and SQLite: one
// notification per group carrying all its incidents, paced by groupWait / groupInterval / repeatInterval,
// incidents matching no route notified alone, and a second owner rebuilding a group from the store sending
// nothing twice.
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../lib/store/sqlite/store.js';
import type { Store } from '../../lib/store/port.js';
import type { Channel, Incident, NotificationRoute } from '../../lib/store/types.js';
import { createManualClock, type ManualClock } from '../../lib/time/manual-clock.js';
import type { NotifyEffect } from '../machines/effects.js';
import { startReceiver, TENANT, until, webhookChannel, type Receiver } from '../testing/harness.js';
import { createGroupRouter, routeHome, type GroupRouter } from './groups.js';
import { createNotifier, type Notifier } from './notifier.js';

const S = 1000;
const M = 60 * S;
const PARTITIONS = 4;
const route: NotificationRoute = { id: 'r-db', tenant: TENANT, name: 'db', channelId: 'ch-group', matchers: [{ name: 'team', op: '=', value: 'db' }], groupBy: ['cluster'], groupWaitSec: 30, groupIntervalSec: 300, repeatIntervalSec: 3600, createdAt: 1, updatedAt: 1 };
const home = routeHome(TENANT, route.id, PARTITIONS);

interface Replica {
  notifier: Notifier;
  groups: GroupRouter;
}

describe('route groups through the notifier (manual clock, real HTTP and SQLite)', () => {
  let store: Store;
  let rx: Receiver;
  let clock: ManualClock;
  const replicas: Replica[] = [];
  const channels: Channel[] = [];

  const replica = (epoch: number): Replica => {
    const late: { groups?: GroupRouter } = {};
    const notifier = createNotifier({
      store,
      channelsFor: (_t, named) => (named.length ? channels.filter((c) => named.includes(c.id)) : channels.filter((c) => c.isDefault)),
      targetLabels: () => ({ team: 'db', cluster: 'eu' }),
      fence: async (p, e) => p !== home || e === epoch,
      clock,
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      telegramApiBaseUrl: 'http://127.0.0.1:9',
      publicBaseUrl: '',
      backoffMs: 10,
      timeoutMs: 2000,
      groups: () => late.groups,
    });
    const groups = createGroupRouter({
      routesOf: () => [route],
      routedTenants: () => [TENANT],
      targetName: (_t, id) => id.replace(/^tg-/, ''),
      targetLabels: (_t, name): Record<string, string> => (name.startsWith('web') ? { team: 'web' } : { team: 'db', cluster: 'eu' }),
      epochOf: (p) => (p === home ? epoch : undefined),
      partitions: PARTITIONS,
      clock,
      send: (g) => notifier.sendGroup(g),
      logger: pino({ level: 'silent' }),
    });
    late.groups = groups;
    const r = { notifier, groups };
    replicas.push(r);
    return r;
  };

  const incident = (n: number, over: Partial<Incident> = {}): Incident => ({ id: `inc-${String(n).padStart(3, '0')}`, tenant: TENANT, targetId: `tg-db-${n}`, ruleId: 'down', status: 'open', severity: 'critical', title: `db-${n} down`, openedAt: clock.now(), reopenCount: 0, epoch: 1, timeline: [{ at: clock.now(), type: 'opened', message: 'down' }], updatedAt: clock.now(), ...over });
  const effect = (i: Incident, transition: NotifyEffect['transition'] = 'opened'): NotifyEffect => ({ type: 'notify', incident: i, transition, transitionSeq: String(i.timeline.length), targetName: i.targetId.replace(/^tg-/, ''), channels: [], suppressedBy: null });
  /** Stores the incident (as the effect executor does before claiming) and hands its notification to the replica. */
  const happen = async (r: Replica, i: Incident, transition: NotifyEffect['transition'] = 'opened'): Promise<void> => {
    await store.upsertIncident(i);
    await r.notifier.dispatch(effect(i, transition), (home + 1) % PARTITIONS, 1);
  };
  const settle = async (): Promise<void> => {
    await new Promise((res) => setTimeout(res, 20));
    for (const r of replicas) while (r.notifier.inflight > 0) await new Promise((res) => setTimeout(res, 10));
  };
  const groupBodies = () => rx.received.filter((r) => r.key.startsWith('grp:')).map((r) => r.body as { transition: string; incidents: Array<{ id: string; status: string }> });

  beforeEach(async () => {
    store = await createSqliteStore({ path: ':memory:' });
    rx = await startReceiver();
    clock = createManualClock(1_000_000);
    channels.length = 0;
    channels.push(webhookChannel(rx.url), webhookChannel(rx.url, { id: 'ch-group', isDefault: false }));
  });
  afterEach(async () => {
    for (const r of replicas.splice(0)) {
      r.groups.close();
      await r.notifier.close(500);
    }
    await rx.close();
    await store.close();
  });

  it('fifty incidents of one cluster are one notification after groupWait; an unrouted incident goes alone at once', async () => {
    const a = replica(1);
    for (let n = 0; n < 50; n++) await happen(a, incident(n));
    const web = incident(99, { targetId: 'tg-web-1', title: 'web-1 down' });
    await happen(a, web);
    await settle();
    expect(rx.received.map((r) => r.key)).toEqual([`${web.id}:1:ch-hook`]);
    clock.advance(29 * S);
    await settle();
    expect(groupBodies()).toEqual([]);
    clock.advance(1 * S);
    await until(() => groupBodies().length === 1, 5_000, 'the group notification');
    await settle();
    const [body] = groupBodies();
    expect(body!.incidents).toHaveLength(50);
    expect(groupBodies()).toHaveLength(1);
    expect(rx.received.find((r) => r.key.startsWith('grp:'))?.body).toMatchObject({ title: expect.stringContaining('[FIRING:50] cluster=eu'), text: expect.stringContaining('• db-49 down (db-49, critical)'), group: { labels: { cluster: 'eu' }, resolved: [] } });
    // The audit holds the group's claim, sent, and the incident's record of being announced in that group
    // (its own notice suppressed: read by a new owner to announce its resolution after a takeover).
    const audit = await store.listNotifications(TENANT, 'inc-000');
    expect(audit.map((n) => [n.key.slice(0, 5), n.channelId, n.transition, n.status]).sort()).toEqual([['grp:c', 'ch-group', 'opened', 'sent'], ['grpm:', 'ch-group', 'grouped', 'suppressed']]);
  });

  it('changes go out at most every groupInterval, an unchanged firing group repeats every repeatInterval, resolutions are announced', async () => {
    const a = replica(1);
    const x = incident(1);
    await happen(a, x);
    clock.advance(30 * S);
    await until(() => groupBodies().length === 1, 5_000, 'first flush');
    clock.advance(10 * S);
    const y = incident(2);
    await happen(a, y);
    clock.advance(4 * M);
    await settle();
    expect(groupBodies()).toHaveLength(1); // groupInterval (5 min) not over
    clock.advance(M);
    await until(() => groupBodies().length === 2, 5_000, 'the change after groupInterval');
    expect(groupBodies()[1]!.incidents.map((i) => i.id)).toEqual([x.id, y.id]);
    clock.advance(60 * M);
    await until(() => groupBodies().length === 3, 5_000, 'the repeat');
    expect(groupBodies()[2]!.transition).toBe('reminder');
    const resolvedAt = clock.now();
    const xr: Incident = { ...x, status: 'resolved', resolvedAt, timeline: [...x.timeline, { at: resolvedAt, type: 'resolved', message: 'up' }], updatedAt: resolvedAt };
    await happen(a, xr, 'resolved');
    clock.advance(5 * M);
    await until(() => groupBodies().length === 4, 5_000, 'the resolution');
    expect(groupBodies()[3]!.incidents.map((i) => [i.id, i.status])).toEqual([[y.id, 'open'], [x.id, 'resolved']]);
    // The owner's store sweep finds x resolved (and recorded as announced in the group): its resolution is
    // out already, so the next news carries it no second time.
    await settle();
    await a.groups.sweep(store);
    const z = incident(3);
    await happen(a, z);
    clock.advance(5 * M);
    await until(() => groupBodies().length === 5, 5_000, 'the news after the resolution');
    expect(groupBodies()[4]!.incidents.map((i) => [i.id, i.status])).toEqual([[y.id, 'open'], [z.id, 'open']]);
  });

  it('failover mid-group: a new owner rebuilds the group from the store and sends what was already sent no second time, then sends the news once', async () => {
    const a = replica(1);
    const x = incident(1);
    const y = incident(2);
    await happen(a, x);
    await happen(a, y);
    clock.advance(30 * S);
    await until(() => groupBodies().length === 1, 5_000, 'the group from the first owner');
    await settle();
    // The first owner dies; the second takes the home partition over (epoch 2) and sweeps the store.
    a.groups.close();
    const b = replica(2);
    clock.advance(10 * S);
    await b.groups.sweep(store);
    clock.advance(30 * S);
    await settle();
    expect(groupBodies()).toHaveLength(1);
    // News after the takeover goes out once, from the new owner.
    const z = incident(3);
    await happen(b, z);
    clock.advance(5 * M);
    await until(() => groupBodies().length === 2, 5_000, 'the news from the new owner');
    await settle();
    expect(groupBodies()[1]!.incidents.map((i) => i.id)).toEqual([x.id, y.id, z.id]);
    expect(groupBodies()).toHaveLength(2);
  });
});
