// The worker side of a WorkerPool (pool.ts): answers each task posted by the pool with the handler's result,
// or with its error as plain data (LightwatchErrors cross unchanged; anything else becomes `internal`).
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData, type Transferable } from 'node:worker_threads';
import { toPlainError } from '../errors/errors.js';
import type { FromPoolWorker, ToPoolWorker } from './pool.js';

/** The workerData key of the niceness the pool asks for (WorkerPoolOptions.nice). */
export const NICE = 'lightwatchNice';

export interface ServeOptions<Out> {
  /**
   * What of a result moves to the pool's thread instead of being copied (ArrayBuffers this thread will not touch
   * again: see exclusiveBuffers in transfer.ts). Default: everything is copied.
   */
  transfer?: (out: Out) => readonly Transferable[];
}

export function serveTasks<In, Out>(handle: (task: In) => Out | Promise<Out>, options: ServeOptions<Out> = {}): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks must run in a worker thread');
  const nice = (workerData as Record<string, unknown> | null)?.[NICE];
  if (typeof nice === 'number' && nice !== 0) {
    try {
      // Pid 0 is the calling thread: on Linux this thread only, not the process.
      setPriority(0, Math.max(-20, Math.min(19, getPriority(0) + nice)));
    } catch {
      // Not allowed here (a lower niceness needs privileges): run at the process's.
    }
  }
  port.on('message', (msg: ToPoolWorker<In>) => {
    void (async () => {
      let answer: FromPoolWorker<Out>;
      let transfer: readonly Transferable[] = [];
      try {
        const value = await handle(msg.task);
        answer = { id: msg.id, ok: true, value };
        transfer = options.transfer?.(value) ?? [];
      } catch (err) {
        answer = { id: msg.id, ok: false, error: toPlainError(err), cause: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      port.postMessage(answer, transfer);
    })();
  });
}
