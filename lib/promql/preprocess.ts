// Prometheus's PreprocessExpr: resolves `@ start()`/`@ end()` to the query's times and marks the parts whose value
// is the same at every step (they are evaluated once and repeated). Returns a new tree; the parsed one is untouched.
import type { AtModifier, Expr } from './ast.js';
import { AT_MODIFIER_UNSAFE } from './functions-catalog.js';

export function preprocess(expr: Expr, startMs: number, endMs: number): Expr {
  const [e, invariant] = walk(expr, startMs, endMs);
  return invariant ? wrap(e) : e;
}

function wrap(e: Expr): Expr {
  return { kind: 'stepInvariant', expr: e, pos: e.pos };
}

function resolve(at: AtModifier | null, startMs: number, endMs: number): AtModifier | null {
  if (at === null || at.kind === 'time') return at;
  return { kind: 'time', ms: at.kind === 'start' ? startMs : endMs };
}

/** The rewritten node and whether it is step-invariant. */
function walk(e: Expr, s: number, t: number): [Expr, boolean] {
  switch (e.kind) {
    case 'vectorSelector': {
      const at = resolve(e.at, s, t);
      return [{ ...e, at }, at !== null];
    }
    case 'matrixSelector': {
      const [sel, inv] = walk(e.selector, s, t);
      return [{ ...e, selector: sel as typeof e.selector }, inv];
    }
    case 'subquery': {
      const [inner, inv] = walk(e.expr, s, t);
      const at = resolve(e.at, s, t);
      return [{ ...e, expr: inv ? wrap(inner) : inner, at }, at !== null];
    }
    case 'aggregate': {
      const [inner, inv] = walk(e.expr, s, t);
      // Prometheus looks only at the aggregated expression, not the parameter.
      const param = e.param === null ? null : walk(e.param, s, t)[0];
      return [{ ...e, expr: inner, param }, inv];
    }
    case 'binary': {
      const [l, li] = walk(e.lhs, s, t);
      const [r, ri] = walk(e.rhs, s, t);
      if (li && ri) return [{ ...e, lhs: l, rhs: r }, true];
      return [{ ...e, lhs: li ? wrap(l) : l, rhs: ri ? wrap(r) : r }, false];
    }
    case 'call': {
      const parts = e.args.map((a) => walk(a, s, t));
      const all = !AT_MODIFIER_UNSAFE.has(e.func.name) && parts.every(([, inv]) => inv);
      if (all) return [{ ...e, args: parts.map(([a]) => a) }, true];
      return [{ ...e, args: parts.map(([a, inv]) => (inv ? wrap(a) : a)) }, false];
    }
    case 'paren':
    case 'unary': {
      const [inner, inv] = walk(e.expr, s, t);
      return [{ ...e, expr: inner }, inv];
    }
    case 'stepInvariant':
      return walk(e.expr, s, t);
    case 'number':
    case 'string':
      return [e, true];
  }
}
