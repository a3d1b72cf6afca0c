// Metric threshold rule: `metric op value` on each sample of the target (optionally narrowed by labels).
// The `for` and `keepFiringFor` durations belong to the incident lifecycle, which receives the edges.
import type { CanonicalEvent } from '../../lib/events/event.js';
import { compare, selectorMatches } from './match.js';
import { pushEvidence, type EvalStateBase, type Evaluator, type SpecOf } from './types.js';

export interface ThresholdState extends EvalStateBase {
  last: number | null;
  evidence: string[];
}

type Spec = SpecOf<'threshold'>;

export const thresholdEvaluator: Evaluator<ThresholdState, Spec> = {
  init(spec) {
    return { v: spec.version, firing: false, last: null, evidence: [] };
  },

  onEvent(s, ev: CanonicalEvent, spec, sink) {
    if (ev.kind !== 'metric' || ev.body.name !== spec.params.metric) return;
    if (!selectorMatches(spec.params.labels, ev.labels)) return;
    const x = ev.body.value;
    s.last = x;
    const firing = compare(x, spec.params.op, spec.params.value);
    if (firing) pushEvidence(s.evidence, ev.id);
    if (firing === s.firing) return;
    s.firing = firing;
    if (!firing) pushEvidence(s.evidence, ev.id);
    const p = spec.params;
    sink.signal({
      firing,
      at: ev.receivedAt,
      reason: firing ? 'threshold' : 'ok',
      summary: firing ? `${p.metric} ${x} ${p.op} ${p.value}` : `${p.metric} ${x} back within ${p.op} ${p.value}`,
      evidence: s.evidence.slice(),
    });
  },

  onTime() {},

  due() {
    return null;
  },
};
