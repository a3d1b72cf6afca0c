// Opens the ioredis client for a topology (one Redis, a Redis Cluster, a Sentinel-managed master) the same way
// for every service: reconnect with capped backoff, a connection name for CLIENT LIST, Sentinel failover
// followed, Cluster redirections and failovers ridden out; start-up fails with one line naming the place.
import { Cluster, Redis, type ChainableCommander, type RedisOptions } from 'ioredis';

export interface HostPort {
  host: string;
  port: number;
}

/** Where Redis is (lib/config parses REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS + REDIS_SENTINEL_MASTER). */
export type RedisTopology =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: readonly HostPort[]; password?: string }
  | { kind: 'sentinel'; sentinels: readonly HostPort[]; master: string; password?: string };

export type RedisClient = Redis | Cluster;

const retryStrategy = (times: number): number => Math.min(50 * 2 ** Math.min(times, 6), 2_000);

function baseOptions(name: string, blocking: boolean): RedisOptions {
  return {
    connectionName: name,
    lazyConnect: true,
    enableAutoPipelining: false,
    // A blocking read waits as long as it must; commands give up after a bounded number of reconnects.
    maxRetriesPerRequest: blocking ? null : 20,
    retryStrategy,
  };
}

/** A client for `topology`, not yet connected. */
export function newClient(topology: RedisTopology, name: string, blocking = false): RedisClient {
  const options = baseOptions(name, blocking);
  switch (topology.kind) {
    case 'single':
      return new Redis(topology.url, options);
    case 'sentinel':
      return new Redis({
        ...options,
        sentinels: topology.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: topology.master,
        role: 'master',
        // Subscribes to the sentinels' +switch-master: reconnects to a promoted master at once.
        failoverDetector: true,
        sentinelRetryStrategy: retryStrategy,
        ...(topology.password ? { password: topology.password } : {}),
      });
    case 'cluster':
      return new Cluster(
        topology.nodes.map((n) => ({ host: n.host, port: n.port })),
        {
          lazyConnect: true,
          enableAutoPipelining: false,
          scaleReads: 'master',
          clusterRetryStrategy: retryStrategy,
          retryDelayOnFailover: 100,
          retryDelayOnClusterDown: 100,
          retryDelayOnTryAgain: 100,
          retryDelayOnMoved: 0,
          maxRedirections: 32,
          slotsRefreshTimeout: 2_000,
          redisOptions: { ...options, ...(topology.password ? { password: topology.password } : {}) },
        },
      );
  }
}

/** Where the topology is, for messages (no password). */
export function describeTopology(topology: RedisTopology): string {
  switch (topology.kind) {
    case 'single':
      return `Redis at ${topology.url.replace(/\/\/[^@/]*@/, '//***@')}`;
    case 'cluster':
      return `Redis Cluster at ${topology.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
    case 'sentinel':
      return `Redis master "${topology.master}" of the Sentinels at ${topology.sentinels.map((n) => `${n.host}:${n.port}`).join(',')}`;
  }
}

/** Connects `client` and pings it; rejects with one line naming the topology after `timeoutMs`. */
export async function connectClient(client: RedisClient, topology: RedisTopology, timeoutMs = 5_000): Promise<void> {
  // Without a listener an 'error' event would crash the process; keep the last one for a clear message.
  let lastError: Error | undefined;
  client.on('error', (err: Error) => {
    lastError = err;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().catch((err: unknown) => {
        throw lastError ?? err;
      }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
      }),
    ]);
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw new Error(`cannot connect to ${describeTopology(topology)}: ${(lastError ?? (err as Error)).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * XREADGROUP through the typed command, which normalizes RESP3 map replies to `[stream, entries]` pairs, in its
 * Buffer variant: reply strings come as the Buffers ioredis read them, not decoded as UTF-8 (replies.ts parseRead
 * decodes what is text). Its overloads do not take a spread, hence the cast.
 */
export function xreadgroup(target: ChainableCommander | RedisClient, args: ReadonlyArray<string | number>): Promise<unknown> | ChainableCommander {
  const call = (target as unknown as { xreadgroupBuffer(...a: Array<string | number>): Promise<unknown> | ChainableCommander }).xreadgroupBuffer.bind(target);
  return call(...args);
}
