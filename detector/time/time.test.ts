import { describe, expect, it } from 'vitest';
import { createActor, setup } from 'xstate';
import fc from 'fast-check';
import { TimerHeap } from '../../lib/time/heap.js';
import { createManualClock } from '../../lib/time/manual-clock.js';
import { createSharedTimers } from './shared-timers.js';

describe('TimerHeap', () => {
  it('pops in (deadline, insertion) order with arbitrary removals', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 200 }), (ops) => {
        const heap = new TimerHeap();
        const live: Array<{ at: number; seq: number }> = [];
        ops.forEach(([at, cancel], i) => {
          const e = heap.push(at, () => undefined);
          if (cancel) expect(heap.remove(e)).toBe(true);
          else live.push({ at, seq: i });
        });
        live.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const popped: number[] = [];
        for (let e = heap.pop(); e; e = heap.pop()) popped.push(e.at);
        expect(popped).toEqual(live.map((l) => l.at));
      }),
    );
  });

  it('refuses to remove an entry twice', () => {
    const heap = new TimerHeap();
    const e = heap.push(1, () => undefined);
    expect(heap.remove(e)).toBe(true);
    expect(heap.remove(e)).toBe(false);
    expect(heap.size).toBe(0);
  });
});

describe('ManualClock', () => {
  it('fires due timers in order, reading each deadline as now, including ones scheduled meanwhile', () => {
    const clock = createManualClock(1000);
    const log: string[] = [];
    clock.setTimeout(() => log.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => {
      log.push(`a@${clock.now()}`);
      clock.setTimeout(() => log.push(`c@${clock.now()}`), 5);
    }, 10);
    const d = clock.setTimeout(() => log.push('d'), 15);
    clock.clearTimeout(d);
    clock.advance(14);
    expect(log).toEqual(['a@1010']);
    expect(clock.now()).toBe(1014);
    clock.advance(100);
    expect(log).toEqual(['a@1010', 'c@1015', 'b@1020']);
    expect(clock.now()).toBe(1114);
    expect(clock.pending).toBe(0);
  });

  it('drives xstate after-delays as the actor clock', () => {
    const clock = createManualClock(0);
    const machine = setup({}).createMachine({
      initial: 'a',
      states: { a: { after: { 500: 'b' } }, b: { description: 'reached after 500 ms' } },
    });
    const actor = createActor(machine, { clock }).start();
    clock.advance(499);
    expect(actor.getSnapshot().value).toBe('a');
    clock.advance(1);
    expect(actor.getSnapshot().value).toBe('b');
    actor.stop();
  });
});

describe('SharedTimers', () => {
  it('uses one host timer for many deadlines and fires them in order', async () => {
    const timers = createSharedTimers();
    const fired: number[] = [];
    const handles = [30, 10, 20, 10].map((ms, i) => timers.setTimeout(() => fired.push(i), ms));
    timers.clearTimeout(handles[2]);
    expect(timers.pending).toBe(3);
    await new Promise((r) => setTimeout(r, 60));
    expect(fired).toEqual([1, 3, 0]);
    expect(timers.pending).toBe(0);
    timers.close();
  });

  it('re-arms to an earlier deadline and after cancelling the earliest one', async () => {
    const timers = createSharedTimers();
    const fired: string[] = [];
    const late = timers.setTimeout(() => fired.push('late'), 10_000);
    const early = timers.setTimeout(() => fired.push('early'), 5);
    timers.clearTimeout(early);
    timers.setTimeout(() => fired.push('mid'), 15);
    await new Promise((r) => setTimeout(r, 40));
    expect(fired).toEqual(['mid']);
    timers.clearTimeout(late);
    expect(timers.pending).toBe(0);
    timers.close();
  });

  it('keeps running the other callbacks when one throws, and reports the error', async () => {
    const errors: unknown[] = [];
    const timers = createSharedTimers({ onError: (e) => errors.push(e) });
    const fired: number[] = [];
    timers.setTimeout(() => {
      throw new Error('boom');
    }, 1);
    timers.setTimeout(() => fired.push(2), 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toEqual([2]);
    expect(errors).toHaveLength(1);
    timers.close();
  });

  it('fires nothing after close, and close is idempotent', async () => {
    const timers = createSharedTimers();
    let fired = 0;
    timers.setTimeout(() => fired++, 1);
    timers.close();
    timers.close();
    timers.setTimeout(() => fired++, 1);
    await new Promise((r) => setTimeout(r, 15));
    expect(fired).toBe(0);
    expect(timers.pending).toBe(0);
  });

  it('serves as xstate clock for many actors at once', async () => {
    const timers = createSharedTimers();
    const machine = setup({}).createMachine({ initial: 'wait', states: { wait: { after: { 5: 'done' } }, done: {} } });
    const actors = Array.from({ length: 500 }, () => createActor(machine, { clock: timers }).start());
    expect(timers.pending).toBe(500);
    for (let i = 0; i < 100 && timers.pending > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(actors.every((a) => a.getSnapshot().value === 'done')).toBe(true);
    timers.close();
  });
});

describe('SharedTimers groups', () => {
  it('drops all of a group\'s callbacks at once and keeps the others in order', async () => {
    const timers = createSharedTimers();
    const a = timers.group();
    const b = timers.group();
    const fired: string[] = [];
    // Scheduled first, so its deadline is the earliest however long the loop below takes on a busy machine.
    timers.setTimeout(() => fired.push('plain'), 1);
    for (let i = 0; i < 50; i++) {
      a.setTimeout(() => fired.push(`a${i}`), 5 + i);
      b.setTimeout(() => fired.push(`b${i}`), 5 + i);
    }
    a.close();
    a.close();
    a.setTimeout(() => fired.push('late'), 1);
    expect(timers.pending).toBe(51);
    for (let i = 0; i < 100 && timers.pending > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(fired).toEqual(['plain', ...Array.from({ length: 50 }, (_, i) => `b${i}`)]);
    timers.close();
  });
});
