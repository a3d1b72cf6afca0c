// The parent side of the persister worker thread: start it, read its metrics for /metrics, close it (drain,
// then the thread exits), and start it again if it dies (supervisePersisterWorker).
import { tsWorker } from '../../lib/workers/thread.js';
import { createRestarter, doubling } from '../../lib/lifecycle/restarter.js';
import type { FromWorker, PersisterWorkerData, ToWorker } from './worker-entry.js';

export type { PersisterWorkerData };

export interface PersisterWorker {
  /** The worker's metrics in Prometheus text format. */
  metrics(): Promise<string>;
  /** False once the thread has exited unexpectedly. */
  alive(): boolean;
  close(): Promise<void>;
  /** Stops the thread at once, without draining, as a crash would (fault tests). */
  kill(): Promise<void>;
}

// The worker runs the TypeScript sources too (lib/workers/thread.ts).
const ENTRY = new URL('./worker-entry.ts', import.meta.url);

export async function startPersisterWorker(data: PersisterWorkerData, onExit: (code: number) => void): Promise<PersisterWorker> {
  // A read of up to batchMaxEvents (20000) events is alive for the whole write that follows it: with V8's
  // default young generation (32 MB of new space here) most of it survives a scavenge and is promoted, to be
  // collected again by the old generation. 192 MB (128 MB of new space) lets a batch die young; on the store
  // bench it cut the GC helper threads' CPU by about a third.
  const worker = tsWorker(ENTRY, { workerData: { ...data }, resourceLimits: { maxYoungGenerationSizeMb: 192 } });
  let alive = true;
  let closing = false;
  let nextId = 0;
  const pending = new Map<number, (text: string) => void>();
  let closed: (() => void) | undefined;
  const started = new Promise<void>((resolve, reject) => {
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'started') resolve();
      else if (msg.type === 'failed') reject(new Error(`persister worker failed to start: ${msg.message}`));
      else if (msg.type === 'metrics') {
        pending.get(msg.id)?.(msg.text);
        pending.delete(msg.id);
      } else if (msg.type === 'closed') closed?.();
    });
    worker.on('error', reject);
  });
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      alive = false;
      for (const r of pending.values()) r('');
      pending.clear();
      if (!closing) onExit(code);
      resolve();
    });
  });
  await started;
  return {
    metrics() {
      if (!alive) return Promise.resolve('');
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        worker.postMessage({ type: 'metrics', id } satisfies ToWorker);
      });
    },
    alive: () => alive,
    async kill() {
      await worker.terminate();
      await exited;
    },
    async close() {
      if (closing || !alive) return exited;
      closing = true;
      const done = new Promise<void>((resolve) => (closed = resolve));
      worker.postMessage({ type: 'close' } satisfies ToWorker);
      await Promise.race([done, exited]);
      await worker.terminate();
      await exited;
    },
  };
}

export interface PersisterSupervisorEvents {
  /** The thread exited without being asked to (`restartInMs`: when a new one is started). */
  died(code: number, restartInMs: number): void;
  restarted(attempt: number): void;
  restartFailed(err: unknown, attempt: number, retryInMs: number): void;
}

/**
 * The persister thread, started again whenever it exits without being closed (an uncaught error, running out of
 * memory): nothing accepted is lost meanwhile, since unpersisted entries stay in the streams, and the new thread
 * reads its consumer's pending entries first (same consumer name). Restarts back off from 500 ms to 30 s and
 * never give up; ingest's backlog bound answers 429 if the outage lasts. close() ends them.
 */
export async function supervisePersisterWorker(data: PersisterWorkerData, events: PersisterSupervisorEvents): Promise<PersisterWorker> {
  const backoffMs = doubling(500, 30_000);
  let current: PersisterWorker | undefined;
  const onExit = (code: number): void => {
    if (restarter.stopped) return;
    current = undefined;
    events.died(code, backoffMs(0));
    void restarter.restart();
  };
  const restarter = createRestarter<PersisterWorker>({
    start: () => startPersisterWorker(data, onExit),
    backoffMs,
    started: (next, attempt) => {
      current = next;
      events.restarted(attempt);
    },
    failed: (err, attempt, retryInMs) => events.restartFailed(err, attempt, retryInMs),
    discard: (worker) => worker.close(),
  });
  current = await startPersisterWorker(data, onExit);
  return {
    metrics: () => current?.metrics() ?? Promise.resolve(''),
    alive: () => current?.alive() ?? false,
    async kill() {
      await current?.kill();
    },
    async close() {
      await restarter.stop();
      await current?.close();
    },
  };
}
