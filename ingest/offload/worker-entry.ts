// A parse worker thread (ingest/offload/offload.ts starts them): stages the large bodies it is given.
import { serveTasks } from '../../lib/workers/serve.js';
import { createStageTaskRunner, transferOf } from './task.js';

serveTasks(createStageTaskRunner(), { transfer: transferOf });
