// Retention: deletes stored events older than each kind's retention, and each tenant's metric samples older than
// its own (lib/tsdb/retention.ts), on an interval. Several ingest replicas may run it; a Redis lock (SET NX PX) lets one of them work per round, since concurrent deletes would only
// contend for the store. Stoppable; a failing round is logged and retried next round.
import type { Streams } from '../../lib/streams/port.js';
import type { Logger } from 'pino';
import { EVENT_KINDS, type EventKind } from '../../lib/events/event.js';
import type { Store } from '../../lib/store/port.js';
import type { MetricsStore } from '../../lib/tsdb/port.js';
import { applyMetricsRetention } from '../../lib/tsdb/retention.js';

export interface RetentionConfig {
  /** Days to keep each kind; 0 keeps forever. */
  days: Readonly<Record<EventKind, number>>;
  intervalMs: number;
  lockKey: string;
  owner: string;
  /** Days each tenant's metric samples are kept in the series store (0 = forever); unset: the series store is left alone. */
  metricDaysOf?: (tenant: string) => number;
}

/** Deleted counts of one round: events by kind, and `series_samples` by tenant. */
export type RetentionRound = Partial<Record<EventKind, number>> & { series_samples?: Record<string, number> };

export interface RetentionLoop {
  /** One round now (also what the interval runs); returns deleted counts by kind, or null when another replica holds the lock. */
  runOnce(): Promise<RetentionRound | null>;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

export function createRetentionLoop(deps: {
  streams: Streams;
  store: Pick<Store, 'deleteEventsBefore'> & { metrics?: Pick<MetricsStore, 'tenants' | 'deleteBefore'> };
  logger: Logger;
  config: RetentionConfig;
  now?: () => number;
}): RetentionLoop {
  const now = deps.now ?? Date.now;
  const { config } = deps;
  let running: Promise<unknown> = Promise.resolve();
  let closed = false;

  async function runOnce(): Promise<RetentionRound | null> {
    if (!(await deps.streams.leases.lock(config.lockKey, config.owner, Math.max(1_000, config.intervalMs - 1_000)))) return null;
    const deleted: RetentionRound = {};
    for (const kind of EVENT_KINDS) {
      const days = config.days[kind];
      if (!days || days <= 0 || closed) continue;
      const n = await deps.store.deleteEventsBefore(kind, now() - days * DAY_MS);
      if (n > 0) deleted[kind] = n;
    }
    if (config.metricDaysOf && deps.store.metrics && !closed) {
      const bySeries = await applyMetricsRetention(deps.store.metrics, config.metricDaysOf, now(), () => closed);
      if (Object.keys(bySeries).length > 0) deleted.series_samples = bySeries;
    }
    if (Object.keys(deleted).length > 0) deps.logger.info({ deleted }, 'retention removed old events');
    return deleted;
  }

  const timer = setInterval(() => {
    running = runOnce().catch((err: unknown) => deps.logger.warn({ err }, 'retention round failed; retrying next round'));
  }, config.intervalMs);
  timer.unref();

  return {
    runOnce,
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
    },
  };
}
