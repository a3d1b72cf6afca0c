// The PromQL engine: parse → preprocess (@, step invariance) → plan every selector's time range → fetch through
// the Querier → evaluate synchronously without I/O. Limits as Prometheus: max samples, timeout, 11,000 points.
import type { Expr, VectorSelector } from './ast.js';
import { documentedType, typeOf } from './ast.js';
import { PromQLError, queryCanceled, queryTimeout, tooManySamples } from './errors.js';
import type { Querier, SeriesSamples } from './querier.js';
import { SampleLimitError } from './querier.js';
import { parseExpr } from './parse.js';
import { preprocess } from './preprocess.js';
import { groupSelections, planSelections } from './plan.js';
import { Evaluator } from './eval/evaluator.js';
import type { PreparedSeries } from './eval/selectors.js';
import { prepareSeries } from './eval/selectors.js';
import type { SampleBudget, StepGrid, StepSeries } from './eval/value.js';
import { compareLabels } from './labels.js';
import type { QueryResult, ResultSeries } from './result.js';

export interface EngineOptions {
  /** Default 5 minutes. */
  readonly lookbackMs?: number;
  /** Prometheus's --query.max-samples, default 50,000,000. */
  readonly maxSamples?: number;
  /**
   * A memory guard Prometheus does not have: the most raw samples one query may fetch (default 10 × maxSamples).
   * Prometheus counts only samples held during evaluation (maxSamples), which a query over long ranges with short
   * windows stays far below while reading many more; this bounds what the Querier returns.
   */
  readonly maxSelectedSamples?: number;
  /** Prometheus's --query.timeout, default 2 minutes. */
  readonly timeoutMs?: number;
  /** Step of subqueries written without one; Prometheus uses the global evaluation interval (default 1 minute). */
  readonly defaultSubqueryStepMs?: number;
  /** Monotonic milliseconds, for the timeout (tests inject one). */
  readonly now?: () => number;
}

export interface QueryOptions {
  readonly signal?: AbortSignal;
  /** A per-query timeout lower than the engine's (the API's `timeout` parameter). */
  readonly timeoutMs?: number;
}

export interface Engine {
  instantQuery(querier: Querier, query: string, timeMs: number, opts?: QueryOptions): Promise<QueryResult>;
  rangeQuery(querier: Querier, query: string, startMs: number, endMs: number, stepMs: number, opts?: QueryOptions): Promise<QueryResult>;
}

export const MAX_POINTS_PER_SERIES = 11_000;

/** The query_range parameter checks Prometheus's API makes before evaluating (errorType bad_data). */
export function validateRangeParams(startMs: number, endMs: number, stepMs: number): void {
  if (endMs < startMs) throw new PromQLError('bad_data', 'invalid parameter "end": end timestamp must not be before start time');
  if (!(stepMs > 0)) throw new PromQLError('bad_data', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
  if (Math.floor((endMs - startMs) / stepMs) > MAX_POINTS_PER_SERIES) {
    throw new PromQLError('bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  }
}

export function createEngine(options: EngineOptions = {}): Engine {
  const lookbackMs = options.lookbackMs ?? 300_000;
  const maxSamples = options.maxSamples ?? 50_000_000;
  const maxSelectedSamples = options.maxSelectedSamples ?? maxSamples * 10;
  const engineTimeout = options.timeoutMs ?? 120_000;
  const defaultSubqueryStepMs = options.defaultSubqueryStepMs ?? 60_000;
  const now = options.now ?? (() => performance.now());

  async function run(querier: Querier, query: string, startMs: number, endMs: number, stepMs: number, instant: boolean, opts: QueryOptions): Promise<QueryResult> {
    const parsed = parseExpr(query);
    const type = typeOf(parsed);
    if (!instant && type !== 'vector' && type !== 'scalar') {
      throw new PromQLError('bad_data', `invalid expression type "${documentedType(type)}" for range query, must be Scalar or instant Vector`);
    }
    const deadline = now() + Math.min(engineTimeout, opts.timeoutMs ?? Infinity);
    const signal = opts.signal;
    const budget: SampleBudget = {
      current: 0,
      max: maxSamples,
      check() {
        if (signal?.aborted === true) throw queryCanceled();
        if (now() > deadline) throw queryTimeout();
      },
    };
    const expr = preprocess(parsed, startMs, endMs);
    const data = await fetchSelections(querier, expr, startMs, endMs, { lookbackMs, maxSamples: maxSelectedSamples, signal });
    if (signal?.aborted === true) throw queryCanceled('query execution');
    if (now() > deadline) throw queryTimeout('query execution');
    const steps = instant ? 1 : Math.floor((endMs - startMs) / stepMs) + 1;
    const grid: StepGrid = { startMs, intervalMs: instant ? 1 : stepMs, steps, budget };
    const value = new Evaluator(grid, data, { lookbackMs, defaultSubqueryStepMs }).eval(expr);
    switch (value.type) {
      case 'string':
        return { resultType: 'string', result: { timeMs: startMs, value: value.value } };
      case 'scalar':
        if (instant) return { resultType: 'scalar', result: { timeMs: startMs, value: value.values[0] as number } };
        return { resultType: 'matrix', result: [{ labels: {}, timestampsMs: gridTimes(grid), values: value.values.slice() }] };
      case 'matrix':
        return { resultType: 'matrix', result: value.series.map((s) => ({ labels: s.labels, timestampsMs: s.ts, values: s.vals })) };
      case 'vector':
        if (instant) {
          return { resultType: 'vector', result: value.series.filter((s) => s.present[0] === 1).map((s) => ({ labels: s.labels, timeMs: startMs, value: s.values[0] as number })) };
        }
        return { resultType: 'matrix', result: toMatrix(value.series, grid) };
    }
  }

  return {
    instantQuery: (querier, query, timeMs, opts = {}) => run(querier, query, timeMs, timeMs, 0, true, opts),
    async rangeQuery(querier, query, startMs, endMs, stepMs, opts = {}) {
      validateRangeParams(startMs, endMs, stepMs);
      return run(querier, query, startMs, endMs, stepMs, false, opts);
    },
  };
}

function gridTimes(grid: StepGrid): Float64Array {
  return Float64Array.from({ length: grid.steps }, (_, i) => grid.startMs + i * grid.intervalMs);
}

/** Range-query output: one series per label set with its present points, sorted by labels as Prometheus sorts. */
function toMatrix(series: readonly StepSeries[], grid: StepGrid): ResultSeries[] {
  const out: ResultSeries[] = [];
  for (const s of series) {
    let n = 0;
    for (let i = 0; i < grid.steps; i++) n += s.present[i] as number;
    if (n === 0) continue;
    const ts = new Float64Array(n);
    const vals = new Float64Array(n);
    for (let i = 0, j = 0; i < grid.steps; i++) {
      if (s.present[i] !== 1) continue;
      ts[j] = grid.startMs + i * grid.intervalMs;
      vals[j++] = s.values[i] as number;
    }
    out.push({ labels: s.labels, timestampsMs: ts, values: vals });
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

/** Fetches every selector once per distinct matcher set, over the union of the ranges that set needs. */
async function fetchSelections(
  querier: Querier,
  expr: Expr,
  startMs: number,
  endMs: number,
  o: { lookbackMs: number; maxSamples: number; signal: AbortSignal | undefined },
): Promise<Map<VectorSelector, PreparedSeries[]>> {
  const plan = planSelections(expr, startMs, endMs, { lookbackMs: o.lookbackMs });
  const groups = groupSelections(plan);
  const data = new Map<VectorSelector, PreparedSeries[]>();
  await Promise.all(
    groups.map(async (g) => {
      let got: SeriesSamples[];
      try {
        got = await querier.select(g.selectors[0]?.matchers ?? [], { startMs: g.startMs, endMs: g.endMs, maxSamples: o.maxSamples, signal: o.signal });
      } catch (err) {
        if (err instanceof SampleLimitError) throw tooManySamples();
        throw err;
      }
      const prepared = prepareSeries(got);
      for (const sel of g.selectors) data.set(sel, prepared);
    }),
  );
  return data;
}
