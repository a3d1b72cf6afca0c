// What one evaluation of a promql rule sends, as Prometheus's rule manager sends to Alertmanager: a firing alert
// when it starts firing and again every resend delay (endsAt four deltas ahead, so a copy lost or an evaluator
// gone for a while does not end it), a resolved one (endsAt = now) when it stops. The alerts become events of
// the alert format (lib/am/alerts.ts) on their target's stream, where the target's `promql` evaluator
// (detector/rules/alert.ts) opens and resolves one incident per alert through the usual incident lifecycle.
// Also the rule's stored state and its evaluation times. Pure.
import { alertEventBody, fingerprint, type AlertFields } from '../../lib/am/alerts.js';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { alertTarget, type AlertTransition, type RuleState } from '../../lib/promql/alerting/rule.js';
import type { PromqlParams } from '../rules/types.js';

/** Prometheus's --rules.alert.resend-delay default. */
export const RESEND_DELAY_MS = 60_000;

/** Prometheus's --rules.alert.for-outage-tolerance: a stored state older than this is not restored. */
export const OUTAGE_TOLERANCE_MS = 60 * 60_000;

/** A rule's state as stored with the detector snapshots (kept by whoever holds the rule's partition). */
export interface RuleDoc {
  v: 1;
  kind: 'promql-rule';
  ruleId: string;
  state: RuleState;
  /** When each firing alert (by key) was last sent. */
  sentAt: Record<string, number>;
  evaluatedAt: number;
}

export function freshDoc(ruleId: string): RuleDoc {
  return { v: 1, kind: 'promql-rule', ruleId, state: { active: [] }, sentAt: {}, evaluatedAt: 0 };
}

/** A stored document this rule may continue from at `now`, or null (another shape, or too old). */
export function restorableDoc(stored: unknown, ruleId: string, now: number): RuleDoc | null {
  const d = stored as Partial<RuleDoc> | null;
  if (d === null || typeof d !== 'object' || d.v !== 1 || d.kind !== 'promql-rule' || d.ruleId !== ruleId) return null;
  if (!Array.isArray(d.state?.active) || typeof d.evaluatedAt !== 'number' || now - d.evaluatedAt > OUTAGE_TOLERANCE_MS) return null;
  return { v: 1, kind: 'promql-rule', ruleId, state: d.state, sentAt: d.sentAt ?? {}, evaluatedAt: d.evaluatedAt };
}

/** The snapshot key of a rule's state: never a target name (those come from events, which carry no NUL). */
export function ruleSnapshotId(ruleId: string): string {
  return `\u0000promql:${ruleId}`;
}

/** An event without its id (the caller assigns one). */
export type AlertEvent = Omit<Extract<CanonicalEvent, { kind: 'log' }>, 'id'>;

/**
 * The alerts to send after an evaluation at `ts` that made `transitions` (updates `doc.sentAt`): newly firing
 * and due-for-resend ones with endsAt = ts + 4·max(resend delay, interval), newly resolved ones with endsAt = ts.
 */
export function alertsToSend(tenant: string, ruleId: string, params: PromqlParams, doc: RuleDoc, transitions: readonly AlertTransition[], ts: number): AlertEvent[] {
  const out: AlertEvent[] = [];
  const validFor = 4 * Math.max(RESEND_DELAY_MS, params.intervalMs);
  const event = (a: AlertTransition['alert'], endsAt: number): AlertEvent => {
    const target = alertTarget(params.rule, a) ?? params.rule.name;
    const fields: AlertFields = {
      am_fingerprint: fingerprint(a.labels),
      am_starts_at: a.firedAtMs ?? a.activeAtMs,
      am_ends_at: endsAt,
      am_timeout: false,
      am_annotations: { ...a.annotations },
      am_generator_url: '',
      am_rule: ruleId,
    };
    return { tenant, target, ts, receivedAt: ts, labels: { ...a.labels }, kind: 'log', body: alertEventBody(a.labels, target, fields, ts) };
  };
  const firingNow = new Set<string>();
  for (const t of transitions) {
    if (t.to === 'firing') firingNow.add(t.alert.key);
    if (t.from === 'firing' && t.to === 'inactive') {
      out.push(event(t.alert, ts));
      delete doc.sentAt[t.alert.key];
    }
  }
  const firing = new Set<string>();
  for (const a of doc.state.active) {
    if (a.state !== 'firing') continue;
    firing.add(a.key);
    const last = doc.sentAt[a.key];
    if (firingNow.has(a.key) || last === undefined || ts - last >= RESEND_DELAY_MS) {
      out.push(event(a, ts + validFor));
      doc.sentAt[a.key] = ts;
    }
  }
  for (const key of Object.keys(doc.sentAt)) if (!firing.has(key)) delete doc.sentAt[key];
  return out;
}
