import { describe, expect, it } from 'vitest';
import type { Maintenance, Silence } from '../../lib/store/types.js';
import { ev, rule, stopActor, target, TENANT, world, type World } from './testing.js';

const cpu = (params: Record<string, unknown> = {}) => rule('cpu-high', 'threshold', { metric: 'cpu', op: '>', value: 90, ...params });
const setup = (params: Record<string, unknown> = {}): World => world([target('web', { labels: { env: 'prod', team: 'a' } })], [cpu(params)]);
const at = (w: World, dt: number) => {
  w.clock.advance(dt);
  return w.clock.now();
};
const sample = (w: World, dt: number, value: number) => w.send('web', ev.metric('web', at(w, dt), 'cpu', value));

describe('incident lifecycle: pending and for', () => {
  it('stays pending for `for`, then opens at the exact deadline', () => {
    const w = setup({ forSec: 60 });
    const t0 = w.clock.now();
    sample(w, 0, 95);
    expect(w.env.transitions()).toEqual(['pending']);
    expect(w.env.incidents()[0]!.incident.status).toBe('pending');
    expect(w.env.notified()).toEqual([]);
    sample(w, 30_000, 97);
    w.clock.advance(29_999);
    expect(w.env.transitions()).toEqual(['pending']);
    w.clock.advance(1);
    expect(w.env.transitions()).toEqual(['pending', 'opened']);
    const opened = w.env.incidents()[1]!.incident;
    expect(opened.status).toBe('open');
    expect(opened.openedAt).toBe(t0 + 60_000);
    expect(w.env.notified()).toEqual(['opened']);
    expect(w.env.notifications()[0]!.transitionSeq).toBe('2');
  });

  it('is cancelled (never opened, nobody told) when the condition clears while pending', () => {
    const w = setup({ forSec: 60 });
    sample(w, 0, 95);
    sample(w, 10_000, 50);
    w.clock.advance(120_000);
    expect(w.env.transitions()).toEqual(['pending', 'cancelled']);
    expect(w.env.incidents()[1]!.incident.status).toBe('resolved');
    expect(w.env.notified()).toEqual([]);
    // the next breach starts a new incident
    sample(w, 0, 99);
    const ids = new Set(w.env.incidents().map((e) => e.incident.id));
    expect(ids.size).toBe(2);
  });
});

describe('incident lifecycle: resolving, keepFiringFor, flapping', () => {
  it('keeps firing for keepFiringFor after recovery and resolves at clear time + keepFiringFor', () => {
    const w = setup({ keepFiringForSec: 30 });
    sample(w, 0, 95);
    const tClear = at(w, 5_000);
    w.send('web', ev.metric('web', tClear, 'cpu', 10));
    w.clock.advance(29_999);
    expect(w.env.transitions()).toEqual(['opened']);
    w.clock.advance(1);
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
    expect(w.env.incidents()[1]!.incident.resolvedAt).toBe(tClear + 30_000);
  });

  it('a breach during keepFiringFor keeps the incident open without a new notification', () => {
    const w = setup({ keepFiringForSec: 30 });
    sample(w, 0, 95);
    sample(w, 5_000, 10);
    sample(w, 10_000, 96);
    w.clock.advance(60_000);
    // the renewed breach goes on the timeline, but nobody is told twice
    expect(w.env.transitions()).toEqual(['opened', 'evidence']);
    expect(w.actor('web').getSnapshot().children).not.toEqual({});
    sample(w, 0, 10);
    w.clock.advance(30_000);
    expect(w.env.transitions()).toEqual(['opened', 'evidence', 'resolved']);
    expect(w.env.notified()).toEqual(['opened', 'resolved']);
  });

  it('damps flapping: an open incident lasts at least minStateSec, and the relapse stays one incident', () => {
    const w = setup({ minStateSec: 120, relapseWindowSec: 600 });
    const t0 = w.clock.now();
    for (let i = 0; i < 10; i++) {
      sample(w, 5_000, 95);
      sample(w, 5_000, 10);
    }
    // 100 s of flapping: still open, one notification
    expect(w.env.transitions().filter((t) => t !== 'evidence')).toEqual(['opened']);
    expect(w.env.notified()).toEqual(['opened']);
    w.clock.advance(24_999);
    expect(w.env.transitions().filter((t) => t !== 'evidence')).toEqual(['opened']);
    w.clock.advance(1);
    expect(w.env.transitions().filter((t) => t !== 'evidence')).toEqual(['opened', 'resolved']);
    expect(w.env.incidents().at(-1)!.incident.resolvedAt).toBe(t0 + 5_000 + 120_000);
    // flapping again after resolve reopens the same incident, which again holds for minState
    for (let i = 0; i < 4; i++) {
      sample(w, 5_000, 95);
      sample(w, 5_000, 10);
    }
    expect(w.env.transitions().filter((t) => t !== 'evidence')).toEqual(['opened', 'resolved', 'reopened']);
    const ids = new Set(w.env.incidents().map((e) => e.incident.id));
    expect(ids.size).toBe(1);
    expect(w.env.notified()).toEqual(['opened', 'resolved', 'reopened']);
  });
});

describe('incident lifecycle: relapse window', () => {
  it('reopens the same incident within the window and starts a new one after it', () => {
    const w = setup({ relapseWindowSec: 300 });
    sample(w, 0, 95);
    sample(w, 1_000, 10);
    sample(w, 299_000, 95); // 299 s after resolve
    expect(w.env.transitions()).toEqual(['opened', 'resolved', 'reopened']);
    const first = w.env.incidents()[0]!.incident;
    const reopened = w.env.incidents()[2]!.incident;
    expect(reopened.id).toBe(first.id);
    expect(reopened.reopenCount).toBe(1);
    expect(reopened.resolvedAt).toBeUndefined();
    expect(reopened.timeline.map((e) => e.type)).toEqual(['opened', 'resolved', 'reopened']);
    sample(w, 1_000, 10);
    w.clock.advance(300_000); // relapse window over: the child is gone
    expect(w.actor('web').getSnapshot().children).toEqual({});
    sample(w, 1_000, 95);
    const last = w.env.incidents().at(-1)!.incident;
    expect(last.id).not.toBe(first.id);
    expect(last.reopenCount).toBe(0);
    expect(w.env.transitions()).toEqual(['opened', 'resolved', 'reopened', 'resolved', 'opened']);
  });

  it('a breach reported after the window but before its timer ran starts a new incident', () => {
    const w = setup({ relapseWindowSec: 60 });
    sample(w, 0, 95);
    sample(w, 1_000, 10);
    // An event stamped after the window, processed before the window's timer fires (replay after takeover).
    const late = ev.metric('web', w.clock.now() + 120_000, 'cpu', 95);
    w.actor('web').send({ type: 'event', e: late });
    expect(w.env.transitions()).toEqual(['opened', 'resolved', 'opened']);
    const [a, , c] = w.env.incidents();
    expect(c!.incident.id).not.toBe(a!.incident.id);
  });
});

describe('incident lifecycle: acknowledge and reminders', () => {
  it('sends reminders while open, stops them once acknowledged, notifies the ack and the resolve', () => {
    const w = setup();
    w.env.reminderEveryMs = 60_000;
    sample(w, 0, 95);
    w.clock.advance(150_000);
    expect(w.env.notified()).toEqual(['opened', 'reminder', 'reminder']);
    expect(w.env.notifications().map((n) => n.transitionSeq)).toEqual(['1', '1.r1', '1.r2']);
    const rule = w.env.incidents()[0]!.incident.ruleId;
    w.actor('web').send({ type: 'ack', ruleId: rule, at: w.clock.now(), by: 'alice' });
    w.clock.advance(300_000);
    expect(w.env.transitions()).toEqual(['opened', 'acknowledged']);
    expect(w.env.incidents()[1]!.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice' });
    expect(w.env.notified()).toEqual(['opened', 'reminder', 'reminder', 'acknowledged']);
    sample(w, 0, 10);
    expect(w.env.transitions()).toEqual(['opened', 'acknowledged', 'resolved']);
    expect(w.env.notified()).toEqual(['opened', 'reminder', 'reminder', 'acknowledged', 'resolved']);
  });

  it('an ack naming another incident of the rule (an older one) is ignored', () => {
    const w = setup();
    sample(w, 0, 95);
    w.actor('web').send({ type: 'ack', ruleId: 'cpu-high', at: w.clock.now(), by: 'eve', incidentId: 'someone-else' });
    w.clock.advance(0);
    expect(w.env.transitions()).toEqual(['opened']);
    const id = w.env.incidents()[0]!.incident.id;
    w.actor('web').send({ type: 'ack', ruleId: 'cpu-high', at: w.clock.now(), by: 'eve', incidentId: id });
    w.clock.advance(0);
    expect(w.env.transitions()).toEqual(['opened', 'acknowledged']);
  });

  it('an ack of a cleared-but-not-yet-resolved incident still resolves on time', () => {
    const w = setup({ keepFiringForSec: 60 });
    sample(w, 0, 95);
    sample(w, 1_000, 10);
    w.actor('web').send({ type: 'ack', ruleId: 'cpu-high', at: w.clock.now(), by: 'bob' });
    w.clock.advance(60_000);
    expect(w.env.transitions()).toEqual(['opened', 'acknowledged', 'resolved']);
  });
});

describe('incident lifecycle: resolve by hand', () => {
  it('is ignored unless the rule allows it', () => {
    const w = setup();
    sample(w, 0, 95);
    w.actor('web').send({ type: 'resolve', ruleId: 'cpu-high', at: w.clock.now(), by: 'user:1' });
    w.clock.advance(0);
    expect(w.env.transitions()).toEqual(['opened']);
  });

  it('resolves an open incident at the given time, notifies, stops reminders; a relapse reopens it', () => {
    const w = setup({ manualResolve: true, relapseWindowSec: 600 });
    w.env.reminderEveryMs = 60_000;
    sample(w, 0, 95);
    const id = w.env.incidents()[0]!.incident.id;
    w.actor('web').send({ type: 'resolve', ruleId: 'cpu-high', at: w.clock.now(), by: 'user:1', incidentId: 'an-older-one' });
    w.clock.advance(0);
    expect(w.env.transitions()).toEqual(['opened']);
    const when = at(w, 30_000);
    w.actor('web').send({ type: 'resolve', ruleId: 'cpu-high', at: when, by: 'user:1', incidentId: id, message: 'resolved by user:1: fixed' });
    w.clock.advance(300_000);
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
    const resolved = w.env.incidents()[1]!.incident;
    expect(resolved).toMatchObject({ id, status: 'resolved', resolvedAt: when });
    expect(resolved.timeline.at(-1)).toMatchObject({ at: when, type: 'resolved', message: 'resolved by user:1: fixed', actor: 'user:1' });
    expect(w.env.notified()).toEqual(['opened', 'resolved']);
    // The condition clears and fires again within the relapse window: the same incident reopens.
    sample(w, 1_000, 10);
    sample(w, 1_000, 96);
    expect(w.env.transitions()).toEqual(['opened', 'resolved', 'reopened']);
    expect(w.env.incidents()[2]!.incident.id).toBe(id);
  });

  it('resolves an acknowledged incident too', () => {
    const w = setup({ manualResolve: true });
    sample(w, 0, 95);
    w.actor('web').send({ type: 'ack', ruleId: 'cpu-high', at: w.clock.now(), by: 'alice' });
    w.actor('web').send({ type: 'resolve', ruleId: 'cpu-high', at: at(w, 5_000), by: 'alice' });
    w.clock.advance(0);
    expect(w.env.transitions()).toEqual(['opened', 'acknowledged', 'resolved']);
  });
});

const silence = (matchers: Silence['matchers'], startsAt = 0, endsAt = 10 ** 13): Silence => ({ id: 's1', tenant: TENANT, matchers, startsAt, endsAt, comment: '', creator: 'x', createdAt: 0 });
const maintenance = (m: Partial<Maintenance>): Maintenance => ({ id: 'm1', tenant: TENANT, name: 'm', targetIds: [], startsAt: 0, endsAt: 10 ** 13, comment: '', createdAt: 0, ...m });

describe('silences and maintenance', () => {
  it('a matching silence mutes the open notice, and then no resolved notice is sent', () => {
    const w = setup();
    w.env.silences = [silence([{ name: 'env', op: '=', value: 'prod' }, { name: 'rule', op: '=~', value: 'cpu-.*' }])];
    sample(w, 0, 95);
    sample(w, 1_000, 10);
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
    expect(w.env.notified()).toEqual(['opened(muted)']);
    expect(w.env.notifications()[0]!.suppressedBy).toBe('silence:s1');
  });

  it('a silence that starts while open never mutes the resolved notice', () => {
    const w = setup();
    sample(w, 0, 95);
    w.env.silences = [silence([{ name: 'target', op: '=', value: 'web' }])];
    sample(w, 1_000, 10);
    expect(w.env.notified()).toEqual(['opened', 'resolved']);
  });

  it('a non-matching silence mutes nothing (!=, !~, other tenant, expired)', () => {
    for (const s of [
      silence([{ name: 'env', op: '!=', value: 'prod' }]),
      silence([{ name: 'severity', op: '!~', value: 'crit.*' }]),
      { ...silence([{ name: 'env', op: '=', value: 'prod' }]), tenant: 'other' },
      silence([{ name: 'env', op: '=', value: 'prod' }], 0, 1),
      silence([{ name: 'env', op: '=~', value: '(' }]),
    ]) {
      const w = setup();
      w.env.silences = [s];
      sample(w, 0, 95);
      expect(w.env.notified()).toEqual(['opened']);
    }
  });

  it('maintenance by target id or by selector mutes; the reminder after it ends tells people', () => {
    for (const m of [maintenance({ targetIds: ['id-web'] }), maintenance({ selector: { team: 'a' } }), maintenance({})]) {
      const w = setup();
      w.env.reminderEveryMs = 60_000;
      const now = w.clock.now();
      w.env.maintenance = [{ ...m, endsAt: now + 90_000 }];
      sample(w, 0, 95);
      expect(w.env.notified()).toEqual(['opened(muted)']);
      w.clock.advance(60_000); // reminder inside the window: nothing
      expect(w.env.notified()).toEqual(['opened(muted)']);
      w.clock.advance(60_000); // after the window: the reminder goes out
      expect(w.env.notified()).toEqual(['opened(muted)', 'reminder']);
      sample(w, 0, 10);
      expect(w.env.notified()).toEqual(['opened(muted)', 'reminder', 'resolved']);
    }
  });

  it('maintenance of another target mutes nothing', () => {
    const w = setup();
    w.env.maintenance = [maintenance({ targetIds: ['id-other'] }), maintenance({ selector: { team: 'b' } })];
    sample(w, 0, 95);
    expect(w.env.notified()).toEqual(['opened']);
  });
});

describe('configuration changes', () => {
  it('removing the rule resolves its open incident', () => {
    const w = setup();
    sample(w, 0, 95);
    w.env.setConfig([target('web')], []);
    w.actor('web').send({ type: 'config' });
    w.clock.advance(0);
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
  });

  it('pausing the target stops evaluation; unpausing resumes it', () => {
    const w = setup();
    w.env.setConfig([target('web', { paused: true })], [cpu()]);
    w.actor('web').send({ type: 'config' });
    sample(w, 0, 95);
    expect(w.env.effects).toEqual([]);
    w.env.setConfig([target('web')], [cpu()]);
    w.actor('web').send({ type: 'config' });
    sample(w, 0, 95);
    expect(w.env.transitions()).toEqual(['opened']);
  });
});

describe('persistence: restore and re-arm', () => {
  it('a restored actor fires at the original deadline, not a full delay later, and continues the same incident', () => {
    const w = setup({ forSec: 60, keepFiringForSec: 30 });
    const t0 = w.clock.now();
    sample(w, 0, 95);
    w.clock.advance(20_000);
    const snap = JSON.parse(JSON.stringify(w.actor('web').getPersistedSnapshot()));
    // the old actor is gone (crash); a new owner restores 10 s later
    stopActor(w.actor('web'));
    w.clock.set(t0 + 30_000);
    const pendingBefore = w.env.incidents().length;
    w.restore('web', snap);
    w.clock.advance(29_999);
    expect(w.env.incidents()).toHaveLength(pendingBefore);
    w.clock.advance(1);
    expect(w.env.transitions()).toEqual(['pending', 'opened']);
    expect(w.env.incidents()[1]!.incident.openedAt).toBe(t0 + 60_000);
    expect(w.env.incidents()[1]!.incident.id).toBe(w.env.incidents()[0]!.incident.id);
    sample(w, 0, 10);
    const snap2 = JSON.parse(JSON.stringify(w.actor('web').getPersistedSnapshot()));
    w.restore('web', snap2);
    w.clock.advance(30_000);
    expect(w.env.transitions()).toEqual(['pending', 'opened', 'resolved']);
    expect(w.errors).toEqual([]);
  });

  it('a restore after the deadline passed fires at once with the deadline as the transition time', () => {
    const w = world([target('job', { kind: 'heartbeat', heartbeat: { intervalSec: 60, graceSec: 0 } })], []);
    const t0 = w.clock.now();
    w.send('job', ev.heartbeat('job', t0));
    const snap = JSON.parse(JSON.stringify(w.actor('job').getPersistedSnapshot()));
    stopActor(w.actor('job'));
    w.clock.set(t0 + 200_000);
    w.restore('job', snap);
    w.clock.advance(0);
    expect(w.env.transitions()).toEqual(['opened']);
    expect(w.env.incidents()[0]!.incident.openedAt).toBe(t0 + 60_000);
  });

  it('replaying the same events into the restored snapshot yields identical incident ids and transition numbers', () => {
    const run = () => {
      const w = setup({ forSec: 10 });
      const t = 5_000_000;
      w.clock.set(t);
      w.send('web', ev.metric('web', t, 'cpu', 95));
      w.clock.advance(10_000);
      w.send('web', ev.metric('web', t + 11_000, 'cpu', 10));
      return w.env.effects.map((e) => (e.type === 'incident' ? `${e.incident.id}:${e.seq}:${e.transition}` : e.type));
    };
    expect(run()).toEqual(run());
  });
});

describe('outcome independent of batching (timers not yet run when later events arrive)', () => {
  it('breach, recovery, breach in one batch: resolved then a new incident (relapse window 0)', () => {
    const w = setup({ relapseWindowSec: 0 });
    const a = w.actor('web');
    const t = w.clock.now();
    a.send({ type: 'event', e: ev.metric('web', t, 'cpu', 95) });
    a.send({ type: 'event', e: ev.metric('web', t + 1_000, 'cpu', 10) });
    a.send({ type: 'event', e: ev.metric('web', t + 2_000, 'cpu', 96) });
    w.clock.advance(0);
    expect(w.env.transitions()).toEqual(['opened', 'resolved', 'opened']);
    const ids = w.env.incidents().map((e) => e.incident.id);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('a ping long after the deadline, before the timer ran: missed at the deadline, then resolved', () => {
    const w = world([target('job', { kind: 'heartbeat', heartbeat: { intervalSec: 60, graceSec: 10 } })], []);
    const a = w.actor('job');
    const t = w.clock.now();
    a.send({ type: 'event', e: ev.heartbeat('job', t) });
    a.send({ type: 'event', e: ev.heartbeat('job', t + 200_000) });
    w.clock.advanceTo(t + 200_000);
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
    expect(w.env.incidents()[0]!.incident.openedAt).toBe(t + 70_000);
    expect(w.env.incidents()[1]!.incident.resolvedAt).toBe(t + 200_000);
  });

  it('the same events in one batch or one by one give the same effects', () => {
    const run = (batched: boolean) => {
      const w = setup({ forSec: 5, keepFiringForSec: 3, relapseWindowSec: 10 });
      const t = w.clock.now();
      const values = [95, 96, 10, 97, 10, 10, 98, 99, 10, 10, 10, 95];
      values.forEach((v, i) => {
        const e = ev.metric('web', t + i * 2_000, 'cpu', v);
        if (batched) w.actor('web').send({ type: 'event', e });
        else {
          w.clock.advanceTo(t + i * 2_000);
          w.actor('web').send({ type: 'event', e });
        }
      });
      w.clock.advanceTo(t + values.length * 2_000);
      return w.env.effects.map((e) => (e.type === 'schedule-check' ? '' : `${e.incident.id}:${e.type}:${e.type === 'incident' ? e.seq : e.transitionSeq}:${e.incident.status}`));
    };
    const a = run(false);
    expect(a.length).toBeGreaterThan(4);
    expect(run(true)).toEqual(a);
  });
});

describe('errors', () => {
  it('an action that throws is reported through the host, not rethrown as an uncaught exception', async () => {
    const w = setup();
    w.env.emit = () => {
      throw new Error('sink broke');
    };
    sample(w, 0, 95);
    await new Promise((r) => setTimeout(r, 10));
    expect(w.errors).toHaveLength(1);
    expect(String(w.errors[0])).toContain('sink broke');
  });
});
