// The detector's notion of time: a `Clock` port (`now()`) and the timer interface xstate v5 accepts as its
// `clock` option. Every deadline in the detector is an absolute time read from one Clock, so tests swap in a
// manual clock and restored actors fire at their original deadlines.

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
