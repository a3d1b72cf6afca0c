// Runs a target's rule evaluators: keeps one state per spec (reset when the spec's version changes),
// dispatches events and ticks to the evaluators of each kind, and computes the next time a tick is needed.
// States live in the actor's context and are updated in place. Pure.
import type { CanonicalEvent } from '../../lib/events/event.js';
import { alertEvaluator, promqlEvaluator } from './alert.js';
import { anomalyEvaluator } from './anomaly.js';
import { heartbeatEvaluator } from './heartbeat.js';
import { httpEvaluator } from './http.js';
import { logPatternEvaluator } from './log-pattern.js';
import { thresholdEvaluator } from './threshold.js';
import type { EvalSink, EvalStateBase, Evaluator, RuleSpec, Signal } from './types.js';

export type EvalStates = Record<string, EvalStateBase>;

/** Receives what the evaluators report, tagged with the spec that reported it. */
export interface RuleOutput {
  signal(spec: RuleSpec, s: Signal): void;
  checkDue(spec: RuleSpec, due: number): void;
}

const EVALUATORS: Record<RuleSpec['kind'], Evaluator<EvalStateBase, RuleSpec>> = {
  alert: alertEvaluator,
  heartbeat: heartbeatEvaluator,
  http: httpEvaluator,
  threshold: thresholdEvaluator,
  anomaly: anomalyEvaluator,
  log_pattern: logPatternEvaluator,
  promql: promqlEvaluator,
};

/** One reusable sink per output: avoids a closure per evaluator call on the hot path. */
class TaggedSink implements EvalSink {
  spec: RuleSpec | null = null;
  constructor(private readonly out: RuleOutput) {}
  signal(s: Signal): void {
    this.out.signal(this.spec as RuleSpec, s);
  }
  checkDue(due: number): void {
    this.out.checkDue(this.spec as RuleSpec, due);
  }
}

export class RuleEngine {
  private readonly sink: TaggedSink;
  constructor(out: RuleOutput) {
    this.sink = new TaggedSink(out);
  }

  private state(states: EvalStates, spec: RuleSpec, now: number, spread = false): EvalStateBase {
    let s = states[spec.id];
    if (s === undefined || s.v !== spec.version) {
      s = EVALUATORS[spec.kind].init(spec, now, spread);
      states[spec.id] = s;
    }
    return s;
  }

  onEvent(states: EvalStates, specs: readonly RuleSpec[], ev: CanonicalEvent, now: number): void {
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i] as RuleSpec;
      this.sink.spec = spec;
      EVALUATORS[spec.kind].onEvent(this.state(states, spec, now), ev, spec, this.sink);
    }
  }

  onTime(states: EvalStates, specs: readonly RuleSpec[], now: number): void {
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i] as RuleSpec;
      this.sink.spec = spec;
      EVALUATORS[spec.kind].onTime(this.state(states, spec, now), now, spec, this.sink);
    }
  }

  /**
   * Brings states in line with the current specs: creates missing ones (so timers start), resets those of
   * an older version, and drops states of rules that no longer apply, returning their ids. `spread`: the
   * target was loaded in bulk (start, takeover): periodic duties start at the target's phase, not at once.
   */
  reconcile(states: EvalStates, specs: readonly RuleSpec[], now: number, spread = false): string[] {
    for (const spec of specs) {
      const had = states[spec.id];
      const s = this.state(states, spec, now, spread);
      if (spread && s === had) EVALUATORS[spec.kind].spread?.(s, spec, now);
    }
    const dropped: string[] = [];
    for (const id of Object.keys(states)) {
      if (!specs.some((s) => s.id === id)) {
        dropped.push(id);
        delete states[id];
      }
    }
    return dropped;
  }

  /** Earliest tick any state needs, or null. */
  due(states: EvalStates, specs: readonly RuleSpec[]): number | null {
    let min: number | null = null;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i] as RuleSpec;
      const s = states[spec.id];
      if (s === undefined || s.v !== spec.version) continue;
      const d = EVALUATORS[spec.kind].due(s, spec);
      if (d !== null && (min === null || d < min)) min = d;
    }
    return min;
  }
}
