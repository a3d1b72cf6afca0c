// Builders for the conformance suite: events of every kind and configuration entities with sensible defaults,
// plus a reference implementation of the event filter and order that every adapter's answers are compared to.
import { createIdGenerator } from '../../events/ids.js';
import type { CanonicalEvent, EventKind, Labels } from '../../events/event.js';
import type { EventQuery, Incident, Target } from '../types.js';

const ids = createIdGenerator();
export const newId = (ms = Date.now()): string => ids.next(ms);

/** A fixed base time (2026-01-01T00:00:00Z) so tests never depend on the clock. */
export const T0 = Date.UTC(2026, 0, 1);

interface Envelope {
  tenant?: string;
  target?: string;
  ts?: number;
  labels?: Labels;
  id?: string;
  flags?: string[];
}

function envelope(e: Envelope): { id: string; tenant: string; target: string; ts: number; receivedAt: number; labels: Labels; flags?: string[] } {
  const ts = e.ts ?? T0;
  const out = { id: e.id ?? newId(ts), tenant: e.tenant ?? 'acme', target: e.target ?? 'api', ts, receivedAt: ts + 5, labels: e.labels ?? {} };
  return e.flags ? { ...out, flags: e.flags } : out;
}

export const logEvent = (e: Envelope & { level?: 'info' | 'warn' | 'error' | 'debug'; message?: string } = {}): CanonicalEvent => ({
  ...envelope(e),
  kind: 'log',
  body: { level: e.level ?? 'info', message: e.message ?? 'request served', fields: { status: 200, path: '/x' }, format: 'json' },
});

export const metricEvent = (e: Envelope & { name?: string; value?: number } = {}): CanonicalEvent => ({
  ...envelope(e),
  kind: 'metric',
  body: { name: e.name ?? 'cpu', value: e.value ?? 1, type: 'gauge', unit: 'ratio' },
});

export const securityEvent = (e: Envelope & { category?: string; severity?: 'low' | 'high' | 'critical'; message?: string } = {}): CanonicalEvent => ({
  ...envelope(e),
  kind: 'security',
  body: { category: e.category ?? 'auth', severity: e.severity ?? 'low', actor: 'bob', ip: '10.0.0.1', outcome: 'failure', message: e.message ?? 'login failed' },
});

export const heartbeatEvent = (e: Envelope & { status?: 'ok' | 'start' | 'fail'; log?: string } = {}): CanonicalEvent => ({
  ...envelope(e),
  kind: 'heartbeat',
  body: e.log === undefined ? { status: e.status ?? 'ok' } : { status: e.status ?? 'ok', log: e.log },
});

export const checkEvent = (e: Envelope & { ok?: boolean; error?: string } = {}): CanonicalEvent => ({
  ...envelope(e),
  kind: 'check',
  body: e.error === undefined ? { ok: e.ok ?? true, status: 200, latencyMs: 12, attempts: 1 } : { ok: e.ok ?? false, latencyMs: 12, attempts: 3, error: e.error },
});

export const incidentEvent = (e: Envelope & { state?: 'open' | 'resolved'; title?: string } = {}): CanonicalEvent => ({
  ...envelope(e),
  kind: 'incident',
  body: { incidentId: 'inc-1', ruleId: 'rule-1', state: e.state ?? 'open', transition: 'opened', title: e.title ?? 'API down', epoch: 1 },
});

export function target(over: Partial<Target> = {}): Target {
  return { id: newId(), tenant: 'acme', name: `t-${newId().slice(-6)}`, kind: 'heartbeat', labels: { env: 'prod' }, heartbeat: { intervalSec: 60, graceSec: 30 }, channels: [], paused: false, createdAt: T0, updatedAt: T0, ...over };
}

export function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: newId(),
    tenant: 'acme',
    targetId: 'target-1',
    ruleId: 'rule-1',
    status: 'open',
    severity: 'critical',
    title: 'API down',
    openedAt: T0,
    reopenCount: 0,
    epoch: 1,
    timeline: [{ at: T0, type: 'opened', message: 'no heartbeat for 90s' }],
    updatedAt: T0,
    ...over,
  };
}

/** The text field `text` searches, per kind (mirrors query.ts TEXT_FIELD). */
function textOf(e: CanonicalEvent): string | undefined {
  switch (e.kind) {
    case 'log':
      return e.body.message;
    case 'security':
      return e.body.message;
    case 'heartbeat':
      return e.body.log;
    case 'check':
      return e.body.error;
    case 'incident':
      return e.body.title;
    default:
      return undefined;
  }
}

function statusOf(e: CanonicalEvent): string | undefined {
  if (e.kind === 'heartbeat') return e.body.status;
  if (e.kind === 'check') return e.body.ok ? 'ok' : 'fail';
  if (e.kind === 'incident') return e.body.state;
  return undefined;
}

/** What a store must answer, computed the slow obvious way: filter, then sort by (ts, id). */
export function expectedIds(events: readonly CanonicalEvent[], q: Omit<EventQuery, 'limit' | 'cursor'>): string[] {
  const body = (e: CanonicalEvent) => e.body as unknown as Record<string, unknown>;
  const hits = events.filter((e) => {
    if (e.tenant !== q.tenant || e.kind !== q.kind) return false;
    if (q.target !== undefined && e.target !== q.target) return false;
    for (const [k, v] of Object.entries(q.labels ?? {})) if (e.labels[k] !== v) return false;
    if (q.level !== undefined && body(e).level !== q.level) return false;
    if (q.severity !== undefined && body(e).severity !== q.severity) return false;
    if (q.category !== undefined && body(e).category !== q.category) return false;
    if (q.name !== undefined && body(e).name !== q.name) return false;
    if (q.status !== undefined && statusOf(e) !== q.status) return false;
    if (q.text !== undefined && !(textOf(e) ?? '').toLowerCase().includes(q.text.toLowerCase())) return false;
    if (q.from !== undefined && e.ts < q.from) return false;
    if (q.to !== undefined && e.ts >= q.to) return false;
    return true;
  });
  hits.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (q.order === 'desc') hits.reverse();
  return hits.map((e) => e.id);
}

export const kinds: readonly EventKind[] = ['metric', 'log', 'security', 'heartbeat', 'check', 'incident'];
