// Prometheus's alerting-rule semantics (rules/alerting.go, 2.42) as pure state: each evaluation takes the
// instant query's samples at one time and moves alerts pending → firing → inactive, with `for`,
// `keepFiringFor`, templated labels and annotations, and the 15-minute retention of resolved alerts.
import type { Labels } from '../querier.js';
import { labelsKey } from '../labels.js';
import type { InstantSample } from '../result.js';
import { expandTemplate } from './template.js';

export type AlertState = 'pending' | 'firing' | 'inactive';

export interface PromqlRule {
  readonly name: string;
  readonly expr: string;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Label naming the target an alert becomes an incident on, tried in order (default `target`, then `instance`). */
  readonly targetLabels?: readonly string[];
}

export interface Alert {
  readonly key: string;
  labels: Labels;
  annotations: Readonly<Record<string, string>>;
  state: AlertState;
  value: number;
  activeAtMs: number;
  firedAtMs: number | null;
  resolvedAtMs: number | null;
  keepFiringSinceMs: number | null;
}

/** What one evaluation changed, for the incident lifecycle. */
export interface AlertTransition {
  readonly alert: Alert;
  readonly from: AlertState | null;
  readonly to: AlertState;
}

/** The serializable state of a rule between evaluations (kept by whoever holds the rule's lease). */
export interface RuleState {
  active: Alert[];
}

export const RESOLVED_RETENTION_MS = 15 * 60_000;

export class DuplicateAlertError extends Error {
  constructor() {
    super('vector contains metrics with the same labelset after applying alert labels');
    this.name = 'DuplicateAlertError';
  }
}

/**
 * One evaluation at `tsMs` over the query's result. Mutates and returns the state's alerts; transitions list
 * every alert whose state changed (new pending, pending → firing, → inactive).
 */
export function evaluateRule(rule: PromqlRule, state: RuleState, samples: readonly InstantSample[], tsMs: number, externalLabels: Labels = {}): AlertTransition[] {
  const fresh = new Map<string, Alert>();
  for (const s of samples) {
    const data = { labels: s.labels, externalLabels, value: s.value };
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.labels)) if (k !== '__name__') labels[k] = v;
    for (const [k, v] of Object.entries(rule.labels)) {
      const x = expandTemplate(v, data);
      if (x === '') delete labels[k];
      else labels[k] = x;
    }
    labels.alertname = rule.name;
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(rule.annotations)) annotations[k] = expandTemplate(v, data);
    const key = labelsKey(labels);
    if (fresh.has(key)) throw new DuplicateAlertError();
    fresh.set(key, { key, labels, annotations, state: 'pending', value: s.value, activeAtMs: tsMs, firedAtMs: null, resolvedAtMs: null, keepFiringSinceMs: null });
  }

  const active = new Map(state.active.map((a) => [a.key, a]));
  const transitions: AlertTransition[] = [];
  for (const [key, a] of fresh) {
    const cur = active.get(key);
    if (cur !== undefined && cur.state !== 'inactive') {
      cur.value = a.value;
      cur.annotations = a.annotations;
      continue;
    }
    active.set(key, a);
    transitions.push({ alert: a, from: cur === undefined ? null : 'inactive', to: 'pending' });
  }

  for (const [key, a] of active) {
    if (!fresh.has(key)) {
      let keepFiring = false;
      if (a.state === 'firing' && rule.keepFiringForMs > 0) {
        a.keepFiringSinceMs ??= tsMs;
        if (tsMs - a.keepFiringSinceMs < rule.keepFiringForMs) keepFiring = true;
      }
      if (a.state === 'pending' || (a.resolvedAtMs !== null && tsMs - a.resolvedAtMs > RESOLVED_RETENTION_MS)) active.delete(key);
      if (a.state !== 'inactive' && !keepFiring) {
        transitions.push({ alert: a, from: a.state, to: 'inactive' });
        a.state = 'inactive';
        a.resolvedAtMs = tsMs;
      }
      if (!keepFiring) continue;
    } else {
      a.keepFiringSinceMs = null;
    }
    if (a.state === 'pending' && tsMs - a.activeAtMs >= rule.forMs) {
      a.state = 'firing';
      a.firedAtMs = tsMs;
      transitions.push({ alert: a, from: 'pending', to: 'firing' });
    }
  }
  state.active = [...active.values()];
  return transitions;
}

/** The target an alert's incident belongs to: the first of the rule's target labels the alert carries. */
export function alertTarget(rule: PromqlRule, alert: Alert): string | null {
  for (const name of rule.targetLabels ?? ['target', 'instance']) {
    const v = alert.labels[name];
    if (v !== undefined && v !== '') return v;
  }
  return null;
}
