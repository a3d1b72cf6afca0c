// The worker side of a WorkerPool (pool.ts): answers each task posted by the pool with the handler's result,
// or with its error as plain data (LightwatchErrors cross unchanged; anything else becomes `internal`).
import { parentPort } from 'node:worker_threads';
import { toPlainError } from '../errors/errors.js';
import type { FromPoolWorker, ToPoolWorker } from './pool.js';

export function serveTasks<In, Out>(handle: (task: In) => Out | Promise<Out>): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks must run in a worker thread');
  port.on('message', (msg: ToPoolWorker<In>) => {
    void (async () => {
      let answer: FromPoolWorker<Out>;
      try {
        answer = { id: msg.id, ok: true, value: await handle(msg.task) };
      } catch (err) {
        answer = { id: msg.id, ok: false, error: toPlainError(err), cause: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      port.postMessage(answer);
    })();
  });
}
