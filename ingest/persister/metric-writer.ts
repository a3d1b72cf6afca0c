// The persister's handler for metric-batch entries: each tenant's series of a read (gathered by
// metric-accumulator.ts) go to the series store in one append, under the tenant's limits, without expanding
// samples into events; what the store refused is counted by reason. The persister acknowledges the entries
// only after this resolves.
import { Counter, type Registry } from 'prom-client';
import { DEFAULT_METRICS_LIMITS, type MetricsLimits, type MetricsStore, type SeriesAppend } from '../../lib/tsdb/port.js';

export interface MetricWriterDeps {
  metrics: Pick<MetricsStore, 'append'>;
  registry: Registry;
  /** Limits of a tenant (default DEFAULT_METRICS_LIMITS for all). */
  limitsOf?: (tenant: string) => MetricsLimits;
}

export interface MetricWriter {
  /** Appends each tenant's series. */
  write(byTenant: ReadonlyMap<string, readonly SeriesAppend[]>): Promise<void>;
}

const OUTCOMES = ['appended', 'duplicate', 'too_old', 'over_series_limit'] as const;

function samplesCounter(registry: Registry): Counter<'outcome'> {
  const name = 'lightwatch_metrics_samples_total';
  return (
    (registry.getSingleMetric(name) as Counter<'outcome'> | undefined) ??
    new Counter({
      name,
      help: 'Metric samples written to the series store by outcome: appended, duplicate (already stored), too_old (before the out-of-order window), over_series_limit (new series over the tenant limit)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    })
  );
}

function seriesCounter(registry: Registry): Counter {
  const name = 'lightwatch_metrics_series_created_total';
  return (registry.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help: 'Series added to the series index', registers: [registry] });
}

export function createMetricWriter(deps: MetricWriterDeps): MetricWriter {
  const samples = samplesCounter(deps.registry);
  const created = seriesCounter(deps.registry);
  for (const o of OUTCOMES) samples.inc({ outcome: o }, 0);
  const limitsOf = deps.limitsOf ?? (() => DEFAULT_METRICS_LIMITS);
  return {
    async write(byTenant) {
      for (const [tenant, series] of byTenant) {
        const r = await deps.metrics.append(tenant, series, limitsOf(tenant));
        samples.inc({ outcome: 'appended' }, r.appended);
        if (r.duplicates > 0) samples.inc({ outcome: 'duplicate' }, r.duplicates);
        if (r.tooOld > 0) samples.inc({ outcome: 'too_old' }, r.tooOld);
        if (r.overSeriesLimit > 0) samples.inc({ outcome: 'over_series_limit' }, r.overSeriesLimit);
        if (r.newSeries > 0) created.inc(r.newSeries);
      }
    },
  };
}
