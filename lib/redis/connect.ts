// Redis connections: one factory so every service connects the same way (reconnect with capped backoff,
// name set for CLIENT LIST) and fails start-up with one clear line when Redis is unreachable.
import { Redis } from 'ioredis';

export interface ConnectOptions {
  name: string;
  /** Give up at start-up after this long. */
  connectTimeoutMs?: number;
  /** For blocking reads (XREAD BLOCK): no command timeout and no offline queue limits. */
  blocking?: boolean;
}

export async function connectRedis(url: string, options: ConnectOptions): Promise<Redis> {
  const redis = new Redis(url, {
    connectionName: options.name,
    lazyConnect: true,
    enableAutoPipelining: false,
    maxRetriesPerRequest: options.blocking ? null : 20,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  });
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    const safe = url.replace(/\/\/[^@/]*@/, '//***@');
    throw new Error(`cannot connect to Redis at ${safe}: ${(err as Error).message}`);
  }
  // Reconnects are logged by whoever owns the connection; an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}
