// Evaluates the tenants' promql rules, each by one detector at a time: a rule belongs to a partition (a hash of
// tenant and rule id) and is evaluated by that partition's lease owner, so rules are shared among replicas and
// move with the partitions on failover, within the lease. Every `intervalSec` (on the detector's clock) the
// owner runs the expression (Lightwatch's store or an external Prometheus), advances the rule's alerts
// (lib/promql/alerting/rule.ts), appends the alerts to send to their targets' streams (plan.ts), and stores the
// rule's state with the detector snapshots under the partition's fencing epoch, so the next owner continues
// with the same pending and firing alerts: `for` is not restarted and no incident is opened twice.
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { firstRunAt } from '../../lib/checks/spread.js';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { createIdGenerator } from '../../lib/events/ids.js';
import { evaluateRule } from '../../lib/promql/alerting/rule.js';
import { localRuleSource, type RuleSource } from '../../lib/promql/alerting/source.js';
import { createEngine, type Engine } from '../../lib/promql/engine.js';
import type { NetworkGuard } from '../../lib/net/guard.js';
import { prometheusHttpSource } from '../../lib/prometheus/http-source.js';
import { readRuleParams } from '../../lib/api/rule-params.js';
import type { Store } from '../../lib/store/port.js';
import type { Rule } from '../../lib/store/types.js';
import { encodeBatch, FIELD_EVENTS, FIELD_TENANT } from '../../lib/streams/codec.js';
import { partitionOf, type StreamNames } from '../../lib/streams/partition.js';
import type { Streams } from '../../lib/streams/port.js';
import type { PartitionHandler } from '../ownership/ownership.js';
import { compilePromql } from '../rules/compile.js';
import type { PromqlParams } from '../rules/types.js';
import type { SharedTimers, TimerGroup } from '../time/shared-timers.js';
import type { TimerHandle } from '../../lib/time/clock.js';
import { alertsToSend, freshDoc, restorableDoc, ruleSnapshotId, type RuleDoc } from './plan.js';

export interface PromqlEvaluationDeps {
  store: Store;
  streams: Streams;
  names: StreamNames;
  timers: SharedTimers;
  logger: Logger;
  registry: Registry;
  /** Whether (partition, epoch) still holds its lease; checked before alerts are appended. */
  fence(partition: number, epoch: number): Promise<boolean>;
  engine?: Engine;
  /** How long a query to an external Prometheus may take. Default 30 s. */
  sourceTimeoutMs?: number;
  /** Where an external Prometheus may be (CHECK_ALLOWED_NETWORKS, as for checks); default anywhere. */
  guard?: NetworkGuard;
}

export interface PromqlEvaluation extends PartitionHandler {
  /** The configuration's rules (all kinds; the enabled promql ones are evaluated). */
  setRules(rules: readonly Rule[]): void;
  /** Waits for evaluations in flight and stops. Idempotent. */
  close(): Promise<void>;
  /** Stops at once without writing (a killed process). */
  abandon(): void;
}

interface Part {
  p: number;
  epoch: number;
  timers: TimerGroup;
  /** Rule states stored for this partition, read once on takeover, by rule id. */
  stored: Map<string, unknown>;
  gone: boolean;
}

interface Live {
  rule: Rule;
  params: PromqlParams;
  source: RuleSource;
  part: Part;
  doc: RuleDoc | null;
  timer: TimerHandle | undefined;
  /** The scheduled time of the next evaluation. */
  nextAt: number;
  running: Promise<void> | null;
  stopped: boolean;
}

/** The partition whose owner evaluates `rule`. */
export function rulePartition(rule: Pick<Rule, 'tenant' | 'id'>, partitions: number): number {
  return partitionOf(rule.tenant, ruleSnapshotId(rule.id), partitions);
}

export function createPromqlEvaluation(d: PromqlEvaluationDeps): PromqlEvaluation {
  const { store, streams, names, timers, logger } = d;
  const engine = d.engine ?? createEngine();
  const ids = createIdGenerator();
  const parts = new Map<number, Part>();
  /** Enabled promql rules of the configuration, by id, with their signature (id@updatedAt). */
  let rules = new Map<string, Rule>();
  const live = new Map<string, Live>();
  let stopped = false;
  let closing: Promise<void> | undefined;

  const evaluations = new Counter({ name: 'lightwatch_detector_promql_evaluations_total', help: 'promql rule evaluations, by outcome (ok, error)', labelNames: ['outcome'], registers: [d.registry] });
  const sent = new Counter({ name: 'lightwatch_detector_promql_alerts_sent_total', help: 'Alerts (firing, re-sent or resolved) promql rules sent to their targets', registers: [d.registry] });
  new Gauge({ name: 'lightwatch_detector_promql_rules', help: 'promql rules this detector evaluates (those of its partitions)', registers: [d.registry], collect() {
    this.set(live.size);
  } });

  const sourceOf = (rule: Rule, params: PromqlParams): RuleSource => {
    if (params.source === null) return localRuleSource(engine, store.metrics.querier(rule.tenant));
    return prometheusHttpSource({ url: params.source.url, ...(params.source.authorization !== null ? { authorization: params.source.authorization } : {}), timeoutMs: d.sourceTimeoutMs ?? 30_000, ...(d.guard ? { guard: d.guard } : {}) });
  };

  const compile = (rule: Rule): PromqlParams | null => {
    const read = readRuleParams('promql', rule.params);
    if (!read.ok) {
      logger.warn({ tenant: rule.tenant, ruleId: rule.id }, `promql rule skipped: invalid params: ${read.message}`);
      return null;
    }
    const { params } = compilePromql(read.params, rule.name);
    return params;
  };

  const schedule = (l: Live): void => {
    if (l.stopped || l.part.gone) return;
    l.nextAt = firstRunAt(`${l.rule.tenant}\u0000${l.rule.id}`, l.params.intervalMs, Math.max(l.nextAt, timers.now()));
    l.timer = l.part.timers.setTimeout(() => {
      l.timer = undefined;
      const at = l.nextAt;
      l.nextAt = at + 1;
      // An evaluation still running when the next falls due: that one is skipped, as Prometheus skips it.
      if (l.running === null) {
        l.running = evaluate(l, at).finally(() => {
          l.running = null;
        });
      }
      schedule(l);
    }, Math.max(0, l.nextAt - timers.now()));
  };

  const evaluate = async (l: Live, ts: number): Promise<void> => {
    const { rule, params, part } = l;
    const epoch = part.epoch;
    const current = l.doc ?? restorableDoc(part.stored.get(rule.id), rule.id, ts) ?? freshDoc(rule.id);
    // Worked on a copy: the state moves on only once its alerts are appended and it is stored.
    const doc = structuredClone(current);
    try {
      const samples = await l.source.instantVector(params.rule.expr, ts);
      const transitions = evaluateRule(params.rule, doc.state, samples, ts);
      doc.evaluatedAt = ts;
      const alerts = alertsToSend(rule.tenant, rule.id, params, doc, transitions, ts);
      if (l.stopped || part.gone) return;
      if (alerts.length > 0) {
        if (!(await d.fence(part.p, epoch))) return;
        await append(alerts.map((a) => ({ ...a, id: ids.next(ts) })));
        sent.inc(alerts.length);
      }
      if (l.stopped || part.gone) return;
      await store.saveSnapshots([{ tenant: rule.tenant, targetId: ruleSnapshotId(rule.id), partition: part.p, appliedId: '0-0:0', snapshot: doc, epoch, updatedAt: ts }]);
      l.doc = doc;
      evaluations.inc({ outcome: 'ok' });
    } catch (err) {
      evaluations.inc({ outcome: 'error' });
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn({ err, tenant: rule.tenant, ruleId: rule.id, reason }, `promql rule evaluation failed: ${reason}; its alerts stay as they were`);
    }
  };

  /** Appends alert events, one entry per partition of their targets. */
  const append = async (events: CanonicalEvent[]): Promise<void> => {
    const byPart = new Map<number, CanonicalEvent[]>();
    for (const e of events) {
      const p = partitionOf(e.tenant, e.target, names.partitions);
      const list = byPart.get(p);
      if (list) list.push(e);
      else byPart.set(p, [e]);
    }
    await streams.append([...byPart].map(([p, list]) => ({ stream: names.events(p), fields: [FIELD_EVENTS, encodeBatch(list), FIELD_TENANT, (list[0] as CanonicalEvent).tenant] })));
  };

  const stop = (l: Live): void => {
    l.stopped = true;
    if (l.timer !== undefined) l.part.timers.clearTimeout(l.timer);
    l.timer = undefined;
    live.delete(l.rule.id);
  };

  /** Starts, updates or stops the evaluation of each rule of the owned partitions. */
  const reconcile = (): void => {
    if (stopped) return;
    for (const l of [...live.values()]) {
      const r = rules.get(l.rule.id);
      if (r === undefined || l.part.gone || parts.get(l.part.p) !== l.part) {
        // A rule removed or disabled starts afresh if it comes back: its stored alerts are not its current ones.
        if (r === undefined) l.part.stored.delete(l.rule.id);
        stop(l);
      } else if (r.updatedAt !== l.rule.updatedAt) {
        // An edit keeps the alerts (the evaluation resolves those the edited rule no longer produces).
        const params = compile(r);
        if (params === null) stop(l);
        else {
          const doc = l.doc;
          stop(l);
          start(r, params, l.part, doc);
        }
      }
    }
    for (const r of rules.values()) {
      if (live.has(r.id)) continue;
      const part = parts.get(rulePartition(r, names.partitions));
      if (part === undefined || part.gone) continue;
      const params = compile(r);
      if (params !== null) start(r, params, part, null);
    }
  };

  const start = (rule: Rule, params: PromqlParams, part: Part, doc: RuleDoc | null): void => {
    const l: Live = { rule, params, source: sourceOf(rule, params), part, doc, timer: undefined, nextAt: 0, running: null, stopped: false };
    live.set(rule.id, l);
    schedule(l);
  };

  const inFlight = (p: number | null): Promise<void>[] => [...live.values()].filter((l) => p === null || l.part.p === p).map((l) => l.running ?? Promise.resolve());

  /** Stops every rule and every partition's timers, at once. */
  const halt = (): void => {
    stopped = true;
    for (const l of [...live.values()]) stop(l);
    for (const part of parts.values()) {
      part.gone = true;
      part.timers.close();
    }
    parts.clear();
  };

  return {
    setRules(all) {
      rules = new Map(all.filter((r) => r.kind === 'promql' && r.enabled).map((r) => [r.id, r]));
      reconcile();
    },
    async acquired(p, epoch) {
      const part: Part = { p, epoch, timers: timers.group(), stored: new Map(), gone: false };
      const previous = parts.get(p);
      if (previous) previous.gone = true;
      parts.set(p, part);
      for (const s of await store.loadSnapshots(p)) {
        const doc = s.snapshot as Partial<RuleDoc> | null;
        if (doc?.kind === 'promql-rule' && typeof doc.ruleId === 'string') part.stored.set(doc.ruleId, doc);
      }
      if (part.gone) return;
      reconcile();
    },
    async releasing(p) {
      const part = parts.get(p);
      if (!part) return;
      // The evaluations in flight finish (their state is stored under our epoch) before the lease goes back.
      for (const l of live.values()) if (l.part === part && l.timer !== undefined) part.timers.clearTimeout(l.timer);
      await Promise.all(inFlight(p));
      part.gone = true;
      part.timers.close();
      parts.delete(p);
      reconcile();
    },
    lost(p) {
      const part = parts.get(p);
      if (!part) return;
      part.gone = true;
      part.timers.close();
      parts.delete(p);
      reconcile();
    },
    close() {
      closing ??= (async () => {
        await Promise.all(inFlight(null));
        halt();
      })();
      return closing;
    },
    abandon: () => halt(),
  };
}
