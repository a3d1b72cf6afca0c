// Alerts as Prometheus posts them to Alertmanager (POST /api/v2/alerts: an array of postable alerts) turned
// into log events of format `alertmanager`: the target is the alert's `instance` label — or the one AM_TARGET_LABEL
// names — (else `job`, else its alertname), the alert's labels are the event's, and what the detector needs to track it rides in fields —
// Alertmanager's fingerprint, startsAt, endsAt (now + the resolve timeout when absent, as Alertmanager does),
// annotations. The detector's `alert` evaluator (detector/rules/alert.ts) opens one incident per fingerprint
// and resolves it at endsAt. Pure.
import type { DraftEvent, JsonValue } from '../events/event.js';

export const ALERT_FORMAT = 'alertmanager';

/** Alertmanager's default `resolve_timeout`: an alert without endsAt ends this long after it was last sent. */
export const RESOLVE_TIMEOUT_MS = 5 * 60_000;

/** Labels tried in order for the target an alert is about (after the configured one, AM_TARGET_LABEL). */
export const TARGET_LABELS = ['instance', 'job', 'alertname'] as const;
export const DEFAULT_TARGET_LABEL = 'instance';

/** The labels tried in order: `first`, then instance, job and alertname. */
export function targetLabelOrder(first: string = DEFAULT_TARGET_LABEL): string[] {
  return [first, ...TARGET_LABELS.filter((l) => l !== first)];
}

/** The fields an alert event carries (names shared with the evaluator). */
export interface AlertFields {
  am_fingerprint: string;
  am_starts_at: number;
  am_ends_at: number;
  /** endsAt was absent: the alert ends unless re-sent within the resolve timeout. */
  am_timeout: boolean;
  am_annotations: Record<string, string>;
  am_generator_url: string;
  /** Set on the alerts a promql rule's evaluation sends: the rule's id (its incidents are that rule's). */
  am_rule?: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Alertmanager's fingerprint of a label set: FNV-1a 64 over sorted name/value pairs separated by 0xff, in hex. */
export function fingerprint(labels: Readonly<Record<string, string>>): string {
  const OFFSET = 0xcbf29ce484222325n;
  const PRIME = 0x100000001b3n;
  const MASK = 0xffffffffffffffffn;
  let h = OFFSET;
  const bytes = (s: string): void => {
    for (const b of Buffer.from(s, 'utf8')) h = ((h ^ BigInt(b)) * PRIME) & MASK;
  };
  const names = Object.keys(labels).sort();
  if (names.length === 0) return h.toString(16).padStart(16, '0');
  for (const name of names) {
    bytes(name);
    h = ((h ^ 0xffn) * PRIME) & MASK;
    bytes(labels[name] as string);
    h = ((h ^ 0xffn) * PRIME) & MASK;
  }
  return h.toString(16).padStart(16, '0');
}

function stringMap(v: unknown, what: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x !== 'string') throw new Error(`${what}.${k} must be a string`);
    out[k] = x;
  }
  return out;
}

function time(v: unknown, what: string): number | null {
  if (v === undefined || v === null || v === '' || v === '0001-01-01T00:00:00Z' || v === '0001-01-01T00:00:00.000Z') return null;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(Date.parse(v))) throw new Error(`${what} must be a date-time (RFC 3339)`);
  return Date.parse(v);
}

/** The body of an alert event: its fields, and a message line for people (`[FIRING] Name: summary`). */
export function alertEventBody(labels: Readonly<Record<string, string>>, target: string, fields: AlertFields, now: number): Extract<DraftEvent, { kind: 'log' }>['body'] {
  const firing = fields.am_ends_at > now;
  const a = fields.am_annotations;
  const summary = a.summary ?? a.description ?? a.message ?? '';
  return {
    level: firing ? 'error' : 'info',
    message: `[${firing ? 'FIRING' : 'RESOLVED'}] ${labels.alertname ?? target}${summary ? `: ${summary}` : ''}`,
    fields: fields as unknown as Record<string, JsonValue>,
    format: ALERT_FORMAT,
  };
}

export interface ParsedAlerts {
  drafts: { index: number; draft: DraftEvent }[];
  rejected: { index: number; error: string }[];
}

/**
 * Postable alerts → alert log events, as Alertmanager's postAlertsHandler reads them: a missing startsAt is
 * now (or endsAt), a missing endsAt is now + the resolve timeout; empty label values are dropped; an alert
 * without labels, with a bad label name, or ending before it starts is refused (the others still go in).
 */
export function alertsToDrafts(body: unknown, now: number, resolveTimeoutMs = RESOLVE_TIMEOUT_MS, targetLabel: string = DEFAULT_TARGET_LABEL): ParsedAlerts {
  const order = targetLabelOrder(targetLabel);
  if (!Array.isArray(body)) throw new Error('alerts in body must be of type array');
  const out: ParsedAlerts = { drafts: [], rejected: [] };
  body.forEach((raw: unknown, index) => {
    try {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('an alert must be an object');
      const a = raw as Record<string, unknown>;
      const labels = Object.fromEntries(Object.entries(stringMap(a.labels, 'labels')).filter(([, v]) => v !== ''));
      if (Object.keys(labels).length === 0) throw new Error('at least one label pair required');
      for (const name of Object.keys(labels)) if (!LABEL_NAME.test(name)) throw new Error(`invalid label set: invalid name "${name.slice(0, 60)}"`);
      const annotations = stringMap(a.annotations, 'annotations');
      const endsRaw = time(a.endsAt, 'endsAt');
      const startsAt = time(a.startsAt, 'startsAt') ?? endsRaw ?? now;
      const endsAt = endsRaw ?? now + resolveTimeoutMs;
      if (endsRaw !== null && endsRaw < startsAt) throw new Error('start time must be before end time');
      const target = order.map((n) => labels[n]).find((v) => v !== undefined) as string;
      const fields: AlertFields = {
        am_fingerprint: fingerprint(labels),
        am_starts_at: startsAt,
        am_ends_at: endsAt,
        am_timeout: endsRaw === null,
        am_annotations: annotations,
        am_generator_url: typeof a.generatorURL === 'string' ? a.generatorURL : '',
      };
      out.drafts.push({ index, draft: { kind: 'log', target, ts: now, labels, body: alertEventBody(labels, target, fields, now) } });
    } catch (err) {
      out.rejected.push({ index, error: err instanceof Error ? err.message : String(err) });
    }
  });
  return out;
}

/** The alert fields of an event, or null when it is not a well-formed alert event. */
export function alertFieldsOf(fields: Readonly<Record<string, unknown>>): AlertFields | null {
  const fp = fields.am_fingerprint;
  const ends = fields.am_ends_at;
  const starts = fields.am_starts_at;
  if (typeof fp !== 'string' || typeof ends !== 'number' || typeof starts !== 'number') return null;
  const ann = fields.am_annotations;
  const annotations: Record<string, string> = {};
  if (typeof ann === 'object' && ann !== null && !Array.isArray(ann)) for (const [k, v] of Object.entries(ann)) if (typeof v === 'string') annotations[k] = v;
  const out: AlertFields = { am_fingerprint: fp, am_starts_at: starts, am_ends_at: ends, am_timeout: fields.am_timeout === true, am_annotations: annotations, am_generator_url: typeof fields.am_generator_url === 'string' ? fields.am_generator_url : '' };
  if (typeof fields.am_rule === 'string') out.am_rule = fields.am_rule;
  return out;
}
