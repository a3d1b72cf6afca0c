// The Redis adapter on one Redis against the streams contract suite, plus what only a real server shows.
import { describe, expect, it } from 'vitest';
import { deletePrefix, lossyRelay, newRedis, testRedisUrl } from '../../../test/support/redis.js';
import { runStreamsConformance } from '../conformance.js';
import { NoReplicas } from '../errors.js';
import { createRedisStreams } from './adapter.js';

const open = () => createRedisStreams({ topology: { kind: 'single', url: testRedisUrl() }, name: 'lw-conformance' });

runStreamsConformance('streams port: Redis adapter, one Redis', {
  open,
  async cleanup(prefix) {
    const redis = newRedis();
    try {
      await deletePrefix(redis, prefix);
    } finally {
      redis.disconnect();
    }
  },
});

describe('Redis adapter, one Redis', () => {
  it('writes an entry once when Redis wrote it but its answer was lost and the client re-sent it after reconnecting', async () => {
    const relay = await lossyRelay(new URL(testRedisUrl()));
    const s = await createRedisStreams({ topology: { kind: 'single', url: relay.url }, name: 'lw-resend' });
    const redis = newRedis();
    const stream = `lwconf:resend:{p0}:${Date.now()}`;
    try {
      relay.swallow = true;
      const appending = s.append([{ stream, fields: ['e', 'once'] }]);
      // Redis has the entry, the client has no answer: break the connection now, as a kill would.
      while ((await redis.xlen(stream)) === 0) await new Promise((r) => setTimeout(r, 5));
      relay.swallow = false;
      relay.cut();
      // ioredis reconnects and re-sends the unanswered command (autoResendUnfulfilledCommands).
      const [id] = await appending;
      const entries = await redis.xrange(stream, '-', '+');
      expect(entries).toEqual([[id, ['e', 'once']]]);
    } finally {
      await s.close();
      await relay.close();
      await redis.del(stream);
      redis.disconnect();
    }
  });

  it('refuses an append with NoReplicas when REDIS_MIN_REPLICAS_ACK asks for replicas it does not have', async () => {
    const s = await createRedisStreams({ topology: { kind: 'single', url: testRedisUrl() }, name: 'lw-wait', minReplicasAck: 1, replicaAckTimeoutMs: 50 });
    try {
      const stream = `lwconf:wait:{p0}:${Date.now()}`;
      await expect(s.append([{ stream, fields: ['e', '[]'] }])).rejects.toBeInstanceOf(NoReplicas);
      const redis = newRedis();
      await redis.del(stream);
      redis.disconnect();
    } finally {
      await s.close();
    }
  });

  it('fails start-up with one line naming the place when Redis is unreachable', async () => {
    await expect(createRedisStreams({ topology: { kind: 'single', url: 'redis://127.0.0.1:1' }, name: 'lw-down', connectTimeoutMs: 500 })).rejects.toThrow(
      /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/,
    );
  });
});
