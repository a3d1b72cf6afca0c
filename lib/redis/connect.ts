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
  // Without a listener an 'error' event would crash the process; keep the last one for a clear message.
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  try {
    await Promise.race([
      redis.connect().catch((err: unknown) => {
        throw lastError ?? err;
      }),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    const safe = url.replace(/\/\/[^@/]*@/, '//***@');
    throw new Error(`cannot connect to Redis at ${safe}: ${(lastError ?? (err as Error)).message}`, { cause: err });
  }
  return redis;
}
