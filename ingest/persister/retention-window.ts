// How long persisted entries stay in the partition streams (realtime's resume window) when Redis memory is
// bounded. STREAM_RETENTION_MS alone would keep an hour of traffic whatever the rate: at 20k events/s that
// is ~30 GB, and Redis (noeviction) would start refusing ingest's writes. Each trim pass the window halves
// while Redis uses more than the budget and grows back by a quarter once it is well under it, never past the
// configured retention. Only persisted entries are ever trimmed (trim.ts), so shrinking it costs resume
// depth, never data. Pure: the persister feeds it Redis's used_memory.

/** Fraction of the budget under which the window grows back. */
export const GROW_BELOW = 0.75;

export interface RetentionWindowInput {
  /** The window of the previous pass, ms. */
  currentMs: number;
  /** STREAM_RETENTION_MS: the window when memory allows. */
  configuredMs: number;
  /** Redis used_memory, bytes; undefined when it could not be read (the window then stays). */
  usedBytes: number | undefined;
  /** STREAM_RETENTION_MAX_MB in bytes; 0 means no bound. */
  budgetBytes: number;
}

export function nextRetentionWindow({ currentMs, configuredMs, usedBytes, budgetBytes }: RetentionWindowInput): number {
  if (budgetBytes <= 0) return configuredMs;
  if (usedBytes === undefined) return Math.min(currentMs, configuredMs);
  if (usedBytes > budgetBytes) return Math.floor(currentMs / 2);
  if (usedBytes < budgetBytes * GROW_BELOW) return Math.min(configuredMs, Math.max(1_000, Math.ceil(currentMs * 1.25)));
  return Math.min(currentMs, configuredMs);
}

/** used_memory from the text of `INFO memory`, or undefined. */
export function usedMemoryOf(info: string): number | undefined {
  const m = /^used_memory:(\d+)\r?$/m.exec(info);
  return m ? Number(m[1]) : undefined;
}
