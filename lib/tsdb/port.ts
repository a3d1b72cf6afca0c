// The metrics store port: series index plus compressed chunks, one tenant at a time. Two adapters (SQLite,
// MongoDB) implement it and pass one conformance suite (lib/store/conformance/metrics.ts). Pure types.
import type { MetricType } from '../events/event.js';
import type { Querier } from '../promql/querier.js';

/** One series' samples to append; `labels` holds `__name__`. Timestamps need not be sorted. */
export interface SeriesAppend {
  labels: Readonly<Record<string, string>>;
  target: string;
  type: MetricType;
  unit?: string;
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** What an append did, sample by sample. Refused samples are counted by reason, never stored. */
export interface AppendReport {
  appended: number;
  /** Same series and timestamp as a stored sample: nothing changed (a replay, or a resend). */
  duplicates: number;
  /** Older than the series' newest sample by more than the out-of-order window. */
  tooOld: number;
  /** Samples of new series refused because the tenant is at its active-series limit. */
  overSeriesLimit: number;
  /** Series created by this append. */
  newSeries: number;
}

export interface MetricsLimits {
  /** Series a tenant may have in the index (series with samples within retention). */
  maxSeriesPerTenant: number;
  /** Samples up to this much older than a series' newest are accepted (in any order); older ones refused. */
  outOfOrderWindowMs: number;
}

export const DEFAULT_METRICS_LIMITS: MetricsLimits = Object.freeze({ maxSeriesPerTenant: 1_000_000, outOfOrderWindowMs: 10 * 60_000 });

/** One sample as `/api/metrics` lists it. */
export interface SampleRow {
  seriesId: string;
  labels: Record<string, string>;
  target: string;
  type: MetricType;
  unit?: string;
  ts: number;
  value: number;
}

export interface SampleQuery {
  tenant: string;
  name?: string;
  target?: string;
  /** Exact label values the series must have. */
  labels?: Record<string, string>;
  /** [from, to) epoch ms. */
  from?: number;
  to?: number;
  limit: number;
  order: 'asc' | 'desc';
  /** After this (ts, seriesId) in `order`. */
  after?: { ts: number; seriesId: string };
}

/** A metric family's type and unit, as `/api/prom/api/v1/metadata` lists them. */
export interface MetricMetadata {
  name: string;
  type: MetricType;
  unit: string;
}

export interface MetricsStore {
  /** Appends one tenant's samples under its limits (default DEFAULT_METRICS_LIMITS); idempotent for samples already stored. */
  append(tenant: string, series: readonly SeriesAppend[], limits?: MetricsLimits): Promise<AppendReport>;
  /** The PromQL storage port over one tenant's series. */
  querier(tenant: string): Querier;
  /** Samples in (ts, seriesId) order, for `/api/metrics`. */
  samples(q: SampleQuery): Promise<SampleRow[]>;
  metadata(tenant: string, metric?: string, limit?: number): Promise<MetricMetadata[]>;
  /** Series in the tenant's index. */
  seriesCount(tenant: string): Promise<number>;
  /** Tenants with series in the index (retention walks them). */
  tenants(): Promise<string[]>;
  /** For each label set, whether the tenant's index holds that series (ingest refuses new series over the limit). */
  knownSeries(tenant: string, labels: readonly Readonly<Record<string, string>>[]): Promise<boolean[]>;
  /**
   * Moves head samples older than the out-of-order window into chunks (series whose samples stopped coming
   * would otherwise keep them in the head); `all` moves every head sample (benchmarks, shutdown).
   */
  compact(opts?: { all?: boolean; outOfOrderWindowMs?: number }): Promise<void>;
  /** Drops samples before `before` (epoch ms) of one tenant (null: all tenants), and series left empty. Returns samples dropped (approximately, by chunk). */
  deleteBefore(tenant: string | null, before: number): Promise<number>;
}
