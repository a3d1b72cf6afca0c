// What every process builds the same way: logger, metrics registry, lifecycle, Redis (or the all-in-one's own
// redis-server), the store, the JWT secret, the authenticator, the ops endpoints and the HTTP listener.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TemplatedApp } from 'uWebSockets.js';
import { createAuthenticator, type Authenticator } from '../lib/auth/authenticator.js';
import { createRevocationBus, type RevocationBus } from '../lib/auth/revocations.js';
import { bridgeRevocations } from '../lib/auth/revocations-redis.js';
import type { LightwatchConfig } from '../lib/config/config.js';
import { attachNotFound, attachOps, type ReadinessCheck } from '../lib/http/ops.js';
import { createApp, listen, type HttpServer } from '../lib/http/server.js';
import { Lifecycle } from '../lib/lifecycle/shutdown.js';
import { createLogger, type Logger } from '../lib/logging/logger.js';
import { createRegistry, type Registry } from '../lib/metrics/registry.js';
import { superviseLocalRedis } from '../lib/redis/local-server.js';
import type { Streams } from '../lib/streams/port.js';
import { createRedisStreams } from '../lib/streams/redis/adapter.js';
import type { RedisTopology } from '../lib/streams/redis/connect.js';
import { isMongoUrl, openStore } from '../lib/store/index.js';
import type { Store } from '../lib/store/port.js';
import { streamNames, type StreamNames } from '../lib/streams/partition.js';

export interface Platform {
  config: Readonly<LightwatchConfig>;
  logger: Logger;
  registry: Registry;
  lifecycle: Lifecycle;
  names: StreamNames;
  /** Metrics of worker threads, appended to /metrics. */
  extraMetrics: Array<() => Promise<string>>;
}

export function createPlatform(config: Readonly<LightwatchConfig>, service: string): Platform {
  const logger = createLogger({ level: config.logLevel, service });
  const registry = createRegistry({ service });
  // Files and folders this process creates are its user's alone (DATA_DIR 0700; the SQLite file, its -wal and
  // -shm, the JWT secret, the local Redis's AOF 0600): they hold channel secrets and password hashes.
  process.umask(0o077);
  const lifecycle = new Lifecycle(logger);
  lifecycle.exitOnSignals(config.shutdownTimeoutMs);
  return { config, logger, registry, lifecycle, names: streamNames(config.streamPrefix, config.partitions), extraMetrics: [] };
}

/**
 * Where Redis is (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS), or (all-in-one only) a redis-server of our
 * own with AOF on under DATA_DIR, restarted if it dies, stopped on exit.
 */
export async function redisTopologyFor(p: Platform, allowLocal: boolean): Promise<RedisTopology> {
  if (p.config.redis) return p.config.redis;
  if (!allowLocal) {
    throw new Error('no Redis configured: a single service needs the shared Redis (REDIS_URL=redis://redis:6379, REDIS_CLUSTER_NODES=host:port,… or REDIS_SENTINELS=host:port,… with REDIS_SENTINEL_MASTER)');
  }
  const log = p.logger.child({ part: 'local-redis' });
  const dir = join(p.config.dataDir, 'redis');
  privateTree(p.config.dataDir);
  // A password only this user can read, so no other local user can read or inject stream entries.
  const password = readOrCreateSecret(join(p.config.dataDir, 'redis-password'));
  // Nothing else would bring our own Redis back: restarted on the same port from its AOF whenever it dies.
  const local = await superviseLocalRedis({ dir, appendOnly: true, password }, {
    died: (redisPid, restartInMs) => log.error({ redisPid, restartInMs }, 'local redis-server died; restarting it'),
    restarted: (redisPid, attempt) => log.warn({ redisPid, attempt }, 'local redis-server restarted'),
    restartFailed: (err, attempt, retryInMs) => log.error({ err, attempt, retryInMs }, 'restarting local redis-server failed'),
  });
  p.lifecycle.onClose('local redis-server', () => local.stop());
  p.logger.info({ port: local.port, dir: join(p.config.dataDir, 'redis') }, 'started local redis-server (AOF on, restarted if it dies)');
  return { kind: 'single', url: local.url };
}

/** The streams port on `topology`, closed with the process. */
export async function streamsFor(p: Platform, topology: RedisTopology, name: string): Promise<Streams> {
  const streams = await createRedisStreams({ topology, name: `lightwatch:${name}`, minReplicasAck: p.config.redisMinReplicasAck });
  p.lifecycle.onClose(`redis ${name}`, () => streams.close());
  return streams;
}

export async function openStoreFor(p: Platform): Promise<Store> {
  const store = await openStore(p.config.storeUrl, { sqlite: { textScanLimit: p.config.textSearchScanLimit } });
  if (!isMongoUrl(p.config.storeUrl) && p.config.storeUrl !== ':memory:') {
    // Files made by an older version (or another umask) are tightened too.
    for (const f of [p.config.storeUrl, `${p.config.storeUrl}-wal`, `${p.config.storeUrl}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  }
  p.lifecycle.onClose('store', () => store.close());
  return store;
}

/** JWT_SECRET, or (all-in-one only) a secret generated once and kept under DATA_DIR with mode 0600. */
export function jwtSecretFor(p: Platform, allowGenerated: boolean): Uint8Array {
  if (p.config.jwtSecret) return new TextEncoder().encode(p.config.jwtSecret);
  if (!allowGenerated) throw new Error('JWT_SECRET is not set: services run apart must share one (at least 32 characters)');
  return new TextEncoder().encode(readOrCreateSecret(join(p.config.dataDir, 'jwt-secret')));
}

/** A random secret kept in `file` (mode 0600, its folder 0700), made on first use. */
function readOrCreateSecret(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

/** Makes `dir` (created if missing) 0700 and the local Redis's files under it 0600, whatever made them before. */
function privateTree(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) {
        chmodSync(path, 0o700);
        walk(path);
      } else if (e.isFile()) chmodSync(path, 0o600);
    }
  };
  if (existsSync(join(dir, 'redis'))) walk(join(dir, 'redis'));
}

export function authenticatorFor(store: Store, jwtSecret: Uint8Array): Authenticator {
  return createAuthenticator({ store, jwtSecret });
}

/**
 * This process's revocation bus: the authenticator drops its cache on every signal; with Redis, signals travel
 * between processes over pub/sub (without it, as in a gateway or query process given no REDIS_URL, revocations
 * take effect within the authenticator's cache TTL).
 */
export async function revocationsFor(p: Platform, authenticate: Authenticator, streams: Streams | undefined): Promise<RevocationBus> {
  const bus = createRevocationBus((err) => p.logger.error({ err }, 'revocation listener failed'));
  bus.subscribe(() => authenticate.forget());
  if (streams) {
    const log = p.logger.child({ part: 'revocations' });
    const bridge = await bridgeRevocations(bus, streams.notifications, `${p.config.streamPrefix}:revocations`, (err) => log.warn({ err }, 'revocation signal over Redis failed'));
    p.lifecycle.onClose('revocation signals', () => bridge.close());
  }
  return bus;
}

/** A uWS app with /healthz, /readyz and /metrics. */
export function opsApp(p: Platform, readiness: Record<string, ReadinessCheck>): TemplatedApp {
  const app = createApp((err) => p.logger.error({ err }, 'HTTP handler failed'));
  attachOps(app, { registry: p.registry, readiness, accepting: () => p.lifecycle.accepting, extraMetrics: () => Promise.all(p.extraMetrics.map((m) => m())) });
  attachNotFound(app);
  return app;
}

export async function listenHttp(p: Platform, app: TemplatedApp): Promise<HttpServer> {
  const server = await listen(app, p.config.host, p.config.port);
  // Registered last, so it closes first: stop taking requests before anything behind them goes away.
  p.lifecycle.onClose('http listener', () => server.stopListening());
  p.logger.info({ port: server.port }, 'listening');
  return server;
}
