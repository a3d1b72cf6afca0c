// Starting a target actor, fresh or from a persisted snapshot. A restored actor is sent `rearm` at once so
// its deadlines (absolute times in context) are armed again (statelyai/xstate#5331).
import { createActor, type Actor } from 'xstate';
import type { TimerClock } from '../time/clock.js';
import type { TargetInput, TargetMachine } from './target.js';

export type TargetActor = Actor<TargetMachine>;

export interface StartOptions {
  clock: TimerClock;
  /** A snapshot from `actor.getPersistedSnapshot()`; absent = a fresh actor for `input`. */
  snapshot?: unknown;
  onError: (err: unknown) => void;
}

export function startTargetActor(machine: TargetMachine, input: TargetInput, options: StartOptions): TargetActor {
  const actor =
    options.snapshot === undefined
      ? createActor(machine, { input, clock: options.clock })
      : createActor(machine, { input, clock: options.clock, snapshot: options.snapshot as never });
  // An actor error without an observer would rethrow later as an uncaught exception.
  actor.subscribe({ error: options.onError });
  actor.start();
  if (options.snapshot !== undefined) actor.send({ type: 'rearm' });
  return actor;
}
