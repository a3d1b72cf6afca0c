import { describe, expect, it } from 'vitest';
import { blockedByParent } from './dependencies.js';
import { Grouper, memberMarkerKey, type GroupFlush } from './grouper.js';
import { inhibitedBy } from '../../lib/alerting/inhibit.js';
import type { InhibitRule, RouteSpec, RoutedIncident } from '../../lib/alerting/routing-types.js';

const S = 1_000;
const M = 60 * S;
const route: RouteSpec = { id: 'r1', channelId: 'ch', matchers: [{ name: 'team', op: '=', value: 'db' }], groupBy: ['cluster'], groupWaitMs: 30 * S, groupIntervalMs: 5 * M, repeatIntervalMs: 4 * 60 * M };
const inc = (id: string, over: Partial<RoutedIncident> = {}): RoutedIncident => ({ tenant: 't', id, targetId: `tg-${id}`, targetName: id, ruleId: 'down', severity: 'critical', labels: { team: 'db', cluster: 'eu' }, status: 'firing', openedAt: 0, changedAt: 0, ...over });

/** A manual clock driving a grouper and a claim store shared by replicas (the store's claimNotification). */
function harness(claims = new Set<string>()) {
  const sent: GroupFlush[] = [];
  return {
    claims,
    sent,
    /** Flushes what is due up to `until`, stepping to each due time. */
    run(g: Grouper, from: number, until: number): number {
      let now = from;
      for (;;) {
        const due = g.nextDueAt();
        if (due > until) return until;
        now = Math.max(now, due);
        for (const f of g.flush(now)) {
          if (claims.has(f.key)) continue; // someone sent this content already
          claims.add(f.key);
          sent.push(f);
        }
      }
    },
  };
}

describe('grouping (groupWait, groupInterval, repeatInterval) on a manual clock', () => {
  it('a new owner that first sees a member resolved announces it only when the store records it announced in that group, with the key the old owner would have used', () => {
    const claims = new Set<string>();
    const a = new Grouper([route]);
    const ha = harness(claims);
    a.observe(inc('x'), 0);
    a.observe(inc('y'), 0);
    ha.run(a, 0, 31 * S);
    const announced = new Set(ha.sent.flatMap((f) => f.firing.map((i) => memberMarkerKey(f.channelId, f.groupKey, i.id))));
    // What the old owner would have sent next, had it lived.
    a.observe(inc('x', { status: 'resolved', changedAt: M }), M);
    ha.run(a, M, 10 * M);
    const expected = ha.sent[1]!;
    // The new owner rebuilds from the store: y firing, x already resolved, z resolved but never announced.
    const b = new Grouper([route]);
    const hb = harness(new Set([ha.sent[0]!.key]));
    const x = inc('x', { status: 'resolved', changedAt: M });
    const z = inc('z', { status: 'resolved', changedAt: M });
    b.observe(inc('y'), 2 * M);
    for (const i of [x, z]) {
      b.observe(i, 2 * M);
      expect(b.missing(i)).toBe(true);
      b.restore(i, 2 * M, (groupKey, channelId) => announced.has(memberMarkerKey(channelId, groupKey, i.id)));
    }
    expect(b.missing(x)).toBe(false);
    hb.run(b, 2 * M, 10 * M);
    expect(hb.sent.map((f) => [f.key, f.firing.map((i) => i.id), f.resolved.map((i) => i.id)])).toEqual([[expected.key, ['y'], ['x']]]);
  });

  it('fifty incidents of one cluster are one notification after groupWait', () => {
    const g = new Grouper([route]);
    const h = harness();
    for (let i = 0; i < 50; i++) g.observe(inc(`i${i}`, { openedAt: i * 100, changedAt: i * 100 }), i * 100);
    g.observe(inc('other', { labels: { team: 'web', cluster: 'eu' } }), 0); // no route matches
    h.run(g, 0, 29 * S);
    expect(h.sent).toHaveLength(0);
    h.run(g, 29 * S, 31 * S);
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]!.firing).toHaveLength(50);
    expect(h.sent[0]!.groupLabels).toEqual({ cluster: 'eu' });
  });

  it('changes go out at most every groupInterval; unchanged firing groups repeat every repeatInterval; the resolved notice always goes out', () => {
    const g = new Grouper([route]);
    const h = harness();
    g.observe(inc('a'), 0);
    h.run(g, 0, 31 * S);
    g.observe(inc('b', { changedAt: 40 * S }), 40 * S);
    h.run(g, 40 * S, 5 * M);
    expect(h.sent).toHaveLength(1);
    h.run(g, 5 * M, 5 * M + 31 * S); // 30 s + 5 min after the first flush
    expect(h.sent.map((f) => f.firing.map((i) => i.id))).toEqual([['a'], ['a', 'b']]);
    h.run(g, 5 * M + 31 * S, 4 * 60 * M + 6 * M);
    expect(h.sent).toHaveLength(3);
    expect(h.sent[2]!.repeat).toBe(true);
    g.observe(inc('a', { status: 'resolved', changedAt: 4 * 60 * M + 7 * M }), 4 * 60 * M + 7 * M);
    g.observe(inc('b', { status: 'resolved', changedAt: 4 * 60 * M + 7 * M }), 4 * 60 * M + 7 * M);
    h.run(g, 4 * 60 * M + 7 * M, 5 * 60 * M);
    expect(h.sent[3]).toMatchObject({ firing: [], resolved: [{ id: 'a' }, { id: 'b' }] });
    expect(g.size).toBe(0);
    expect(g.nextDueAt()).toBe(Number.POSITIVE_INFINITY);
  });

  it('an incident that fires and resolves before the group is sent is never announced', () => {
    const g = new Grouper([route]);
    const h = harness();
    g.observe(inc('flap'), 0);
    g.observe(inc('flap', { status: 'resolved', changedAt: 10 * S }), 10 * S);
    h.run(g, 0, M);
    expect(h.sent).toEqual([]);
    g.observe(inc('late', { status: 'resolved' }), M);
    expect(g.size).toBe(0);
  });

  it('a reopened incident is news again (same id, new change time)', () => {
    const g = new Grouper([{ ...route, groupIntervalMs: M }]);
    const h = harness();
    g.observe(inc('a'), 0);
    h.run(g, 0, 31 * S);
    g.observe(inc('a', { status: 'resolved', changedAt: 40 * S }), 40 * S);
    h.run(g, 40 * S, 2 * M);
    g.observe(inc('a', { changedAt: 3 * M }), 3 * M);
    h.run(g, 3 * M, 5 * M);
    expect(h.sent.map((f) => [f.firing.length, f.resolved.length])).toEqual([[1, 0], [0, 1], [1, 0]]);
  });

  it('groupBy [\'...\'] is one group per incident; groupBy [] is one group for the route', () => {
    const each = new Grouper([{ ...route, groupBy: ['...'] }]);
    each.observe(inc('a'), 0);
    each.observe(inc('b'), 0);
    expect(each.size).toBe(2);
    const one = new Grouper([{ ...route, groupBy: [] }]);
    one.observe(inc('a', { labels: { team: 'db', cluster: 'us' } }), 0);
    one.observe(inc('b'), 0);
    expect(one.size).toBe(1);
  });

  it('replica failover mid-group: the new owner rebuilds the group from the incidents and still one notification goes out per group', () => {
    const claims = new Set<string>();
    // A holds the group, sends it after groupWait, then dies before the next change.
    const a = new Grouper([route]);
    const ha = harness(claims);
    a.observe(inc('x'), 0);
    a.observe(inc('y', { changedAt: 5 * S }), 5 * S);
    ha.run(a, 0, 31 * S);
    expect(ha.sent).toHaveLength(1);
    // B takes over at 40 s and replays the same incidents: its flush has the same content, hence the same key.
    const b = new Grouper([route]);
    const hb = harness(claims);
    b.observe(inc('x'), 40 * S);
    b.observe(inc('y', { changedAt: 5 * S }), 40 * S);
    hb.run(b, 40 * S, 2 * M);
    expect(hb.sent).toEqual([]);
    // News after the takeover goes out once, from B.
    b.observe(inc('y', { status: 'resolved', changedAt: 3 * M }), 3 * M);
    hb.run(b, 3 * M, 20 * M);
    expect(hb.sent.map((f) => f.resolved.map((i) => i.id))).toEqual([['y']]);
    expect(ha.sent.length + hb.sent.length).toBe(2);
  });

  it('replica failover before the first flush: the group is sent once, by the new owner', () => {
    const claims = new Set<string>();
    const a = new Grouper([route]);
    a.observe(inc('x'), 0);
    const ha = harness(claims);
    ha.run(a, 0, 10 * S); // dies at 10 s, nothing sent
    const b = new Grouper([route]);
    const hb = harness(claims);
    b.observe(inc('x'), 12 * S);
    hb.run(b, 12 * S, 2 * M);
    expect([ha.sent.length, hb.sent.length]).toEqual([0, 1]);
  });
});

describe('inhibition', () => {
  const rule: InhibitRule = { id: 'crit-over-warn', source: [{ name: 'severity', op: '=', value: 'critical' }], target: [{ name: 'severity', op: '=', value: 'warning' }], equal: ['cluster'] };
  it('a firing source holds back targets with equal labels, never itself, never another cluster', () => {
    const src = inc('src');
    const warnEu = inc('w1', { severity: 'warning', labels: { team: 'db', cluster: 'eu', severity: 'warning' } });
    const warnUs = inc('w2', { severity: 'warning', labels: { team: 'db', cluster: 'us', severity: 'warning' } });
    expect(inhibitedBy([rule], warnEu, [src, warnEu], false)).toBe('inhibit:crit-over-warn:src');
    expect(inhibitedBy([rule], warnUs, [src], false)).toBeNull();
    expect(inhibitedBy([rule], src, [src], false)).toBeNull();
    expect(inhibitedBy([rule], warnEu, [{ ...src, status: 'resolved' }], false)).toBeNull();
  });
  it('never holds back the resolved notice of an incident already notified', () => {
    const warn = inc('w', { severity: 'warning', status: 'resolved', labels: { cluster: 'eu', severity: 'warning' } });
    expect(inhibitedBy([rule], warn, [inc('src')], true)).toBeNull();
    expect(inhibitedBy([rule], warn, [inc('src')], false)).toBe('inhibit:crit-over-warn:src');
  });
  it('regex matchers run on the linear-time engine, anchored', () => {
    const r: InhibitRule = { ...rule, source: [{ name: 'alertname', op: '=~', value: '(a+)+$' }], equal: [] };
    const hostile = inc('w', { severity: 'warning', labels: { severity: 'warning' } });
    const src = inc('s', { labels: { alertname: `${'a'.repeat(50_000)}!` } });
    // Not timed: a backtracking engine would need longer than the test's timeout (2^50 000 steps) to answer.
    expect(inhibitedBy([r], hostile, [src], false)).toBeNull();
  });
});

describe('dependencies', () => {
  const deps = new Map<string, string[]>([
    ['app', ['db', 'switch']],
    ['db', ['switch']],
    ['switch', ['app']], // a cycle is tolerated
  ]);
  it('names the first down ancestor, transitively; resolutions of notified incidents always go out', () => {
    const down = new Set(['switch']);
    expect(blockedByParent('app', deps, (t) => down.has(t))).toBe('dependency:switch');
    expect(blockedByParent('db', deps, (t) => down.has(t))).toBe('dependency:switch');
    expect(blockedByParent('switch', deps, (t) => down.has(t))).toBeNull();
    expect(blockedByParent('app', deps, () => false)).toBeNull();
    expect(blockedByParent('app', deps, (t) => down.has(t), true, true)).toBeNull();
  });
});
