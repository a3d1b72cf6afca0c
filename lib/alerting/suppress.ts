// Silences (Alertmanager-style matchers over labels plus target/rule/severity) and maintenance windows
// (target ids or a label selector) decide whether an incident is muted. Regexes are anchored like
// Alertmanager's and run on the linear-time pattern engine; an invalid one never matches, so a typo cannot mute
// everything (the API refuses it anyway). Compiled patterns are cached by source. Pure: the detector mutes
// notifications with it and the query service shows the same verdict on the status board.
import type { Labels } from '../events/event.js';
import { compilePattern, type Pattern } from '../patterns/pattern.js';
import type { Maintenance, Matcher, Silence } from '../store/types.js';

/** What a silence or maintenance window is matched against: one incident of one target. */
export interface SuppressQuery {
  tenant: string;
  targetId: string;
  targetName: string;
  ruleId: string;
  ruleName: string;
  severity: string;
  labels: Labels;
}

function valuesOf(name: string, q: SuppressQuery): string[] {
  switch (name) {
    case 'target':
      return [q.targetName, q.targetId];
    case 'rule':
      return [q.ruleName, q.ruleId];
    case 'severity':
      return [q.severity];
    default:
      return [q.labels[name] ?? ''];
  }
}

const compiled = new Map<string, Pattern | null>();
const MAX_CACHED = 1000;

function anchored(src: string): Pattern | null {
  let p = compiled.get(src);
  if (p !== undefined) return p;
  try {
    p = compilePattern(src);
  } catch {
    p = null;
  }
  if (compiled.size >= MAX_CACHED) compiled.clear();
  compiled.set(src, p);
  return p;
}

export function matcherMatches(m: Matcher, q: SuppressQuery): boolean {
  const values = valuesOf(m.name, q);
  switch (m.op) {
    case '=':
      return values.includes(m.value);
    case '!=':
      return !values.includes(m.value);
    case '=~': {
      const re = anchored(m.value);
      return re !== null && values.some((v) => re.fullMatch(v));
    }
    case '!~': {
      const re = anchored(m.value);
      return re !== null && !values.some((v) => re.fullMatch(v));
    }
  }
}

export function silenceMatches(s: Silence, q: SuppressQuery, at: number): boolean {
  if (s.tenant !== q.tenant || at < s.startsAt || at >= s.endsAt || s.matchers.length === 0) return false;
  return s.matchers.every((m) => matcherMatches(m, q));
}

/** Every selector label present with the same value (an empty or absent selector matches everything). */
export function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

export function maintenanceMatches(m: Maintenance, q: Pick<SuppressQuery, 'tenant' | 'targetId' | 'labels'>, at: number): boolean {
  if (m.tenant !== q.tenant || at < m.startsAt || at >= m.endsAt) return false;
  const bySelector = m.selector !== undefined && Object.keys(m.selector).length > 0;
  if (m.targetIds.length === 0 && !bySelector) return true;
  return m.targetIds.includes(q.targetId) || (bySelector && selectorMatches(m.selector, q.labels));
}
