// Where a PromQL query is evaluated: on the event loop when it is small, on a PromQL worker thread when its
// estimate (./estimate.ts) is above PROMQL_INLINE_POINTS. The engine evaluates synchronously once the samples
// are read, and a large query (a rate summed over 1,000 series for a day at a 60 s step) held the loop for
// hundreds of ms: every other request of every tenant on the process waited (in the all-in-one, ingest too).
//
// Workers open the store's SQLite file read-only (WAL: readers never wait for the writer), so only a SQLite file
// store offloads; an in-memory SQLite (tests) has no file another thread can open, and MongoDB is not wired yet:
// there every query is evaluated on the loop, as before. Both paths give the same bytes (./query.ts) and the same
// errors. The pool's threads bound the heavy queries running at once; PROMQL_QUEUE more may wait, past that the
// answer is 503 `unavailable` with Retry-After. The timeout counts from the request: a query still waiting at
// its deadline is answered "query timed out in query queue" (Prometheus's words); one running is stopped by the
// engine's own checks, and a thread that has not answered GRACE_MS later is terminated (its work may be in a
// long read that checks nothing), so a timed-out query never holds a thread.
import { LightwatchError } from '../errors/errors.js';
import { createEngine } from '../promql/engine.js';
import { queryTimeout } from '../promql/errors.js';
import type { MetricsStore } from '../tsdb/port.js';
import { systemTimers, type TimerClock } from '../time/clock.js';
import { createWorkerPool, type WorkerPool } from '../workers/pool.js';
import { estimatePoints } from './estimate.js';
import { evaluateToBody, type PromQuery } from './query.js';
import { errorOfOutcome, type PromEngineOptions, type PromOutcome, type PromTask, type PromWorkerData } from './task.js';

export interface PromOffloadConfig {
  /** PROMQL_WORKERS: worker threads (0: every query on the event loop). */
  workers: number;
  /** PROMQL_INLINE_POINTS: queries estimated at up to this many points are evaluated on the event loop. */
  inlinePoints: number;
  /** PROMQL_QUEUE: heavy queries that may wait for a thread; past this, 503. */
  queue: number;
}

export const DEFAULT_PROM_OFFLOAD: Readonly<PromOffloadConfig> = Object.freeze({ workers: 2, inlinePoints: 200_000, queue: 8 });

/** A running query's thread is terminated this long after its deadline if it has not answered by itself. */
export const GRACE_MS = 1_000;

const ENTRY = new URL('./worker-entry.ts', import.meta.url);

export interface PromQueriesDeps {
  metrics: MetricsStore;
  /** The engine's options, the same on the loop and on the threads (default: the engine's defaults). */
  engine?: PromEngineOptions;
  /** The store's SQLite file; absent (in-memory SQLite, MongoDB): every query is evaluated on the loop. */
  storePath?: string;
  offload?: PromOffloadConfig;
  /** Deadlines and the grace timer (default the process's; the threads read Date.now). */
  timers?: TimerClock;
  /** The worker's entry and extra workerData (tests swap in a controllable worker). */
  worker?: { entry: URL; data?: Record<string, unknown> };
}

export interface PromQueryStats {
  /** Queries evaluated on the event loop. */
  inline: number;
  /** Queries handed to a worker thread. */
  offloaded: number;
  /** Heavy queries answered 503 because the threads and the queue were full. */
  refused: number;
  /** Heavy queries running or waiting now. */
  inFlight: number;
}

export interface PromQueries {
  /** Prometheus's success body for `q` of `tenant`; throws PromQLError (or a LightwatchError) as the engine would. */
  answer(tenant: string, q: PromQuery, opts?: { timeoutMs?: number }): Promise<string>;
  readonly stats: Readonly<PromQueryStats>;
  /** Stops the threads; queries still waiting fail with 503. Idempotent. */
  close(): Promise<void>;
}

export function createPromQueries(deps: PromQueriesDeps): PromQueries {
  const engineOptions: PromEngineOptions = deps.engine ?? {};
  const engine = createEngine(engineOptions);
  const lookbackMs = engineOptions.lookbackMs ?? 300_000;
  const engineTimeoutMs = engineOptions.timeoutMs ?? 120_000;
  const timers = deps.timers ?? systemTimers;
  const config = deps.offload ?? DEFAULT_PROM_OFFLOAD;
  const stats: PromQueryStats = { inline: 0, offloaded: 0, refused: 0, inFlight: 0 };
  const pool: WorkerPool<PromTask, PromOutcome> | undefined =
    config.workers > 0 && deps.storePath !== undefined && deps.storePath !== ':memory:'
      ? createWorkerPool({
          entry: deps.worker?.entry ?? ENTRY,
          size: config.workers,
          // The loop wins the CPU from a heavy query on a busy machine, as it does from ingest's parse threads.
          nice: 10,
          workerData: { ...deps.worker?.data, storePath: deps.storePath, engine: engineOptions } satisfies PromWorkerData,
        })
      : undefined;

  async function offload(p: WorkerPool<PromTask, PromOutcome>, tenant: string, q: PromQuery, timeoutMs: number): Promise<string> {
    if (stats.inFlight >= config.workers + config.queue) {
      stats.refused++;
      throw new LightwatchError('unavailable', `${stats.inFlight} large PromQL queries are running or waiting, as many as this process takes at once; retry shortly`, { retryAfterSec: 1 });
    }
    const controller = new AbortController();
    let started = false;
    let timer = timers.setTimeout(() => {
      if (!started) return controller.abort(queryTimeout('query queue'));
      timer = timers.setTimeout(() => controller.abort(queryTimeout()), GRACE_MS);
    }, timeoutMs);
    stats.inFlight++;
    stats.offloaded++;
    try {
      const task: PromTask = { tenant, query: q, deadlineMs: timers.now() + timeoutMs };
      const outcome = await p.run(task, { signal: controller.signal, started: () => (started = true) });
      if (!outcome.ok) throw errorOfOutcome(outcome);
      return outcome.body;
    } finally {
      timers.clearTimeout(timer);
      stats.inFlight--;
    }
  }

  return {
    async answer(tenant, q, opts = {}) {
      const querier = deps.metrics.querier(tenant);
      if (pool && (await estimatePoints(querier, q, lookbackMs)) > config.inlinePoints) {
        return offload(pool, tenant, q, Math.min(engineTimeoutMs, opts.timeoutMs ?? Infinity));
      }
      stats.inline++;
      return evaluateToBody(engine, querier, q, opts);
    },
    stats,
    close: async () => pool?.close(),
  };
}
