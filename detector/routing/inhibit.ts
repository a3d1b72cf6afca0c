// Inhibition as Alertmanager has it: while an incident matching a rule's source matchers is firing, a
// notification about an incident matching its target matchers, with equal values of every `equal` label,
// is held back. An incident never inhibits itself, and the resolved notice of an incident whose opening was
// notified is never held back. Pure.
import { labelValue, matchesAll } from './match.js';
import type { InhibitRule, RoutedIncident } from './types.js';

/** The inhibiting rule and incident (`inhibit:<rule>:<incident>`), or null. */
export function inhibitedBy(rules: readonly InhibitRule[], candidate: RoutedIncident, firing: Iterable<RoutedIncident>, alreadyNotified: boolean): string | null {
  if (candidate.status === 'resolved' && alreadyNotified) return null;
  const sources = [...firing].filter((s) => s.status === 'firing' && s.id !== candidate.id && s.tenant === candidate.tenant);
  for (const r of rules) {
    if (!matchesAll(r.target, candidate)) continue;
    for (const s of sources) {
      if (matchesAll(r.source, s) && r.equal.every((l) => labelValue(s, l) === labelValue(candidate, l))) return `inhibit:${r.id}:${s.id}`;
    }
  }
  return null;
}
