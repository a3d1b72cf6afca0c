// Which samples a query needs: every vector selector with the time range its evaluation reads (lookback, range,
// offset, `@`, enclosing subqueries), computed before any I/O as Prometheus's getTimeRangesForSelector does.
import type { Expr, VectorSelector } from './ast.js';

export interface SelectorRange {
  readonly selector: VectorSelector;
  readonly startMs: number;
  readonly endMs: number;
}

export interface PlanOptions {
  readonly lookbackMs: number;
}

/** Every selector of a preprocessed expression with its [start, end] (inclusive) sample range. */
export function planSelections(expr: Expr, startMs: number, endMs: number, opts: PlanOptions): SelectorRange[] {
  const out: SelectorRange[] = [];
  visit(expr, startMs, endMs, 0, opts, out);
  return out;
}

/** [s, e] is the span of evaluation times of the node; rangeMs the range of an enclosing matrix selector. */
function visit(e: Expr, s: number, t: number, rangeMs: number, opts: PlanOptions, out: SelectorRange[]): void {
  switch (e.kind) {
    case 'vectorSelector': {
      let from = s;
      let to = t;
      if (e.at !== null && e.at.kind === 'time') {
        from = e.at.ms;
        to = e.at.ms;
      }
      from -= rangeMs > 0 ? rangeMs : opts.lookbackMs;
      out.push({ selector: e, startMs: from - e.offsetMs, endMs: to - e.offsetMs });
      return;
    }
    case 'matrixSelector':
      visit(e.selector, s, t, e.rangeMs, opts, out);
      return;
    case 'subquery': {
      let from = s;
      let to = t;
      if (e.at !== null && e.at.kind === 'time') {
        from = e.at.ms;
        to = e.at.ms;
      }
      visit(e.expr, from - e.offsetMs - e.rangeMs, to - e.offsetMs, 0, opts, out);
      return;
    }
    case 'aggregate':
      if (e.param !== null) visit(e.param, s, t, 0, opts, out);
      visit(e.expr, s, t, 0, opts, out);
      return;
    case 'binary':
      visit(e.lhs, s, t, 0, opts, out);
      visit(e.rhs, s, t, 0, opts, out);
      return;
    case 'call':
      for (const a of e.args) visit(a, s, t, 0, opts, out);
      return;
    case 'paren':
    case 'unary':
    case 'stepInvariant':
      visit(e.expr, s, t, 0, opts, out);
      return;
    case 'number':
    case 'string':
      return;
  }
}

/** Selectors that select the same series (the same matchers, in any order), with the union of their ranges. */
export interface SelectionGroup {
  readonly selectors: VectorSelector[];
  startMs: number;
  endMs: number;
}

/** Groups a plan's selectors by matcher set, so each set of series is read (or counted) once for all of them. */
export function groupSelections(plan: readonly SelectorRange[]): SelectionGroup[] {
  const groups = new Map<string, SelectionGroup>();
  for (const p of plan) {
    const key = JSON.stringify(p.selector.matchers.map((m) => [m.name, m.type, m.value]).sort());
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { selectors: [p.selector], startMs: p.startMs, endMs: p.endMs });
    else {
      g.selectors.push(p.selector);
      g.startMs = Math.min(g.startMs, p.startMs);
      g.endMs = Math.max(g.endMs, p.endMs);
    }
  }
  return [...groups.values()];
}
