import { describe, expect, it } from 'vitest';
import { compileTargetRules } from '../rules/compile.js';
import { firstRunAt } from '../../lib/checks/spread.js';
import { ev, rule, target, world } from './testing.js';

describe('log pattern rule', () => {
  it('fires when count matches fall within the window and clears when they age out', () => {
    const w = world([target('api', { kind: 'log' })], [rule('errs', 'log_pattern', { pattern: 'timeout|refused', count: 3, windowSec: 80 })]);
    const send = (dt: number, msg: string, extra = {}) => {
      w.clock.advance(dt);
      w.send('api', ev.log('api', w.clock.now(), msg, extra));
    };
    send(0, 'upstream timeout');
    send(10_000, 'all good');
    send(10_000, 'connection REFUSED');
    expect(w.env.transitions()).toEqual([]);
    send(70_000, 'timeout again'); // the first match is out of the window now
    expect(w.env.transitions()).toEqual([]);
    send(1_000, 'timeout 3');
    expect(w.env.transitions()).toEqual(['opened']);
    expect(w.env.incidents()[0]!.incident.timeline[0]!.evidence?.length).toBeGreaterThanOrEqual(3);
    // last three matches at +20 s, +90 s, +91 s: the window of the oldest ends at +100 s
    w.clock.advance(8_999);
    expect(w.env.transitions()).toEqual(['opened']);
    w.clock.advance(1);
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
  });

  it('matches a glob on a structured field, and respects the minimum level', () => {
    const w = world([target('api')], [rule('db', 'log_pattern', { pattern: 'db-*', patternType: 'glob', field: 'component', count: 1, level: 'error' })]);
    w.send('api', ev.log('api', w.clock.now(), 'x', { level: 'warn', fields: { component: 'db-main' } }));
    w.send('api', ev.log('api', w.clock.now(), 'x', { level: 'error', fields: { component: 'cache' } }));
    expect(w.env.transitions()).toEqual([]);
    w.send('api', ev.log('api', w.clock.now(), 'x', { level: 'fatal', fields: { component: 'db-replica' } }));
    expect(w.env.transitions()).toEqual(['opened']);
  });

  it('counts security events of a category at or above a severity', () => {
    const w = world([target('gw')], [rule('brute', 'log_pattern', { category: 'auth', severity: 'medium', count: 2, windowSec: 30 })]);
    w.send('gw', ev.security('gw', w.clock.now(), { category: 'auth', severity: 'low' }));
    w.send('gw', ev.security('gw', w.clock.now(), { category: 'net', severity: 'critical' }));
    w.send('gw', ev.log('gw', w.clock.now(), 'auth failure'));
    w.send('gw', ev.security('gw', w.clock.now(), { category: 'auth', severity: 'high' }));
    expect(w.env.transitions()).toEqual([]);
    w.send('gw', ev.security('gw', w.clock.now(), { category: 'auth', severity: 'critical' }));
    expect(w.env.transitions()).toEqual(['opened']);
  });
});

describe('anomaly rule', () => {
  for (const method of ['ewma', 'rolling']) {
    it(`${method}: opens when |z| > k and only after minSamples`, () => {
      const w = world([target('db')], [rule('lat', 'anomaly', { metric: 'latency', k: 4, window: 20, minSamples: 10, method })]);
      w.send('db', ev.metric('db', w.clock.now(), 'latency', 1000)); // first sample: no baseline, no alarm
      for (let i = 0; i < 100; i++) w.send('db', ev.metric('db', w.clock.now(), 'latency', 100 + (i % 5)));
      expect(w.env.transitions()).toEqual([]);
      w.send('db', ev.metric('db', w.clock.now(), 'latency', 400));
      expect(w.env.transitions()).toEqual(['opened']);
      w.send('db', ev.metric('db', w.clock.now(), 'latency', 102));
      expect(w.env.transitions()).toEqual(['opened', 'resolved']);
    });
  }

  it('opens only when the anomaly lasts `for`', () => {
    const w = world([target('db')], [rule('lat', 'anomaly', { metric: 'latency', k: 4, minSamples: 5, forSec: 30 })]);
    for (let i = 0; i < 20; i++) w.send('db', ev.metric('db', w.clock.now(), 'latency', 100 + (i % 3)));
    w.send('db', ev.metric('db', w.clock.now(), 'latency', 900));
    w.clock.advance(10_000);
    w.send('db', ev.metric('db', w.clock.now(), 'latency', 101));
    w.clock.advance(60_000);
    expect(w.env.transitions()).toEqual(['pending', 'cancelled']);
  });

  it('on an event rate: a burst in one bucket, and silence (empty buckets) as a drop', () => {
    const w = world([target('api')], [rule('rate', 'anomaly', { rate: ['log'], bucketSec: 10, k: 4, minSamples: 8, method: 'rolling', window: 30 })]);
    const bucket = (n: number) => {
      for (let i = 0; i < n; i++) w.send('api', ev.log('api', w.clock.now(), 'x'));
      w.clock.advance(10_000);
    };
    for (let i = 0; i < 12; i++) bucket(20 + (i % 3));
    expect(w.env.transitions()).toEqual([]);
    bucket(200);
    w.clock.advance(0);
    expect(w.env.transitions()).toEqual(['opened']);
    bucket(21);
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
  });

  it('on an event rate: silence (empty buckets closed by the timer) is a drop', () => {
    const w = world([target('api')], [rule('rate', 'anomaly', { rate: ['log'], bucketSec: 10, k: 4, minSamples: 8 })]);
    for (let b = 0; b < 12; b++) {
      for (let i = 0; i < 20 + (b % 3); i++) w.send('api', ev.log('api', w.clock.now(), 'x'));
      w.clock.advance(10_000);
    }
    expect(w.env.transitions()).toEqual([]);
    w.clock.advance(10_000);
    expect(w.env.transitions()).toEqual(['opened']);
    expect(w.env.incidents()[0]!.incident.title).toContain('rate(log) = 0');
  });
});

describe('http check rule', () => {
  it('schedules a check on the interval and fires after `failures` consecutive failed results', () => {
    const check = { url: 'http://127.0.0.1:1/', intervalSec: 30, timeoutMs: 1000, retries: 0, retryBackoffMs: 100 };
    const w = world([target('site', { kind: 'http', http: check })], [rule('site-down', 'http', { failures: 2 }, { targetId: 'id-site' })]);
    w.actor('site');
    w.clock.advance(0);
    w.clock.advance(60_000);
    const due = w.env.effects.filter((e) => e.type === 'schedule-check');
    // The first run at once, then at the target's own phase of the interval, every interval.
    const phase = firstRunAt('t1\u0000id-site', 30_000, 1_000_001);
    expect(due.map((e) => e.type === 'schedule-check' && e.due)).toEqual([1_000_000, phase, phase + 30_000].filter((t) => t <= 1_060_000));
    w.send('site', ev.check('site', w.clock.now(), { ok: false, status: 503 }));
    expect(w.env.transitions()).toEqual([]);
    w.send('site', ev.check('site', w.clock.now(), { ok: false, error: 'timeout' }));
    expect(w.env.transitions()).toEqual(['opened']);
    expect(w.env.incidents()[0]!.incident.title).toContain('timeout');
    w.send('site', ev.check('site', w.clock.now(), { ok: true, status: 200 }));
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
  });

  it('loaded in bulk (start, takeover) the first check is at the target\'s phase; created while running, at once', () => {
    const check = { url: 'http://127.0.0.1:1/', intervalSec: 30, timeoutMs: 1000, retries: 0, retryBackoffMs: 100 };
    const targets = ['a', 'b', 'c', 'd'].map((n) => target(n, { kind: 'http', http: check }));
    const w = world([...targets, target('new', { kind: 'http', http: check })], []);
    for (const t of targets) w.actor(t.name, true);
    w.clock.advance(0);
    const dues = (name: string): number[] => w.env.effects.flatMap((e) => (e.type === 'schedule-check' && e.targetName === name ? [e.due] : []));
    // Nothing runs at load: each first run is at the target's own offset within the interval (168e7c9's phase).
    for (const t of targets) expect(dues(t.name)).toEqual(firstRunAt(`t1\u0000${t.id}`, 30_000, 1_000_000) === 1_000_000 ? [1_000_000] : []);
    // A target created through the API while running checks at once.
    w.clock.advance(10_000);
    w.actor('new');
    w.clock.advance(0);
    expect(dues('new')).toEqual([1_010_000]);
    w.clock.advance(50_000);
    for (const t of targets) {
      const phase = firstRunAt(`t1\u0000${t.id}`, 30_000, 1_000_000);
      expect(dues(t.name)).toEqual([phase, phase + 30_000].filter((at) => at <= 1_060_000));
    }
    expect(new Set(targets.map((t) => dues(t.name)[0])).size).toBeGreaterThan(1);
    expect(w.errors).toEqual([]);
  });

  it('restored in bulk with its check overdue (the failover gap), runs it at the phase instead of at once', () => {
    const check = { url: 'http://127.0.0.1:1/', intervalSec: 30, timeoutMs: 1000, retries: 0, retryBackoffMs: 100 };
    const w = world([target('site', { kind: 'http', http: check })], []);
    w.actor('site');
    w.clock.advance(0);
    const stored = JSON.parse(JSON.stringify(w.actor('site').getPersistedSnapshot()));
    const next = firstRunAt('t1\u0000id-site', 30_000, 1_000_001);
    // The owner fails; the next one takes over 45 s later, past the stored next run.
    w.clock.advance(45_000);
    w.env.effects.length = 0;
    w.restore('site', stored, true);
    w.clock.advance(0);
    const dues = (): number[] => w.env.effects.flatMap((e) => (e.type === 'schedule-check' ? [e.due] : []));
    expect(next).toBeLessThan(w.clock.now());
    const phase = firstRunAt('t1\u0000id-site', 30_000, w.clock.now());
    expect(dues()).toEqual(phase === w.clock.now() ? [phase] : []);
    w.clock.advance(30_000);
    expect(dues()).toEqual([phase]);
  });
});

describe('rule compilation', () => {
  it('applies rules by target id and selector, adds built-ins, reports bad params without dropping the others', () => {
    const t = target('web', { labels: { env: 'prod' }, heartbeat: { intervalSec: 60, graceSec: 5 } });
    const { specs, problems } = compileTargetRules(t, [
      rule('a', 'threshold', { metric: 'cpu', op: '>', value: 1 }, { selector: { env: 'prod' } }),
      rule('b', 'threshold', { metric: 'cpu', op: '>', value: 1 }, { selector: { env: 'dev' } }),
      rule('c', 'threshold', { metric: 'cpu' }, { targetId: 'id-web' }),
      rule('d', 'threshold', { metric: 'cpu', op: '>', value: 1 }, { targetId: 'id-other' }),
      rule('e', 'threshold', { metric: 'cpu', op: '>', value: 1 }, { enabled: false }),
      rule('f', 'log_pattern', { pattern: '(' }),
      { ...rule('g', 'threshold', { metric: 'cpu', op: '>', value: 1 }), tenant: 'other' },
    ]);
    expect(specs.map((s) => s.id)).toEqual(['builtin:heartbeat', 'a']);
    expect(problems.map((p) => p.ruleId)).toEqual(['c', 'f']);
  });

  it('a catastrophic-backtracking rule pattern is evaluated in linear time', () => {
    const w = world([target('api', { kind: 'log' })], [rule('evil', 'log_pattern', { pattern: '^(a+)+$', count: 1 })]);
    // Not timed: a backtracking engine would not answer the second line within the test's timeout.
    w.send('api', ev.log('api', w.clock.now(), `${'a'.repeat(28)}!`));
    w.send('api', ev.log('api', w.clock.now(), `${'a'.repeat(10_000)}!`));
    expect(w.env.transitions()).toEqual([]);
    w.send('api', ev.log('api', w.clock.now(), 'aaaa'));
    expect(w.env.transitions()).toEqual(['opened']);
  });
});

describe('multi-location quorum through the target actor', () => {
  const web = () => target('web', { kind: 'http', http: { url: 'http://web.example/', intervalSec: 60, timeoutMs: 5000, retries: 0, retryBackoffMs: 1000, locations: ['eu', 'us', 'ap'], quorum: 2 } });
  const at = (w: ReturnType<typeof world>, location: string, ok: boolean) => ({ ...ev.check('web', w.clock.now(), ok ? { ok } : { ok, error: `refused from ${location}` }), labels: { location } });

  it('three locations where one disagrees open nothing; a second failing location opens; recovery below quorum resolves', () => {
    const w = world([web()], []);
    w.send('web', at(w, 'eu', false));
    w.send('web', at(w, 'us', true));
    w.send('web', at(w, 'ap', true));
    w.clock.advance(60_000);
    w.send('web', at(w, 'eu', false));
    w.send('web', at(w, 'us', true));
    expect(w.env.transitions()).toEqual([]);
    w.send('web', at(w, 'ap', false));
    expect(w.env.transitions()).toEqual(['opened']);
    expect(w.env.incidents()[0]!.incident.title).toContain('check failed at 2 of 3 locations (eu: refused from eu; ap: refused from ap)');
    w.clock.advance(60_000);
    w.send('web', at(w, 'ap', true));
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
    expect(w.errors).toEqual([]);
  });

  it('the owner does not run a check that names locations (the locations do)', () => {
    const w = world([web()], []);
    w.actor('web');
    w.clock.advance(180_000);
    expect(w.env.effects.filter((e) => e.type === 'schedule-check')).toEqual([]);
  });
});
