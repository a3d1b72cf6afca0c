// A worker for pool.test.ts: echoes (bytes it owns go back by transfer), throws a LightwatchError, throws
// something else, or dies.
import { LightwatchError } from '../../errors/errors.js';
import { serveTasks } from '../serve.js';
import { exclusiveBuffers } from '../transfer.js';

export type EchoTask = { op: 'echo'; value: unknown } | { op: 'refuse' } | { op: 'throw' } | { op: 'die' } | { op: 'hold'; ms: number };

function handle(task: EchoTask): unknown {
  switch (task.op) {
    case 'echo':
      return task.value;
    case 'refuse':
      throw new LightwatchError('payload_too_large', 'too big', { reason: 'body_too_large', details: [{ at: 'body', message: 'at most 1 byte' }], retryAfterSec: 2 });
    case 'throw':
      throw new TypeError('secret internals');
    case 'die':
      process.exit(3);
    // falls through (never reached)
    case 'hold': {
      const until = Date.now() + task.ms;
      while (Date.now() < until);
      return task.ms;
    }
  }
}

serveTasks(handle, { transfer: (out) => (out instanceof Uint8Array ? exclusiveBuffers([out]) : []) });
