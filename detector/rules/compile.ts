// Turns stored configuration (Target + Rules) into the RuleSpecs that apply to one target: rules naming the
// target or selecting it by labels, plus the heartbeat/HTTP checks configured on the target itself. Bad
// params are reported, not thrown, so one broken rule never stops the others. Pure.
import type { Rule, Target } from '../../lib/store/types.js';
import { compilePattern, globPattern } from '../../lib/patterns/pattern.js';
import { SEVERITY_RANK, LEVEL_RANK, selectorMatches } from './match.js';
import type { CompareOp, LifecycleParams, RuleSpec } from './types.js';

export interface CompileProblem {
  ruleId: string;
  message: string;
}

export const DEFAULT_RELAPSE_SEC = 300;

const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const str = (v: unknown, d: string): string => (typeof v === 'string' ? v : d);
const labelsOf = (v: unknown): Record<string, string> => {
  if (!v || typeof v !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string') out[k] = x;
  return out;
};

function lifecycle(p: Record<string, unknown>): LifecycleParams {
  return {
    forMs: Math.max(0, num(p.forSec, 0)) * 1000,
    keepFiringForMs: Math.max(0, num(p.keepFiringForSec, 0)) * 1000,
    minStateMs: Math.max(0, num(p.minStateSec, 0)) * 1000,
    relapseMs: Math.max(0, num(p.relapseWindowSec, DEFAULT_RELAPSE_SEC)) * 1000,
  };
}

/** Does `rule` apply to `target`? By id, or by label selector (no id and no selector = every target). */
export function ruleApplies(rule: Rule, target: Pick<Target, 'id' | 'tenant' | 'labels'>): boolean {
  if (!rule.enabled || rule.tenant !== target.tenant) return false;
  if (rule.targetId !== undefined) return rule.targetId === target.id;
  return selectorMatches(rule.selector, target.labels);
}

function compileRule(rule: Rule, target: Target): RuleSpec {
  const p = rule.params;
  const base = { id: rule.id, name: rule.name, severity: rule.severity, version: rule.updatedAt, lifecycle: lifecycle(p), channels: rule.channels.length > 0 ? rule.channels : target.channels };
  switch (rule.kind) {
    case 'heartbeat': {
      const hb = target.heartbeat;
      const intervalSec = num(p.intervalSec, hb?.intervalSec ?? NaN);
      if (!(intervalSec > 0)) throw new Error('heartbeat rule needs intervalSec (on the rule or the target)');
      const maxRun = num(p.maxRunSec, hb?.maxRunSec ?? NaN);
      return { ...base, kind: 'heartbeat', params: { intervalMs: intervalSec * 1000, graceMs: num(p.graceSec, hb?.graceSec ?? 0) * 1000, maxRunMs: maxRun > 0 ? maxRun * 1000 : null, anomalyK: num(p.anomalyK, 4), minSamples: num(p.minSamples, 8) } };
    }
    case 'http': {
      if (!target.http) throw new Error('http rule on a target without an http check');
      return { ...base, kind: 'http', params: { check: target.http, intervalMs: target.http.intervalSec * 1000, failures: Math.max(1, num(p.failures, 1)) } };
    }
    case 'threshold': {
      const op = str(p.op, '>') as CompareOp;
      if (!['>', '>=', '<', '<=', '==', '!='].includes(op)) throw new Error(`unknown op ${op}`);
      if (typeof p.metric !== 'string' || typeof p.value !== 'number') throw new Error('threshold rule needs metric (string) and value (number)');
      return { ...base, kind: 'threshold', params: { metric: p.metric, op, value: p.value, labels: labelsOf(p.labels) } };
    }
    case 'anomaly': {
      const metric = typeof p.metric === 'string' ? p.metric : null;
      const rate = Array.isArray(p.rate) ? p.rate.filter((x): x is string => typeof x === 'string') : typeof p.rate === 'string' ? [p.rate] : [];
      if (metric === null && rate.length === 0) throw new Error('anomaly rule needs metric or rate (event kinds)');
      const method = p.method === 'rolling' ? 'rolling' : 'ewma';
      return { ...base, kind: 'anomaly', params: { metric, rateKinds: rate, bucketMs: num(p.bucketSec, 60) * 1000, method, k: num(p.k, 3), window: Math.max(2, Math.floor(num(p.window, 30))), minSamples: num(p.minSamples, 10), labels: labelsOf(p.labels) } };
    }
    case 'log_pattern': {
      const patternSrc = typeof p.pattern === 'string' && p.pattern !== '' ? p.pattern : null;
      const options = { caseInsensitive: p.caseSensitive !== true };
      const glob = p.patternType === 'glob';
      const pattern = patternSrc === null ? null : glob ? globPattern(patternSrc, options) : compilePattern(patternSrc, options);
      const kinds = Array.isArray(p.kinds) ? (p.kinds.filter((k) => k === 'log' || k === 'security') as Array<'log' | 'security'>) : typeof p.category === 'string' || typeof p.severity === 'string' ? ['security' as const] : ['log' as const];
      return {
        ...base,
        kind: 'log_pattern',
        params: {
          kinds: kinds.length > 0 ? kinds : ['log'],
          pattern,
          wholeText: glob,
          field: str(p.field, 'message'),
          count: Math.max(1, Math.floor(num(p.count, 1))),
          windowMs: Math.max(1, num(p.windowSec, 60)) * 1000,
          category: typeof p.category === 'string' ? p.category : null,
          minSeverity: SEVERITY_RANK[str(p.severity, 'info')] ?? 0,
          minLevel: LEVEL_RANK[str(p.level, 'trace')] ?? 0,
        },
      };
    }
  }
}

/** The specs of every rule applying to `target`, in a stable order (built-ins first, then by rule id). */
export function compileTargetRules(target: Target, rules: readonly Rule[]): { specs: RuleSpec[]; problems: CompileProblem[] } {
  const specs: RuleSpec[] = [];
  const problems: CompileProblem[] = [];
  const applying = rules.filter((r) => ruleApplies(r, target)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const base = { severity: 'critical' as const, version: target.updatedAt, lifecycle: lifecycle({}), channels: target.channels };
  if (target.heartbeat && !applying.some((r) => r.kind === 'heartbeat')) {
    const hb = target.heartbeat;
    specs.push({ ...base, id: 'builtin:heartbeat', name: 'Heartbeat', kind: 'heartbeat', params: { intervalMs: hb.intervalSec * 1000, graceMs: hb.graceSec * 1000, maxRunMs: hb.maxRunSec ? hb.maxRunSec * 1000 : null, anomalyK: 4, minSamples: 8 } });
  }
  if (target.http && !applying.some((r) => r.kind === 'http')) {
    specs.push({ ...base, id: 'builtin:http', name: 'HTTP check', kind: 'http', params: { check: target.http, intervalMs: target.http.intervalSec * 1000, failures: 1 } });
  }
  for (const rule of applying) {
    try {
      specs.push(compileRule(rule, target));
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
}
