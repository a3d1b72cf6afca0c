// Alertmanager-style alerts (log events of format `alertmanager`, from POST /api/am/api/v2/alerts, or sent by a
// promql rule's evaluation, detector/promql/): one incident per alert fingerprint on the alert's target. An alert fires when it arrives with endsAt ahead of
// its arrival, stays firing while re-sent (each copy moves endsAt), and clears when it arrives already ended
// or when its endsAt passes without a new copy (Prometheus stopped sending, or the resolve timeout of an
// alert sent without endsAt). Signals carry the fingerprint as their key, so each alert is its own incident.
// The built-in `alert` spec takes the alerts posted through /api/am; a `promql` rule's spec takes the alerts
// its own evaluation sent (field `am_rule` = the rule id), so they are incidents of that rule.
import { ALERT_FORMAT, alertFieldsOf } from '../../lib/am/alerts.js';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { pushEvidence, type EvalStateBase, type Evaluator, type SpecOf } from './types.js';

/** Alerts tracked per target at most; beyond it new fingerprints are ignored until some end. */
export const MAX_ALERTS_PER_TARGET = 1000;

export interface AlertState extends EvalStateBase {
  /** endsAt of each firing alert, by fingerprint. */
  ends: Record<string, number>;
  evidence: string[];
}

type Spec = SpecOf<'alert'> | SpecOf<'promql'>;

/** The evaluator of the alerts whose `am_rule` field (absent for posted alerts) `takes` accepts for a spec. */
function keyedAlertEvaluator<S extends Spec>(takes: (rule: string | undefined, spec: S) => boolean): Evaluator<AlertState, S> {
  return {
    init(spec) {
      return { v: spec.version, firing: false, ends: {}, evidence: [] };
    },

    onEvent(s, ev: CanonicalEvent, spec, sink) {
      if (ev.kind !== 'log' || ev.body.format !== ALERT_FORMAT) return;
      const f = alertFieldsOf(ev.body.fields);
      if (f === null || !takes(f.am_rule, spec)) return;
      const fp = f.am_fingerprint;
      const at = ev.receivedAt;
      const known = Object.hasOwn(s.ends, fp);
      pushEvidence(s.evidence, ev.id);
      if (f.am_ends_at > at) {
        if (!known && Object.keys(s.ends).length >= MAX_ALERTS_PER_TARGET) return;
        s.ends[fp] = f.am_ends_at;
        s.firing = true;
        if (!known) {
          const name = ev.labels.alertname ?? fp;
          const summary = f.am_annotations.summary ?? f.am_annotations.description ?? 'firing';
          sink.signal({ firing: true, at, reason: 'alert', summary: summary.slice(0, 200), evidence: s.evidence.slice(), key: fp, name, labels: { ...ev.labels }, annotations: f.am_annotations });
        }
        return;
      }
      if (!known) return;
      delete s.ends[fp];
      s.firing = Object.keys(s.ends).length > 0;
      sink.signal({ firing: false, at, reason: 'resolved', summary: 'resolved', evidence: s.evidence.slice(), key: fp });
    },

    onTime(s, now, _spec, sink) {
      for (const fp of Object.keys(s.ends)) {
        const ends = s.ends[fp] as number;
        if (ends > now) continue;
        delete s.ends[fp];
        sink.signal({ firing: false, at: ends, reason: 'ended', summary: 'endsAt passed without a new copy', evidence: s.evidence.slice(), key: fp });
      }
      s.firing = Object.keys(s.ends).length > 0;
    },

    due(s) {
      let min: number | null = null;
      for (const fp in s.ends) {
        const e = s.ends[fp] as number;
        if (min === null || e < min) min = e;
      }
      return min;
    },
  };
}

export const alertEvaluator = keyedAlertEvaluator<SpecOf<'alert'>>((rule) => rule === undefined);

export const promqlEvaluator = keyedAlertEvaluator<SpecOf<'promql'>>((rule, spec) => rule === spec.id);
