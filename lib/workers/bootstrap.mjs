// Worker threads do not inherit tsx's loader from the process: register it here, then load the TypeScript
// entry named in workerData (same mechanism as bin/lightwatch.js). Started through tsWorker (thread.ts).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
