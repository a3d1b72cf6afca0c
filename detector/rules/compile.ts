// Turns stored configuration (Target + Rules) into the RuleSpecs that apply to one target: rules naming the
// target or selecting it by labels, plus the heartbeat/HTTP checks configured on the target itself. Bad
// params (read through lib/api/rule-params.ts) are reported, not thrown, so one broken rule never stops the others. Pure.
import { readRuleParams, type PromqlRuleParams, type RuleParamsOf } from '../../lib/api/rule-params.js';
import type { Rule, RuleKind, Target } from '../../lib/store/types.js';
import { activeCheckOf } from '../../lib/api/active-check.js';
import { compilePattern, globPattern } from '../../lib/patterns/pattern.js';
import { SEVERITY_RANK, LEVEL_RANK, selectorMatches } from './match.js';
import type { HeartbeatParams, HttpParams, LifecycleParams, PromqlParams, RuleSpec, SpecOf } from './types.js';
import { checkLocations, type ActiveCheck } from '../../lib/api/check-settings.js';
import { defaultQuorum } from '../../lib/checks/quorum.js';

export interface CompileProblem {
  ruleId: string;
  message: string;
}

export const DEFAULT_RELAPSE_SEC = 300;

type Lifecycled = { forSec: number; keepFiringForSec: number; minStateSec: number; relapseWindowSec: number; manualResolve: boolean };

function lifecycle(p: Lifecycled): LifecycleParams {
  return { forMs: p.forSec * 1000, keepFiringForMs: p.keepFiringForSec * 1000, minStateMs: p.minStateSec * 1000, relapseMs: p.relapseWindowSec * 1000, manualResolve: p.manualResolve };
}

/** The built-in heartbeat and check rules follow their target's state: nobody resolves those by hand. */
const BUILTIN_LIFECYCLE: LifecycleParams = { forMs: 0, keepFiringForMs: 0, minStateMs: 0, relapseMs: DEFAULT_RELAPSE_SEC * 1000, manualResolve: false };

/**
 * The built-in that watches the alerts posted for a target through /api/am (one incident per fingerprint),
 * added to the targets alerts were posted for (ConfigCache.watchAlerts). Its version never changes, so editing
 * a target does not forget the alerts firing on it. A relapse is a new incident, as a re-fired alert is a new
 * notification in Alertmanager.
 */
export const ALERT_SPEC_ID = 'builtin:alert';

export function alertSpec(channels: string[]): RuleSpec {
  return { id: ALERT_SPEC_ID, name: 'Alert', kind: 'alert', params: {}, severity: 'critical', version: 1, lifecycle: { forMs: 0, keepFiringForMs: 0, minStateMs: 0, relapseMs: 0 }, channels };
}

/** Does `rule` apply to `target`? By id, or by label selector (no id and no selector = every target). */
export function ruleApplies(rule: Rule, target: Pick<Target, 'id' | 'tenant' | 'labels'>): boolean {
  if (!rule.enabled || rule.tenant !== target.tenant) return false;
  if (rule.targetId !== undefined) return rule.targetId === target.id;
  return selectorMatches(rule.selector, target.labels);
}

function locationsOf(check: ActiveCheck): Pick<HttpParams, 'locations' | 'quorum'> {
  const { locations, quorum } = checkLocations(check);
  if (locations === undefined) return { locations: null, quorum: 1 };
  return { locations, quorum: quorum ?? defaultQuorum(locations.length) };
}

function cronOf(hb: Target['heartbeat']): HeartbeatParams['cron'] {
  return hb?.cron === undefined ? null : { expr: hb.cron, timezone: hb.timezone ?? 'UTC' };
}

type Compiled = { [K in RuleKind]: { kind: K; lifecycle: LifecycleParams; params: SpecOf<K>['params'] } }[RuleKind];

/**
 * Turns a rule's validated settings (lib/api/rule-params.ts) into what its evaluator runs on. Every setting
 * of the schema is read here, and nothing else is: rule-params.test.ts holds the two to each other.
 */
export function compileParams<K extends RuleKind>(kind: K, params: RuleParamsOf[K], target: Target): Compiled {
  const r = { kind, params } as { [J in RuleKind]: { kind: J; params: RuleParamsOf[J] } }[RuleKind];
  switch (r.kind) {
    case 'heartbeat': {
      const p = r.params;
      const hb = target.heartbeat;
      // The rule's intervalSec replaces the target's schedule (interval or cron); otherwise the target's applies.
      const cron = p.intervalSec === undefined ? cronOf(hb) : null;
      const intervalSec = p.intervalSec ?? hb?.intervalSec;
      if (intervalSec === undefined && cron === null) throw new Error('heartbeat rule needs intervalSec (on the rule) or a target schedule (heartbeat.intervalSec or heartbeat.cron)');
      const maxRun = p.maxRunSec ?? hb?.maxRunSec;
      return { kind: 'heartbeat', lifecycle: lifecycle(p), params: { intervalMs: (intervalSec ?? 0) * 1000, cron, graceMs: (p.graceSec ?? hb?.graceSec ?? 0) * 1000, maxRunMs: maxRun !== undefined ? maxRun * 1000 : null, anomalyK: p.anomalyK, minSamples: p.minSamples } };
    }
    case 'http': {
      const check = activeCheckOf(target);
      if (check === null) throw new Error('http rule on a target without an active check');
      return { kind: 'http', lifecycle: lifecycle(r.params), params: { check, intervalMs: check.settings.intervalSec * 1000, failures: r.params.failures, ...locationsOf(check), phaseKey: `${target.tenant}\u0000${target.id}` } };
    }
    case 'threshold': {
      const p = r.params;
      return { kind: 'threshold', lifecycle: lifecycle(p), params: { metric: p.metric, op: p.op, value: p.value, labels: p.labels ?? {} } };
    }
    case 'anomaly': {
      const p = r.params;
      const rate = p.rate === undefined ? [] : typeof p.rate === 'string' ? [p.rate] : p.rate;
      return { kind: 'anomaly', lifecycle: lifecycle(p), params: { metric: p.metric ?? null, rateKinds: rate, bucketMs: p.bucketSec * 1000, method: p.method, k: p.k, window: p.window, minSamples: p.minSamples, labels: p.labels ?? {} } };
    }
    case 'promql':
      return { kind: 'promql', ...compilePromql(r.params) };
    case 'log_pattern': {
      const p = r.params;
      const options = { caseInsensitive: !p.caseSensitive };
      const glob = p.patternType === 'glob';
      const pattern = p.pattern === undefined ? null : glob ? globPattern(p.pattern, options) : compilePattern(p.pattern, options);
      const security = p.category !== undefined || p.severity !== undefined;
      return {
        kind: 'log_pattern',
        lifecycle: lifecycle(p),
        params: {
          kinds: p.kinds ?? [security ? 'security' : 'log'],
          pattern,
          wholeText: glob,
          field: p.field,
          count: p.count,
          windowMs: p.windowSec * 1000,
          category: p.category ?? null,
          minSeverity: SEVERITY_RANK[p.severity ?? 'info'] ?? 0,
          minLevel: LEVEL_RANK[p.level ?? 'trace'] ?? 0,
        },
      };
    }
  }
}

/** The `Authorization` header for an external Prometheus, from the source's credentials. */
function authorizationOf(s: NonNullable<PromqlRuleParams['source']>): string | null {
  if (s.bearerToken !== undefined) return `Bearer ${s.bearerToken}`;
  if (s.username !== undefined && s.password !== undefined) return `Basic ${Buffer.from(`${s.username}:${s.password}`).toString('base64')}`;
  return null;
}

/**
 * A promql rule's settings: its evaluation (detector/promql/) runs `params`; the incidents of its alerts follow
 * `lifecycle`, where `for` and `keepFiringFor` are zero because the evaluation applies them (Prometheus's
 * semantics: pending from the first evaluation that returned the series).
 */
export function compilePromql(p: PromqlRuleParams, name = ''): { lifecycle: LifecycleParams; params: PromqlParams } {
  const rule = { name, expr: p.expr, forMs: p.forSec * 1000, keepFiringForMs: p.keepFiringForSec * 1000, labels: p.labels ?? {}, annotations: p.annotations ?? {}, targetLabels: p.targetLabels };
  const source = p.source === undefined ? null : { url: p.source.url, authorization: authorizationOf(p.source) };
  return { lifecycle: { ...lifecycle(p), forMs: 0, keepFiringForMs: 0 }, params: { rule, intervalMs: p.intervalSec * 1000, source } };
}

/**
 * A promql rule's spec keeps one version: its per-target state is the alerts its evaluation sent, which an edit
 * of the rule does not change (the evaluation resolves the alerts the edited rule no longer produces).
 */
const PROMQL_SPEC_VERSION = 1;

function compileRule(rule: Rule, target: Target): { spec: RuleSpec; ignored: string[] } {
  const read = readRuleParams(rule.kind, rule.params);
  if (!read.ok) throw new Error(`invalid params: ${read.message}`);
  const c = compileParams(rule.kind, read.params, target);
  if (c.kind === 'promql') c.params.rule = { ...c.params.rule, name: rule.name };
  const version = c.kind === 'promql' ? PROMQL_SPEC_VERSION : rule.updatedAt;
  const spec = { id: rule.id, name: rule.name, severity: rule.severity, version, channels: rule.channels.length > 0 ? rule.channels : target.channels, ...c };
  return { spec, ignored: read.ignored };
}

/** The specs of every rule applying to `target`, in a stable order (built-ins first, then by rule id). */
export function compileTargetRules(target: Target, rules: readonly Rule[], withAlerts = false): { specs: RuleSpec[]; problems: CompileProblem[] } {
  const specs: RuleSpec[] = [];
  const problems: CompileProblem[] = [];
  const applying = rules.filter((r) => ruleApplies(r, target)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const base = { severity: 'critical' as const, version: target.updatedAt, lifecycle: BUILTIN_LIFECYCLE, channels: target.channels };
  if (target.heartbeat && !applying.some((r) => r.kind === 'heartbeat')) {
    const hb = target.heartbeat;
    specs.push({ ...base, id: 'builtin:heartbeat', name: 'Heartbeat', kind: 'heartbeat', params: { intervalMs: (hb.intervalSec ?? 0) * 1000, cron: cronOf(hb), graceMs: hb.graceSec * 1000, maxRunMs: hb.maxRunSec ? hb.maxRunSec * 1000 : null, anomalyK: 4, minSamples: 8 } });
  }
  const check = activeCheckOf(target);
  if (check !== null && !applying.some((r) => r.kind === 'http')) {
    specs.push({ ...base, id: 'builtin:http', name: `${check.kind.toUpperCase()} check`, kind: 'http', params: { check, intervalMs: check.settings.intervalSec * 1000, failures: 1, ...locationsOf(check), phaseKey: `${target.tenant}\u0000${target.id}` } });
  }
  if (withAlerts) specs.push(alertSpec(target.channels));
  for (const rule of applying) {
    try {
      const { spec, ignored } = compileRule(rule, target);
      specs.push(spec);
      if (ignored.length > 0) problems.push({ ruleId: rule.id, message: `settings no longer known, ignored: ${ignored.join(', ')}` });
    } catch (err) {
      problems.push({ ruleId: rule.id, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { specs, problems };
}

/**
 * Shares identical compiled spec lists between targets (most targets of a tenant get the same rules with the
 * same settings), so 100k targets do not hold 100k copies of the same specs and patterns.
 */
export class SpecInterner {
  private readonly lists = new Map<string, readonly RuleSpec[]>();

  intern(specs: readonly RuleSpec[]): readonly RuleSpec[] {
    const sig = JSON.stringify(specs); // compiled patterns print as /source/flags
    const found = this.lists.get(sig);
    if (found) return found;
    const frozen = Object.freeze(specs.slice());
    this.lists.set(sig, frozen);
    return frozen;
  }

  clear(): void {
    this.lists.clear();
  }

  get size(): number {
    return this.lists.size;
  }
}
