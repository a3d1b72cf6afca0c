// Time as a port: a `Clock` (`now()`) and the timer interface xstate v5 accepts as its `clock` option. The
// detector reads every deadline from one Clock (restored actors fire at their original deadlines), and the
// group-consumer loop and the persister schedule their waits on a TimerClock, so tests swap in a manual clock
// (./manual-clock.ts) instead of sleeping.

/** Reads the current time in epoch ms. */
export interface Clock {
  now(): number;
}

/** Opaque handle of one scheduled callback. */
export type TimerHandle = object;

/** A Clock that can also schedule callbacks; structurally the `clock` option of xstate's `createActor`. */
export interface TimerClock extends Clock {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** The process's own timers; the globals are looked up at each call, so fake timers installed later apply too. */
export const systemTimers: TimerClock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerHandle => setTimeout(fn, ms),
  clearTimeout: (handle: TimerHandle | undefined): void => clearTimeout(handle as ReturnType<typeof setTimeout> | undefined),
});
