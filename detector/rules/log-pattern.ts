// Log pattern rule: events of the chosen kinds whose message (or a field) matches a regex or glob, narrowed
// by security category / minimum severity or minimum log level; fires while at least `count` matched within
// `windowMs`. Keeps only the last `count` match times, so memory is bounded whatever the rate.
import type { CanonicalEvent, JsonValue } from '../../lib/events/event.js';
import { LEVEL_RANK, SEVERITY_RANK } from './match.js';
import { pushEvidence, type EvalStateBase, type Evaluator, type SpecOf } from './types.js';

export interface LogPatternState extends EvalStateBase {
  /** Ring of the last `count` match times. */
  times: number[];
  head: number;
  evidence: string[];
}

type Spec = SpecOf<'log_pattern'>;

function fieldText(v: JsonValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function logEventMatches(ev: CanonicalEvent, spec: Spec): boolean {
  const p = spec.params;
  let text: string | undefined;
  if (ev.kind === 'log') {
    if (!p.kinds.includes('log')) return false;
    if ((LEVEL_RANK[ev.body.level] ?? 0) < p.minLevel) return false;
    text = p.field === 'message' ? ev.body.message : fieldText(ev.body.fields[p.field]);
  } else if (ev.kind === 'security') {
    if (!p.kinds.includes('security')) return false;
    if (p.category !== null && ev.body.category !== p.category) return false;
    if ((SEVERITY_RANK[ev.body.severity] ?? 0) < p.minSeverity) return false;
    const b = ev.body as unknown as Record<string, unknown>;
    const v = p.field === 'message' ? ev.body.message : b[p.field];
    text = v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
  } else {
    return false;
  }
  if (p.pattern === null) return true;
  if (text === undefined) return false;
  return p.wholeText ? p.pattern.fullMatch(text) : p.pattern.search(text);
}

/** Time of the `count`-th most recent match, or null with fewer matches. */
function nthRecent(s: LogPatternState, count: number): number | null {
  if (s.times.length < count) return null;
  return s.times[s.head] as number; // the oldest slot of a full ring
}

export const logPatternEvaluator: Evaluator<LogPatternState, Spec> = {
  init(spec) {
    return { v: spec.version, firing: false, times: [], head: 0, evidence: [] };
  },

  onEvent(s, ev, spec, sink) {
    if (!logEventMatches(ev, spec)) return;
    const { count, windowMs } = spec.params;
    const at = ev.receivedAt;
    if (s.times.length < count) s.times.push(at);
    else {
      s.times[s.head] = at;
      s.head = (s.head + 1) % count;
    }
    pushEvidence(s.evidence, ev.id);
    const oldest = nthRecent(s, count);
    if (!s.firing && oldest !== null && oldest > at - windowMs) {
      s.firing = true;
      sink.signal({ firing: true, at, reason: 'pattern', summary: `${count} matching events within ${Math.round(windowMs / 1000)}s`, evidence: s.evidence.slice() });
    }
  },

  onTime(s, now, spec, sink) {
    if (!s.firing) return;
    const oldest = nthRecent(s, spec.params.count);
    if (oldest !== null && oldest + spec.params.windowMs > now) return;
    s.firing = false;
    sink.signal({ firing: false, at: (oldest ?? now) + spec.params.windowMs, reason: 'ok', summary: 'fewer matching events than the threshold', evidence: [] });
  },

  due(s, spec) {
    if (!s.firing) return null;
    const oldest = nthRecent(s, spec.params.count);
    return oldest === null ? null : oldest + spec.params.windowMs;
  },
};
