// Binary operators between scalars and instant vectors: arithmetic, comparisons (filtering or `bool`), set
// operators, vector matching with on/ignoring and group_left/group_right, and Prometheus's matching errors.
import type { BinaryExpr, BinaryOp, VectorMatching } from '../ast.js';
import type { Labels } from '../querier.js';
import { execError } from '../errors.js';
import { METRIC_NAME, dropMetricName, labelsKey, labelsString, onlyLabels, withoutLabels } from '../labels.js';
import type { StepGrid, StepSeries } from './value.js';
import { VectorBuilder } from './value.js';

const COMPARISONS = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);

export function isComparison(op: BinaryOp): boolean {
  return COMPARISONS.has(op);
}

function dropsName(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '^' || op === '%';
}

/** Go's math.Mod (the result has the sign of x), which JavaScript's % matches for finite values and NaN cases. */
function goMod(x: number, y: number): number {
  return x % y;
}

/** Go's math.Pow special cases where JavaScript's differs: 1^y = 1 and (-1)^±Inf = 1. */
export function goPow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** The value of a scalar operation (comparisons give 0/1). */
export function scalarOp(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': return l / r;
    case '^': return goPow(l, r);
    case '%': return goMod(l, r);
    case 'atan2': return Math.atan2(l, r);
    case '==': return l === r ? 1 : 0;
    case '!=': return l !== r ? 1 : 0;
    case '>': return l > r ? 1 : 0;
    case '<': return l < r ? 1 : 0;
    case '>=': return l >= r ? 1 : 0;
    case '<=': return l <= r ? 1 : 0;
    default: throw execError(`operator "${op}" not allowed for Scalar operations`);
  }
}

/** Whether a comparison holds (the vector element is kept). */
function compare(op: BinaryOp, l: number, r: number): boolean {
  switch (op) {
    case '==': return l === r;
    case '!=': return l !== r;
    case '>': return l > r;
    case '<': return l < r;
    case '>=': return l >= r;
    default: return l <= r;
  }
}

export function scalarScalar(op: BinaryOp, l: Float64Array, r: Float64Array): Float64Array {
  const out = new Float64Array(l.length);
  for (let i = 0; i < l.length; i++) out[i] = scalarOp(op, l[i] as number, r[i] as number);
  return out;
}

/** Vector ⊕ scalar (or scalar ⊕ vector when `swap`), as VectorscalarBinop. */
export function vectorScalar(e: BinaryExpr, vec: readonly StepSeries[], scalar: Float64Array, swap: boolean, grid: StepGrid): StepSeries[] {
  const op = e.op;
  const cmp = isComparison(op);
  const out = new VectorBuilder(grid);
  for (const s of vec) {
    const labels = dropsName(op) || e.returnBool ? dropMetricName(s.labels) : s.labels;
    let oi = -1;
    for (let step = 0; step < grid.steps; step++) {
      if (s.present[step] !== 1) continue;
      const sv = s.values[step] as number;
      const cv = scalar[step] as number;
      const l = swap ? cv : sv;
      const r = swap ? sv : cv;
      let value: number;
      let keep = true;
      if (cmp) {
        keep = compare(op, l, r);
        value = sv; // the vector element's value, even when the scalar is on the left
        if (e.returnBool) {
          value = keep ? 1 : 0;
          keep = true;
        }
      } else value = scalarOp(op, l, r);
      if (!keep) continue;
      if (oi < 0) oi = out.index(labels);
      out.set(oi, step, value);
    }
  }
  return out.finish();
}

/** The matching signature of a series: the `on` labels, or all but the `ignoring` labels and the name. */
function signature(labels: Labels, m: VectorMatching): string {
  return m.on ? labelsKey(onlyLabels(labels, m.labels)) : labelsKey(withoutLabels(labels, [...m.labels, METRIC_NAME]));
}

function matchedLabels(labels: Labels, m: VectorMatching): Labels {
  return m.on ? onlyLabels(labels, m.labels) : withoutLabels(labels, [...m.labels, METRIC_NAME]);
}

/** Vector ⊕ vector with matching (arithmetic and comparisons), as VectorBinop. */
export function vectorVector(e: BinaryExpr, lhsIn: readonly StepSeries[], rhsIn: readonly StepSeries[], grid: StepGrid): StepSeries[] {
  const m = e.matching as VectorMatching;
  if (e.op === 'and' || e.op === 'or' || e.op === 'unless') return setOperation(e.op, m, lhsIn, rhsIn, grid);
  const op = e.op;
  const cmp = isComparison(op);
  const oneToMany = m.card === 'one-to-many';
  // For one-to-many the sides swap so that the right is always the "one" side.
  const lhs = oneToMany ? rhsIn : lhsIn;
  const rhs = oneToMany ? lhsIn : rhsIn;
  const lsig = lhs.map((s) => signature(s.labels, m));
  const rsig = rhs.map((s) => signature(s.labels, m));
  const out = new VectorBuilder(grid);
  const resultCache = new Map<string, { labels: Labels; key: string; index: number }>();
  const rightBySig = new Map<string, number>();
  const matched = new Map<string, Set<string> | null>();
  for (let step = 0; step < grid.steps; step++) {
    if ((step & 63) === 0) grid.budget.check();
    rightBySig.clear();
    matched.clear();
    let anyLeft = false;
    for (let i = 0; i < lhs.length && !anyLeft; i++) anyLeft = (lhs[i] as StepSeries).present[step] === 1;
    if (!anyLeft) continue;
    for (let j = 0; j < rhs.length; j++) {
      const rs = rhs[j] as StepSeries;
      if (rs.present[step] !== 1) continue;
      const sig = rsig[j] as string;
      const dup = rightBySig.get(sig);
      if (dup !== undefined) {
        const oneSide = oneToMany ? 'left' : 'right';
        throw execError(
          `found duplicate series for the match group ${labelsString(matchedLabels(rs.labels, m))} on the ${oneSide} hand-side of the operation: [${labelsString(rs.labels)}, ${labelsString((rhs[dup] as StepSeries).labels)}]` +
            ';many-to-many matching not allowed: matching labels must be unique on one side',
        );
      }
      rightBySig.set(sig, j);
    }
    if (rightBySig.size === 0) continue;
    for (let i = 0; i < lhs.length; i++) {
      const ls = lhs[i] as StepSeries;
      if (ls.present[step] !== 1) continue;
      const sig = lsig[i] as string;
      const j = rightBySig.get(sig);
      if (j === undefined) continue;
      const rs = rhs[j] as StepSeries;
      let vl = ls.values[step] as number;
      let vr = rs.values[step] as number;
      if (oneToMany) [vl, vr] = [vr, vl];
      let value: number;
      let keep = true;
      if (cmp) {
        keep = compare(op, vl, vr);
        value = vl;
      } else value = scalarOp(op, vl, vr);
      if (e.returnBool) {
        value = keep ? 1 : 0;
      } else if (!keep) continue;
      const ck = `${i}\x00${j}`;
      let res = resultCache.get(ck);
      if (res === undefined) {
        let labels = resultLabels(ls.labels, rs.labels, op, m);
        if (e.returnBool) labels = dropMetricName(labels);
        const key = labelsKey(labels);
        res = { labels, key, index: -1 };
        resultCache.set(ck, res);
      }
      if (m.card === 'one-to-one') {
        if (matched.has(sig)) throw execError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
        matched.set(sig, null);
      } else {
        let inserted = matched.get(sig);
        if (inserted === undefined || inserted === null) {
          inserted = new Set();
          matched.set(sig, inserted);
        } else if (inserted.has(res.key)) throw execError('multiple matches for labels: grouping labels must ensure unique matches');
        inserted.add(res.key);
      }
      if (res.index < 0) res.index = out.index(res.labels, res.key);
      out.set(res.index, step, value);
    }
  }
  return out.finish();
}

/** Prometheus's resultMetric: the "many" side's labels, reduced by on/ignoring for one-to-one, plus group_x labels. */
function resultLabels(lhs: Labels, rhs: Labels, op: BinaryOp, m: VectorMatching): Labels {
  const out: Record<string, string> = { ...lhs };
  if (dropsName(op)) delete out[METRIC_NAME];
  if (m.card === 'one-to-one') {
    if (m.on) {
      for (const k of Object.keys(out)) if (!m.labels.includes(k)) delete out[k];
    } else for (const k of m.labels) delete out[k];
  }
  for (const ln of m.include) {
    const v = rhs[ln];
    if (v !== undefined && v !== '') out[ln] = v;
    else delete out[ln];
  }
  return out;
}

function setOperation(op: 'and' | 'or' | 'unless', m: VectorMatching, lhs: readonly StepSeries[], rhs: readonly StepSeries[], grid: StepGrid): StepSeries[] {
  const lsig = lhs.map((s) => signature(s.labels, m));
  const rsig = rhs.map((s) => signature(s.labels, m));
  const out = new VectorBuilder(grid);
  const lIndex = new Int32Array(lhs.length).fill(-1);
  const rIndex = new Int32Array(rhs.length).fill(-1);
  const emitL = (i: number, step: number): void => {
    const s = lhs[i] as StepSeries;
    if ((lIndex[i] as number) < 0) lIndex[i] = out.index(s.labels, s.key);
    out.set(lIndex[i] as number, step, s.values[step] as number);
  };
  const emitR = (j: number, step: number): void => {
    const s = rhs[j] as StepSeries;
    if ((rIndex[j] as number) < 0) rIndex[j] = out.index(s.labels, s.key);
    out.set(rIndex[j] as number, step, s.values[step] as number);
  };
  const sigs = new Set<string>();
  for (let step = 0; step < grid.steps; step++) {
    sigs.clear();
    if (op === 'or') {
      for (let i = 0; i < lhs.length; i++) {
        if ((lhs[i] as StepSeries).present[step] !== 1) continue;
        sigs.add(lsig[i] as string);
        emitL(i, step);
      }
      for (let j = 0; j < rhs.length; j++) {
        if ((rhs[j] as StepSeries).present[step] !== 1) continue;
        if (!sigs.has(rsig[j] as string)) emitR(j, step);
      }
      continue;
    }
    for (let j = 0; j < rhs.length; j++) if ((rhs[j] as StepSeries).present[step] === 1) sigs.add(rsig[j] as string);
    for (let i = 0; i < lhs.length; i++) {
      if ((lhs[i] as StepSeries).present[step] !== 1) continue;
      const inRight = sigs.has(lsig[i] as string);
      if (op === 'and' ? inRight : !inRight) emitL(i, step);
    }
  }
  return out.finish();
}
