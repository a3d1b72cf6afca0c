// The persister: consumer group `persist` over every partition stream, as a handler of the group-consumer loop
// (lib/streams/consumer.ts). It writes each read's events to the store (idempotent by event id); the loop
// acknowledges only after the write succeeded. A failing store is retried with exponential backoff without
// acking, so nothing is lost and ingest keeps accepting until its backlog bound answers 429. Entries left pending
// by a dead consumer are reclaimed; replicas share the work under different consumer names. Streams are trimmed
// behind it.
import { metricsLimitsOf, type MetricsTenancy } from '../../lib/config/metrics-tenants.js';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { isLightwatchError } from '../../lib/errors/errors.js';
import { createMetricWriter } from './metric-writer.js';
import type { MetricsLimits, SeriesAppend } from '../../lib/tsdb/port.js';
import { createMetricAccumulator } from './metric-accumulator.js';
import { sleep } from '../../lib/lifecycle/sleep.js';
import { systemTimers, type TimerClock } from '../../lib/time/clock.js';
import type { Store } from '../../lib/store/port.js';
import { backoffMs, createConsumerLoop, type ConsumerLoop } from '../../lib/streams/consumer.js';
import { GROUP_PERSIST, type StreamNames } from '../../lib/streams/partition.js';
import type { StreamRead, Streams } from '../../lib/streams/port.js';
import { persisterMetrics } from '../metrics.js';
import { decodeEntries, type ReadEntry } from './entries.js';
import { nextRetentionWindow } from './retention-window.js';
import { trimPass } from './trim.js';

export interface PersisterConfig {
  /** Unique per replica (e.g. host name + pid); a restarted replica with the same name resumes its own pending entries. */
  consumerName: string;
  /** Upper bound of events per store write, and of events per read. */
  batchMaxEvents: number;
  /**
   * Upper bound of metric samples per read, all of a tenant's written in one series-store append (default
   * DEFAULT_PERSISTER_CONFIG's). A budget of their own: a sample is ~16 bytes where an event is ~500, and the
   * series store pays per row (a head run per series per append) and per commit, not per sample.
   */
  batchMaxSamples?: number;
  /** XREADGROUP BLOCK timeout; also bounds how late the periodic claim and trim passes run. */
  blockMs: number;
  /**
   * While it keeps up, the persister reads again only this long after a read that was not full
   * (lib/streams/consumer.ts lingerMs), so a write holds what arrived meanwhile rather than a request or two.
   * Adds up to this much to the time until a sample is queryable; acknowledgement is unchanged (after the
   * write). 0: off. Default DEFAULT_PERSISTER_CONFIG's (PERSIST_LINGER_MS in the all-in-one).
   */
  lingerMs?: number;
  /** Entries pending on another consumer for longer than this are reclaimed. */
  claimIdleMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Entries younger than this stay in the streams for realtime's resume window, persisted or not. */
  streamRetentionMs: number;
  /**
   * Redis memory (used_memory, bytes) over which persisted entries are trimmed sooner than streamRetentionMs
   * (retention-window.ts); unpersisted entries are never trimmed. 0 or absent: no bound.
   */
  streamRetentionMaxBytes?: number;
  /** How often to trim and measure the backlog (default 1000 ms). */
  trimIntervalMs?: number;
  /** Series store limits (active series, out-of-order window); default DEFAULT_METRICS_LIMITS. */
  metricsLimits?: MetricsLimits;
  /** Per-tenant limits (METRICS_* variables); wins over metricsLimits. */
  metricsTenancy?: MetricsTenancy & { outOfOrderWindowMs: number };
}

const DEFAULT_BATCH_MAX_SAMPLES = 200_000;
const MIN_GATHER_SIZE = 16_384;

export const DEFAULT_PERSISTER_CONFIG: Omit<PersisterConfig, 'consumerName'> = Object.freeze({
  // Each store write is one SQLite transaction, and a commit has costs paid per transaction, not per row: the
  // WAL frames of every page it dirtied (the partly filled last leaf of each (tenant, kind) and target range is
  // written again by every commit), and below 1 GiB of file a scan of the whole page cache (SQLite's b-tree
  // balance parks a page under the lock-byte page number, so the commit's cache truncate walks every slot).
  // Measured on the store bench at 3M events: 2000 rows per write ~84k events per CPU-second of the writing
  // thread, 10000 rows ~125k. Larger writes matter most when rows land among earlier rows (many agents, each a
  // little late, at a high rate: each commit then dirties pages all over the last second of data): the ingest
  // bench's persister drain went 90-94k -> 108-115k events/s from 10000 to 20000 rows, and the all-in-one under
  // sustained overload persisted 58k -> 74k events/s, for ~110 MiB more anonymous memory at saturation (30000
  // rows: 112-120k, not worth another doubling). The persister runs on a worker thread of its own
  // (cli/parts.ts), so a longer write (~100-150 ms) stalls no HTTP or WebSocket work; in-process users still get
  // a turn of the event loop between writes.
  batchMaxEvents: 20_000,
  // Metric samples: an append writes a head row per series, so the more samples a series brings to one append,
  // the less each costs. The remote_write bench's load (4000 series, 2 samples per series per request) gave ~5
  // samples per row at 20000 samples a read; at 200000, ~50, and on bench/persister-metrics.bench.ts the series
  // store's share of the persister thread fell to ~0.3 CPU µs per sample. Such a read holds ~15 MB of entries
  // (JSON) while it is written; the decoded samples are gathered per series as they are decoded
  // (metric-accumulator.ts), so they do not stay alive with it. A persister that keeps up reads only what arrived
  // meanwhile, so this costs no latency.
  batchMaxSamples: DEFAULT_BATCH_MAX_SAMPLES,
  blockMs: 1_000,
  // The series store pays per head row (one per series per write: the insert, its index entry, the WAL pages
  // it dirties, the cut that later reads the rows back) and per commit, far more than per sample. A persister
  // that keeps up took, with read-ahead, what had arrived during the previous read's round trip: on the
  // remote_write bench (4000 series, 2 samples per series per request) reads alternated between one entry and
  // a few dozen, ~2.4 samples per head row. bench/persister-metrics.bench.ts with reads held to N samples
  // gives the cost curve (CPU µs per sample, load 25-30): 8000 -> 8.2, 16000 -> 4.9, 32000 -> 3.2, 200000 ->
  // 2.3-2.9. At ~300k samples/s, 200 ms gathers ~60000 samples per read, and a write that takes longer than
  // the linger (the read then overlaps it) lets the next read gather more by itself. On the remote_write bench
  // (quiet machine, interleaved) 200 ms cost 6.0-8.6 CPU µs per stored sample (all-in-one + Redis) where 50 ms
  // cost 8.2-10.3; 500 and 1000 ms saved no more and delayed the last samples' storing.
  lingerMs: 200,
  claimIdleMs: 30_000,
  retryBaseMs: 100,
  retryMaxMs: 10_000,
  streamRetentionMs: 60 * 60 * 1000,
  trimIntervalMs: 1_000,
});

/**
 * Page cache of the persister's own store connection, MiB (SQLite stores only). The connection only appends, so
 * its cache holds the pages it wrote, which nobody reads through it; and below 1 GiB of file every commit walks
 * the whole cache (see batchMaxEvents). A 10-minute soak at 5k events/s: all-in-one anonymous RSS ~300 MiB
 * instead of ~545 with 256. Store bench at 10M events: 142k events/s against 116k with 512.
 */
export const PERSISTER_SQLITE_CACHE_MB = 32;

/** Test seam for the crash test: runs between the store write and the XACK. */
export interface PersisterHooks {
  afterWrite?: (entries: readonly ReadEntry[]) => void | Promise<void>;
}

export interface PersisterDeps {
  streams: Streams;
  names: StreamNames;
  store: Pick<Store, 'appendEvents' | 'metrics'>;
  logger: Logger;
  registry: Registry;
  config: PersisterConfig;
  /** Time for the trim schedule, retry backoffs and the read loop's timers (tests pass a manual clock). Default: the process's. */
  clock?: TimerClock;
  hooks?: PersisterHooks;
}

export interface PersisterStats {
  running: boolean;
  /** Events written (replays counted again; the store dedups them). */
  persistedEvents: number;
  ackedEntries: number;
  claimedEntries: number;
  storeWrites: number;
  failedWrites: number;
  /** Consecutive failed attempts of the current write; 0 when the store is healthy. */
  retrying: number;
  lastError: string | null;
  backlogEntries: number;
  /** Trim passes completed (one before a read at most every trimIntervalMs; none while a write is being retried). */
  trimPasses: number;
}

export interface Persister {
  /** Creates the groups and starts the loop; resolves once it runs. Idempotent. */
  start(): Promise<void>;
  /** Stops reading, lets an in-flight write finish and be acked, closes its blocking connection. Idempotent. */
  close(): Promise<void>;
  stats(): PersisterStats;
}

class Closing extends Error {}

export function createPersister(deps: PersisterDeps): Persister {
  const { streams, names, store, logger } = deps;
  const cfg = { ...DEFAULT_PERSISTER_CONFIG, ...deps.config };
  const clock = deps.clock ?? systemTimers;
  const now = (): number => clock.now();
  const metrics = persisterMetrics(deps.registry);
  const all = names.allEvents();
  const stats: PersisterStats = {
    running: false,
    persistedEvents: 0,
    ackedEntries: 0,
    claimedEntries: 0,
    storeWrites: 0,
    failedWrites: 0,
    retrying: 0,
    lastError: null,
    backlogEntries: 0,
    trimPasses: 0,
  };

  let loop: ConsumerLoop | undefined;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let stopped = false;
  const wake = new AbortController();
  // XREADGROUP's COUNT counts entries per stream; a read should bring about batchMaxEvents events or
  // batchMaxSamples samples in all, whichever the mix fills first. So track the average share of those budgets
  // an entry takes (events and samples weighted by their budgets) and how many streams a read finds data in.
  const maxSamples = cfg.batchMaxSamples ?? DEFAULT_BATCH_MAX_SAMPLES;
  let budgetPerEntry: number | undefined;
  let activeStreams = all.length;
  // One accumulator for every read: it keeps its arenas at the size reads need (grown from small, each read
  // copied its samples again at every doubling) and what it learnt of each series.
  const gathered = createMetricAccumulator(MIN_GATHER_SIZE);

  const pause = (ms: number): Promise<void> => sleep(ms, wake.signal, clock);
  const { metricsLimits, metricsTenancy } = cfg;
  const limitsOf = metricsTenancy
    ? (tenant: string): MetricsLimits => ({ maxSeriesPerTenant: metricsLimitsOf(metricsTenancy, tenant).maxSeries, outOfOrderWindowMs: metricsTenancy.outOfOrderWindowMs })
    : metricsLimits
      ? (): MetricsLimits => metricsLimits
      : undefined;
  const metricWriter = createMetricWriter({ metrics: store.metrics, registry: deps.registry, ...(limitsOf ? { limitsOf } : {}) });

  /** A store that refuses a batch as invalid would refuse it forever: isolate the bad events instead. */
  const isPermanent = (err: unknown): boolean =>
    isLightwatchError(err) && !err.retryable && (err.code === 'bad_request' || err.code === 'unprocessable');

  async function write(events: CanonicalEvent[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (stopped && attempt > 0) throw new Closing();
      try {
        await store.appendEvents(events);
        stats.storeWrites++;
        stats.retrying = 0;
        metrics.batches.inc({ outcome: 'ok' });
        return;
      } catch (err) {
        stats.failedWrites++;
        stats.retrying = attempt + 1;
        stats.lastError = err instanceof Error ? err.message : String(err);
        metrics.batches.inc({ outcome: 'error' });
        if (isPermanent(err)) {
          if (events.length === 1) {
            metrics.poison.inc();
            logger.error({ err, eventId: events[0]?.id }, 'store refused an event as invalid; dropped it');
            return;
          }
          const half = Math.ceil(events.length / 2);
          await write(events.slice(0, half));
          await write(events.slice(half));
          return;
        }
        const delay = backoffMs(attempt, cfg.retryBaseMs, cfg.retryMaxMs);
        logger.warn({ err, attempt: attempt + 1, retryInMs: delay, events: events.length }, 'store write failed; retrying, not acknowledging');
        await pause(delay);
      }
    }
  }

  /** A read's metric samples go to the series store as series; retried like event writes, never acked before. */
  async function writeMetrics(byTenant: ReadonlyMap<string, readonly SeriesAppend[]>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (stopped && attempt > 0) throw new Closing();
      try {
        await metricWriter.write(byTenant);
        stats.storeWrites++;
        stats.retrying = 0;
        metrics.batches.inc({ outcome: 'ok' });
        return;
      } catch (err) {
        stats.failedWrites++;
        stats.retrying = attempt + 1;
        stats.lastError = err instanceof Error ? err.message : String(err);
        metrics.batches.inc({ outcome: 'error' });
        const delay = backoffMs(attempt, cfg.retryBaseMs, cfg.retryMaxMs);
        logger.warn({ err, attempt: attempt + 1, retryInMs: delay, tenants: byTenant.size }, 'series store write failed; retrying, not acknowledging');
        await pause(delay);
      }
    }
  }

  /** Writes one read's events; the loop acknowledges the entries once this resolves. */
  async function persist(batch: StreamRead[], source: 'read' | 'pending' | 'claim'): Promise<void> {
    const entries: ReadEntry[] = [];
    for (const [stream, list] of batch) for (const [id, fields] of list) entries.push({ stream, id, fields });
    if (entries.length === 0) return;
    if (source === 'claim') {
      stats.claimedEntries += entries.length;
      metrics.claimed.inc(entries.length);
    } else {
      activeStreams = activeStreams * 0.7 + batch.length * 0.3;
    }
    gathered.clear();
    const decoded = decodeEntries(entries, gathered);
    for (const bad of decoded.undecodable) {
      metrics.poison.inc();
      logger.error({ stream: bad.stream, entryId: bad.id, error: bad.error }, 'undecodable stream entry; acknowledging it without a write');
    }
    const { events } = decoded;
    const samples = gathered.samples;
    if (samples > 0) await writeMetrics(gathered.byTenant());
    for (let i = 0; i < events.length; i += cfg.batchMaxEvents) {
      // A synchronous store (better-sqlite3) blocks the event loop for the whole write: let other work (the
      // ingest requests of this process) run between chunks.
      if (i > 0) await new Promise((r) => setImmediate(r));
      await write(i === 0 && events.length <= cfg.batchMaxEvents ? events : events.slice(i, i + cfg.batchMaxEvents));
    }
    const writtenAt = now();
    let maxLag = 0;
    for (const t of decoded.receivedAts) {
      const lag = Math.max(0, writtenAt - t) / 1000;
      metrics.lagSeconds.observe(lag);
      if (lag > maxLag) maxLag = lag;
    }
    if (decoded.receivedAts.length > 0) metrics.lagLastSeconds.set(maxLag);
    stats.persistedEvents += events.length + samples;
    metrics.persisted.inc(events.length + samples);
    if (events.length + samples > 0) {
      // The first read (a few entries per stream) sets the estimate, so the next one is already full size.
      const share = (events.length / cfg.batchMaxEvents + samples / maxSamples) / entries.length;
      budgetPerEntry = budgetPerEntry === undefined ? share : budgetPerEntry * 0.8 + share * 0.2;
    }
    await deps.hooks?.afterWrite?.(entries);
    // A lost ack (the loop's, next) only means a replay later, which the store absorbs.
    stats.ackedEntries += entries.length;
  }

  /** Entries per stream for one read across all partitions. */
  function readCount(): number {
    const entries = 1 / Math.max(1 / cfg.batchMaxEvents, budgetPerEntry ?? 100 / cfg.batchMaxEvents) / Math.max(1, activeStreams);
    return Math.max(1, Math.min(1_000, Math.round(entries)));
  }

  let retentionMs = cfg.streamRetentionMs;
  let nextTrimAt = 0;
  async function trim(): Promise<void> {
    const budget = cfg.streamRetentionMaxBytes ?? 0;
    const used = budget > 0 ? await streams.usedMemory().catch(() => undefined) : undefined;
    const next = nextRetentionWindow({ currentMs: retentionMs, configuredMs: cfg.streamRetentionMs, usedBytes: used, budgetBytes: budget });
    if (next < retentionMs && retentionMs === cfg.streamRetentionMs) {
      logger.warn({ usedBytes: used, budgetBytes: budget }, 'Redis is over its memory budget: persisted entries leave the streams sooner (shorter WebSocket resume window)');
    } else if (next === cfg.streamRetentionMs && retentionMs < cfg.streamRetentionMs) {
      logger.info({ retentionMs: next }, 'Redis is back under its memory budget: stream retention restored');
    }
    retentionMs = next;
    metrics.retentionWindowSeconds.set(retentionMs / 1000);
    const r = await trimPass(streams, names, retentionMs, now());
    stats.backlogEntries = r.backlogEntries;
    stats.trimPasses++;
    metrics.backlogEntries.set(r.backlogEntries);
  }

  return {
    start() {
      starting ??= (async () => {
        if (stopped) return;
        await streams.ensureGroup(all, GROUP_PERSIST, '0');
        loop = createConsumerLoop({
          streams,
          group: GROUP_PERSIST,
          consumer: cfg.consumerName,
          logger,
          count: readCount,
          blockMs: cfg.blockMs,
          ack: 'loop',
          reclaim: { minIdleMs: cfg.claimIdleMs, everyMs: Math.max(100, Math.floor(cfg.claimIdleMs / 2)) },
          // Read-ahead: the next batch is requested before the current one is written, so the read's round
          // trip overlaps the store write.
          readAhead: true,
          lingerMs: cfg.lingerMs ?? 0,
          retryBaseMs: cfg.retryBaseMs,
          retryMaxMs: cfg.retryMaxMs,
          clock,
          handler: {
            streams: () => all,
            handle: async (batch, source) => {
              try {
                await persist(batch, source);
              } catch (err) {
                if (!(err instanceof Closing)) stats.lastError = err instanceof Error ? err.message : String(err);
                throw err;
              }
            },
            beforeRead: async () => {
              if (now() < nextTrimAt) return;
              nextTrimAt = now() + (cfg.trimIntervalMs ?? 1_000);
              await trim();
            },
          },
        });
        stats.running = true;
        loop.start();
      })();
      return starting;
    },
    close() {
      closing ??= (async () => {
        stopped = true;
        wake.abort();
        await starting?.catch(() => undefined);
        await loop?.close();
        stats.running = false;
      })();
      return closing;
    },
    stats: () => ({ ...stats }),
  };
}
