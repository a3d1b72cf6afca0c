// Evaluates a preprocessed expression over a step grid, synchronously, from series fetched beforehand. Mirrors
// Prometheus 2.42's evaluator node by node; operators work on whole series over all steps (see value.ts).
import type { AggregateExpr, Call, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from '../ast.js';
import { typeOf } from '../ast.js';
import { execError, tooManySamples } from '../errors.js';
import { dropMetricName, labelsKey } from '../labels.js';
import { aggregate } from './aggregate.js';
import { scalarScalar, vectorScalar, vectorVector } from './binary.js';
import { absentLabels, callInstant, mapSeries } from './instant-functions.js';
import type { RangeContext } from './range-functions.js';
import { RANGE_FUNCTIONS, findResets } from './range-functions.js';
import type { PreparedSeries } from './selectors.js';
import { selectInstant, selectInstantTimestamps, windowPoints } from './selectors.js';
import type { RangeSeries, StepGrid, StepSeries, Value } from './value.js';
import { VectorBuilder, constantScalar, countPoints, stepTime } from './value.js';

export interface EvaluatorOptions {
  readonly lookbackMs: number;
  /** Step of a subquery written without one (Prometheus: the global evaluation interval). */
  readonly defaultSubqueryStepMs: number;
}

/** Strips parentheses and the engine's step-invariance marker. */
export function unwrap(e: Expr): Expr {
  let x = e;
  while (x.kind === 'paren' || x.kind === 'stepInvariant') x = x.expr;
  return x;
}

function atMs(at: VectorSelector['at']): number | null {
  if (at === null) return null;
  if (at.kind !== 'time') throw execError('unresolved @ start()/end()');
  return at.ms;
}

const resetCache = new WeakMap<Float64Array, Int32Array>();

/** Counter-reset positions of a series' values, computed once per fetched series. */
function resetsOf(vals: Float64Array): Int32Array {
  let r = resetCache.get(vals);
  if (r === undefined) {
    r = findResets(vals);
    resetCache.set(vals, r);
  }
  return r;
}

export class Evaluator {
  constructor(
    private readonly grid: StepGrid,
    private readonly data: ReadonlyMap<VectorSelector, readonly PreparedSeries[]>,
    private readonly opts: EvaluatorOptions,
  ) {}

  private child(startMs: number, intervalMs: number, steps: number): Evaluator {
    return new Evaluator({ startMs, intervalMs, steps, budget: this.grid.budget }, this.data, this.opts);
  }

  eval(e: Expr): Value {
    this.grid.budget.check();
    const budget = this.grid.budget;
    const base = budget.current;
    const v = this.evalNode(e);
    // Inputs are released once a node has its output (as Prometheus's rangeEval resets its sample count).
    if (v.type === 'vector') budget.current = base + countPoints(v.series);
    else if (v.type === 'matrix') budget.current = base + v.series.reduce((n, s) => n + s.ts.length, 0);
    else budget.current = base;
    if (budget.current > budget.max) throw tooManySamples();
    return v;
  }

  private vector(e: Expr): StepSeries[] {
    const v = this.eval(e);
    if (v.type !== 'vector') throw execError(`expected instant vector, got ${v.type}`);
    return v.series;
  }

  private scalar(e: Expr): Float64Array {
    const v = this.eval(e);
    if (v.type !== 'scalar') throw execError(`expected scalar, got ${v.type}`);
    return v.values;
  }

  private evalNode(e: Expr): Value {
    const grid = this.grid;
    switch (e.kind) {
      case 'number':
        return { type: 'scalar', values: constantScalar(grid, e.value) };
      case 'string':
        return { type: 'string', value: e.value };
      case 'paren':
        return this.eval(e.expr);
      case 'stepInvariant':
        return this.stepInvariant(e.expr);
      case 'vectorSelector':
        return { type: 'vector', series: selectInstant(this.data.get(e) ?? [], grid, atMs(e.at), e.offsetMs, this.opts.lookbackMs) };
      case 'matrixSelector':
        return { type: 'matrix', series: this.matrixSelector(e) };
      case 'subquery':
        return { type: 'matrix', series: this.subqueryAtStart(e) };
      case 'unary': {
        const v = this.eval(e.expr);
        if (e.op === '+') return v;
        if (v.type === 'scalar') return { type: 'scalar', values: v.values.map((x) => -x) };
        if (v.type !== 'vector') throw execError('unary minus on a non-numeric value');
        return { type: 'vector', series: mapSeries(v.series, grid, (x) => -x) };
      }
      case 'binary': {
        const lt = typeOf(e.lhs);
        const rt = typeOf(e.rhs);
        if (lt === 'scalar' && rt === 'scalar') return { type: 'scalar', values: scalarScalar(e.op, this.scalar(e.lhs), this.scalar(e.rhs)) };
        if (lt === 'vector' && rt === 'vector') {
          const l = this.vector(e.lhs);
          const r = this.vector(e.rhs);
          return { type: 'vector', series: vectorVector(e, l, r, grid) };
        }
        if (lt === 'vector') {
          const l = this.vector(e.lhs);
          return { type: 'vector', series: vectorScalar(e, l, this.scalar(e.rhs), false, grid) };
        }
        const l = this.scalar(e.lhs);
        return { type: 'vector', series: vectorScalar(e, this.vector(e.rhs), l, true, grid) };
      }
      case 'aggregate':
        return { type: 'vector', series: this.aggregate(e) };
      case 'call':
        return this.call(e);
    }
  }

  /** Evaluates once at the first step and repeats the value over the grid. */
  private stepInvariant(inner: Expr): Value {
    if (inner.kind === 'number' || inner.kind === 'string') return this.eval(inner);
    const grid = this.grid;
    const once = this.child(grid.startMs, grid.intervalMs, 1).eval(inner);
    if (once.type === 'matrix' || once.type === 'string' || grid.steps === 1) return once;
    if (once.type === 'scalar') return { type: 'scalar', values: constantScalar(grid, once.values[0] as number) };
    const series = once.series.map((s) => ({
      labels: s.labels,
      key: s.key,
      values: new Float64Array(grid.steps).fill(s.values[0] as number),
      present: new Uint8Array(grid.steps).fill(1),
    }));
    const budget = grid.budget;
    budget.current += series.length * (grid.steps - 1);
    if (budget.current > budget.max) throw tooManySamples();
    return { type: 'vector', series };
  }

  private matrixSelector(e: MatrixSelector): RangeSeries[] {
    const sel = e.selector;
    const end = (atMs(sel.at) ?? this.grid.startMs) - sel.offsetMs;
    const out: RangeSeries[] = [];
    const budget = this.grid.budget;
    for (const s of this.data.get(sel) ?? []) {
      const w = windowPoints(s.clean, end, e.rangeMs);
      if (w.ts.length === 0) continue;
      budget.current += w.ts.length;
      if (budget.current > budget.max) throw tooManySamples();
      out.push({ labels: s.labels, ts: w.ts.slice(), vals: w.vals.slice() });
    }
    return out;
  }

  /** A subquery's inner expression over the aligned steps that cover every window this grid needs. */
  private subqueryPoints(e: SubqueryExpr): RangeSeries[] {
    const grid = this.grid;
    const step = e.stepMs > 0 ? e.stepMs : this.opts.defaultSubqueryStepMs;
    const at = atMs(e.at);
    const firstRef = (at ?? grid.startMs) - e.offsetMs;
    const lastRef = (at ?? stepTime(grid, grid.steps - 1)) - e.offsetMs;
    const from = firstRef - e.rangeMs;
    let start = step * Math.trunc(from / step);
    if (start < from) start += step;
    const steps = lastRef < start ? 0 : Math.floor((lastRef - start) / step) + 1;
    if (steps === 0) return [];
    const inner = this.child(start, step, steps).vector(e.expr);
    return inner.map((s) => {
      const n = countPoints([s]);
      const ts = new Float64Array(n);
      const vals = new Float64Array(n);
      for (let i = 0, j = 0; i < steps; i++) {
        if (s.present[i] !== 1) continue;
        ts[j] = start + i * step;
        vals[j++] = s.values[i] as number;
      }
      return { labels: s.labels, ts, vals };
    });
  }

  /** A subquery evaluated as a value of its own (instant queries only): its points in the window at the query time. */
  private subqueryAtStart(e: SubqueryExpr): RangeSeries[] {
    const end = (atMs(e.at) ?? this.grid.startMs) - e.offsetMs;
    return this.subqueryPoints(e)
      .map((s) => ({ ...windowPoints(s, end, e.rangeMs), labels: s.labels }))
      .filter((s) => s.ts.length > 0);
  }

  private aggregate(e: AggregateExpr): StepSeries[] {
    let param: Float64Array | string | null = null;
    if (e.param !== null) {
      const p = this.eval(e.param);
      param = p.type === 'string' ? p.value : p.type === 'scalar' ? p.values : null;
    }
    return aggregate(e, this.vector(e.expr), param, this.grid);
  }

  private call(e: Call): Value {
    const name = e.func.name;
    if (name === 'timestamp') {
      const arg = unwrap(e.args[0] as Expr);
      if (arg.kind === 'vectorSelector') {
        const at = atMs(arg.at);
        // Prometheus 2.42 replaces the offset by the distance to the @ time here, so `offset` is ignored under `@`.
        const series = selectInstantTimestamps(this.data.get(arg) ?? [], this.grid, at, at === null ? arg.offsetMs : 0, this.opts.lookbackMs);
        return { type: 'vector', series: mapSeries(series, this.grid, (v) => v) };
      }
    }
    const matrixIndex = e.args.findIndex((a) => {
      const u = unwrap(a);
      return u.kind === 'matrixSelector' || u.kind === 'subquery';
    });
    if (matrixIndex >= 0) return { type: 'vector', series: this.rangeCall(e, matrixIndex) };
    const values = e.args.map((a) => {
      const v = this.eval(a);
      return v.type === 'vector' ? v.series : v.type === 'scalar' ? v.values : v.type === 'string' ? v.value : [];
    });
    const res = callInstant(e, { values }, this.grid);
    return res instanceof Float64Array ? { type: 'scalar', values: res } : { type: 'vector', series: res };
  }

  /** A function over a range vector (a selector or a subquery), one series at a time over all steps. */
  private rangeCall(e: Call, matrixIndex: number): StepSeries[] {
    const grid = this.grid;
    const name = e.func.name;
    const fn = RANGE_FUNCTIONS[name];
    if (fn === undefined) throw execError(`function "${name}" is not implemented`);
    const scalars = e.args.map((a, i) => (i === matrixIndex ? null : this.scalar(a)));
    const others = scalars.filter((s): s is Float64Array => s !== null);
    const arg1 = others[0] ?? null;
    const arg2 = others[1] ?? null;
    const m = unwrap(e.args[matrixIndex] as Expr) as MatrixSelector | SubqueryExpr;
    let source: readonly RangeSeries[];
    let rangeMs: number;
    let offsetMs: number;
    let at: number | null;
    if (m.kind === 'matrixSelector') {
      source = (this.data.get(m.selector) ?? []).map((s) => s.clean);
      rangeMs = m.rangeMs;
      offsetMs = m.selector.offsetMs;
      at = atMs(m.selector.at);
    } else {
      source = this.subqueryPoints(m);
      rangeMs = m.rangeMs;
      offsetMs = m.offsetMs;
      at = atMs(m.at);
    }
    const keepName = name === 'last_over_time';
    const ctx: RangeContext = { stepMs: 0, rangeStartMs: 0, rangeEndMs: 0, rangeMs, arg1: 0, arg2: 0, resets: null, resetCursor: 0 };
    const usesResets = name === 'rate' || name === 'increase' || name === 'resets';
    const budget = grid.budget;
    const out: StepSeries[] = [];
    let produced = 0;
    for (const s of source) {
      budget.check();
      const { ts, vals } = s;
      ctx.resets = usesResets ? resetsOf(vals) : null;
      ctx.resetCursor = 0;
      const values = new Float64Array(grid.steps);
      const present = new Uint8Array(grid.steps);
      let lo = 0;
      let hi = 0;
      let any = false;
      for (let step = 0; step < grid.steps; step++) {
        const t = grid.startMs + step * grid.intervalMs;
        const end = (at ?? t) - offsetMs;
        const start = end - rangeMs;
        while (hi < ts.length && (ts[hi] as number) <= end) hi++;
        while (lo < hi && (ts[lo] as number) < start) lo++;
        if (hi === lo) continue;
        if (budget.current + produced + (hi - lo) > budget.max) throw tooManySamples();
        ctx.stepMs = t;
        ctx.rangeStartMs = start;
        ctx.rangeEndMs = end;
        if (arg1 !== null) ctx.arg1 = arg1[step] as number;
        if (arg2 !== null) ctx.arg2 = arg2[step] as number;
        const v = fn(ts, vals, lo, hi, ctx);
        if (v === undefined) continue;
        values[step] = v;
        present[step] = 1;
        produced++;
        any = true;
      }
      if (!any) continue;
      const labels = keepName ? s.labels : dropMetricName(s.labels);
      out.push({ labels, key: labelsKey(labels), values, present });
    }
    if (name === 'absent_over_time') return this.absentOverTime(e, out);
    const seen = new Set<string>();
    for (const s of out) {
      if (seen.has(s.key)) throw execError('vector cannot contain metrics with the same labelset');
      seen.add(s.key);
    }
    return out;
  }

  private absentOverTime(e: Call, found: readonly StepSeries[]): StepSeries[] {
    const out = new VectorBuilder(this.grid);
    let idx = -1;
    for (let step = 0; step < this.grid.steps; step++) {
      if (found.some((s) => s.present[step] === 1)) continue;
      if (idx < 0) idx = out.index(absentLabels(e.args[0] as Expr));
      out.set(idx, step, 1);
    }
    return out.finish();
  }
}
