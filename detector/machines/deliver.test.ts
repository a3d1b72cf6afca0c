import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { ev, rule, target, world } from './testing.js';

type Step = { dt: number; kind: 'metric' | 'log' | 'ping' | 'fail'; v: number };

const step = fc.record({
  dt: fc.integer({ min: 0, max: 40_000 }),
  kind: fc.constantFrom<Step['kind']>('metric', 'log', 'ping', 'fail'),
  v: fc.integer({ min: 0, max: 100 }),
});

function run(steps: Step[], path: 'deliver' | 'machine', batched: boolean): string[] {
  const w = world(
    [target('svc', { kind: 'heartbeat', heartbeat: { intervalSec: 30, graceSec: 5, maxRunSec: 20 } })],
    [
      rule('cpu', 'threshold', { metric: 'cpu', op: '>', value: 80, forSec: 10, keepFiringForSec: 5, minStateSec: 15, relapseWindowSec: 60 }),
      rule('errs', 'log_pattern', { pattern: 'err', count: 2, windowSec: 30, relapseWindowSec: 0 }),
    ],
  );
  w.actor('svc'); // watching starts now, in both variants (a heartbeat target's first deadline counts from here)
  let t = w.clock.now();
  for (const s of steps) {
    t += s.dt;
    const e: CanonicalEvent =
      s.kind === 'metric' ? ev.metric('svc', t, 'cpu', s.v) : s.kind === 'log' ? ev.log('svc', t, s.v % 2 ? 'err' : 'ok') : ev.heartbeat('svc', t, s.kind === 'fail' ? { status: 'fail' } : {});
    if (!batched) w.clock.advanceTo(t);
    if (path === 'deliver') w.logic.deliver(w.actor('svc'), e);
    else w.actor('svc').send({ type: 'event', e });
  }
  w.clock.advanceTo(t + 120_000);
  expect(w.errors).toEqual([]);
  return w.env.effects.map((e) => (e.type === 'schedule-check' ? 'check' : `${e.incident.ruleId}|${e.incident.id}|${e.type}|${e.type === 'incident' ? `${e.seq}|${e.transition}` : e.transitionSeq}|${e.incident.status}`));
}

describe('the hot path and the machine path agree', () => {
  it('deliver (in-place evaluation) gives exactly the effects of sending events to the machine, batched or not', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const reference = run(steps, 'machine', false);
        expect(run(steps, 'deliver', false)).toEqual(reference);
        expect(run(steps, 'deliver', true)).toEqual(run(steps, 'machine', true));
      }),
      { numRuns: 150 },
    );
  });

  it('whether timers ran between events or only caught up at the next event, the effects are the same', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        // Effects of different incidents may interleave differently; each incident's own history may not.
        const perIncident = (effects: string[]) => {
          const m = new Map<string, string[]>();
          for (const e of effects) {
            const id = e.split('|')[1] ?? e;
            m.set(id, [...(m.get(id) ?? []), e]);
          }
          return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
        };
        expect(perIncident(run(steps, 'deliver', true))).toEqual(perIncident(run(steps, 'deliver', false)));
      }),
      { numRuns: 150 },
    );
  });
});
