// Inhibition as Alertmanager has it: while an incident matching a rule's source matchers is firing, a
// notification about an incident matching its target matchers, with equal values of every `equal` label,
// is held back. An incident never inhibits itself, and the resolved notice of an incident whose opening was
// notified is never held back. Pure: the detector holds notifications back with it and the query service's
// Alertmanager API reports `inhibitedBy` from the same verdict.
import { labelValue, matchesAll } from './match.js';
import type { InhibitRule, RoutedIncident } from './routing-types.js';

/** Every (rule, firing source) pair inhibiting `candidate`, in rule order. */
export function inhibitors<I extends RoutedIncident>(rules: readonly InhibitRule[], candidate: RoutedIncident, firing: Iterable<I>): Array<{ rule: InhibitRule; source: I }> {
  const out: Array<{ rule: InhibitRule; source: I }> = [];
  if (rules.length === 0) return out;
  const sources = [...firing].filter((s) => s.status === 'firing' && s.id !== candidate.id && s.tenant === candidate.tenant);
  for (const r of rules) {
    if (!matchesAll(r.target, candidate)) continue;
    for (const s of sources) {
      if (matchesAll(r.source, s) && r.equal.every((l) => labelValue(s, l) === labelValue(candidate, l))) out.push({ rule: r, source: s });
    }
  }
  return out;
}

/** The inhibiting rule and incident (`inhibit:<rule>:<incident>`), or null. */
export function inhibitedBy(rules: readonly InhibitRule[], candidate: RoutedIncident, firing: Iterable<RoutedIncident>, alreadyNotified: boolean): string | null {
  if (candidate.status === 'resolved' && alreadyNotified) return null;
  const [first] = inhibitors(rules, candidate, firing);
  return first ? `inhibit:${first.rule.id}:${first.source.id}` : null;
}
