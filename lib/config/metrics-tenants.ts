// Per-tenant limits of the series store: the defaults (METRICS_MAX_SERIES, INGEST_MAX_SERIES_LABELS,
// RETENTION_DAYS_METRIC) and the tenants that differ (METRICS_TENANT_LIMITS). Pure: parsing and lookup.
//
//   METRICS_TENANT_LIMITS=acme:series=50000,labels=40,retention_days=90;trial:series=1000,retention_days=7

export interface TenantMetricsLimits {
  /** Series a tenant may hold in the index; samples of further new series are refused. */
  readonly maxSeries: number;
  /** Labels per series, `__name__` included; a series with more is refused. */
  readonly maxLabelsPerSeries: number;
  /** Days of samples kept; 0 keeps them forever. */
  readonly retentionDays: number;
}

export interface MetricsTenancy {
  readonly defaults: TenantMetricsLimits;
  readonly tenants: Readonly<Record<string, Partial<TenantMetricsLimits>>>;
}

export function metricsLimitsOf(t: MetricsTenancy, tenant: string): TenantMetricsLimits {
  const own = Object.hasOwn(t.tenants, tenant) ? t.tenants[tenant] : undefined;
  return own ? { ...t.defaults, ...own } : t.defaults;
}

const KEYS: Record<string, { field: keyof TenantMetricsLimits; min: number; max: number }> = {
  series: { field: 'maxSeries', min: 1, max: 1_000_000_000 },
  labels: { field: 'maxLabelsPerSeries', min: 1, max: 64 },
  retention_days: { field: 'retentionDays', min: 0, max: 36_500 },
};
const FORM = 'expected tenant:key=value,key=value;tenant:… with keys series, labels, retention_days (e.g. acme:series=50000,labels=40;trial:retention_days=7)';

/** METRICS_TENANT_LIMITS parsed, or a problem naming the variable and the part at fault. */
export function parseTenantLimits(name: string, value: string | undefined): { tenants: Record<string, Partial<TenantMetricsLimits>> } | { problem: string } {
  const tenants: Record<string, Partial<TenantMetricsLimits>> = Object.create(null) as Record<string, Partial<TenantMetricsLimits>>;
  if (value === undefined || value.trim() === '') return { tenants };
  const bad = (why: string): { problem: string } => ({ problem: `${name}=${JSON.stringify(value)} is not valid: ${why}; ${FORM}` });
  for (const part of value.split(';')) {
    if (part.trim() === '') continue;
    const colon = part.indexOf(':');
    const tenant = colon < 0 ? '' : part.slice(0, colon).trim();
    if (tenant === '') return bad(`${JSON.stringify(part)} names no tenant`);
    if (Object.hasOwn(tenants, tenant)) return bad(`tenant ${JSON.stringify(tenant)} appears twice`);
    const limits: Partial<Record<keyof TenantMetricsLimits, number>> = {};
    for (const kv of part.slice(colon + 1).split(',')) {
      const [k = '', v = '', ...rest] = kv.split('=').map((x) => x.trim());
      const spec = KEYS[k];
      if (!spec || rest.length > 0) return bad(`${JSON.stringify(kv.trim())} of tenant ${JSON.stringify(tenant)} is not a known key=value`);
      const n = /^\d+$/.test(v) ? Number(v) : NaN;
      if (!(n >= spec.min && n <= spec.max)) return bad(`${k} of tenant ${JSON.stringify(tenant)} must be an integer from ${spec.min} to ${spec.max}`);
      limits[spec.field] = n;
    }
    tenants[tenant] = limits;
  }
  return { tenants };
}
