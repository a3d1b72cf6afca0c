// Aggregation operators (sum, avg, … count_values) with by/without, step by step in input order, as 2.42's
// aggregation(): plain summation for sum, the incremental mean for avg, Welford for stddev/stdvar, heaps'
// outcomes for topk/bottomk. Groups are computed once per input series, not per sample.
import type { AggregateExpr } from '../ast.js';
import type { Labels } from '../querier.js';
import { execError } from '../errors.js';
import { METRIC_NAME, isValidLabelName, labelsKey, onlyLabels, withoutLabels } from '../labels.js';
import { formatGoF } from '../format.js';
import { quantileSorted, sortWithNaNFirst } from './quantile.js';
import type { StepGrid, StepSeries } from './value.js';
import { VectorBuilder } from './value.js';

/** The grouping key and output labels of a series under by/without (Prometheus's grouping rules). */
export function groupLabels(labels: Labels, grouping: readonly string[], without: boolean): Labels {
  if (without) return withoutLabels(labels, [...grouping, METRIC_NAME]);
  if (grouping.length === 0) return {};
  return onlyLabels(labels, grouping);
}

interface Groups {
  /** Group index of each input series. */
  readonly of: Int32Array;
  readonly labels: Labels[];
  readonly keys: string[];
}

function assignGroups(input: readonly StepSeries[], grouping: readonly string[], without: boolean): Groups {
  const of = new Int32Array(input.length);
  const labels: Labels[] = [];
  const keys: string[] = [];
  const byKey = new Map<string, number>();
  input.forEach((s, i) => {
    const gl = groupLabels(s.labels, grouping, without);
    const key = labelsKey(gl);
    let g = byKey.get(key);
    if (g === undefined) {
      g = labels.length;
      labels.push(gl);
      keys.push(key);
      byKey.set(key, g);
    }
    of[i] = g;
  });
  return { of, labels, keys };
}

/** Evaluates an aggregation over the grid. `param` is the scalar (topk, bottomk, quantile) or string (count_values). */
export function aggregate(e: AggregateExpr, input: readonly StepSeries[], param: Float64Array | string | null, grid: StepGrid): StepSeries[] {
  switch (e.op) {
    case 'topk':
    case 'bottomk':
      return topBottom(e, input, param as Float64Array, grid);
    case 'quantile':
      return quantileAgg(e, input, param as Float64Array, grid);
    case 'count_values':
      return countValues(e, input, param as string, grid);
    default:
      return simple(e, input, grid);
  }
}

function simple(e: AggregateExpr, input: readonly StepSeries[], grid: StepGrid): StepSeries[] {
  const groups = assignGroups(input, e.grouping, e.without);
  const n = groups.labels.length;
  const steps = grid.steps;
  // One cell per (group, step). Series-major order keeps each cell's inputs in series order, as Prometheus
  // adds them, while reading every input array sequentially.
  const value = new Float64Array(n * steps);
  const mean = new Float64Array(n * steps);
  const count = new Float64Array(n * steps);
  const firstSeen = new Int32Array(n).fill(-1); // for the output order: the first input series of each group
  const op = e.op;
  for (let si = 0; si < input.length; si++) {
    if ((si & 63) === 0) grid.budget.check();
    const s = input[si] as StepSeries;
    const g = groups.of[si] as number;
    const base = g * steps;
    const present = s.present;
    const vals = s.values;
    for (let step = 0; step < steps; step++) {
      if (present[step] !== 1) continue;
      const v = vals[step] as number;
      const cell = base + step;
      const c = (count[cell] as number) + 1;
      count[cell] = c;
      if (c === 1) {
        if (firstSeen[g] === -1) firstSeen[g] = si;
        value[cell] = op === 'stddev' || op === 'stdvar' ? 0 : op === 'group' ? 1 : v;
        mean[cell] = v;
        continue;
      }
      switch (op) {
        case 'sum':
          value[cell] = (value[cell] as number) + v;
          break;
        case 'avg': {
          const m = mean[cell] as number;
          if (m === Infinity || m === -Infinity) {
            if ((v === Infinity || v === -Infinity) && m > 0 === v > 0) break;
            if (Number.isFinite(v)) break;
          }
          mean[cell] = m + (v / c - m / c);
          break;
        }
        case 'max': {
          const cur = value[cell] as number;
          if (cur < v || cur !== cur) value[cell] = v;
          break;
        }
        case 'min': {
          const cur = value[cell] as number;
          if (cur > v || cur !== cur) value[cell] = v;
          break;
        }
        case 'stddev':
        case 'stdvar': {
          const delta = v - (mean[cell] as number);
          mean[cell] = (mean[cell] as number) + delta / c;
          value[cell] = (value[cell] as number) + delta * (v - (mean[cell]));
          break;
        }
        default:
          break;
      }
    }
  }
  const out = new VectorBuilder(grid);
  const order = [...firstSeen.keys()].filter((g) => (firstSeen[g] as number) >= 0).sort((a, b) => (firstSeen[a] as number) - (firstSeen[b] as number));
  for (const g of order) {
    const oi = out.index(groups.labels[g] as Labels, groups.keys[g]);
    const base = g * steps;
    for (let step = 0; step < steps; step++) {
      const cell = base + step;
      const c = count[cell] as number;
      if (c === 0) continue;
      let v: number;
      switch (op) {
        case 'avg':
          v = mean[cell] as number;
          break;
        case 'count':
          v = c;
          break;
        case 'stdvar':
          v = (value[cell] as number) / c;
          break;
        case 'stddev':
          v = Math.sqrt((value[cell] as number) / c);
          break;
        default:
          v = value[cell] as number;
      }
      out.set(oi, step, v);
    }
  }
  return out.finish();
}

function toK(f: number): number {
  // Prometheus's convertibleToInt64 check, then int64(f) truncation.
  if (!(f <= 9.223372036854775e18 && f >= -9.223372036854776e18)) throw execError(`Scalar value ${formatScalarForError(f)} overflows int64`);
  return Math.trunc(f);
}

function formatScalarForError(f: number): string {
  return Number.isNaN(f) ? 'NaN' : f === Infinity ? '+Inf' : f === -Infinity ? '-Inf' : String(f);
}

function topBottom(e: AggregateExpr, input: readonly StepSeries[], param: Float64Array, grid: StepGrid): StepSeries[] {
  const groups = assignGroups(input, e.grouping, e.without);
  const members: number[][] = groups.labels.map(() => []);
  const out = new VectorBuilder(grid);
  const outIndex = new Int32Array(input.length).fill(-1);
  const top = e.op === 'topk';
  const order: number[] = [];
  for (let step = 0; step < grid.steps; step++) {
    const k = toK(param[step] as number);
    if (k < 1) continue;
    order.length = 0;
    for (const m of members) m.length = 0;
    for (let si = 0; si < input.length; si++) {
      const s = input[si] as StepSeries;
      if (s.present[step] !== 1) continue;
      const g = groups.of[si] as number;
      if ((members[g] as number[]).length === 0) order.push(g);
      (members[g] as number[]).push(si);
    }
    for (const g of order) {
      const list = members[g] as number[];
      const val = (si: number): number => (input[si] as StepSeries).values[step] as number;
      // Best first; NaN always last (it loses against every number in Prometheus's heaps).
      const sorted = list.slice().sort((a, b) => {
        const x = val(a);
        const y = val(b);
        const xn = Number.isNaN(x);
        const yn = Number.isNaN(y);
        if (xn || yn) return xn && yn ? 0 : xn ? 1 : -1;
        return top ? y - x : x - y;
      });
      for (const si of sorted.slice(0, k)) {
        let oi = outIndex[si] as number;
        if (oi < 0) {
          const s = input[si] as StepSeries;
          oi = out.index(s.labels, s.key);
          outIndex[si] = oi;
        }
        out.set(oi, step, val(si));
      }
    }
  }
  return out.finish();
}

function quantileAgg(e: AggregateExpr, input: readonly StepSeries[], param: Float64Array, grid: StepGrid): StepSeries[] {
  const groups = assignGroups(input, e.grouping, e.without);
  const values: number[][] = groups.labels.map(() => []);
  const out = new VectorBuilder(grid);
  const outIndex = new Int32Array(groups.labels.length).fill(-1);
  const order: number[] = [];
  for (let step = 0; step < grid.steps; step++) {
    order.length = 0;
    for (const v of values) v.length = 0;
    for (let si = 0; si < input.length; si++) {
      const s = input[si] as StepSeries;
      if (s.present[step] !== 1) continue;
      const g = groups.of[si] as number;
      if ((values[g] as number[]).length === 0) order.push(g);
      (values[g] as number[]).push(s.values[step] as number);
    }
    for (const g of order) {
      const list = values[g] as number[];
      sortWithNaNFirst(list);
      let oi = outIndex[g] as number;
      if (oi < 0) {
        oi = out.index(groups.labels[g] as Labels, groups.keys[g]);
        outIndex[g] = oi;
      }
      out.set(oi, step, quantileSorted(param[step] as number, list));
    }
  }
  return out.finish();
}

function countValues(e: AggregateExpr, input: readonly StepSeries[], valueLabel: string, grid: StepGrid): StepSeries[] {
  if (!isValidLabelName(valueLabel)) throw execError(`invalid label name ${JSON.stringify(valueLabel)}`);
  const grouping = e.without ? e.grouping : [...e.grouping, valueLabel];
  const out = new VectorBuilder(grid);
  const counts = new Map<string, { labels: Labels; n: number }>();
  for (let step = 0; step < grid.steps; step++) {
    counts.clear();
    for (const s of input) {
      if (s.present[step] !== 1) continue;
      const labels: Record<string, string> = { ...s.labels, [valueLabel]: formatGoF(s.values[step] as number) };
      const gl = groupLabels(labels, grouping, e.without);
      const key = labelsKey(gl);
      const c = counts.get(key);
      if (c === undefined) counts.set(key, { labels: gl, n: 1 });
      else c.n++;
    }
    for (const [key, c] of counts) out.set(out.index(c.labels, key), step, c.n);
  }
  return out.finish();
}

