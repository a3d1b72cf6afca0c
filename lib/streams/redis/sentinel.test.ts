// The Redis adapter on a Sentinel-managed master (a master, a replica and a sentinel, started for this file)
// against the streams contract suite, plus WAIT with a real replica and a promoted master followed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSentinel, type TestSentinel } from '../../../test/support/redis-topologies.js';
import { runStreamsConformance } from '../conformance.js';
import { isStreamsError } from '../errors.js';
import type { Streams } from '../port.js';
import { createRedisStreams } from './adapter.js';

describe('Redis Sentinel', () => {
  let set: TestSentinel;
  beforeAll(async () => {
    set = await startTestSentinel();
  }, 60_000);
  afterAll(async () => {
    await set?.stop();
  });
  const open = (minReplicasAck = 0): Promise<Streams> =>
    createRedisStreams({ topology: { kind: 'sentinel', sentinels: set.sentinels, master: set.masterName }, name: 'lw-conformance', minReplicasAck, replicaAckTimeoutMs: 2_000 });

  runStreamsConformance('streams port: Redis adapter, Sentinel', { open: () => open() });

  it('acknowledges an append after WAIT 1, and follows the promoted master after the old one dies', async () => {
    const acked = await open(1);
    const plain = await open(0);
    try {
      const stream = 'lwconf:sentinel:{p0}:events';
      await acked.append([{ stream, fields: ['e', 'before'] }]);
      await set.master.kill();
      // The sentinel promotes the replica after down-after-milliseconds; until then calls fail as retryable.
      let appended = false;
      for (let i = 0; i < 300 && !appended; i++) {
        try {
          await plain.append([{ stream, fields: ['e', 'after'] }]);
          appended = true;
        } catch (err) {
          expect(isStreamsError(err) && err.retryable).toBe(true);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(appended).toBe(true);
      // The acknowledged entry survived the failover: WAIT 1 had confirmed the replica held it.
      expect((await plain.rangeAfter(stream, '0-0', 10)).map((e) => e[1][1])).toEqual(['before', 'after']);
      await acked.ping(); // the first adapter followed the promotion too
    } finally {
      await acked.close();
      await plain.close();
    }
  }, 60_000);
});
