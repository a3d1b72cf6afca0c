// The kind-specific settings of an alert rule (`Rule.params`): the one schema both sides use. The query
// service validates rule bodies with it (strict: an unknown or misspelled key is a 422) and the detector
// reads stored rules through `readRuleParams`, so what the API accepts is exactly what the detector
// evaluates; rule-params.test.ts fails when a setting is accepted but never read, or read but not accepted.
// Every setting carries a description, which the OpenAPI document shows.
import { z } from 'zod';
import { EVENT_KINDS, LOG_LEVELS, SEVERITIES } from '../events/event.js';
import { MAX_PATTERN_LENGTH, patternProblem, type PatternOptions } from '../patterns/pattern.js';
import { httpUrl } from './fields.js';
import type { RuleKind } from './kinds.js';
import { documentedType, typeOf } from '../promql/ast.js';
import { ParseError } from '../promql/errors.js';
import { parseExpr } from '../promql/parse.js';

const DAY_SEC = 86_400;

/**
 * Adds an issue at `path` when `source` is not a usable pattern (RE2 syntax, bounded length and size: see
 * lib/patterns), with the engine's reason and position, so a bad pattern is refused here and never reaches
 * the detector. `options` must be the ones the pattern will run with: they change its compiled size.
 */
export function checkPattern(ctx: z.RefinementCtx, path: PropertyKey[], source: string, options: PatternOptions = {}): void {
  const problem = patternProblem(source, options);
  if (problem) ctx.addIssue({ code: 'custom', path, message: problem.message });
}

const labelMatch = z
  .record(z.string().min(1).max(128), z.string().max(256))
  .refine((l) => Object.keys(l).length <= 32, 'at most 32 labels')
  .describe('Only samples whose labels include all of these');

/** Incident lifecycle timing, the same for every rule kind. */
const lifecycle = {
  forSec: z.number().int().min(0).max(DAY_SEC).default(0).describe('The condition must hold this long before the incident opens (pending until then)'),
  keepFiringForSec: z.number().int().min(0).max(DAY_SEC).default(0).describe('The incident stays open this long after the condition stops holding'),
  minStateSec: z.number().int().min(0).max(DAY_SEC).default(0).describe('An open incident lasts at least this long before it can resolve (flap damping)'),
  relapseWindowSec: z.number().int().min(0).max(7 * DAY_SEC).default(300).describe('A relapse within this long after resolving reopens the same incident instead of opening a new one'),
  manualResolve: z
    .boolean()
    .default(false)
    .describe('People may resolve an open or acknowledged incident of this rule by hand (POST /api/incidents/{id}/resolve, the dashboard\'s Resolve button); it stays resolved until the condition clears and fires again'),
};

export const heartbeatRuleParams = z.strictObject({
  ...lifecycle,
  intervalSec: z.number().int().min(1).max(366 * DAY_SEC).optional().describe("Expected time between pings; default: the target's heartbeat.intervalSec"),
  graceSec: z.number().int().min(0).max(366 * DAY_SEC).optional().describe("Extra time after a missed ping; default: the target's heartbeat.graceSec"),
  maxRunSec: z.number().int().min(1).max(366 * DAY_SEC).optional().describe("A /start without a finish within this long counts as late; default: the target's heartbeat.maxRunSec"),
  anomalyK: z.number().min(0).max(100).default(4).describe('Pings far more often than learned, or runs of unusual length, beyond this many standard deviations fire; 0 turns it off'),
  minSamples: z.number().int().min(1).max(10_000).default(8).describe('Pings (and runs) to learn from before anomaly detection starts'),
});

export const httpRuleParams = z.strictObject({
  ...lifecycle,
  failures: z.number().int().min(1).max(100).default(1).describe("Consecutive failed results of the target's active check before the condition fires"),
});

export const THRESHOLD_OPS = ['>', '>=', '<', '<=', '==', '!='] as const;

export const thresholdRuleParams = z.strictObject({
  ...lifecycle,
  metric: z.string().min(1).max(256).describe("Metric name the rule watches on the rule's target(s)"),
  op: z.enum(THRESHOLD_OPS).describe('How the sample compares with value for the condition to hold'),
  value: z.number().describe('The threshold'),
  labels: labelMatch.optional(),
});

const RATE_KINDS = EVENT_KINDS.filter((k) => k !== 'incident') as ['metric', 'log', 'security', 'heartbeat', 'check'];

export const anomalyRuleParams = z
  .strictObject({
    ...lifecycle,
    metric: z.string().min(1).max(256).optional().describe("Watch this metric's value (give metric or rate)"),
    rate: z
      .union([z.enum(RATE_KINDS), z.array(z.enum(RATE_KINDS)).min(1).max(RATE_KINDS.length)])
      .optional()
      .describe('Watch the rate of events of this kind (or these kinds) for the target, counted per bucketSec (give metric or rate)'),
    labels: labelMatch.optional(),
    k: z.number().gt(0).max(100).default(3).describe('How many standard deviations from normal count as anomalous'),
    method: z.enum(['ewma', 'rolling']).default('ewma').describe('Baseline: exponentially weighted (alpha = 2 / (window + 1)) or a rolling window'),
    window: z.number().int().min(2).max(10_000).default(30).describe('Baseline length in samples (metric values, or rate buckets)'),
    minSamples: z.number().int().min(1).max(10_000).default(10).describe('Samples to learn from before anything counts as anomalous'),
    bucketSec: z.number().int().min(1).max(DAY_SEC).default(60).describe('Rate only: length of one counting bucket'),
  })
  .superRefine((p, ctx) => {
    if ((p.metric === undefined) === (p.rate === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['metric'], message: 'give exactly one of metric or rate' });
    }
  });

export const logPatternRuleParams = z
  .strictObject({
    ...lifecycle,
    pattern: z.string().min(1).max(MAX_PATTERN_LENGTH).optional().describe('What the message (or field) must match, in RE2 syntax (docs/patterns.md) or as a glob; absent = every event that passes the other filters'),
    patternType: z.enum(['regex', 'glob']).default('regex').describe('`regex` (RE2 syntax, as Prometheus; matched anywhere in the text) or `glob` (`*` and `?`, the whole text)'),
    caseSensitive: z.boolean().default(false).describe('Match the pattern case-sensitively'),
    field: z.string().min(1).max(256).default('message').describe('Structured field (log fields, security body) to match instead of the message'),
    kinds: z
      .array(z.enum(['log', 'security']))
      .min(1)
      .max(2)
      .optional()
      .describe('Event kinds to match; default: security when category or severity is given, else log'),
    count: z.number().int().min(1).max(1_000_000).default(1).describe('Open when at least this many matching events arrive within windowSec'),
    windowSec: z.number().int().min(1).max(DAY_SEC).default(60).describe('The counting window'),
    level: z.enum(LOG_LEVELS).optional().describe('Logs only: at least this level'),
    category: z.string().min(1).max(256).optional().describe('Security events only: this category'),
    severity: z.enum(SEVERITIES).optional().describe('Security events only: at least this severity'),
  })
  .superRefine((p, ctx) => {
    if (p.pattern !== undefined && p.patternType === 'regex') checkPattern(ctx, ['pattern'], p.pattern, { caseInsensitive: !p.caseSensitive });
  });

/**
 * Adds an issue at `path` when `expr` is not a PromQL expression a rule can evaluate: Prometheus's parse error
 * (`1:5: parse error: …`, line and column of the offending token) or a result that is not a vector or scalar.
 */
export function checkPromql(ctx: z.RefinementCtx, path: PropertyKey[], expr: string): void {
  try {
    const t = typeOf(parseExpr(expr));
    if (t !== 'vector' && t !== 'scalar') ctx.addIssue({ code: 'custom', path, message: `a rule expression must be an instant vector or scalar, got ${documentedType(t)}` });
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    ctx.addIssue({ code: 'custom', path, message: err.message, params: { line: err.position.line, column: err.position.column } });
  }
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const templated = (what: string) =>
  z
    .record(z.string().regex(LABEL_NAME, 'a label name: letters, digits and _, not starting with a digit').max(128), z.string().max(4096))
    .refine((l) => Object.keys(l).length <= 32, 'at most 32 entries')
    .describe(`${what}; values are templates as in Prometheus ({{ $labels.name }}, {{ $value }}, {{ $value | humanize }})`);

const promqlSource = z
  .strictObject({
    url: httpUrl.describe('Base URL of the Prometheus HTTP API (e.g. http://prometheus:9090); the rule runs POST /api/v1/query there. Held to CHECK_ALLOWED_NETWORKS as checks are (an IP address outside it is a 422; redirects are not followed)'),
    bearerToken: z.string().min(1).max(4096).optional().describe('Sent as `Authorization: Bearer …`; write-only (masked in responses)'),
    username: z.string().min(1).max(256).optional().describe('HTTP Basic user name (with password)'),
    password: z.string().min(1).max(1024).optional().describe('HTTP Basic password; write-only (masked in responses)'),
  })
  .superRefine((s, ctx) => {
    if (s.bearerToken !== undefined && (s.username !== undefined || s.password !== undefined)) ctx.addIssue({ code: 'custom', path: ['bearerToken'], message: 'give bearerToken or username/password, not both' });
    if ((s.username === undefined) !== (s.password === undefined)) ctx.addIssue({ code: 'custom', path: [s.username === undefined ? 'username' : 'password'], message: 'username and password go together' });
  })
  .describe("An external Prometheus to evaluate the expression on; absent: Lightwatch's own metrics store");

/**
 * A Prometheus alerting rule. `forSec` and `keepFiringForSec` are Prometheus's `for` and `keep_firing_for`,
 * applied by the rule's evaluation (lib/promql/alerting/rule.ts) rather than by the incident lifecycle.
 */
export const promqlRuleParams = z
  .strictObject({
    ...lifecycle,
    expr: z.string().min(1).max(16_384).describe('PromQL expression; every series of its result is an alert (pending, then firing after forSec)'),
    intervalSec: z.number().int().min(1).max(DAY_SEC).default(60).describe('Evaluation interval'),
    labels: templated('Labels added to (or replacing) those of each alert').optional(),
    annotations: templated('Annotations of each alert (summary, description, runbook_url…)').optional(),
    targetLabels: z
      .array(z.string().regex(LABEL_NAME, 'a label name').max(128))
      .min(1)
      .max(8)
      .default(['target', 'instance'])
      .describe("Labels naming the target an alert's incident is on, tried in order; an alert with none of them is on a target named after the rule"),
    source: promqlSource.optional(),
  })
  .superRefine((p, ctx) => checkPromql(ctx, ['expr'], p.expr));

/** Write-only settings of a promql rule's source: masked in responses, kept when an update sends the mask back. */
export const PROMQL_SOURCE_SECRETS = ['bearerToken', 'password'] as const;

export const RULE_PARAMS = {
  heartbeat: heartbeatRuleParams,
  http: httpRuleParams,
  threshold: thresholdRuleParams,
  anomaly: anomalyRuleParams,
  log_pattern: logPatternRuleParams,
  promql: promqlRuleParams,
} as const satisfies Record<RuleKind, z.ZodType>;

export type RuleParamsKind = keyof typeof RULE_PARAMS;
export type RuleParamsOf = { [K in RuleParamsKind]: z.output<(typeof RULE_PARAMS)[K]> };
export type ThresholdRuleParams = RuleParamsOf['threshold'];
export type AnomalyRuleParams = RuleParamsOf['anomaly'];
export type LogPatternRuleParams = RuleParamsOf['log_pattern'];
export type PromqlRuleParams = RuleParamsOf['promql'];

/** The settings each rule kind accepts (the keys of its schema). */
export function ruleParamKeys(kind: RuleParamsKind): string[] {
  return Object.keys(RULE_PARAMS[kind].shape);
}

export type ReadResult<K extends RuleParamsKind> = { ok: true; params: RuleParamsOf[K]; ignored: string[] } | { ok: false; message: string };

/**
 * The detector's reading of a stored rule's params, through the same schema the API validated them with.
 * Keys the schema no longer knows (stored by an older version) are dropped and reported, not fatal.
 */
export function readRuleParams<K extends RuleParamsKind>(kind: K, params: Record<string, unknown>): ReadResult<K> {
  const known = new Set(ruleParamKeys(kind));
  const kept: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (known.has(k)) kept[k] = v;
    else ignored.push(k);
  }
  const r = RULE_PARAMS[kind].safeParse(kept);
  if (!r.success) return { ok: false, message: r.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ') };
  return { ok: true, params: r.data as RuleParamsOf[K], ignored };
}
