// Functions over instant vectors and scalars (abs … year, label_replace, label_join, histogram_quantile, sort,
// absent, scalar, vector, time), per series over the grid, with Prometheus's metric-name dropping.
import type { Call, Expr, VectorSelector } from '../ast.js';
import type { Labels } from '../querier.js';
import { execError } from '../errors.js';
import { METRIC_NAME, dropMetricName, isValidLabelName, labelsKey, withoutLabels } from '../labels.js';
import { parseGoFloat } from '../lex.js';
import { compileAnchored, expandTemplate } from '../regex.js';
import type { Bucket } from './quantile.js';
import { bucketQuantile } from './quantile.js';
import type { StepGrid, StepSeries } from './value.js';
import { VectorBuilder, stepTime } from './value.js';

type Unary = (v: number) => number;

const SIMPLE: Readonly<Record<string, Unary>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  rad: (v) => (v * Math.PI) / 180,
  deg: (v) => (v * 180) / Math.PI,
  sgn: (v) => (v < 0 ? -1 : v > 0 ? 1 : v),
};

/** Maps every sample of every series through f, dropping the metric name; label clashes are errors. */
export function mapSeries(input: readonly StepSeries[], grid: StepGrid, f: (v: number, step: number) => number): StepSeries[] {
  const out = new VectorBuilder(grid);
  for (const s of input) {
    const labels = dropMetricName(s.labels);
    const idx = out.index(labels);
    for (let step = 0; step < grid.steps; step++) {
      if (s.present[step] === 1) out.set(idx, step, f(s.values[step] as number, step));
    }
  }
  return out.finish();
}

/** Go's time.Unix(int64(v), 0).UTC() broken down; v is seconds. */
function utcDate(seconds: number): Date {
  return new Date(Math.trunc(seconds) * 1000);
}

const DATE_FUNCS: Readonly<Record<string, (d: Date) => number>> = {
  day_of_month: (d) => d.getUTCDate(),
  day_of_week: (d) => d.getUTCDay(),
  day_of_year: (d) => {
    const start = Date.UTC(d.getUTCFullYear(), 0, 1);
    return Math.floor((d.getTime() - start) / 86_400_000) + 1;
  },
  days_in_month: (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate(),
  hour: (d) => d.getUTCHours(),
  minute: (d) => d.getUTCMinutes(),
  month: (d) => d.getUTCMonth() + 1,
  year: (d) => d.getUTCFullYear(),
};

export interface InstantArgs {
  /** Evaluated arguments in call order: vectors, scalars (per step), strings. */
  readonly values: readonly (StepSeries[] | Float64Array | string)[];
}

/** Evaluates a function call without range-vector arguments. Returns a vector's series or a scalar's values. */
export function callInstant(call: Call, args: InstantArgs, grid: StepGrid): StepSeries[] | Float64Array {
  const name = call.func.name;
  const a = args.values;
  const simple = SIMPLE[name];
  if (simple !== undefined) return mapSeries(a[0] as StepSeries[], grid, simple);
  const date = DATE_FUNCS[name];
  if (date !== undefined) {
    if (a.length === 0) {
      const out = new VectorBuilder(grid);
      const idx = out.index({}, '');
      for (let step = 0; step < grid.steps; step++) out.set(idx, step, date(utcDate(stepTime(grid, step) / 1000)));
      return out.finish();
    }
    return mapSeries(a[0] as StepSeries[], grid, (v) => dateOf(date, v));
  }
  switch (name) {
    case 'time':
      return Float64Array.from({ length: grid.steps }, (_, i) => stepTime(grid, i) / 1000);
    case 'pi':
      return new Float64Array(grid.steps).fill(Math.PI);
    case 'vector': {
      const s = a[0] as Float64Array;
      const out = new VectorBuilder(grid);
      const idx = out.index({}, '');
      for (let step = 0; step < grid.steps; step++) out.set(idx, step, s[step] as number);
      return out.finish();
    }
    case 'scalar': {
      const vec = a[0] as StepSeries[];
      const res = new Float64Array(grid.steps);
      for (let step = 0; step < grid.steps; step++) {
        let n = 0;
        let v = NaN;
        for (const s of vec) {
          if (s.present[step] === 1) {
            n++;
            v = s.values[step] as number;
          }
        }
        res[step] = n === 1 ? v : NaN;
      }
      return res;
    }
    case 'clamp': {
      const min = a[1] as Float64Array;
      const max = a[2] as Float64Array;
      const out = new VectorBuilder(grid);
      for (const s of a[0] as StepSeries[]) {
        const labels = dropMetricName(s.labels);
        let idx = -1;
        for (let step = 0; step < grid.steps; step++) {
          const lo = min[step] as number;
          const hi = max[step] as number;
          if (s.present[step] !== 1 || hi < lo) continue;
          if (idx < 0) idx = out.index(labels);
          out.set(idx, step, goMax(lo, goMin(hi, s.values[step] as number)));
        }
      }
      return out.finish();
    }
    case 'clamp_max': {
      const max = a[1] as Float64Array;
      return mapSeries(a[0] as StepSeries[], grid, (v, step) => goMin(max[step] as number, v));
    }
    case 'clamp_min': {
      const min = a[1] as Float64Array;
      return mapSeries(a[0] as StepSeries[], grid, (v, step) => goMax(min[step] as number, v));
    }
    case 'round': {
      const to = a.length > 1 ? (a[1] as Float64Array) : null;
      return mapSeries(a[0] as StepSeries[], grid, (v, step) => {
        const inv = 1 / (to === null ? 1 : (to[step] as number));
        return Math.floor(v * inv + 0.5) / inv;
      });
    }
    case 'timestamp':
      return mapSeries(a[0] as StepSeries[], grid, (_v, step) => stepTime(grid, step) / 1000);
    case 'sort':
    case 'sort_desc':
      return sortVector(a[0] as StepSeries[], grid, name === 'sort_desc');
    case 'absent':
      return absent(a[0] as StepSeries[], call.args[0] as Expr, grid);
    case 'label_replace':
      return labelReplace(a[0] as StepSeries[], a[1] as string, a[2] as string, a[3] as string, a[4] as string, grid);
    case 'label_join':
      return labelJoin(a[0] as StepSeries[], a[1] as string, a[2] as string, a.slice(3) as string[], grid);
    case 'histogram_quantile':
      return histogramQuantile(a[0] as Float64Array, a[1] as StepSeries[], grid);
    case 'histogram_count':
    case 'histogram_sum':
    case 'histogram_fraction':
      // Only native histograms have these; a store of float samples has none, so the result is empty.
      return [];
    default:
      throw execError(`function "${name}" is not implemented`);
  }
}

function dateOf(f: (d: Date) => number, v: number): number {
  // Go converts with int64(v): NaN and out-of-range values give the minimum int64, a date far in the past.
  if (!Number.isFinite(v) || Math.abs(v) > 8.64e12) return f(new Date(-8.64e15));
  return f(utcDate(v));
}

function goMax(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  return Math.max(x, y);
}

function goMin(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  return Math.min(x, y);
}

function sortVector(input: readonly StepSeries[], grid: StepGrid, desc: boolean): StepSeries[] {
  if (grid.steps !== 1) return input.slice();
  const present = input.filter((s) => s.present[0] === 1);
  // Ascending (or descending) with NaN last, as Prometheus's reversed heaps order them.
  present.sort((x, y) => {
    const a = x.values[0] as number;
    const b = y.values[0] as number;
    const an = Number.isNaN(a);
    const bn = Number.isNaN(b);
    if (an || bn) return an && bn ? 0 : an ? 1 : -1;
    return desc ? b - a : a - b;
  });
  return present;
}

/** Labels absent() reports: the equality matchers of the selector argument, once each (Prometheus's rule). */
export function absentLabels(arg: Expr): Labels {
  let inner = arg;
  while (inner.kind === 'paren' || inner.kind === 'stepInvariant') inner = inner.expr;
  let sel: VectorSelector | null = null;
  if (inner.kind === 'vectorSelector') sel = inner;
  else if (inner.kind === 'matrixSelector') sel = inner.selector;
  if (sel === null) return {};
  const out: Record<string, string> = {};
  const has = new Set<string>();
  for (const m of sel.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !has.has(m.name)) {
      if (m.value === '') delete out[m.name];
      else out[m.name] = m.value;
      has.add(m.name);
    } else delete out[m.name];
  }
  return out;
}

function absent(input: readonly StepSeries[], arg: Expr, grid: StepGrid): StepSeries[] {
  const labels = absentLabels(arg);
  const out = new VectorBuilder(grid);
  let idx = -1;
  for (let step = 0; step < grid.steps; step++) {
    if (input.some((s) => s.present[step] === 1)) continue;
    if (idx < 0) idx = out.index(labels);
    out.set(idx, step, 1);
  }
  return out.finish();
}

function labelReplace(input: readonly StepSeries[], dst: string, repl: string, src: string, regex: string, grid: StepGrid): StepSeries[] {
  let re;
  try {
    re = compileAnchored(regex);
  } catch {
    throw execError(`invalid regular expression in label_replace(): ${regex}`);
  }
  if (!isValidLabelName(dst)) throw execError(`invalid destination label name in label_replace(): ${dst}`);
  const out = new VectorBuilder(grid);
  for (const s of input) {
    const m = re.exec(s.labels[src] ?? '');
    let labels = s.labels;
    if (m !== null) {
      const res = expandTemplate(repl, m, re.names);
      const next: Record<string, string> = { ...s.labels };
      delete next[dst];
      if (res !== '') next[dst] = res;
      labels = next;
    }
    const idx = out.index(labels);
    for (let step = 0; step < grid.steps; step++) if (s.present[step] === 1) out.set(idx, step, s.values[step] as number);
  }
  return out.finish();
}

function labelJoin(input: readonly StepSeries[], dst: string, sep: string, srcs: readonly string[], grid: StepGrid): StepSeries[] {
  for (const src of srcs) if (!isValidLabelName(src)) throw execError(`invalid source label name in label_join(): ${src}`);
  if (!isValidLabelName(dst)) throw execError(`invalid destination label name in label_join(): ${dst}`);
  const out = new VectorBuilder(grid);
  for (const s of input) {
    const joined = srcs.map((n) => s.labels[n] ?? '').join(sep);
    const next: Record<string, string> = { ...s.labels };
    if (joined === '') delete next[dst];
    else next[dst] = joined;
    const idx = out.index(next);
    for (let step = 0; step < grid.steps; step++) if (s.present[step] === 1) out.set(idx, step, s.values[step] as number);
  }
  return out.finish();
}

function histogramQuantile(q: Float64Array, input: readonly StepSeries[], grid: StepGrid): StepSeries[] {
  // Group bucket series by their labels without `le` (and the name); a series without a parsable `le` is skipped.
  const groupOf = new Int32Array(input.length).fill(-1);
  const les = new Float64Array(input.length);
  const groupLabels: Labels[] = [];
  const byKey = new Map<string, number>();
  input.forEach((s, i) => {
    const le = parseGoFloat(s.labels.le ?? '');
    if (le === null || s.labels.le === undefined) return;
    les[i] = le;
    const gl = withoutLabels(s.labels, [METRIC_NAME, 'le']);
    const key = labelsKey(withoutLabels(s.labels, ['le']));
    let g = byKey.get(key);
    if (g === undefined) {
      g = groupLabels.length;
      groupLabels.push(gl);
      byKey.set(key, g);
    }
    groupOf[i] = g;
  });
  const buckets: Bucket[][] = groupLabels.map(() => []);
  const out = new VectorBuilder(grid);
  const outIdx = new Int32Array(groupLabels.length).fill(-1);
  for (let step = 0; step < grid.steps; step++) {
    for (const b of buckets) b.length = 0;
    for (let i = 0; i < input.length; i++) {
      const g = groupOf[i] as number;
      const s = input[i] as StepSeries;
      if (g < 0 || s.present[step] !== 1) continue;
      (buckets[g] as Bucket[]).push({ upperBound: les[i] as number, count: s.values[step] as number });
    }
    for (let g = 0; g < buckets.length; g++) {
      const b = buckets[g] as Bucket[];
      if (b.length === 0) continue;
      if ((outIdx[g] as number) < 0) outIdx[g] = out.index(groupLabels[g] as Labels);
      out.set(outIdx[g] as number, step, bucketQuantile(q[step] as number, b));
    }
  }
  return out.finish();
}

