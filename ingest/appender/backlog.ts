// The unpersisted backlog: stream entries the `persist` group has not acknowledged (XINFO GROUPS `lag` +
// `pending`, summed over partitions). Sampled in the background every ~250 ms, so admission costs a number
// comparison instead of a Redis round trip per request. Past the limit, ingest answers 429 + Retry-After:
// the persister is behind, and accepting more would only grow Redis memory (trimming never drops unacked
// entries, so the bound is what protects Redis).
//
// The limit counts ENTRIES, not events: Redis reports entries exactly and for free, while an event count
// would need a counter kept consistent across crashes. An entry holds one request's events of one partition
// (at most ~1 MB), so the bound in bytes is roughly limit × typical entry size.
import type { Logger } from 'pino';
import { rateLimited } from '../../lib/errors/errors.js';
import { GROUP_PERSIST, type StreamNames } from '../../lib/streams/partition.js';
import type { Streams } from '../../lib/streams/port.js';

export interface BacklogSample {
  /** Unacknowledged entries over all partitions. */
  entries: number;
  byPartition: number[];
  at: number;
}

export interface BacklogMonitorDeps {
  streams: Streams;
  names: StreamNames;
  /** Entries; 0 disables the bound. */
  limitEntries: number;
  intervalMs?: number;
  now?: () => number;
  logger?: Logger;
  onSample?: (sample: BacklogSample) => void;
}

export interface BacklogMonitor {
  /** Starts background sampling (idempotent). */
  start(): void;
  /** One sample now (also what the background loop runs). */
  sample(): Promise<BacklogSample>;
  current(): BacklogSample | null;
  /** Throws `rate_limited` with Retry-After when the last sample is past the limit. */
  admit(): void;
  /** True when a sample succeeded recently. */
  healthy(): boolean;
  close(): Promise<void>;
}

/** Lag can be unknown (null) after deletions; then count undelivered entries directly, bounded by `cap`. */
async function undeliveredEntries(streams: Streams, stream: string, lastDeliveredId: string, cap: number): Promise<number> {
  return (await streams.rangeAfter(stream, lastDeliveredId, cap)).length;
}

export function createBacklogMonitor(deps: BacklogMonitorDeps): BacklogMonitor {
  const { streams, names } = deps;
  const interval = deps.intervalMs ?? 250;
  const now = deps.now ?? Date.now;
  let last: BacklogSample | null = null;
  let prev: BacklogSample | null = null;
  let lastOkAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  async function sample(): Promise<BacklogSample> {
    const keys = names.allEvents();
    const states = await streams.groupState(keys, GROUP_PERSIST);
    const byPartition = new Array<number>(keys.length).fill(0);
    for (let p = 0; p < keys.length; p++) {
      const group = states[p];
      if (!group) continue; // no stream or no group yet: nothing unpersisted
      const lag = group.lag ?? (await undeliveredEntries(streams, keys[p] as string, group.lastDeliveredId, Math.max(1, deps.limitEntries + 1)));
      byPartition[p] = lag + group.pending;
    }
    const s: BacklogSample = { entries: byPartition.reduce((a, b) => a + b, 0), byPartition, at: now() };
    prev = last;
    last = s;
    lastOkAt = s.at;
    deps.onSample?.(s);
    return s;
  }

  /** One sample, then the next one `interval` later; a failed sample is logged and the loop goes on. */
  function sampleThenSchedule(): void {
    running = sample()
      .then(
        () => undefined,
        (err: unknown) => deps.logger?.warn({ err }, 'backlog sample failed'),
      )
      .finally(() => {
        running = undefined;
        schedule();
      });
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(sampleThenSchedule, interval);
    timer.unref();
  }

  /** Seconds until the backlog is likely under the bound again, from the drain rate between samples. */
  function retryAfterSec(cur: BacklogSample): number {
    const excess = cur.entries - deps.limitEntries;
    if (prev && cur.at > prev.at) {
      const drainPerSec = ((prev.entries - cur.entries) * 1000) / (cur.at - prev.at);
      if (drainPerSec > 0) return Math.min(60, Math.max(1, Math.ceil(excess / drainPerSec)));
    }
    return 5;
  }

  return {
    start() {
      if (closed || timer || running) return;
      sampleThenSchedule();
    },
    sample,
    current: () => last,
    admit() {
      if (deps.limitEntries <= 0 || !last || last.entries <= deps.limitEntries) return;
      throw rateLimited(
        `ingest is refusing new events: ${last.entries} stream entries await persistence (bound ${deps.limitEntries}); retry later`,
        retryAfterSec(last),
      );
    },
    healthy: () => lastOkAt > 0 && now() - lastOkAt < Math.max(5_000, interval * 8),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
