// The Redis adapter on one Redis against the streams contract suite, plus what only a real server shows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { deletePrefix, lossyRelay, newRedis, testRedisUrl } from '../../../test/support/redis.js';
import { runStreamsConformance } from '../conformance.js';
import { createConsumerLoop } from '../consumer.js';
import { NoReplicas } from '../errors.js';
import { startLocalRedis } from '../../redis/local-server.js';
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
  it('writes entries once when Redis wrote them but its answer was lost and the client re-sent the call after reconnecting', async () => {
    const relay = await lossyRelay(new URL(testRedisUrl()));
    const s = await createRedisStreams({ topology: { kind: 'single', url: relay.url }, name: 'lw-resend' });
    const redis = newRedis();
    const stream = `lwconf:resend:{p0}:${Date.now()}`;
    try {
      relay.swallow = true;
      const appending = s.append([
        { stream, fields: ['e', 'once'] },
        { stream, fields: ['e', 'twice'] },
      ]);
      // Redis has the entry, the client has no answer: break the connection now, as a kill would.
      while ((await redis.xlen(stream)) === 0) await new Promise((r) => setTimeout(r, 5));
      relay.swallow = false;
      relay.cut();
      // ioredis reconnects and re-sends the unanswered command (autoResendUnfulfilledCommands).
      const ids = await appending;
      const entries = await redis.xrange(stream, '-', '+');
      expect(entries).toEqual([
        [ids[0], ['e', 'once']],
        [ids[1], ['e', 'twice']],
      ]);
    } finally {
      await s.close();
      await relay.close();
      await redis.del(stream);
      redis.disconnect();
    }
  });

  it('a NOACK consumer loop hands over what Redis served it while the answer was lost to a reconnect, before the next entry', async () => {
    const relay = await lossyRelay(new URL(testRedisUrl()));
    const s = await createRedisStreams({ topology: { kind: 'single', url: relay.url }, name: 'lw-noack-lost' });
    const redis = newRedis();
    const stream = `lwconf:noack:{p0}:${Date.now()}`;
    const handled: string[][] = [];
    await s.ensureGroup([stream], 'g', '0');
    const loop = createConsumerLoop({
      streams: s,
      group: 'g',
      consumer: 'c',
      logger: pino({ level: 'silent' }),
      count: 10,
      blockMs: 200,
      ack: 'none',
      handler: { streams: () => [stream], handle: async (batch) => void handled.push(batch.flatMap(([, entries]) => entries.map((e) => e[0]))) },
    });
    try {
      loop.start();
      const first = await redis.xadd(stream, '*', 'n', '0');
      await vi.waitFor(() => expect(handled).toEqual([[first]]));
      // Redis serves the next two entries to the waiting read and moves the group on; the answer never arrives.
      relay.swallow = true;
      // Both in one transaction, so the waiting read is served both at once.
      const added = (await redis.multi().xadd(stream, '*', 'n', '1').xadd(stream, '*', 'n', '2').exec()) ?? [];
      const lost = added.map(([, id]) => id as string);
      await vi.waitFor(async () => {
        const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
        expect(groups[0]?.[groups[0].indexOf('last-delivered-id') + 1]).toBe(lost[1]);
      });
      relay.swallow = false;
      relay.cut();
      // The next entry on the stream comes after the gap: what the lost answer carried is handed over first.
      const next = await redis.xadd(stream, '*', 'n', '3');
      await vi.waitFor(() => expect(handled).toEqual([[first], lost, [next]]), { timeout: 10_000 });
    } finally {
      await loop.close();
      await s.close();
      await relay.close();
      await redis.del(stream);
      redis.disconnect();
    }
  });

  it('sends the append script as its SHA1, and as text when Redis does not have it (first use, a lost script cache)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-evalsha-'));
    const server = await startLocalRedis({ dir, appendOnly: false });
    const s = await createRedisStreams({ topology: { kind: 'single', url: server.url }, name: 'lw-evalsha' });
    const redis = new Redis(server.url);
    const calls = async (cmd: string): Promise<number> => Number(/calls=(\d+)/.exec(await redis.info('commandstats').then((t) => t.split('\n').find((l) => l.startsWith(`cmdstat_${cmd}:`)) ?? ''))?.[1] ?? 0);
    const stream = 'lwconf:evalsha:{p0}';
    try {
      for (let i = 0; i < 3; i++) await s.append([{ stream, fields: ['e', String(i)] }]);
      // The first EVALSHA answered NOSCRIPT, then the text went once, then the SHA1 did.
      expect([await calls('eval'), await calls('evalsha')]).toEqual([1, 3]);
      await redis.script('FLUSH');
      // NOSCRIPT again: the adapter sends the text, and the entry goes in once.
      await s.append([{ stream, fields: ['e', '3'] }]);
      expect([await calls('eval'), await calls('evalsha')]).toEqual([2, 4]);
      expect((await redis.xrange(stream, '-', '+')).map(([, f]) => f[1])).toEqual(['0', '1', '2', '3']);
    } finally {
      await s.close();
      redis.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
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
