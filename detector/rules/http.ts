// HTTP check rule: schedules the target's active check on its interval (the owner runs it and writes a
// `check` event back to the stream) and fires after `failures` consecutive failed results.
import type { CanonicalEvent } from '../../lib/events/event.js';
import { pushEvidence, type EvalStateBase, type Evaluator, type SpecOf } from './types.js';

export interface HttpState extends EvalStateBase {
  fails: number;
  nextCheck: number;
  lastError: string;
  evidence: string[];
}

type Spec = SpecOf<'http'>;

export const httpEvaluator: Evaluator<HttpState, Spec> = {
  init(spec, now) {
    return { v: spec.version, firing: false, fails: 0, nextCheck: now, lastError: '', evidence: [] };
  },

  onEvent(s, ev: CanonicalEvent, spec, sink) {
    if (ev.kind !== 'check') return;
    pushEvidence(s.evidence, ev.id);
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
    sink.checkDue(s.nextCheck);
    const next = s.nextCheck + spec.params.intervalMs;
    // After a long pause (restore, overload) we run once now rather than catching up every missed run.
    s.nextCheck = next <= now ? now + spec.params.intervalMs : next;
  },

  due(s) {
    return s.nextCheck;
  },
};
