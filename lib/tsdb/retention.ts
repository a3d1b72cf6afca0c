// Retention of the series store, tenant by tenant: each tenant's samples older than its own retention go (and
// series left empty with them). Over the store port only; the ingest retention loop runs it on its interval.
import type { MetricsStore } from './port.js';

const DAY_MS = 86_400_000;

/**
 * One round at time `now`: for every tenant with series, drops what is older than `daysOf(tenant)` days (0 keeps
 * everything). Returns the samples dropped by tenant (tenants where nothing went are left out).
 */
export async function applyMetricsRetention(
  metrics: Pick<MetricsStore, 'tenants' | 'deleteBefore'>,
  daysOf: (tenant: string) => number,
  now: number,
  stopped: () => boolean = () => false,
): Promise<Record<string, number>> {
  const dropped: Record<string, number> = {};
  for (const tenant of await metrics.tenants()) {
    if (stopped()) break;
    const days = daysOf(tenant);
    if (!(days > 0)) continue;
    const n = await metrics.deleteBefore(tenant, now - days * DAY_MS);
    if (n > 0) dropped[tenant] = n;
  }
  return dropped;
}
