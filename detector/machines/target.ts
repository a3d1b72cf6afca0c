// One actor per monitored target: holds the state of every rule evaluator that applies to it, feeds it the
// target's events and timer ticks, and spawns one incident child per (target, rule) while an incident lives.
// Its one timer is the earliest deadline of its evaluators (an absolute time in context); an event that moves
// a deadline earlier re-arms it, a later one is picked up when the early tick finds nothing due. After a
// restore the runtime sends `rearm`, which re-enters the waiting state here and in every incident child.
// The hot path (`deliver`) updates the evaluator states in place and enters the machine only when something
// happened (a condition edge, an earlier deadline, a deadline already passed, a paused target): most events
// change nothing the machine acts on, and skipping the interpreter for them is what makes 100k events/s.
import { enqueueActions, setup, type Actor } from 'xstate';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { RuleEngine, type EvalStates } from '../rules/engine.js';
import type { RuleSpec, Signal } from '../rules/types.js';
import type { DetectorEnv, TargetView } from './env.js';
import { createIncidentMachine, type IncidentClosedEvent, type IncidentInput } from './incident.js';

export interface TargetInput {
  key: string;
  tenant: string;
  name: string;
  partition: number;
  /**
   * Loaded in bulk (detector start, partition takeover): the first arm starts periodic checks at the target's
   * own phase of their interval rather than at once, so thousands of targets loaded together do not all check
   * in the same instant. Cleared by that first arm; absent for a target created or changed while running.
   */
  spread?: boolean;
}

export interface TargetContext extends TargetInput {
  /** Evaluator states by rule id. */
  ev: EvalStates;
  /** Child actor id of the live incident of each rule. */
  live: Record<string, string>;
  /** When the pending tick is armed for (null: nothing to wait for). */
  armedAt: number | null;
}

/** A condition edge reported by the evaluator of `spec`. */
export interface RuleSignal {
  spec: RuleSpec;
  signal: Signal;
}

export type TargetEvent =
  | { type: 'event'; e: CanonicalEvent }
  /** Edges (and/or an earlier deadline) found by `deliver`, which already applied the event to the states. */
  | { type: 'signals'; signals: RuleSignal[] }
  | { type: 'tick.rearm' }
  | { type: 'rearm' }
  | { type: 'config' }
  | { type: 'ack' | 'resolve'; ruleId: string; at: number; by: string; incidentId?: string; message?: string }
  | IncidentClosedEvent;

/** The part of xstate's action enqueuer the helpers below use (its full generic type does not narrow well). */
interface Enqueue {
  /* eslint-disable @typescript-eslint/no-explicit-any */
  spawnChild: (...args: any[]) => void;
  sendTo: (...args: any[]) => void;
  raise: (...args: any[]) => void;
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

/** Between a rule id and a signal's key in the rule id of a keyed incident (`builtin:alert/<fingerprint>`). */
export const KEY_SEP = '/';

/** The rule id of the incident a signal belongs to (also its key in `live`). */
export function liveKey(spec: RuleSpec, signal: Signal): string {
  return signal.key === undefined ? spec.id : `${spec.id}${KEY_SEP}${signal.key}`;
}

/** The spec id of an incident's rule id. */
export function specIdOf(ruleId: string): string {
  const i = ruleId.indexOf(KEY_SEP);
  return i < 0 ? ruleId : ruleId.slice(0, i);
}

export function createTargetLogic(env: DetectorEnv) {
  const incidentMachine = createIncidentMachine(env);
  // Signals reported during one action (or one `deliver`); drained before it returns (they never nest).
  const pending: RuleSignal[] = [];
  let checkTarget: TargetContext | null = null;
  const engine = new RuleEngine({
    signal: (spec, signal) => pending.push({ spec, signal }),
    checkDue: (spec, due) => {
      const c = checkTarget;
      if (c === null || spec.kind !== 'http') return;
      const t = env.target(c.key);
      env.emit({ type: 'schedule-check', tenant: c.tenant, targetId: t?.id ?? c.name, targetName: c.name, ruleId: spec.id, check: spec.params.check, due });
    },
  });

  const view = (c: TargetContext): TargetView => env.target(c.key) ?? { tenant: c.tenant, id: c.name, name: c.name, labels: {}, paused: false };

  const spawnIncident = (enqueue: Enqueue, c: TargetContext, spec: RuleSpec, signal: Signal): void => {
    const t = view(c);
    const ruleId = liveKey(spec, signal);
    const id = `inc:${ruleId}:${signal.at}`;
    const sev = signal.labels?.severity;
    const severity = sev === 'info' || sev === 'warning' || sev === 'critical' ? sev : spec.severity;
    const labels = signal.labels ? { ...t.labels, ...signal.labels } : t.labels;
    const input: IncidentInput = { tenant: c.tenant, targetId: t.id, targetName: c.name, labels, ruleId, ruleName: signal.name ?? spec.name, severity, channels: spec.channels, lifecycle: spec.lifecycle, signal };
    enqueue.spawnChild('incident', { id, input });
    c.live[ruleId] = id;
  };

  const drainSignals = (enqueue: Enqueue, c: TargetContext, signals: RuleSignal[] = pending): void => {
    for (let i = 0; i < signals.length; i++) {
      const { spec, signal } = signals[i] as RuleSignal;
      const child = c.live[liveKey(spec, signal)];
      if (child !== undefined) {
        // Deadlines the incident passed by this signal's time apply first, whatever the batch boundaries.
        enqueue.sendTo(child, { type: 'time', at: signal.at });
        enqueue.sendTo(child, { type: 'cond', signal });
      }
      else if (signal.firing) spawnIncident(enqueue, c, spec, signal);
    }
    signals.length = 0;
  };

  const rearmIfEarlier = (enqueue: Enqueue, c: TargetContext, specs: readonly RuleSpec[]): void => {
    const due = engine.due(c.ev, specs);
    if (due !== null && (c.armedAt === null || due < c.armedAt)) enqueue.raise({ type: 'tick.rearm' });
  };

  const machine = setup({
    types: {
      context: {} as TargetContext,
      input: {} as TargetInput,
      events: {} as TargetEvent,
    },
    actors: { incident: incidentMachine },
    delays: {
      untilDue: ({ context: c }) => (c.armedAt === null ? Infinity : Math.max(0, c.armedAt - env.now())),
    },
    guards: {
      paused: ({ context: c }) => env.target(c.key)?.paused === true,
      active: ({ context: c }) => env.target(c.key)?.paused !== true,
    },
    actions: {
      apply: enqueueActions(({ context: c, event, enqueue }) => {
        const specs = env.specs(c.key);
        if (specs.length === 0) return;
        const e = (event as Extract<TargetEvent, { type: 'event' }>).e;
        if (c.armedAt !== null && c.armedAt <= e.receivedAt) {
          // A deadline passed before this event happened but its timer has not run yet (same read batch,
          // replay after takeover): apply it first, at event time, so the outcome never depends on batching.
          checkTarget = c;
          try {
            engine.onTime(c.ev, specs, e.receivedAt);
          } finally {
            checkTarget = null;
          }
        }
        engine.onEvent(c.ev, specs, e, env.now());
        if (pending.length > 0) drainSignals(enqueue, c);
        rearmIfEarlier(enqueue, c, specs);
      }),
      applySignals: enqueueActions(({ context: c, event, enqueue }) => {
        drainSignals(enqueue, c, (event as Extract<TargetEvent, { type: 'signals' }>).signals);
        rearmIfEarlier(enqueue, c, env.specs(c.key));
      }),
      tick: enqueueActions(({ context: c, enqueue }) => {
        const specs = env.specs(c.key);
        checkTarget = c;
        try {
          engine.onTime(c.ev, specs, env.now());
        } finally {
          checkTarget = null;
        }
        if (pending.length > 0) drainSignals(enqueue, c);
      }),
      /** Reconciles evaluator states with the current rules and computes the deadline to wait for. */
      arm: enqueueActions(({ context: c, enqueue }) => {
        const specs = env.specs(c.key);
        const spread = c.spread === true;
        if (spread) delete c.spread;
        for (const ruleId of engine.reconcile(c.ev, specs, env.now(), spread)) {
          // The rule no longer applies: its incidents (every key of it) resolve as if the condition cleared.
          for (const [key, child] of Object.entries(c.live)) {
            if (key !== ruleId && !key.startsWith(`${ruleId}${KEY_SEP}`)) continue;
            enqueue.sendTo(child, { type: 'cond', signal: { firing: false, at: env.now(), reason: 'rule_removed', summary: 'rule no longer applies', evidence: [] } });
          }
        }
        c.armedAt = engine.due(c.ev, specs);
      }),
      disarm: ({ context: c }) => {
        c.armedAt = null;
      },
      rearmChildren: enqueueActions(({ context: c, enqueue }) => {
        for (const id of Object.values(c.live)) enqueue.sendTo(id, { type: 'rearm' });
      }),
      /** Acknowledge and resolve commands from people go to the rule's live incident. */
      forwardCommand: enqueueActions(({ context: c, event, enqueue }) => {
        const e = event as Extract<TargetEvent, { type: 'ack' | 'resolve' }>;
        const child = c.live[e.ruleId];
        if (child !== undefined) enqueue.sendTo(child, { type: e.type, at: e.at, by: e.by, incidentId: e.incidentId, message: e.message });
      }),
      closeIncident: enqueueActions(({ context: c, event, enqueue }) => {
        const e = event as IncidentClosedEvent;
        const child = c.live[e.ruleId];
        if (child === undefined) return;
        enqueue.stopChild(child);
        delete c.live[e.ruleId];
        if (e.refire) {
          const specId = specIdOf(e.ruleId);
          const spec = env.specs(c.key).find((s) => s.id === specId);
          if (spec) spawnIncident(enqueue, c, spec, e.refire);
        }
      }),
    },
  }).createMachine({
    id: 'target',
    description: 'Watches one target: evaluates its rules on every event and deadline, and runs its incidents.',
    context: ({ input }) => ({ ...input, ev: {}, live: {}, armedAt: null }),
    initial: 'watching',
    on: {
      ack: { actions: 'forwardCommand' },
      resolve: { actions: 'forwardCommand' },
      'incident.closed': { actions: 'closeIncident' },
    },
    states: {
      watching: {
        description: 'Evaluating events; waits for the earliest evaluator deadline (heartbeat due, check due, window end).',
        entry: 'arm',
        always: { guard: 'paused', target: 'paused' },
        after: { untilDue: { target: 'watching', reenter: true, actions: 'tick' } },
        on: {
          event: { actions: 'apply' },
          signals: { actions: 'applySignals' },
          'tick.rearm': { target: 'watching', reenter: true },
          config: { target: 'watching', reenter: true },
          rearm: { target: 'watching', reenter: true, actions: 'rearmChildren' },
        },
      },
      paused: {
        description: 'The target is paused: events are ignored and no deadline is watched.',
        entry: 'disarm',
        on: {
          config: { guard: 'active', target: 'watching' },
          rearm: { actions: 'rearmChildren' },
        },
      },
    },
  });

  /**
   * Applies one event to the target's actor. Evaluator states are updated in place on the actor's context;
   * the actor is sent an event only when the machine has something to do. Same outcome as sending
   * `{ type: 'event', e }`, which is what happens when the shortcut does not apply.
   */
  const deliver = (actor: Actor<typeof machine>, e: CanonicalEvent): void => {
    const snap = actor.getSnapshot();
    const c = snap.context;
    if (snap.status !== 'active' || snap.value !== 'watching' || (c.armedAt !== null && c.armedAt <= e.receivedAt)) {
      actor.send({ type: 'event', e });
      return;
    }
    const specs = env.specs(c.key);
    if (specs.length === 0) return;
    engine.onEvent(c.ev, specs, e, env.now());
    if (pending.length === 0) {
      const due = engine.due(c.ev, specs);
      if (due === null || (c.armedAt !== null && due >= c.armedAt)) return;
    }
    actor.send({ type: 'signals', signals: pending.splice(0, pending.length) });
  };

  return { machine, deliver };
}

export type TargetLogic = ReturnType<typeof createTargetLogic>;
export type TargetMachine = TargetLogic['machine'];

export function createTargetMachine(env: DetectorEnv): TargetMachine {
  return createTargetLogic(env).machine;
}
