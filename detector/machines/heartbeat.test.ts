import { describe, expect, it } from 'vitest';
import { ev, rule, target, world } from './testing.js';

const hbTarget = (extra = {}) => target('job', { kind: 'heartbeat', heartbeat: { intervalSec: 60, graceSec: 10, maxRunSec: 30 }, ...extra });

describe('heartbeat rule through the target actor', () => {
  it('opens at interval + grace after the last ping and resolves on the next ping', () => {
    const w = world([hbTarget()], []);
    const t0 = w.clock.now();
    w.send('job', ev.heartbeat('job', t0));
    w.clock.advance(69_999);
    expect(w.env.incidents()).toHaveLength(0);
    w.clock.advance(1);
    expect(w.env.transitions()).toEqual(['opened']);
    const opened = w.env.incidents()[0]!;
    expect(opened.incident.status).toBe('open');
    expect(opened.incident.openedAt).toBe(t0 + 70_000);
    expect(opened.incident.ruleId).toBe('builtin:heartbeat');
    expect(opened.incident.title).toContain('no ping within 70s');
    expect(w.env.notified()).toEqual(['opened']);
    w.clock.advance(5_000);
    w.send('job', ev.heartbeat('job', w.clock.now()));
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
    expect(w.env.notified()).toEqual(['opened', 'resolved']);
    const resolved = w.env.incidents()[1]!;
    expect(resolved.incident.id).toBe(opened.incident.id);
    expect(resolved.incident.resolvedAt).toBe(t0 + 75_000);
    expect(w.errors).toEqual([]);
  });

  it('goes down without any ping one interval + grace after watching starts', () => {
    const w = world([hbTarget()], []);
    w.actor('job');
    w.clock.advance(70_000);
    expect(w.env.transitions()).toEqual(['opened']);
  });

  it('a /fail ping or a non-zero exit status opens at once; a good ping resolves', () => {
    const w = world([hbTarget()], []);
    w.send('job', ev.heartbeat('job', w.clock.now(), { status: 'fail' }));
    expect(w.env.transitions()).toEqual(['opened']);
    expect(w.env.incidents()[0]!.incident.title).toContain('job reported failure');
    w.clock.advance(1000);
    w.send('job', ev.heartbeat('job', w.clock.now()));
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
    w.clock.advance(1000);
    w.send('job', ev.heartbeat('job', w.clock.now(), { exitStatus: 3 }));
    // within the relapse window: the same incident reopens
    expect(w.env.transitions()).toEqual(['opened', 'resolved', 'reopened']);
    expect(w.env.incidents()[2]!.incident.reopenCount).toBe(1);
  });

  it('a /start without a finish within maxRun is late; the finish resolves it', () => {
    const w = world([hbTarget()], []);
    w.send('job', ev.heartbeat('job', w.clock.now()));
    w.clock.advance(10_000);
    w.send('job', ev.heartbeat('job', w.clock.now(), { status: 'start' }));
    w.clock.advance(29_999);
    expect(w.env.transitions()).toEqual([]);
    w.clock.advance(1);
    expect(w.env.transitions()).toEqual(['opened']);
    expect(w.env.incidents()[0]!.incident.title).toContain('not finished within 30s');
    w.clock.advance(5_000);
    w.send('job', ev.heartbeat('job', w.clock.now()));
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
  });

  it('a missed deadline while late adds evidence to the same incident instead of opening another', () => {
    const w = world([hbTarget({ heartbeat: { intervalSec: 60, graceSec: 0, maxRunSec: 30 } })], []);
    w.send('job', ev.heartbeat('job', w.clock.now()));
    w.clock.advance(40_000);
    w.send('job', ev.heartbeat('job', w.clock.now(), { status: 'start' }));
    w.clock.advance(30_000); // late at +70s, missed at +60s came first
    expect(w.env.transitions()).toEqual(['opened']);
    expect(w.env.incidents()[0]!.incident.title).toContain('no ping');
    expect(w.env.incidents()).toHaveLength(1);
  });

  it('pings far more often than the learned interval are an anomaly, cleared by a normal one', () => {
    const w = world([hbTarget()], [rule('hb', 'heartbeat', { anomalyK: 4, minSamples: 5 }, { targetId: 'id-job' })]);
    let t = w.clock.now();
    for (let i = 0; i < 8; i++) {
      w.clock.advanceTo(t);
      w.send('job', ev.heartbeat('job', t));
      t += 60_000 + (i % 2) * 500;
    }
    expect(w.env.transitions()).toEqual([]);
    t = w.clock.now() + 2_000; // 2 s after the last ping instead of 60 s
    w.clock.advanceTo(t);
    w.send('job', ev.heartbeat('job', t));
    expect(w.env.transitions()).toEqual(['opened']);
    expect(w.env.incidents()[0]!.incident.ruleId).toBe('hb');
    expect(w.env.incidents()[0]!.incident.title).toContain('more often');
    t += 60_000;
    w.clock.advanceTo(t);
    w.send('job', ev.heartbeat('job', t));
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
  });

  it('a run far longer than the learned duration is an anomaly', () => {
    const w = world([hbTarget({ heartbeat: { intervalSec: 600, graceSec: 300, maxRunSec: 3600 } })], [rule('hb', 'heartbeat', { minSamples: 5 }, { targetId: 'id-job' })]);
    let t = w.clock.now();
    const run = (durationMs: number) => {
      w.clock.advanceTo(t);
      w.send('job', ev.heartbeat('job', t, { status: 'start' }));
      w.clock.advanceTo(t + durationMs);
      w.send('job', ev.heartbeat('job', t + durationMs));
      t += 600_000;
    };
    for (let i = 0; i < 6; i++) run(10_000 + i * 100);
    expect(w.env.transitions()).toEqual([]);
    run(120_000);
    expect(w.env.transitions()).toEqual(['opened']);
    expect(w.env.incidents()[0]!.incident.title).toContain('duration');
  });

  it('a paused target ignores pings and deadlines', () => {
    const w = world([hbTarget({ paused: true })], []);
    w.send('job', ev.heartbeat('job', w.clock.now(), { status: 'fail' }));
    w.clock.advance(600_000);
    expect(w.env.effects).toEqual([]);
    expect(w.actor('job').getSnapshot().value).toBe('paused');
  });
});

describe('cron heartbeats through the target actor', () => {
  const cronTarget = (cron: string, timezone: string, graceSec: number) => target('backup', { kind: 'heartbeat', heartbeat: { cron, timezone, graceSec } });

  it('0 3 * * * in Europe/Berlin: down at the next 03:00 local + grace, across the spring DST change', () => {
    const w = world([cronTarget('0 3 * * *', 'Europe/Berlin', 600)], [], Date.parse('2026-03-28T02:00:30Z'));
    w.send('backup', ev.heartbeat('backup', w.clock.now())); // ran 28 March 03:00 CET
    // next expected 29 March 03:00 CEST = 01:00Z, 23 h later; down 10 min after that
    const down = Date.parse('2026-03-29T01:10:00Z');
    w.clock.advance(down - w.clock.now() - 1);
    expect(w.env.transitions()).toEqual([]);
    w.clock.advance(1);
    expect(w.env.transitions()).toEqual(['opened']);
    expect(w.env.incidents()[0]!.incident.openedAt).toBe(down);
    expect(w.env.incidents()[0]!.incident.title).toContain('cron 0 3 * * * (Europe/Berlin) + 600s grace');
    w.send('backup', ev.heartbeat('backup', w.clock.now()));
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
    expect(w.errors).toEqual([]);
  });

  it('a ping on schedule keeps it up; the deadline follows the schedule, not the ping interval', () => {
    const w = world([cronTarget('*/15 * * * *', 'UTC', 60)], [], Date.parse('2026-01-01T00:00:10Z'));
    for (let i = 0; i < 8; i++) {
      w.send('backup', ev.heartbeat('backup', w.clock.now()));
      w.clock.advance(15 * 60_000);
    }
    expect(w.env.transitions()).toEqual([]);
    // the last ping came at 01:45:10, none at 02:00: down at 02:00 + 60 s, whatever the pings' own spacing
    w.clock.advance(49_999);
    expect(w.env.transitions()).toEqual([]);
    w.clock.advance(1);
    expect(w.env.transitions()).toEqual(['opened']);
    expect(w.env.incidents()[0]!.incident.openedAt).toBe(Date.parse('2026-01-01T02:01:00Z'));
  });
});

describe('run pairing by ?rid= (Healthchecks)', () => {
  const job = () => target('etl', { kind: 'heartbeat', heartbeat: { intervalSec: 3600, graceSec: 60, maxRunSec: 100 } });
  const rid = (status: 'start' | 'ok', id: string, at: number) => ev.heartbeat('etl', at, { status, rid: id });

  it('overlapping runs are timed apart: a finish closes its own run, and the other one still goes late', () => {
    const w = world([job()], []);
    const t0 = w.clock.now();
    w.send('etl', rid('start', 'a', t0));
    w.clock.advance(50_000);
    w.send('etl', rid('start', 'b', w.clock.now()));
    w.clock.advance(40_000);
    w.send('etl', rid('ok', 'b', w.clock.now())); // b ran 40 s; a (90 s so far) is still open
    expect(w.env.transitions()).toEqual([]);
    w.clock.advance(9_999);
    expect(w.env.transitions()).toEqual([]);
    w.clock.advance(1);
    expect(w.env.transitions()).toEqual(['opened']); // a: 100 s without its finish
    expect(w.env.incidents()[0]!.incident.openedAt).toBe(t0 + 100_000);
    w.send('etl', rid('ok', 'a', w.clock.now()));
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
    expect(w.errors).toEqual([]);
  });

  it('without rids a second start replaces the first (the earlier behaviour); a /log is no sign of life', () => {
    const w = world([job()], []);
    w.send('etl', ev.heartbeat('etl', w.clock.now(), { status: 'start' }));
    w.clock.advance(60_000);
    w.send('etl', ev.heartbeat('etl', w.clock.now(), { status: 'start' }));
    w.clock.advance(60_000);
    expect(w.env.transitions()).toEqual([]);
    w.send('etl', ev.heartbeat('etl', w.clock.now(), { status: 'log', log: 'step 2 of 3' }));
    w.clock.advance(40_000);
    expect(w.env.transitions()).toEqual(['opened']);
  });
});
