// Creates the `persist` consumer group on every partition stream (MKSTREAM, from id 0), so entries appended
// before any persister ever ran are still delivered to it and the backlog can be measured from the start.
import type { Redis } from 'ioredis';
import { GROUP_PERSIST, type StreamNames } from '../../lib/streams/partition.js';

export async function ensurePersistGroups(redis: Redis, names: StreamNames): Promise<void> {
  const pipeline = redis.pipeline();
  for (const stream of names.allEvents()) pipeline.xgroup('CREATE', stream, GROUP_PERSIST, '0', 'MKSTREAM');
  const results = (await pipeline.exec()) ?? [];
  for (const [err] of results) {
    // BUSYGROUP: another replica (or an earlier start) created it already.
    if (err && !String(err.message).startsWith('BUSYGROUP')) throw err;
  }
}
