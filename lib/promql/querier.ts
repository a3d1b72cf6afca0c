// The read side the PromQL engine needs from a metrics store, and nothing more: the engine collects every
// selector of a query with its time range first, fetches them through this port, then evaluates without I/O.
// The store adapters (SQLite, MongoDB) and an external Prometheus implement it; the engine's tests use an
// in-memory one built from `load` blocks.

/** A series' labels, `__name__` included. Immutable once returned. */
export type Labels = Readonly<Record<string, string>>;

export type MatchType = '=' | '!=' | '=~' | '!~';

/** One label matcher; regular expressions are fully anchored, as in Prometheus. */
export interface LabelMatcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
}

/** A series and its samples in [startMs, endMs], ascending by timestamp; stale markers kept as STALE_NAN. */
export interface SeriesSamples {
  readonly labels: Labels;
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** The time range a selection must cover (inclusive, ms since the epoch) and the caller's budget. */
export interface SelectRange {
  readonly startMs: number;
  readonly endMs: number;
  /** Stop when more samples than this would be returned (the engine turns it into Prometheus's error). */
  readonly maxSamples?: number;
  readonly signal?: AbortSignal;
}

/** One tenant's metrics, read-only. */
export interface Querier {
  select(matchers: readonly LabelMatcher[], range: SelectRange): Promise<SeriesSamples[]>;
  /** Label sets of the series that match every matcher of any one set and have a sample in the range. */
  series(matcherSets: readonly (readonly LabelMatcher[])[], range: SelectRange): Promise<Labels[]>;
  labelNames(matcherSets: readonly (readonly LabelMatcher[])[], range: SelectRange): Promise<string[]>;
  labelValues(name: string, matcherSets: readonly (readonly LabelMatcher[])[], range: SelectRange): Promise<string[]>;
  /**
   * How many series match, cheaper than `series` (no labels built, no time bounds read): an upper bound, series
   * without samples in the range may count. For estimates (lib/promql-offload); optional.
   */
  countSeries?(matchers: readonly LabelMatcher[]): Promise<number>;
}

/** Prometheus's staleness marker: a NaN with this exact bit pattern ends a series at its timestamp. */
export const STALE_NAN_BITS = 0x7ff0000000000002n;
const staleView = new DataView(new ArrayBuffer(8));
staleView.setBigUint64(0, STALE_NAN_BITS);
export const STALE_NAN: number = staleView.getFloat64(0);

/**
 * Whether a value is the staleness marker (not merely any NaN). V8 may set the quiet bit of a signalling NaN
 * when it stores it in a double array or typed array (0x7ff0…02 becomes 0x7ff8…02), so the payload decides,
 * as it does when such a value is written back out (chunks and remote_read write the exact STALE_NAN_BITS).
 */
export function isStaleNaN(value: number): boolean {
  if (!Number.isNaN(value)) return false;
  staleView.setFloat64(0, value);
  return (staleView.getUint32(0) | 0x00080000) === 0x7ff80000 && staleView.getUint32(4) === 2;
}

/**
 * Thrown by `select` when the selection would return more than `maxSamples` samples; the engine answers it with
 * Prometheus's "query processing would load too many samples into memory" (errorType execution).
 */
export class SampleLimitError extends Error {
  constructor(readonly limit: number) {
    super(`query processing would load more than ${limit} samples`);
    this.name = 'SampleLimitError';
  }
}

/**
 * Writes the staleness marker into a Float64Array by bit pattern. Assigning STALE_NAN through a plain JavaScript
 * array can lose the NaN payload (engines canonicalize NaNs in double arrays), so series builders use this.
 */
export function setStaleNaN(values: Float64Array, index: number): void {
  new DataView(values.buffer, values.byteOffset + index * 8, 8).setBigUint64(0, STALE_NAN_BITS, true);
}
