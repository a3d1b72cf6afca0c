// Matchers over an incident's labels plus `target`, `rule` and `severity`, the same semantics as silences
// (anchored RE2 patterns on the linear-time engine). Pure.
import type { Matcher } from '../store/types.js';
import { matcherMatches } from './suppress.js';
import type { RoutedIncident } from './routing-types.js';

export function matchesAll(matchers: readonly Matcher[], i: RoutedIncident): boolean {
  const q = { tenant: i.tenant, targetId: i.targetId, targetName: i.targetName, ruleId: i.ruleId, ruleName: i.ruleId, severity: i.severity, labels: i.labels };
  return matchers.every((m) => matcherMatches(m, q));
}

/** A label's value as matchers see it (target, rule and severity included). */
export function labelValue(i: RoutedIncident, name: string): string {
  if (name === 'target') return i.labels.target ?? i.targetName;
  if (name === 'rule') return i.labels.rule ?? i.ruleId;
  if (name === 'severity') return i.labels.severity ?? i.severity;
  return i.labels[name] ?? '';
}
