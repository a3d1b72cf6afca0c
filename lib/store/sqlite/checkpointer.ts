// Moves WAL checkpoints off the main thread. better-sqlite3 is synchronous and the persister writes on the main
// thread of the all-in-one process; with SQLite's automatic checkpoint, every ~10000th page committed stops that
// thread while the WAL is copied into the database file and fsync'ed (A/B: ~5% of the append CPU and up to a fifth
// of its wall time on a loaded machine). A worker thread with its own connection runs PASSIVE checkpoints on an
// interval, and right after each commit of the writer (nudge) instead: they never block writers or readers.
// Why after each commit: SQLite restarts the WAL from its start only when a write transaction begins with every
// frame already checkpointed. A checkpoint of one commit's frames finishes in the gap before the next commit,
// so the WAL stays small and is reused; on a timer alone a checkpoint of ~500 ms of writes rarely finishes in
// such a gap, the WAL only grows, and the writer's own safety-net checkpoint (copy + fsync on the writing
// thread) runs instead. Store bench, 1M events: 153-159k events/s against 140-143k. The writing connection
// keeps a much larger automatic checkpoint as a safety net, so the WAL stays bounded even if the worker stops
// or falls behind.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface Checkpointer {
  /**
   * Asks for a checkpoint now (the writer calls it after each commit); requests arriving while one runs fold
   * into one more. Cheap: one message to the worker.
   */
  nudge(): void;
  /** Stops the worker (after one last checkpoint attempt). Idempotent. */
  close(): Promise<void>;
}

// Plain CommonJS evaluated in the worker: no TypeScript loader is needed there, whatever runs the main thread.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
let db;
try {
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma('busy_timeout = 0');
} catch (err) {
  parentPort.postMessage({ error: String(err && err.message || err) });
}
function checkpoint() {
  if (!db) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}
const timer = setInterval(checkpoint, workerData.intervalMs);
let nudged = false;
parentPort.on('message', (m) => {
  if (m === 'now') {
    if (nudged) return;
    nudged = true;
    setImmediate(() => {
      nudged = false;
      checkpoint();
    });
    return;
  }
  if (m !== 'close') return;
  clearInterval(timer);
  checkpoint();
  if (db) db.close();
  parentPort.postMessage({ closed: true });
  parentPort.close();
});
`;

/** Starts a checkpointing worker for the WAL database at `path` (which must exist), every `intervalMs`. */
export function startCheckpointer(path: string, intervalMs: number): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, module, intervalMs: Math.max(10, Math.floor(intervalMs)) } });
  // Never keeps the process alive on its own; close() is still the way to stop it.
  worker.unref();
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  // A failing checkpoint is not fatal: the writer's own automatic checkpoint still bounds the WAL.
  worker.on('error', () => {});
  worker.on('message', () => {});
  let closing: Promise<void> | undefined;
  return {
    nudge() {
      if (!exited && !closing) worker.postMessage('now');
    },
    close() {
      closing ??= (async () => {
        if (exited) return;
        // Referenced again while closing: otherwise a process with nothing else to do exits before close resolves.
        worker.ref();
        worker.postMessage('close');
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, 5000, 'timeout')));
        const outcome = await Promise.race([exit, timeout]);
        clearTimeout(timer);
        if (outcome === 'timeout') await worker.terminate();
      })();
      return closing;
    },
  };
}
