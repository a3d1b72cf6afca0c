// The engine's in-memory values. An instant vector evaluated over the query's steps is a list of series, each a
// dense Float64Array over the steps with a presence mask (no per-sample objects); range vectors keep their points.
import type { Labels } from '../querier.js';
import { execError, tooManySamples } from '../errors.js';
import { labelsKey } from '../labels.js';

/** One series of an instant vector over all steps of an evaluation. */
export interface StepSeries {
  readonly labels: Labels;
  readonly key: string;
  readonly values: Float64Array;
  /** 1 where the series has a value at that step. */
  readonly present: Uint8Array;
}

/** One series of a range vector: its points in ascending time (ms), stale markers removed. */
export interface RangeSeries {
  readonly labels: Labels;
  readonly ts: Float64Array;
  readonly vals: Float64Array;
}

export type Value =
  | { readonly type: 'vector'; readonly series: StepSeries[] }
  | { readonly type: 'scalar'; readonly values: Float64Array }
  | { readonly type: 'matrix'; readonly series: RangeSeries[] }
  | { readonly type: 'string'; readonly value: string };

/** The evaluation grid and the shared budget, which every operator needs and nothing more. */
export interface StepGrid {
  readonly startMs: number;
  readonly intervalMs: number;
  readonly steps: number;
  readonly budget: SampleBudget;
}

/** Prometheus's max-samples accounting: samples held in memory by the query at any one time. */
export interface SampleBudget {
  current: number;
  readonly max: number;
  /** Throws a timeout or cancellation error when the query must stop. */
  check(): void;
}

export function stepTime(grid: StepGrid, step: number): number {
  return grid.startMs + step * grid.intervalMs;
}

/** Collects output series of an operator step by step; two samples of one label set at one step are an error. */
export class VectorBuilder {
  readonly series: StepSeries[] = [];
  private readonly byKey = new Map<string, number>();
  private points = 0;

  constructor(private readonly grid: StepGrid) {}

  /** The output series of this label set (created on first use; key computed when not given). */
  index(labels: Labels, key: string = labelsKey(labels)): number {
    let i = this.byKey.get(key);
    if (i === undefined) {
      i = this.series.length;
      this.series.push({ labels, key, values: new Float64Array(this.grid.steps), present: new Uint8Array(this.grid.steps) });
      this.byKey.set(key, i);
    }
    return i;
  }

  set(index: number, step: number, value: number): void {
    const s = this.series[index] as StepSeries;
    if (s.present[step] === 1) throw execError('vector cannot contain metrics with the same labelset');
    s.present[step] = 1;
    s.values[step] = value;
    this.points++;
  }

  /** Output series that got at least one sample, with the budget charged for their points. */
  finish(): StepSeries[] {
    const out = this.series.filter((s) => s.present.includes(1));
    const budget = this.grid.budget;
    budget.current += this.points;
    if (budget.current > budget.max) throw tooManySamples();
    return out;
  }
}


/** A scalar over the grid, every step the same value. */
export function constantScalar(grid: StepGrid, v: number): Float64Array {
  return new Float64Array(grid.steps).fill(v);
}

/** Points held by a vector (for the budget). */
export function countPoints(series: readonly StepSeries[]): number {
  let n = 0;
  for (const s of series) for (let i = 0; i < s.present.length; i++) n += s.present[i] as number;
  return n;
}
