// A worker thread running a TypeScript entry file: the persister's thread and the parse pool's threads start
// this way. The entry reads its own data from `workerData` (the bootstrap adds `entry` to it).
import { Worker, type ResourceLimits } from 'node:worker_threads';

const BOOTSTRAP = new URL('./bootstrap.mjs', import.meta.url);

export function tsWorker(entry: URL, options: { workerData?: Record<string, unknown>; resourceLimits?: ResourceLimits } = {}): Worker {
  return new Worker(BOOTSTRAP, { workerData: { ...options.workerData, entry: entry.href }, ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}) });
}
