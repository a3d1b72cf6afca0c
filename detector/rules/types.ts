// The rule evaluator contract: each rule kind keeps a small JSON-serializable state per target (persisted in
// the actor snapshot), updates it in place per event or timer tick, and reports condition edges as signals.
// In-place updates keep the per-event path free of allocations; no I/O here.
import type { CanonicalEvent } from '../../lib/events/event.js';
import type { Pattern } from '../../lib/patterns/pattern.js';
import type { ActiveCheck } from '../../lib/api/check-settings.js';
import type { PromqlRule } from '../../lib/promql/alerting/rule.js';

/** A change of a rule's condition for one target: firing (with why) or back to normal. */
export interface Signal {
  firing: boolean;
  /** Event time (or deadline) at which the condition changed, epoch ms. */
  at: number;
  /** Short machine-readable cause, e.g. `missed`, `failed`, `late`, `threshold`, `anomaly:interval`. */
  reason: string;
  /** One line for people, e.g. `cpu 93.5 > 90`. */
  summary: string;
  /** Ids of the events behind the change (bounded). */
  evidence: string[];
  /**
   * Set by evaluators that watch several things at once (alerts, by fingerprint): each key is its own
   * incident of the rule on the target. Absent: one incident per (target, rule).
   */
  key?: string;
  /** The incident's rule name when the key's thing names itself (an alert's alertname). */
  name?: string;
  /** Labels and annotations of the keyed thing, added to the incident's. */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Incident lifecycle timing of one rule (all ms). */
export interface LifecycleParams {
  /** Condition must hold this long before the incident opens (pending until then). */
  forMs: number;
  /** After the condition clears, stay open this long (no flapping on recovery). */
  keepFiringForMs: number;
  /** An open incident lasts at least this long before it can resolve (flap damping). */
  minStateMs: number;
  /** A relapse within this window after resolving reopens the same incident. */
  relapseMs: number;
  /** People may resolve an incident by hand (absent in snapshots from before the setting: not allowed). */
  manualResolve?: boolean;
}

export interface HeartbeatParams {
  /** Interval schedule (0 when `cron` is set). */
  intervalMs: number;
  /** Cron schedule: a ping is expected at each fire time of `expr` in `timezone`. */
  cron: { expr: string; timezone: string } | null;
  graceMs: number;
  maxRunMs: number | null;
  /** |z| threshold on ping intervals (too early) and run durations; 0 turns anomaly detection off. */
  anomalyK: number;
  minSamples: number;
}

export interface HttpParams {
  /** The target's active check (any kind: http rules watch whichever check the target carries). */
  check: ActiveCheck;
  intervalMs: number;
  /** Consecutive failed checks before the condition fires (per location, with locations). */
  failures: number;
  /** Locations that run the check (null: the owning detector runs it), and how many must agree it fails. */
  locations: readonly string[] | null;
  quorum: number;
  /** Stable phase of this target's runs within the interval (lib/checks/spread.ts): 10,000 checks do not fall due at once. */
  phaseKey: string;
}

export type CompareOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

export interface ThresholdParams {
  metric: string;
  op: CompareOp;
  value: number;
  labels: Record<string, string>;
}

export interface AnomalyParams {
  /** A metric name, or null to watch the rate of events of `rateKinds`. */
  metric: string | null;
  rateKinds: string[];
  bucketMs: number;
  method: 'ewma' | 'rolling';
  k: number;
  /** Rolling window length in samples; EWMA uses alpha = 2 / (window + 1). */
  window: number;
  minSamples: number;
  labels: Record<string, string>;
}

export interface LogPatternParams {
  kinds: Array<'log' | 'security'>;
  /** Compiled from a regex or glob; null matches every event of `kinds` that passes the other filters. */
  pattern: Pattern | null;
  /** The pattern must match the whole text (globs) rather than somewhere in it (regexes). */
  wholeText: boolean;
  /** `message` (default) or a field name in log fields / security body. */
  field: string;
  count: number;
  windowMs: number;
  category: string | null;
  minSeverity: number;
  minLevel: number;
}

export interface PromqlParams {
  /** The alerting rule as lib/promql/alerting/rule.ts evaluates it (`for` and `keepFiringFor` are its own). */
  rule: PromqlRule;
  intervalMs: number;
  /** An external Prometheus (with the `Authorization` header to send), or null for Lightwatch's own store. */
  source: { url: string; authorization: string | null } | null;
}

interface SpecBase {
  /** Rule id, or `builtin:heartbeat` / `builtin:http` for the checks configured on the target itself. */
  id: string;
  name: string;
  severity: 'info' | 'warning' | 'critical';
  /** Changes whenever the rule is edited; an evaluator state of another version is reset. */
  version: number;
  lifecycle: LifecycleParams;
  /** Channel ids named by the rule or the target; empty = the tenant's default channels. */
  channels: string[];
}

/** A rule as it applies to one target, normalized and compiled (never persisted). */
export type RuleSpec =
  | (SpecBase & { kind: 'alert'; params: Record<string, never> })
  | (SpecBase & { kind: 'heartbeat'; params: HeartbeatParams })
  | (SpecBase & { kind: 'http'; params: HttpParams })
  | (SpecBase & { kind: 'threshold'; params: ThresholdParams })
  | (SpecBase & { kind: 'anomaly'; params: AnomalyParams })
  | (SpecBase & { kind: 'log_pattern'; params: LogPatternParams })
  | (SpecBase & { kind: 'promql'; params: PromqlParams });

export type SpecOf<K extends RuleSpec['kind']> = Extract<RuleSpec, { kind: K }>;

/** Where an evaluator reports: condition edges, and active checks that fell due. */
export interface EvalSink {
  signal(s: Signal): void;
  checkDue(due: number): void;
}

/** Every evaluator state carries the spec version it was built for. */
export interface EvalStateBase {
  v: number;
  firing: boolean;
}

export interface Evaluator<S extends EvalStateBase, Spec extends RuleSpec> {
  /**
   * A fresh state. `spread`: the target was loaded in bulk (detector start, partition takeover), so a periodic
   * duty starts at the target's own phase of its interval instead of at once (lib/checks/spread.ts).
   */
  init(spec: Spec, now: number, spread?: boolean): S;
  /** A state restored in bulk (takeover): moves a duty already overdue to the target's own phase. */
  spread?(state: S, spec: Spec, now: number): void;
  onEvent(state: S, ev: CanonicalEvent, spec: Spec, sink: EvalSink): void;
  onTime(state: S, now: number, spec: Spec, sink: EvalSink): void;
  /** The next absolute time this state needs a tick, or null. */
  due(state: S, spec: Spec): number | null;
}

export const MAX_EVIDENCE = 5;

/** Keeps the last MAX_EVIDENCE ids (in place). */
export function pushEvidence(list: string[], id: string): void {
  if (list.length >= MAX_EVIDENCE) list.shift();
  list.push(id);
}
