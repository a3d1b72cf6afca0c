// A PromQL worker for offload.test.ts: the real task runner, behind a gate the test opens (a closed gate holds
// the thread as a long evaluation would, without depending on how fast this machine is) and on a clock that
// moves `tickMs` at every read from the task's start (an evaluation that outlasts its timeout, deterministically).
import { workerData } from 'node:worker_threads';
import { serveTasks } from '../../workers/serve.js';
import { workerTaskRunner, type PromWorkerData } from '../task.js';

export interface ControlData {
  /** Int32 slot 0: 0 = closed (each task waits), 1 = open. */
  gate?: SharedArrayBuffer;
  tickMs?: number;
}

const data = workerData as PromWorkerData & ControlData;
let ticks = 0;
let start = 0;
const run = workerTaskRunner(data, data.tickMs === undefined ? undefined : () => start + data.tickMs! * ticks++);
const gate = data.gate ? new Int32Array(data.gate) : undefined;

serveTasks(async (task: Parameters<typeof run>[0]) => {
  if (gate) Atomics.wait(gate, 0, 0);
  start = Date.now();
  ticks = 0;
  return run(task);
});
