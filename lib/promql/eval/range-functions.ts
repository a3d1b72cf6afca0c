// Functions over a range window of one series (rate, increase, *_over_time, …), as Prometheus 2.42 computes them,
// including its Kahan (Neumaier) summation where 2.42 uses it. Each reads ts/vals[lo, hi) and returns the value,
// or undefined when the function yields no sample for that window; nothing is allocated per call.
import { execError } from '../errors.js';
import { quantileSorted, sortWithNaNFirst } from './quantile.js';

export interface RangeContext {
  /** The evaluation time of the step (Prometheus's enh.Ts). */
  stepMs: number;
  /** The window's bounds: [end - range, end], end = (@ ?? step) - offset. */
  rangeStartMs: number;
  rangeEndMs: number;
  rangeMs: number;
  /** Scalar arguments at this step (quantile_over_time's q, predict_linear's t, holt_winters' factors). */
  arg1: number;
  arg2: number;
  /**
   * Indexes i of the series where vals[i] < vals[i-1] (counter resets), ascending, and a cursor into them that
   * only moves forward as windows do: rate/increase/resets then visit only the resets inside a window, adding in
   * the same order as Prometheus's full scan (so the result is bit-identical).
   */
  resets: Int32Array | null;
  resetCursor: number;
}

/** The counter-reset positions of a series (see RangeContext.resets). */
export function findResets(vals: Float64Array): Int32Array {
  let n = 0;
  for (let i = 1; i < vals.length; i++) if ((vals[i] as number) < (vals[i - 1] as number)) n++;
  const out = new Int32Array(n);
  for (let i = 1, j = 0; i < vals.length; i++) if ((vals[i] as number) < (vals[i - 1] as number)) out[j++] = i;
  return out;
}

/** First reset index in (lo, hi) from the cursor on, moving the cursor past resets before lo + 1. */
function firstReset(ctx: RangeContext, lo: number): number {
  const r = ctx.resets as Int32Array;
  let c = ctx.resetCursor;
  while (c < r.length && (r[c] as number) <= lo) c++;
  ctx.resetCursor = c;
  return c;
}

export type RangeFunction = (ts: Float64Array, vals: Float64Array, lo: number, hi: number, ctx: RangeContext) => number | undefined;

/** Neumaier's improvement of Kahan summation, exactly as 2.42's kahanSumInc. */
export function kahanInc(inc: number, sum: number, c: number, out: Float64Array): void {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  out[0] = t;
  out[1] = c;
}

const k1 = new Float64Array(2);
const k2 = new Float64Array(2);
const k3 = new Float64Array(2);
const k4 = new Float64Array(2);

function extrapolatedRate(ts: Float64Array, vals: Float64Array, lo: number, hi: number, ctx: RangeContext, isCounter: boolean, isRate: boolean): number | undefined {
  const n = hi - lo;
  if (n < 2) return undefined;
  const first = vals[lo] as number;
  const last = vals[hi - 1] as number;
  let result = last - first;
  if (isCounter) {
    if (ctx.resets !== null) {
      const r = ctx.resets;
      for (let c = firstReset(ctx, lo); c < r.length && (r[c] as number) < hi; c++) result += vals[(r[c] as number) - 1] as number;
    } else {
      let prev = first;
      for (let i = lo + 1; i < hi; i++) {
        const cur = vals[i] as number;
        if (cur < prev) result += prev;
        prev = cur;
      }
    }
  }
  const tFirst = ts[lo] as number;
  const tLast = ts[hi - 1] as number;
  let durationToStart = (tFirst - ctx.rangeStartMs) / 1000;
  const durationToEnd = (ctx.rangeEndMs - tLast) / 1000;
  const sampledInterval = (tLast - tFirst) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  if (isCounter && result > 0 && first >= 0) {
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval += durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2;
  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= ctx.rangeMs / 1000;
  return result * factor;
}

function instantValue(ts: Float64Array, vals: Float64Array, lo: number, hi: number, isRate: boolean): number | undefined {
  if (hi - lo < 2) return undefined;
  const last = vals[hi - 1] as number;
  const prev = vals[hi - 2] as number;
  let result = isRate && last < prev ? last : last - prev;
  const interval = (ts[hi - 1] as number) - (ts[hi - 2] as number);
  if (interval === 0) return undefined;
  if (isRate) result /= interval / 1000;
  return result;
}

/** 2.42's linearRegression: slope and intercept at interceptMs, Kahan-summed. */
function linearRegression(ts: Float64Array, vals: Float64Array, lo: number, hi: number, interceptMs: number, out: Float64Array): void {
  let n = 0;
  let sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  const initY = vals[lo] as number;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const v = vals[i] as number;
    if (constY && i > lo && v !== initY) constY = false;
    n += 1;
    const x = ((ts[i] as number) - interceptMs) / 1e3;
    kahanInc(x, sumX, cX, k1);
    sumX = k1[0] as number;
    cX = k1[1] as number;
    kahanInc(v, sumY, cY, k2);
    sumY = k2[0] as number;
    cY = k2[1] as number;
    kahanInc(x * v, sumXY, cXY, k3);
    sumXY = k3[0] as number;
    cXY = k3[1] as number;
    kahanInc(x * x, sumX2, cX2, k4);
    sumX2 = k4[0] as number;
    cX2 = k4[1] as number;
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) {
      out[0] = NaN;
      out[1] = NaN;
    } else {
      out[0] = 0;
      out[1] = initY;
    }
    return;
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  out[0] = slope;
  out[1] = sumY / n - (slope * sumX) / n;
}

const reg = new Float64Array(2);
let scratch = new Float64Array(64);

export const RANGE_FUNCTIONS: Readonly<Record<string, RangeFunction>> = {
  rate: (ts, vals, lo, hi, ctx) => extrapolatedRate(ts, vals, lo, hi, ctx, true, true),
  increase: (ts, vals, lo, hi, ctx) => extrapolatedRate(ts, vals, lo, hi, ctx, true, false),
  delta: (ts, vals, lo, hi, ctx) => extrapolatedRate(ts, vals, lo, hi, ctx, false, false),
  irate: (ts, vals, lo, hi) => instantValue(ts, vals, lo, hi, true),
  idelta: (ts, vals, lo, hi) => instantValue(ts, vals, lo, hi, false),
  deriv(ts, vals, lo, hi) {
    if (hi - lo < 2) return undefined;
    linearRegression(ts, vals, lo, hi, ts[lo] as number, reg);
    return reg[0];
  },
  predict_linear(ts, vals, lo, hi, ctx) {
    if (hi - lo < 2) return undefined;
    linearRegression(ts, vals, lo, hi, ctx.stepMs, reg);
    return (reg[0] as number) * ctx.arg1 + (reg[1] as number);
  },
  resets(_ts, vals, lo, hi, ctx) {
    if (ctx.resets !== null) {
      const r = ctx.resets;
      let c = firstReset(ctx, lo);
      const from = c;
      while (c < r.length && (r[c] as number) < hi) c++;
      return c - from;
    }
    let resets = 0;
    let prev = vals[lo] as number;
    for (let i = lo + 1; i < hi; i++) {
      const cur = vals[i] as number;
      if (cur < prev) resets++;
      prev = cur;
    }
    return resets;
  },
  changes(_ts, vals, lo, hi) {
    let changes = 0;
    let prev = vals[lo] as number;
    for (let i = lo + 1; i < hi; i++) {
      const cur = vals[i] as number;
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
      prev = cur;
    }
    return changes;
  },
  avg_over_time(_ts, vals, lo, hi) {
    let mean = 0, count = 0, c = 0;
    for (let i = lo; i < hi; i++) {
      const v = vals[i] as number;
      count++;
      if (mean === Infinity || mean === -Infinity) {
        if ((v === Infinity || v === -Infinity) && mean > 0 === v > 0) continue;
        if (Number.isFinite(v)) continue;
      }
      kahanInc(v / count - mean / count, mean, c, k1);
      mean = k1[0] as number;
      c = k1[1] as number;
    }
    if (mean === Infinity || mean === -Infinity) return mean;
    return mean + c;
  },
  count_over_time: (_ts, _vals, lo, hi) => hi - lo,
  last_over_time: (_ts, vals, _lo, hi) => vals[hi - 1],
  max_over_time(_ts, vals, lo, hi) {
    let max = vals[lo] as number;
    for (let i = lo; i < hi; i++) {
      const v = vals[i] as number;
      if (v > max || Number.isNaN(max)) max = v;
    }
    return max;
  },
  min_over_time(_ts, vals, lo, hi) {
    let min = vals[lo] as number;
    for (let i = lo; i < hi; i++) {
      const v = vals[i] as number;
      if (v < min || Number.isNaN(min)) min = v;
    }
    return min;
  },
  sum_over_time(_ts, vals, lo, hi) {
    let sum = 0, c = 0;
    for (let i = lo; i < hi; i++) {
      kahanInc(vals[i] as number, sum, c, k1);
      sum = k1[0] as number;
      c = k1[1] as number;
    }
    if (sum === Infinity || sum === -Infinity) return sum;
    return sum + c;
  },
  quantile_over_time(_ts, vals, lo, hi, ctx) {
    const n = hi - lo;
    if (scratch.length < n) scratch = new Float64Array(n * 2);
    const buf = scratch.subarray(0, n);
    buf.set(vals.subarray(lo, hi));
    sortWithNaNFirst(buf);
    return quantileSorted(ctx.arg1, buf);
  },
  stddev_over_time: (_ts, vals, lo, hi) => Math.sqrt(variance(vals, lo, hi)),
  stdvar_over_time: (_ts, vals, lo, hi) => variance(vals, lo, hi),
  present_over_time: () => 1,
  absent_over_time: () => 1,
  holt_winters(_ts, vals, lo, hi, ctx) {
    const sf = ctx.arg1;
    const tf = ctx.arg2;
    if (sf <= 0 || sf >= 1) throw execError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf.toFixed(6)}`);
    if (tf <= 0 || tf >= 1) throw execError(`invalid trend factor. Expected: 0 < tf < 1, got: ${tf.toFixed(6)}`);
    if (hi - lo < 2) return undefined;
    let s0 = 0;
    let s1 = vals[lo] as number;
    let b = (vals[lo + 1] as number) - (vals[lo] as number);
    for (let i = 1; i < hi - lo; i++) {
      const x = sf * (vals[lo + i] as number);
      b = i - 1 === 0 ? b : tf * (s1 - s0) + (1 - tf) * b;
      const y = (1 - sf) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    return s1;
  },
};

function variance(vals: Float64Array, lo: number, hi: number): number {
  let count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (let i = lo; i < hi; i++) {
    const v = vals[i] as number;
    count++;
    const delta = v - (mean + cMean);
    kahanInc(delta / count, mean, cMean, k1);
    mean = k1[0] as number;
    cMean = k1[1] as number;
    kahanInc(delta * (v - (mean + cMean)), aux, cAux, k2);
    aux = k2[0] as number;
    cAux = k2[1] as number;
  }
  return (aux + cAux) / count;
}
