// Drives many actors' deadlines from ONE host `setTimeout`, re-armed to the earliest deadline, so 100k
// actors cost 100k heap entries rather than 100k Node timers. Implements xstate's `clock` interface.
import type { Clock, TimerClock, TimerHandle } from '../../lib/time/clock.js';
import { systemClock, systemTimers } from '../../lib/time/clock.js';
import { TimerHeap, type TimerEntry } from '../../lib/time/heap.js';

/** Node's timer limit: a longer delay would fire at once. */
const MAX_HOST_DELAY = 2 ** 31 - 1;

/** A view of the shared timers whose callbacks can all be dropped at once (one partition's actors). */
export interface TimerGroup extends TimerClock {
  /** Drops every queued callback of the group; later `setTimeout` calls are ignored. Idempotent. */
  close(): void;
}

export interface SharedTimers extends TimerClock {
  /** Number of queued callbacks. */
  readonly pending: number;
  group(): TimerGroup;
  /** Cancels every queued callback and the host timer; later `setTimeout` calls are ignored. Idempotent. */
  close(): void;
}

export interface SharedTimersOptions {
  /**
   * Where time comes from. A clock that also schedules (a TimerClock, such as tests' manual clock) drives the
   * host timer too, so moving that clock fires what falls due; a plain Clock is waited on with Node's timers.
   */
  clock?: Clock | TimerClock;
  /** Called with whatever a callback throws; the other due callbacks still run. */
  onError?: (err: unknown) => void;
}

export function createSharedTimers(options: SharedTimersOptions = {}): SharedTimers {
  const clock = options.clock ?? systemClock;
  const hostTimers: TimerClock = 'setTimeout' in clock ? (clock as TimerClock) : systemTimers;
  const onError = options.onError ?? ((err: unknown) => queueMicrotask(() => { throw err; }));
  const heap = new TimerHeap();
  let host: TimerHandle | undefined;
  let hostAt = Infinity;
  let closed = false;
  let groups = 0;

  const arm = (): void => {
    const top = heap.peek();
    const at = top === undefined ? Infinity : top.at;
    if (at === hostAt) return;
    if (host !== undefined) hostTimers.clearTimeout(host);
    host = undefined;
    hostAt = at;
    if (at === Infinity || closed) return;
    host = hostTimers.setTimeout(fire, Math.min(MAX_HOST_DELAY, Math.max(0, at - clock.now())));
  };

  const fire = (): void => {
    host = undefined;
    hostAt = Infinity;
    const now = clock.now();
    // Run only what was due when we woke; callbacks that schedule "now" run on the next turn, so a
    // self-rescheduling actor cannot starve the event loop.
    let budget = heap.size;
    for (let top = heap.peek(); top !== undefined && top.at <= now && budget-- > 0; top = heap.peek()) {
      heap.pop();
      const fn = top.fn;
      top.fn = null;
      try {
        fn?.();
      } catch (err) {
        onError(err);
      }
    }
    arm();
  };

  const schedule = (fn: () => void, ms: number, group: number): TimerHandle => {
    // A non-finite delay means "never" (xstate may compute one for a state with nothing to wait for).
    const entry = heap.push(Number.isFinite(ms) ? clock.now() + Math.max(0, ms) : Infinity, fn, group);
    if (closed) heap.remove(entry);
    else if (entry.at < hostAt) arm();
    return entry;
  };
  const cancel = (handle: TimerHandle | undefined): void => {
    if (handle === undefined) return;
    const entry = handle as TimerEntry;
    const wasTop = heap.peek() === entry;
    entry.fn = null;
    if (heap.remove(entry) && wasTop) arm();
  };

  return {
    now: () => clock.now(),
    get pending() {
      return heap.size;
    },
    setTimeout: (fn: () => void, ms: number): TimerHandle => schedule(fn, ms, 0),
    clearTimeout: cancel,
    group(): TimerGroup {
      const id = ++groups;
      let dropped = false;
      return {
        now: () => clock.now(),
        setTimeout(fn, ms) {
          if (dropped) return { at: Infinity, seq: -1, fn: null, slot: -1, group: id } satisfies TimerEntry;
          return schedule(fn, ms, id);
        },
        clearTimeout: cancel,
        close() {
          if (dropped) return;
          dropped = true;
          heap.removeGroup(id);
          arm();
        },
      };
    },
    close(): void {
      closed = true;
      heap.clear();
      arm();
    },
  };
}
