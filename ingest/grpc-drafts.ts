// The gRPC structured path: DraftEvent protos (PushEvents / StreamEvents) become DraftEvents for
// normalization. Enumerations are checked here, since these did not come through a parser; bad items are
// rejected by index, the rest go on. Pure; no I/O.
import type { DraftEvent as ProtoDraft } from '../proto/gen/lightwatch/v1/event.js';
import {
  HEARTBEAT_STATUSES,
  LOG_LEVELS,
  METRIC_TYPES,
  SEVERITIES,
  type DraftEvent,
  type HeartbeatStatus,
  type JsonValue,
  type LogLevel,
  type MetricType,
  type Severity,
} from '../lib/events/event.js';

export interface DraftMapResult {
  items: { index: number; draft: DraftEvent }[];
  rejected: { index: number; error: string }[];
}

class ItemError extends Error {}

function oneOf<T extends string>(value: string, allowed: readonly T[], fallback: T, what: string): T {
  if (value === '') return fallback;
  const v = value.toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new ItemError(`${what} "${value.slice(0, 40)}" is not one of ${allowed.join(', ')}`);
}

function optional<T>(v: T | undefined): T | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function parseFields(json: string, maxBytes: number): Record<string, JsonValue> {
  if (json === '') return {};
  if (json.length > maxBytes) throw new ItemError(`log.fieldsJson is ${json.length} characters, more than ${maxBytes}`);
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (err) {
    throw new ItemError(`log.fieldsJson is not valid JSON: ${(err as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ItemError('log.fieldsJson must be a JSON object');
  return v as Record<string, JsonValue>;
}

function toDraft(p: ProtoDraft, maxFieldsBytes: number): DraftEvent {
  const body = p.body;
  if (!body) throw new ItemError('event has no body (metric, log, security or heartbeat)');
  if (p.kind !== '' && p.kind !== body.$case) throw new ItemError(`kind "${p.kind.slice(0, 40)}" does not match its ${body.$case} body`);
  const ts = p.ts === '' || p.ts === '0' ? undefined : Number(p.ts);
  if (ts !== undefined && !Number.isFinite(ts)) throw new ItemError(`ts "${p.ts}" is not a number`);
  const common = {
    target: optional(p.target),
    ts,
    labels: p.labels,
    clientId: optional(p.clientId),
  };
  switch (body.$case) {
    case 'metric': {
      const m = body.value;
      return { ...common, kind: 'metric', body: { name: m.name, value: m.value, type: oneOf<MetricType>(m.type, METRIC_TYPES, 'untyped', 'metric.type'), ...(optional(m.unit) ? { unit: m.unit } : {}) } };
    }
    case 'log': {
      const l = body.value;
      return {
        ...common,
        kind: 'log',
        body: { level: oneOf<LogLevel>(l.level, LOG_LEVELS, 'unknown', 'log.level'), message: l.message, fields: parseFields(l.fieldsJson, maxFieldsBytes), format: l.format || 'grpc' },
      };
    }
    case 'security': {
      const s = body.value;
      const outcome = s.outcome === undefined || s.outcome === '' ? undefined : oneOf(s.outcome, ['success', 'failure', 'unknown'] as const, 'unknown', 'security.outcome');
      return {
        ...common,
        kind: 'security',
        body: {
          category: s.category,
          severity: oneOf<Severity>(s.severity, SEVERITIES, 'info', 'security.severity'),
          ...(optional(s.actor) ? { actor: s.actor } : {}),
          ...(optional(s.ip) ? { ip: s.ip } : {}),
          ...(outcome ? { outcome } : {}),
          ...(optional(s.message) ? { message: s.message } : {}),
        },
      };
    }
    case 'heartbeat': {
      const h = body.value;
      return {
        ...common,
        kind: 'heartbeat',
        body: {
          status: oneOf<HeartbeatStatus>(h.status, HEARTBEAT_STATUSES, 'ok', 'heartbeat.status'),
          ...(h.exitStatus !== undefined ? { exitStatus: h.exitStatus } : {}),
          ...(h.log !== undefined && h.log !== '' ? { log: h.log } : {}),
        },
      };
    }
  }
}

/** `maxFieldsBytes` bounds each log's fieldsJson before it is parsed. */
export function draftsFromProto(events: readonly ProtoDraft[], maxFieldsBytes: number): DraftMapResult {
  const out: DraftMapResult = { items: [], rejected: [] };
  events.forEach((p, index) => {
    try {
      out.items.push({ index, draft: toDraft(p, maxFieldsBytes) });
    } catch (err) {
      if (!(err instanceof ItemError)) throw err;
      out.rejected.push({ index, error: err.message });
    }
  });
  return out;
}
