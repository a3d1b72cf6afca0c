// Selecting samples for a step: the instant-vector rule (latest sample at or before the step within the lookback,
// a stale marker ending the series) and the range-vector window [t - range, t], both as moving indexes over the
// series' sorted arrays, so a query over many steps reads each sample a bounded number of times.
import type { Labels, SeriesSamples } from '../querier.js';
import { STALE_NAN_BITS, isStaleNaN } from '../querier.js';
import { labelsKey } from '../labels.js';
import { tooManySamples } from '../errors.js';
import type { RangeSeries, StepGrid, StepSeries } from './value.js';
import { lowerBound, upperBound } from '../../tsdb/bounds.js';

/** A fetched series ready for evaluation: sorted arrays, stale markers flagged, a clean copy for range windows. */
export interface PreparedSeries {
  readonly labels: Labels;
  readonly key: string;
  readonly ts: Float64Array;
  readonly vals: Float64Array;
  /** 1 where the sample is a stale marker; null when the series has none. */
  readonly stale: Uint8Array | null;
  /** Points without stale markers (what range vectors see). */
  readonly clean: RangeSeries;
}

const STALE_HI = Number(STALE_NAN_BITS >> 32n);
const STALE_LO = Number(STALE_NAN_BITS & 0xffffffffn);

function toFloat64(a: ArrayLike<number>): Float64Array {
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

/** Prepares a selection: sorted like Prometheus's storage returns it (by label set), stale markers found by bit pattern. */
export function prepareSeries(input: readonly SeriesSamples[]): PreparedSeries[] {
  const out: PreparedSeries[] = [];
  for (const s of input) {
    const ts = toFloat64(s.timestamps);
    const vals = toFloat64(s.values);
    let stale: Uint8Array | null = null;
    const words = new Uint32Array(vals.buffer, vals.byteOffset, vals.length * 2);
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i] as number;
      if (v !== v) {
        // V8 may have set the quiet bit (0x7ff8…02): the payload decides, as isStaleNaN does.
        const isStale = ((words[2 * i + 1] as number) | 0x00080000) === (STALE_HI | 0x00080000) && words[2 * i] === STALE_LO;
        if (isStale || (!(s.values instanceof Float64Array) && isStaleNaN(s.values[i] as number))) {
          stale ??= new Uint8Array(vals.length);
          stale[i] = 1;
        }
      }
    }
    let clean: RangeSeries;
    if (stale === null) clean = { labels: s.labels, ts, vals };
    else {
      let n = 0;
      for (let i = 0; i < stale.length; i++) if (stale[i] === 0) n++;
      const cts = new Float64Array(n);
      const cvals = new Float64Array(n);
      for (let i = 0, j = 0; i < stale.length; i++) {
        if (stale[i] === 1) continue;
        cts[j] = ts[i] as number;
        cvals[j++] = vals[i] as number;
      }
      clean = { labels: s.labels, ts: cts, vals: cvals };
    }
    out.push({ labels: s.labels, key: labelsKey(s.labels), ts, vals, stale, clean });
  }
  return sortByLabels(out);
}

/** Sorts as Prometheus's storage returns series: by label set (labels.Compare), names sorted once per series. */
function sortByLabels<T extends { labels: Labels }>(items: T[]): T[] {
  const flat = new Map<T, string[]>();
  for (const it of items) {
    const names = Object.keys(it.labels).sort();
    const pairs: string[] = [];
    for (const n of names) pairs.push(n, it.labels[n] as string);
    flat.set(it, pairs);
  }
  return items.sort((a, b) => {
    const x = flat.get(a) as string[];
    const y = flat.get(b) as string[];
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const p = x[i] as string;
      const q = y[i] as string;
      if (p !== q) return p < q ? -1 : 1;
    }
    return x.length - y.length;
  });
}

/**
 * Instant-vector selection over the grid: at each step the latest sample at or before `ref = (at ?? t) - offset`,
 * if it is no older than the lookback and not a stale marker. Charges the budget per sample, as Prometheus does.
 */
export function selectInstant(series: readonly PreparedSeries[], grid: StepGrid, atMs: number | null, offsetMs: number, lookbackMs: number): StepSeries[] {
  const out: StepSeries[] = [];
  const budget = grid.budget;
  for (const s of series) {
    budget.check();
    const values = new Float64Array(grid.steps);
    const present = new Uint8Array(grid.steps);
    const { ts, vals, stale } = s;
    let j = -1; // index of the latest sample at or before ref
    let any = false;
    for (let step = 0; step < grid.steps; step++) {
      const ref = (atMs ?? grid.startMs + step * grid.intervalMs) - offsetMs;
      while (j + 1 < ts.length && (ts[j + 1] as number) <= ref) j++;
      if (j < 0 || (ts[j] as number) < ref - lookbackMs) continue;
      if (stale !== null && stale[j] === 1) continue;
      if (budget.current >= budget.max) throw tooManySamples();
      budget.current++;
      values[step] = vals[j] as number;
      present[step] = 1;
      any = true;
    }
    if (any) out.push({ labels: s.labels, key: s.key, values, present });
  }
  return out;
}

/** Sample timestamps (seconds) chosen by the instant-vector rule, for timestamp(selector). */
export function selectInstantTimestamps(series: readonly PreparedSeries[], grid: StepGrid, atMs: number | null, offsetMs: number, lookbackMs: number): StepSeries[] {
  const out: StepSeries[] = [];
  for (const s of series) {
    const values = new Float64Array(grid.steps);
    const present = new Uint8Array(grid.steps);
    const { ts, stale } = s;
    let j = -1;
    let any = false;
    for (let step = 0; step < grid.steps; step++) {
      const t = grid.startMs + step * grid.intervalMs;
      // Prometheus adjusts the offset per step for `@` here, so the reference time is the @ time.
      const ref = (atMs ?? t) - offsetMs;
      while (j + 1 < ts.length && (ts[j + 1] as number) <= ref) j++;
      if (j < 0 || (ts[j] as number) < ref - lookbackMs) continue;
      if (stale !== null && stale[j] === 1) continue;
      values[step] = (ts[j] as number) / 1000;
      present[step] = 1;
      any = true;
    }
    if (any) out.push({ labels: s.labels, key: s.key, values, present });
  }
  return out;
}

/** The points of one series in [end - range, end] (both inclusive, as in Prometheus 2.x). */
export function windowPoints(s: RangeSeries, endMs: number, rangeMs: number): RangeSeries {
  const lo = lowerBound(s.ts, endMs - rangeMs);
  const hi = upperBound(s.ts, endMs);
  return { labels: s.labels, ts: s.ts.subarray(lo, hi), vals: s.vals.subarray(lo, hi) };
}
