// Anomaly rule: z-score of each sample against a rolling mean/stddev or an EWMA, on a metric or on the
// rate of events of some kinds per bucket; the condition holds while |z| > k (the lifecycle's `for` turns
// that into "for a duration"). The sample under test is scored before it joins the statistics.
import type { CanonicalEvent } from '../../lib/events/event.js';
import { selectorMatches } from './match.js';
import { ewmaPush, newEwma, newRolling, rollingMean, rollingPush, rollingVar, zScore, type Ewma, type Rolling } from './stats.js';
import { pushEvidence, type EvalSink, type EvalStateBase, type Evaluator, type SpecOf } from './types.js';

export interface AnomalyState extends EvalStateBase {
  ewma: Ewma | null;
  rolling: Rolling | null;
  bucketStart: number | null;
  count: number;
  lastZ: number;
  evidence: string[];
}

type Spec = SpecOf<'anomaly'>;

function sampleCount(s: AnomalyState): number {
  return s.ewma ? s.ewma.n : (s.rolling as Rolling).n;
}

function score(s: AnomalyState, x: number): number {
  if (s.ewma) return zScore(x, s.ewma.mean, s.ewma.var);
  const r = s.rolling as Rolling;
  return zScore(x, rollingMean(r), rollingVar(r));
}

function push(s: AnomalyState, x: number, spec: Spec): void {
  if (s.ewma) ewmaPush(s.ewma, x, 2 / (spec.params.window + 1));
  else rollingPush(s.rolling as Rolling, x, spec.params.window);
}

function evaluate(s: AnomalyState, x: number, at: number, spec: Spec, sink: EvalSink): void {
  const p = spec.params;
  let anomalous = false;
  if (sampleCount(s) >= p.minSamples) {
    s.lastZ = score(s, x);
    anomalous = Math.abs(s.lastZ) > p.k;
  }
  push(s, x, spec);
  if (anomalous === s.firing) return;
  s.firing = anomalous;
  const what = p.metric ?? `rate(${p.rateKinds.join('|')})`;
  sink.signal({
    firing: anomalous,
    at,
    reason: anomalous ? 'anomaly' : 'ok',
    summary: anomalous ? `${what} = ${x} is ${s.lastZ.toFixed(1)} sd from normal` : `${what} back to normal`,
    evidence: s.evidence.slice(),
  });
}

/** Scores every bucket that ended at or before `t` (empty ones as 0), at most one window's worth. */
function closeBuckets(s: AnomalyState, t: number, spec: Spec, sink: EvalSink): void {
  const { bucketMs, window } = spec.params;
  if (s.bucketStart === null) return;
  let steps = 0;
  while (s.bucketStart + bucketMs <= t && steps <= window) {
    evaluate(s, s.count, s.bucketStart + bucketMs, spec, sink);
    s.count = 0;
    s.bucketStart += bucketMs;
    steps++;
  }
  if (s.bucketStart + bucketMs <= t) s.bucketStart = Math.floor(t / bucketMs) * bucketMs;
}

export const anomalyEvaluator: Evaluator<AnomalyState, Spec> = {
  init(spec) {
    const ewma = spec.params.method === 'ewma';
    return { v: spec.version, firing: false, ewma: ewma ? newEwma() : null, rolling: ewma ? null : newRolling(), bucketStart: null, count: 0, lastZ: 0, evidence: [] };
  },

  onEvent(s, ev: CanonicalEvent, spec, sink) {
    const p = spec.params;
    if (p.metric !== null) {
      if (ev.kind !== 'metric' || ev.body.name !== p.metric || !selectorMatches(p.labels, ev.labels)) return;
      pushEvidence(s.evidence, ev.id);
      evaluate(s, ev.body.value, ev.receivedAt, spec, sink);
      return;
    }
    if (!p.rateKinds.includes(ev.kind)) return;
    const at = ev.receivedAt;
    if (s.bucketStart === null) s.bucketStart = Math.floor(at / p.bucketMs) * p.bucketMs;
    else if (at >= s.bucketStart + p.bucketMs) closeBuckets(s, at, spec, sink);
    pushEvidence(s.evidence, ev.id);
    s.count++;
  },

  onTime(s, now, spec, sink) {
    if (spec.params.metric === null) closeBuckets(s, now, spec, sink);
  },

  due(s, spec) {
    return spec.params.metric === null && s.bucketStart !== null ? s.bucketStart + spec.params.bucketMs : null;
  },
};
