// The detector's memory of each scrape target between runs (the series of its last scrape, for staleness
// markers and scrape_series_added) and the step from a finished scrape check to what it stores: the samples
// (lib/exposition/scrape.ts) and the check result, failed when the exposition broke a limit. The memory is the
// owner's: a target whose partition moves starts afresh on its new owner (no stale markers for that one gap).
import type { CheckSettingsOf } from '../../lib/api/check-settings.js';
import type { CheckBody } from '../../lib/events/event.js';
import { recordScrape, targetLabels, type ScrapeMemory, type ScrapeTarget } from '../../lib/exposition/scrape.js';
import type { BatchSeries } from '../../lib/tsdb/batch.js';
import type { AttemptResult } from './probe.js';

export interface ScrapeRun {
  tenant: string;
  targetId: string;
  targetName: string;
  settings: CheckSettingsOf['scrape'];
  body: CheckBody;
  last: AttemptResult | undefined;
  /** When the scrape started (ms): the timestamp of the samples without their own. */
  at: number;
}

export interface ScrapeRecorder {
  record(run: ScrapeRun): { body: CheckBody; series: BatchSeries[] };
  forget(tenant: string, targetId: string): void;
  readonly size: number;
}

const NONE: ScrapeMemory = new Map();

/** `maxLabelsOf`: the tenant's labels-per-series limit (METRICS_TENANT_LIMITS labels=), as ingest applies it to remote_write. */
export function createScrapeRecorder(maxLabelsOf?: (tenant: string) => number): ScrapeRecorder {
  const memories = new Map<string, ScrapeMemory>();
  const keyOf = (tenant: string, targetId: string): string => `${tenant}\u0000${targetId}`;
  return {
    record(run) {
      const s = run.settings;
      const key = keyOf(run.tenant, run.targetId);
      const scraped = run.body.ok ? run.last?.scrape : undefined;
      const durationSec = scraped?.durationSec ?? run.body.latencyMs / 1000;
      const target: ScrapeTarget = { target: run.targetName, labels: targetLabels(s.job ?? run.targetName, s.url, s.labels), honorLabels: s.honorLabels, honorTimestamps: s.honorTimestamps, sampleLimit: s.sampleLimit };
      if (maxLabelsOf) target.maxLabels = maxLabelsOf(run.tenant);
      const rec = recordScrape(target, scraped?.exposition ?? null, run.at, durationSec, memories.get(key) ?? NONE);
      if (rec.memory.size > 0) memories.set(key, rec.memory);
      else memories.delete(key);
      const body: CheckBody = rec.error === undefined ? run.body : { ...run.body, ok: false, error: rec.error.slice(0, 300) };
      return { body, series: rec.series };
    },
    forget(tenant, targetId) {
      memories.delete(keyOf(tenant, targetId));
    },
    get size() {
      return memories.size;
    },
  };
}
