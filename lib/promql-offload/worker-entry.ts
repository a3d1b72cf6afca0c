// A PromQL worker thread (lib/promql-offload/offload.ts starts them): evaluates the large queries it is given.
import { workerData } from 'node:worker_threads';
import { serveTasks } from '../workers/serve.js';
import { workerTaskRunner, type PromWorkerData } from './task.js';

serveTasks(workerTaskRunner(workerData as PromWorkerData));
