// Running statistics for z-scores: EWMA mean/variance (adaptive alpha so the first samples act as a plain
// average) and a rolling window with running sums. States are plain JSON objects updated in place.

export interface Ewma {
  n: number;
  mean: number;
  var: number;
}

export function newEwma(): Ewma {
  return { n: 0, mean: 0, var: 0 };
}

export function ewmaPush(s: Ewma, x: number, alpha: number): void {
  s.n++;
  const a = Math.max(alpha, 1 / s.n);
  const d = x - s.mean;
  s.mean += a * d;
  s.var = (1 - a) * (s.var + a * d * d);
}

export interface Rolling {
  buf: number[];
  head: number;
  sum: number;
  sumSq: number;
  n: number;
}

export function newRolling(): Rolling {
  return { buf: [], head: 0, sum: 0, sumSq: 0, n: 0 };
}

export function rollingPush(s: Rolling, x: number, window: number): void {
  s.n++;
  if (s.buf.length < window) {
    s.buf.push(x);
  } else {
    const old = s.buf[s.head] as number;
    s.buf[s.head] = x;
    s.head = (s.head + 1) % window;
    s.sum -= old;
    s.sumSq -= old * old;
  }
  s.sum += x;
  s.sumSq += x * x;
}

export function rollingMean(s: Rolling): number {
  return s.buf.length === 0 ? 0 : s.sum / s.buf.length;
}

export function rollingVar(s: Rolling): number {
  const n = s.buf.length;
  if (n < 2) return 0;
  const m = s.sum / n;
  return Math.max(0, s.sumSq / n - m * m);
}

/**
 * z-score of `x` against (mean, variance). The standard deviation has a floor (1% of |mean|, at least 1e-9)
 * so that a perfectly regular series does not turn the slightest jitter into an infinite z.
 */
export function zScore(x: number, mean: number, variance: number): number {
  const std = Math.max(Math.sqrt(variance), Math.abs(mean) * 0.01, 1e-9);
  return (x - mean) / std;
}
