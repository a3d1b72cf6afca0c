// A small bounded pool of worker threads for CPU-bound pure work that would otherwise hold the event loop (a
// large request's decoding and parsing). At most `size` threads, started on demand and then kept; one task per
// thread at a time; the other tasks wait in arrival order. A thread that dies fails its task with `internal`
// and is replaced by the next task that needs one. The worker side is serveTasks (serve.ts); the entry runs as
// TypeScript through tsWorker (thread.ts). Bounding what waits is the caller's job (a byte budget, say).
// A task run with an AbortSignal stops when it fires: a waiting task leaves the queue, a running one has its
// thread terminated (work that checks nothing, a long synchronous loop say, cannot hold a thread past it).
import type { Worker } from 'node:worker_threads';
import { fromPlainError, LightwatchError, type PlainError } from '../errors/errors.js';
import { tsWorker } from './thread.js';
import { NICE } from './serve.js';

/** Messages from the pool to a worker. */
export interface ToPoolWorker<In> {
  id: number;
  task: In;
}
/** Messages from a worker to the pool. */
export type FromPoolWorker<Out> = { id: number; ok: true; value: Out } | { id: number; ok: false; error: PlainError; cause: string };

export interface WorkerPoolOptions {
  /** The worker's TypeScript entry, which calls serveTasks. */
  entry: URL;
  /** Threads at most (at least 1). */
  size: number;
  /** Passed to each thread as workerData. */
  workerData?: Record<string, unknown>;
  /**
   * Added to each thread's niceness (on Linux a thread has its own): on a busy machine the event loop then wins
   * the CPU from the pool's work instead of waiting behind it. Default 0.
   */
  nice?: number;
  /**
   * The first task starts every thread, not only the one it needs. A thread's start costs ~0.4 s of CPU (the
   * TypeScript loader and the entry's modules); started one by one as tasks first overlap, the later ones pay
   * it under load, when the pool is busiest. Default false: threads start as tasks need them.
   */
  startAllOnFirstTask?: boolean;
}

export interface RunOptions {
  /**
   * Aborting rejects the task with the signal's reason: a waiting task leaves the queue; a running one's thread
   * is terminated (a new thread serves what waits).
   */
  signal?: AbortSignal;
  /** Called when the task is handed to a thread (it stops waiting). */
  started?: () => void;
}

export interface WorkerPool<In, Out> {
  /** Runs `task` on a free thread (waiting for one); rejects with the task's error as a LightwatchError. */
  run(task: In, options?: RunOptions): Promise<Out>;
  /** Threads running now. */
  readonly threads: number;
  /** Tasks waiting for a thread. */
  readonly waiting: number;
  /** Fails the waiting tasks, stops every thread. Idempotent. */
  close(): Promise<void>;
}

interface Job<In, Out> {
  task: In;
  resolve(value: Out): void;
  reject(err: unknown): void;
  /** Called when the job leaves the pool (settled, aborted or failed): drops its abort listener. */
  done?: () => void;
  started?: () => void;
}

interface Thread<In, Out> {
  worker: Worker;
  job?: Job<In, Out>;
  jobId: number;
}

export function createWorkerPool<In, Out>(o: WorkerPoolOptions): WorkerPool<In, Out> {
  const size = Math.max(1, Math.floor(o.size));
  const threads = new Set<Thread<In, Out>>();
  const idle: Array<Thread<In, Out>> = [];
  const queue: Array<Job<In, Out>> = [];
  let nextId = 0;
  let startedAll = o.startAllOnFirstTask !== true;
  let closing: Promise<void> | undefined;

  const closedError = (): LightwatchError => new LightwatchError('unavailable', 'shutting down; retry the request', { retryAfterSec: 1 });

  function start(): Thread<In, Out> {
    const thread: Thread<In, Out> = { worker: tsWorker(o.entry, { workerData: { ...o.workerData, [NICE]: o.nice ?? 0 } }), jobId: -1 };
    // Never keeps the process alive on its own; close() is still the way to stop it.
    thread.worker.unref();
    threads.add(thread);
    thread.worker.on('message', (msg: FromPoolWorker<Out>) => {
      const job = thread.job;
      if (!job || msg.id !== thread.jobId) return;
      thread.job = undefined;
      if (msg.ok) job.resolve(msg.value);
      else job.reject(fromPlainError(msg.error, new Error(msg.cause)));
      release(thread);
    });
    // 'error' (an uncaught exception in the thread) is followed by 'exit'.
    thread.worker.on('error', () => {});
    thread.worker.once('exit', (code) => {
      threads.delete(thread);
      const at = idle.indexOf(thread);
      if (at !== -1) idle.splice(at, 1);
      const job = thread.job;
      thread.job = undefined;
      if (job) job.reject(closing ? closedError() : new LightwatchError('internal', 'internal error', { cause: new Error(`worker thread exited with code ${code}`) }));
      // Its replacement serves whatever waits.
      if (!closing) pump();
    });
    return thread;
  }

  function dispatch(thread: Thread<In, Out>, job: Job<In, Out>): void {
    thread.job = job;
    thread.jobId = nextId++;
    job.started?.();
    try {
      thread.worker.postMessage({ id: thread.jobId, task: job.task } satisfies ToPoolWorker<In>);
    } catch (err) {
      // A task that cannot be cloned: refuse it, keep the thread.
      thread.job = undefined;
      job.reject(err);
      release(thread);
    }
  }

  function release(thread: Thread<In, Out>): void {
    const next = queue.shift();
    if (next) dispatch(thread, next);
    else idle.push(thread);
  }

  function abort(job: Job<In, Out>, reason: unknown): void {
    const at = queue.indexOf(job);
    if (at !== -1) {
      queue.splice(at, 1);
      job.reject(reason);
      return;
    }
    for (const thread of threads) {
      if (thread.job !== job) continue;
      // The thread leaves the pool now (a replacement may start at once); its exit then finds no job to fail.
      thread.job = undefined;
      threads.delete(thread);
      job.reject(reason);
      thread.worker.terminate().catch(() => {});
      pump();
      return;
    }
  }

  function pump(): void {
    if (!startedAll && queue.length > 0) {
      startedAll = true;
      while (threads.size < size) idle.push(start());
    }
    while (queue.length > 0) {
      const thread = idle.pop() ?? (threads.size < size ? start() : undefined);
      if (!thread) return;
      dispatch(thread, queue.shift() as Job<In, Out>);
    }
  }

  return {
    run(task, options = {}) {
      if (closing) return Promise.reject(closedError());
      const signal = options.signal;
      if (signal?.aborted === true) return Promise.reject(signal.reason);
      return new Promise<Out>((resolve, reject) => {
        const job: Job<In, Out> = { task, resolve, reject, ...(options.started ? { started: options.started } : {}) };
        if (signal) {
          const onAbort = (): void => abort(job, signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
          job.done = () => signal.removeEventListener('abort', onAbort);
          job.resolve = (value) => {
            job.done?.();
            resolve(value);
          };
          job.reject = (err) => {
            job.done?.();
            reject(err);
          };
        }
        queue.push(job);
        pump();
      });
    },
    get threads() {
      return threads.size;
    },
    get waiting() {
      return queue.length;
    },
    close() {
      closing ??= (async () => {
        for (const job of queue.splice(0)) job.reject(closedError());
        await Promise.all([...threads].map((t) => t.worker.terminate()));
      })();
      return closing;
    },
  };
}
