// The kind-specific settings of an alert rule (`Rule.params`), as zod schemas and their types. The query
// service validates rule bodies with them; the detector reads stored rules through the same types, so what
// the API accepts is exactly what the detector evaluates. Strict: an unknown or misspelled key is a 422.
import { z } from 'zod';
import { EVENT_KINDS, SEVERITIES } from '../events/event.js';
import { MAX_PATTERN_LENGTH, patternProblem, type PatternOptions } from '../patterns/pattern.js';

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

/** Heartbeat rules use the target's own `heartbeat` settings (interval and grace); nothing to configure. */
export const heartbeatRuleParams = z.strictObject({});
/** HTTP rules use the target's own `http` check settings; nothing to configure. */
export const httpRuleParams = z.strictObject({});

export const THRESHOLD_OPS = ['>', '>=', '<', '<=', '==', '!='] as const;

export const thresholdRuleParams = z.strictObject({
  /** Metric name the rule watches on the rule's target(s). */
  metric: z.string().min(1).max(256),
  op: z.enum(THRESHOLD_OPS),
  value: z.number(),
  /** The condition must hold this long before the incident opens (pending until then). */
  forSec: z.number().int().min(0).max(DAY_SEC).default(0),
  /** The incident stays open this long after the condition stops holding (flap damping). */
  keepFiringForSec: z.number().int().min(0).max(DAY_SEC).default(0),
});

export const anomalyRuleParams = z
  .strictObject({
    /** Watch a metric's value ... */
    metric: z.string().min(1).max(256).optional(),
    /** ... or the rate of events of one kind for the target (exactly one of the two). */
    rate: z.enum(EVENT_KINDS.filter((k) => k !== 'incident') as ['metric', 'log', 'security', 'heartbeat', 'check']).optional(),
    /** How many standard deviations from the rolling mean count as anomalous. */
    k: z.number().gt(0).max(100).default(3),
    /** Length of the rolling baseline window. */
    windowSec: z.number().int().min(60).max(30 * DAY_SEC).default(3600),
    forSec: z.number().int().min(0).max(DAY_SEC).default(0),
  })
  .superRefine((p, ctx) => {
    if ((p.metric === undefined) === (p.rate === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['metric'], message: 'give exactly one of metric or rate' });
    }
  });

export const logPatternRuleParams = z
  .strictObject({
    pattern: z.string().min(1).max(MAX_PATTERN_LENGTH).describe('RE2 syntax (docs/patterns.md), or a glob with patternType glob'),
    /** `regex` (RE2 syntax, as Prometheus; matched anywhere in the text, case-insensitively) or `glob` (`*` and `?`, the whole text). */
    patternType: z.enum(['regex', 'glob']).default('regex'),
    /** Structured field to match instead of the message. */
    field: z.string().min(1).max(256).optional(),
    /** Open when at least `count` matching events arrive within `windowSec`. */
    count: z.number().int().min(1).max(1_000_000).default(1),
    windowSec: z.number().int().min(1).max(DAY_SEC).default(60),
    /** Also (or only) match security events of this category / at least this severity. */
    category: z.string().min(1).max(256).optional(),
    severity: z.enum(SEVERITIES).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.patternType === 'regex') checkPattern(ctx, ['pattern'], p.pattern, { caseInsensitive: true });
  });

export const RULE_PARAMS = {
  heartbeat: heartbeatRuleParams,
  http: httpRuleParams,
  threshold: thresholdRuleParams,
  anomaly: anomalyRuleParams,
  log_pattern: logPatternRuleParams,
} as const;

export type ThresholdRuleParams = z.output<typeof thresholdRuleParams>;
export type AnomalyRuleParams = z.output<typeof anomalyRuleParams>;
export type LogPatternRuleParams = z.output<typeof logPatternRuleParams>;
export type RuleParamsOf = {
  heartbeat: z.output<typeof heartbeatRuleParams>;
  http: z.output<typeof httpRuleParams>;
  threshold: ThresholdRuleParams;
  anomaly: AnomalyRuleParams;
  log_pattern: LogPatternRuleParams;
};
