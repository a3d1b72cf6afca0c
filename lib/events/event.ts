// The canonical event: the one envelope every accepted input becomes (ARCHITECTURE.md, "The canonical event").
// Pure types and constants; no I/O.

export const EVENT_KINDS = ['metric', 'log', 'security', 'heartbeat', 'check', 'incident'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export type Labels = Record<string, string>;

export const METRIC_TYPES = ['gauge', 'counter', 'histogram', 'summary', 'untyped'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'unknown'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `log` (Healthchecks' /log) records output without counting as a ping. */
export const HEARTBEAT_STATUSES = ['ok', 'start', 'fail', 'log'] as const;
export type HeartbeatStatus = (typeof HEARTBEAT_STATUSES)[number];

/** JSON value as kept in structured log fields (bounded in depth and size by normalization). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface MetricBody {
  name: string;
  value: number;
  type: MetricType;
  unit?: string;
}

export interface LogBody {
  level: LogLevel;
  message: string;
  /** Structured fields parsed from the line or sent by the agent. */
  fields: Record<string, JsonValue>;
  /** Source format: json, logfmt, rfc5424, rfc3164, clf, combined, plain, loki, otlp, elasticsearch, ... */
  format: string;
}

export interface SecurityBody {
  category: string;
  severity: Severity;
  actor?: string;
  ip?: string;
  outcome?: 'success' | 'failure' | 'unknown';
  message?: string;
}

export interface HeartbeatBody {
  status: HeartbeatStatus;
  /** Exit status of a cron job, when it reported one (`/ingest/heartbeat/{target}/{exitStatus}`). */
  exitStatus?: number;
  /** Up to 10 KB of the ping's body, kept as its log. */
  log?: string;
  /** Run id (Healthchecks' `?rid=`): pairs a /start with its finish when runs of one job overlap. */
  rid?: string;
  /** A latency the job reported with its ping (Uptime Kuma's `ping=`), ms. */
  latencyMs?: number;
}

export interface CheckBody {
  ok: boolean;
  /** HTTP status of the last attempt, when a response came back. */
  status?: number;
  latencyMs: number;
  attempts: number;
  error?: string;
}

export interface IncidentBody {
  incidentId: string;
  ruleId: string;
  state: 'pending' | 'open' | 'acknowledged' | 'resolved';
  transition: string;
  title: string;
  epoch: number;
}

interface EnvelopeBase {
  /** Unique, time-ordered (ULID); deterministic when derived from a client id or idempotency key. */
  id: string;
  /** From the credential, never from the body. */
  tenant: string;
  /** The monitored thing (service, host, URL) the event is about. */
  target: string;
  /** Event time, epoch ms. */
  ts: number;
  /** When Lightwatch accepted it, epoch ms. */
  receivedAt: number;
  labels: Labels;
  /** Normalization notes, e.g. `ts_clamped` when a future timestamp was clamped. */
  flags?: string[];
}

export type CanonicalEvent =
  | (EnvelopeBase & { kind: 'metric'; body: MetricBody })
  | (EnvelopeBase & { kind: 'log'; body: LogBody })
  | (EnvelopeBase & { kind: 'security'; body: SecurityBody })
  | (EnvelopeBase & { kind: 'heartbeat'; body: HeartbeatBody })
  | (EnvelopeBase & { kind: 'check'; body: CheckBody })
  | (EnvelopeBase & { kind: 'incident'; body: IncidentBody });

export type EventOfKind<K extends EventKind> = Extract<CanonicalEvent, { kind: K }>;

/**
 * What a parser produces before normalization: no id, tenant or receivedAt yet; `ts` may be any unit
 * (s/ms/µs/ns number, RFC 3339 string) or absent. Normalization turns it into a CanonicalEvent.
 */
export type DraftEvent = {
  [K in EventKind]: {
    kind: K;
    target?: string;
    ts?: number | string;
    labels?: Record<string, unknown>;
    /** Client-supplied id: a retried batch with the same ids is a no-op. */
    clientId?: string;
    body: EventOfKind<K>['body'];
  };
}[EventKind];
