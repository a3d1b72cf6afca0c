// A simulated clock for tests and benchmarks: time moves only when `advance` is called, and due timers fire
// in deadline order with `now()` reading each timer's own deadline while it runs.
import type { TimerClock, TimerHandle } from './clock.js';
import { TimerHeap, type TimerEntry } from './heap.js';

export interface ManualClock extends TimerClock {
  readonly pending: number;
  /** Moves time forward by `ms`, firing every timer due on the way (including ones scheduled meanwhile). */
  advance(ms: number): void;
  /** Moves time to `at` (never backwards). */
  advanceTo(at: number): void;
  /** Sets the time without firing anything (e.g. a restored actor waking up after a crash). */
  set(at: number): void;
}

export function createManualClock(start = 0): ManualClock {
  const heap = new TimerHeap();
  let now = start;

  const advanceTo = (target: number): void => {
    if (target < now) return;
    for (let top = heap.peek(); top !== undefined && top.at <= target; top = heap.peek()) {
      heap.pop();
      if (top.at > now) now = top.at;
      const fn = top.fn;
      top.fn = null;
      fn?.();
    }
    now = target;
  };

  return {
    now: () => now,
    get pending() {
      return heap.size;
    },
    setTimeout(fn: () => void, ms: number): TimerHandle {
      return heap.push(Number.isFinite(ms) ? now + Math.max(0, ms) : Infinity, fn);
    },
    clearTimeout(handle: TimerHandle | undefined): void {
      if (handle === undefined) return;
      const entry = handle as TimerEntry;
      entry.fn = null;
      heap.remove(entry);
    },
    advance: (ms) => advanceTo(now + ms),
    advanceTo,
    set(at: number): void {
      now = at;
    },
  };
}
