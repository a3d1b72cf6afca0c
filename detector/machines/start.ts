// Starting target actors, fresh or from a persisted snapshot. All target actors of one partition are children
// of one small host actor and so share its actor system (and clock): a root actor per target would carry a
// whole system (scheduler, registries, a dozen closures) and an error observer each — half of its memory.
// A child's error goes to the host, which reports it, instead of being rethrown as an uncaught exception.
// xstate's scheduler cancels an actor's timers on stop by scanning every timer of the system; with thousands of
// actors in one system that scan dominated (each closing incident child paid for all), so the host indexes
// timers by actor. A restored actor is sent `rearm` at once so its deadlines (absolute times in context) are armed again
// (statelyai/xstate#5331).
import { createActor, setup, type Actor, type AnyActorRef } from 'xstate';
import type { TimerClock } from '../../lib/time/clock.js';
import type { TargetInput, TargetMachine } from './target.js';

export type TargetActor = Actor<TargetMachine>;
export type ActorHost = AnyActorRef;

/** A root actor whose only job is to own a system for target actors and to report their errors. */
export function createActorHost(clock: TimerClock, onError: (err: unknown) => void): ActorHost {
  const host = setup({}).createMachine({
    id: 'host',
    description: 'Owns the actor system of one partition\'s target actors and reports their errors.',
    on: {
      '*': {
        actions: ({ event }) => {
          if (event.type.startsWith('xstate.error.actor')) onError((event as { error?: unknown }).error);
        },
      },
    },
  });
  const actor = createActor(host, { clock });
  actor.subscribe({ error: onError });
  indexTimersBySource((actor as unknown as { system: { scheduler: Scheduler } }).system.scheduler);
  return actor.start();
}

interface Scheduler {
  schedule(source: AnyActorRef, target: AnyActorRef, event: unknown, delay: number, id?: string): void;
  cancel(source: AnyActorRef, id: string): void;
  cancelAll(source: AnyActorRef): void;
}

/** Makes `cancelAll(actor)` cost that actor's timers rather than the whole system's. */
function indexTimersBySource(scheduler: Scheduler): void {
  const schedule = scheduler.schedule.bind(scheduler);
  const cancel = scheduler.cancel.bind(scheduler);
  // Most actors have one timer id (their `after`): kept as a string, a Set only when there are more.
  const ids = new Map<AnyActorRef, string | Set<string>>();
  scheduler.schedule = (source, target, event, delay, id = Math.random().toString(36).slice(2)) => {
    const known = ids.get(source);
    if (known === undefined) ids.set(source, id);
    else if (typeof known === 'string') {
      if (known !== id) ids.set(source, new Set([known, id]));
    } else known.add(id);
    schedule(source, target, event, delay, id);
  };
  scheduler.cancelAll = (source) => {
    const known = ids.get(source);
    if (known === undefined) return;
    ids.delete(source);
    if (typeof known === 'string') cancel(source, known);
    else for (const id of known) cancel(source, id);
  };
}

export interface StartOptions {
  host: ActorHost;
  /** A snapshot from `actor.getPersistedSnapshot()`; absent = a fresh actor for `input`. */
  snapshot?: unknown;
  /** Loaded in bulk (start, takeover): checks start at the target's phase of their interval (TargetInput.spread). */
  spread?: boolean;
}

export function startTargetActor(machine: TargetMachine, input: TargetInput, options: StartOptions): TargetActor {
  const spread = options.spread === true;
  const snapshot = options.snapshot as { context?: object } | undefined;
  const actor =
    snapshot === undefined
      ? createActor(machine, { input: spread ? { ...input, spread } : input, parent: options.host })
      : createActor(machine, { input, parent: options.host, snapshot: (spread ? { ...snapshot, context: { ...snapshot.context, spread } } : snapshot) as never });
  actor.start();
  if (options.snapshot !== undefined) actor.send({ type: 'rearm' });
  return actor;
}
