// A stream's entries read the way the Redis adapter reads them, for tests that check a stream's content against
// what was appended. ioredis's string replies (`xrange`) decode every value as UTF-8, which corrupts a metric
// batch's raw bytes (field B) wherever they are not valid UTF-8: decoding such an entry then failed with "metric
// batch entry is malformed" in some runs and not others (it depends on the timestamps' and ids' bytes).
import type { Cluster, Redis } from 'ioredis';
import type { StreamEntry } from '../../lib/streams/port.js';
import { parseEntries } from '../../lib/streams/redis/replies.js';

/** Entries of `stream` from `start` to `end` (XRANGE's bounds), `count` at most: text fields as strings, binary ones as bytes. */
export async function streamEntries(redis: Redis | Cluster, stream: string, start = '-', end = '+', count?: number): Promise<StreamEntry[]> {
  return parseEntries(count === undefined ? await redis.xrangeBuffer(stream, start, end) : await redis.xrangeBuffer(stream, start, end, 'COUNT', count));
}
