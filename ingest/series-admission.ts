// Per-tenant series limits at the door, so a Prometheus sender hears of them (the store enforces the same limit
// again when the persister appends, after the answer): a series with more labels than the tenant's limit, and
// the samples of new series once the tenant holds its limit of series, are refused with the reason. Both are
// answered 400 by remote_write (data that will not be accepted however often it is sent: Prometheus drops the
// batch instead of retrying it forever, as it does for Cortex's and Mimir's per-tenant limits); the samples of
// known series in the same request are stored. "Try later" (the persist backlog, the tenant's request rate) is
// 429 with Retry-After elsewhere.
//
// The index is asked only near the limit: while the tenant's series count (cached for a few seconds) leaves room
// for every series of a request, it passes untouched. Several ingest replicas may each admit up to that room
// at once; the store's own check is exact.
import type { Rejection } from './parse/values.js';
import type { BatchSeries } from '../lib/tsdb/batch.js';
import type { MetricsStore } from '../lib/tsdb/port.js';
import type { TenantMetricsLimits } from '../lib/config/metrics-tenants.js';

export type SeriesRefusal = 'labels_per_series' | 'series_limit';

export interface Admitted {
  series: readonly BatchSeries[];
  rejected: Rejection[];
  refused: Map<SeriesRefusal, number>;
}

export interface SeriesAdmission {
  /** The series that may go in, and one rejection per refused sample. */
  admit(tenant: string, series: readonly BatchSeries[]): Promise<Admitted>;
  /**
   * What a request of `tenant` may bring without asking the index (cached count): a parse worker thread admits a
   * request within it on its own (admitWithin), and hands the series back to admit() only near the limit.
   */
  headroom(tenant: string): Promise<SeriesHeadroom>;
}

export interface SeriesHeadroom {
  maxLabelsPerSeries: number;
  /** New series that fit under the tenant's limit. */
  room: number;
}

function refuse(out: Admitted, s: BatchSeries, why: SeriesRefusal, error: string): void {
  const first = s.firstIndex ?? 0;
  for (let k = 0; k < s.timestamps.length; k++) out.rejected.push({ index: first + k, error });
  out.refused.set(why, (out.refused.get(why) ?? 0) + s.timestamps.length);
}

/**
 * Refuses the series with more labels than allowed; the others are kept in `series` (the input array itself when
 * none is refused: the common case costs no copy). Pure.
 */
function checkLabels(series: readonly BatchSeries[], maxLabelsPerSeries: number): Admitted {
  const out: Admitted = { series, rejected: [], refused: new Map() };
  let kept: BatchSeries[] | undefined;
  for (let i = 0; i < series.length; i++) {
    const s = series[i] as BatchSeries;
    const n = s.labelCount ?? Object.keys(s.labels).length;
    if (n > maxLabelsPerSeries) {
      kept ??= series.slice(0, i);
      refuse(out, s, 'labels_per_series', `series ${s.labels.__name__ ?? ''} has ${n} labels, over the tenant's limit of ${maxLabelsPerSeries} (INGEST_MAX_SERIES_LABELS / METRICS_TENANT_LIMITS labels=)`);
    } else kept?.push(s);
  }
  if (kept) out.series = kept;
  return out;
}

/** admit() without the index, as long as every kept series fits in the headroom; undefined near the limit. Pure. */
export function admitWithin(series: readonly BatchSeries[], h: SeriesHeadroom): Admitted | undefined {
  const out = checkLabels(series, h.maxLabelsPerSeries);
  return out.series.length === 0 || out.series.length <= h.room ? out : undefined;
}

export function createSeriesAdmission(deps: {
  metrics: Pick<MetricsStore, 'seriesCount' | 'knownSeries'>;
  limitsOf: (tenant: string) => TenantMetricsLimits;
  /** How long a tenant's series count is trusted (default 5 s). */
  countTtlMs?: number;
  now?: () => number;
}): SeriesAdmission {
  const now = deps.now ?? Date.now;
  const ttl = deps.countTtlMs ?? 5_000;
  const counts = new Map<string, { n: number; at: number }>();

  async function countOf(tenant: string, fresh: boolean): Promise<number> {
    const c = counts.get(tenant);
    if (!fresh && c && now() - c.at < ttl) return c.n;
    const n = await deps.metrics.seriesCount(tenant);
    counts.set(tenant, { n, at: now() });
    return n;
  }

  return {
    async headroom(tenant) {
      const limits = deps.limitsOf(tenant);
      return { maxLabelsPerSeries: limits.maxLabelsPerSeries, room: limits.maxSeries - (await countOf(tenant, false)) };
    },
    async admit(tenant, series) {
      const limits = deps.limitsOf(tenant);
      const out = checkLabels(series, limits.maxLabelsPerSeries);
      const kept = out.series;
      if (kept.length === 0) return out;
      if ((await countOf(tenant, false)) + kept.length <= limits.maxSeries) return out;
      // Near the limit: which series are new, and is there room for them (a fresh count)?
      const known = await deps.metrics.knownSeries(tenant, kept.map((s) => s.labels));
      let room = limits.maxSeries - (await countOf(tenant, true));
      const admitted: BatchSeries[] = [];
      const seen = new Set<string>();
      kept.forEach((s, i) => {
        if (known[i] === true) return void admitted.push(s);
        // Two entries of one new series in a request take one place.
        const key = JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        if (seen.has(key) || room > 0) {
          if (!seen.has(key)) room--;
          seen.add(key);
          admitted.push(s);
          return;
        }
        refuse(out, s, 'series_limit', `new series ${s.labels.__name__ ?? ''} refused: the tenant holds its limit of ${limits.maxSeries} series (METRICS_MAX_SERIES / METRICS_TENANT_LIMITS series=)`);
      });
      out.series = admitted;
      return out;
    },
  };
}
