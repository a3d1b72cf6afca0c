// HTTP check rule: schedules the target's active check on its interval (the owner runs it and writes a
// `check` event back to the stream) and fires after `failures` consecutive failed results. A check naming
// `locations` is run by the replicas and probes of those locations instead (results labelled `location`), and
// fires only when at least `quorum` of them fail (lib/checks/quorum.ts).
import type { CanonicalEvent } from '../../lib/events/event.js';
import { firstRunAt } from '../../lib/checks/spread.js';
import { quorumSummary, quorumVerdict, type LocationResult } from '../../lib/checks/quorum.js';
import { pushEvidence, type EvalSink, type EvalStateBase, type Evaluator, type SpecOf } from './types.js';

export interface HttpState extends EvalStateBase {
  fails: number;
  nextCheck: number;
  lastError: string;
  evidence: string[];
  /** Multi-location checks: the latest verdict of each location. */
  byLocation?: Record<string, LocationResult>;
}

type Spec = SpecOf<'http'>;

/** A location's result older than this has no say: two intervals plus a timeout's worth of retries. */
function staleMs(spec: Spec): number {
  const c = spec.params.check.settings;
  return 2 * spec.params.intervalMs + c.timeoutMs * (c.retries + 1);
}

function onLocationResult(s: HttpState, ev: Extract<CanonicalEvent, { kind: 'check' }>, spec: Spec, locations: readonly string[], sink: EvalSink): void {
  const loc = ev.labels.location;
  if (loc === undefined || !locations.includes(loc)) return; // a result from elsewhere has no vote
  const byLoc = (s.byLocation ??= {});
  const prev = byLoc[loc];
  byLoc[loc] = ev.body.ok ? { fails: 0, at: ev.receivedAt, error: '' } : { fails: (prev?.fails ?? 0) + 1, at: ev.receivedAt, error: ev.body.error ?? `status ${ev.body.status ?? '-'}` };
  const v = quorumVerdict(byLoc, { locations, quorum: spec.params.quorum, failures: spec.params.failures, staleMs: staleMs(spec), now: ev.receivedAt });
  if (v.down && !s.firing) {
    s.firing = true;
    s.lastError = quorumSummary(v, byLoc, locations.length);
    sink.signal({ firing: true, at: ev.receivedAt, reason: 'check_failed', summary: s.lastError.slice(0, 200), evidence: s.evidence.slice() });
  } else if (!v.down && s.firing) {
    s.firing = false;
    sink.signal({ firing: false, at: ev.receivedAt, reason: 'ok', summary: `check ok at ${v.passing.length} of ${locations.length} locations`, evidence: s.evidence.slice() });
  }
}

export const httpEvaluator: Evaluator<HttpState, Spec> = {
  init(spec, now, spread) {
    // A target created or changed while running checks at once (immediate feedback); one of a bulk load (start,
    // takeover) at its own phase, so 10,000 targets loaded together are spread over the first interval.
    const nextCheck = spread === true ? firstRunAt(spec.params.phaseKey, spec.params.intervalMs, now) : now;
    return { v: spec.version, firing: false, fails: 0, nextCheck, lastError: '', evidence: [] };
  },

  spread(s, spec, now) {
    // Restored overdue (the failover gap): the next run at the phase, not every overdue check at once.
    if (s.nextCheck < now) s.nextCheck = firstRunAt(spec.params.phaseKey, spec.params.intervalMs, now);
  },

  onEvent(s, ev: CanonicalEvent, spec, sink) {
    if (ev.kind !== 'check') return;
    pushEvidence(s.evidence, ev.id);
    const locations = spec.params.locations;
    if (locations !== null) {
      onLocationResult(s, ev, spec, locations, sink);
      return;
    }
    if (ev.body.ok) {
      s.fails = 0;
      if (s.firing) {
        s.firing = false;
        sink.signal({ firing: false, at: ev.receivedAt, reason: 'ok', summary: `check ok (${ev.body.status ?? '-'})`, evidence: s.evidence.slice() });
      }
      return;
    }
    s.fails++;
    s.lastError = ev.body.error ?? `status ${ev.body.status ?? '-'}`;
    if (!s.firing && s.fails >= spec.params.failures) {
      s.firing = true;
      sink.signal({ firing: true, at: ev.receivedAt, reason: 'check_failed', summary: `check failed: ${s.lastError}`.slice(0, 200), evidence: s.evidence.slice() });
    }
  },

  onTime(s, now, spec, sink) {
    if (now < s.nextCheck) return;
    // Checks naming locations are run where those locations are (lib/checks/runner, `lightwatch probe`).
    if (spec.params.locations === null) sink.checkDue(s.nextCheck);
    // The first run is at once; every later one at the target's own phase of the interval, so checks configured
    // or restored together do not all fall due at the same instant every interval (bench/check-jitter.bench.ts).
    // After a long pause (restore, overload) we run once now rather than catching up every missed run.
    s.nextCheck = firstRunAt(spec.params.phaseKey, spec.params.intervalMs, Math.max(s.nextCheck, now) + 1);
  },

  due(s) {
    return s.nextCheck;
  },
};
