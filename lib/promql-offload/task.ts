// What the event loop hands a PromQL worker thread and what comes back, and the worker's side: it opens the
// store's SQLite file read-only (once, on its first task), evaluates with an engine of the same options as the
// loop's, and answers the same body, or the engine's error as Prometheus's errorType and message.
import { createEngine, type EngineOptions } from '../promql/engine.js';
import { PromQLError, type PromErrorType } from '../promql/errors.js';
import type { MetricsStore } from '../tsdb/port.js';
import { openReadOnlyMetrics } from '../store/sqlite/read-only.js';
import { evaluateToBody, type PromQuery } from './query.js';

/** The engine options that cross to a thread (everything but the injected clock). */
export type PromEngineOptions = Omit<EngineOptions, 'now'>;

export interface PromTask {
  tenant: string;
  query: PromQuery;
  /** When the query times out, epoch ms on the clock both sides read (Date.now): time spent waiting counts. */
  deadlineMs: number;
}

export type PromOutcome = { ok: true; body: string } | { ok: false; errorType: PromErrorType; message: string };

/** workerData of a PromQL worker thread. */
export interface PromWorkerData {
  /** The store's SQLite file. */
  storePath: string;
  engine: PromEngineOptions;
}

/** The engine's errors as data; anything else is rethrown (serveTasks sends LightwatchErrors whole, the rest as internal). */
export function outcomeOfError(err: unknown): PromOutcome {
  if (err instanceof PromQLError) return { ok: false, errorType: err.errorType, message: err.message };
  throw err;
}

/** The error an outcome carries, as the engine threw it. */
export function errorOfOutcome(o: Extract<PromOutcome, { ok: false }>): PromQLError {
  return new PromQLError(o.errorType, o.message);
}

/**
 * Evaluates tasks over `metrics` (opened on first use). `now` is the clock of the deadline and of the engine's
 * timeout checks (epoch ms; tests pass one that moves as they decide).
 */
export function createPromTaskRunner(d: { metrics: () => MetricsStore; engine: PromEngineOptions; now?: () => number }): (task: PromTask) => Promise<PromOutcome> {
  const now = d.now ?? Date.now;
  const engine = createEngine({ ...d.engine, now });
  return async (task) => {
    try {
      // A task that waited past its deadline was taken back by the loop ("query timed out in query queue"); one
      // handed over at its last moment times out where the engine next looks, as it would on the loop.
      const timeoutMs = Math.max(0, task.deadlineMs - now());
      return { ok: true, body: await evaluateToBody(engine, d.metrics().querier(task.tenant), task.query, { timeoutMs }) };
    } catch (err) {
      return outcomeOfError(err);
    }
  };
}

/** The runner of a worker thread started with `data`: the store file is opened read-only on the first task. */
export function workerTaskRunner(data: PromWorkerData, now?: () => number): (task: PromTask) => Promise<PromOutcome> {
  let metrics: MetricsStore | undefined;
  return createPromTaskRunner({ metrics: () => (metrics ??= openReadOnlyMetrics(data.storePath).metrics), engine: data.engine, ...(now ? { now } : {}) });
}
