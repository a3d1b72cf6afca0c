// Test support: the real gateway in-process, wired as the all-in-one wires it (real uWS on a free port, the
// real ingest service on the test Redis under a unique prefix, the real query service on an in-memory SQLite
// store, the real authenticator), so tests and the fuzzer talk HTTP to exactly what users talk to.
import { createSeriesAdmission } from '../../ingest/series-admission.js';
import { metricsLimitsOf, type MetricsTenancy } from '../../lib/config/metrics-tenants.js';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createIngestApi, type IngestService } from '../../ingest/service.js';
import { DEFAULT_NORMALIZE_LIMITS } from '../../ingest/normalize/normalize.js';
import type { IngestConfig } from '../../ingest/config.js';
import { openApiDocument } from '../../lib/api/openapi.js';
import { createAuthenticator, type AuthStore } from '../../lib/auth/authenticator.js';
import { attachNotFound, attachOps } from '../../lib/http/ops.js';
import { createApp, listen, type HttpServer } from '../../lib/http/server.js';
import type { Networks } from '../../lib/net/networks.js';
import type { Store } from '../../lib/store/port.js';
import { createSqliteStore, type SqliteStore } from '../../lib/store/sqlite/store.js';
import { streamNames, type StreamNames } from '../../lib/streams/partition.js';
import { ensureBootstrap } from '../../query/bootstrap.js';
import { createQueryApi } from '../../query/service.js';
import { createPromQueries, type PromQueries, type PromQueriesDeps } from '../../lib/promql-offload/offload.js';
import { deletePrefix, testRedisUrl, uniquePrefix } from './redis.js';
import { createRedisStreams } from '../../lib/streams/redis/adapter.js';
import { attachGateway, type GatewayDeps } from '../../gateway/index.js';
import type { SharedLoginCounters } from '../../lib/auth/login-limit-shared.js';

export const TESTBED_ADMIN_KEY = 'lw_testbed_admin_key_0123456789';
export const TESTBED_JWT_SECRET = new TextEncoder().encode('testbed-secret-testbed-secret-testbed!');

export interface TestbedOptions {
  /** Wraps the store the authenticator reads (e.g. one that answers slowly). */
  authStore?: (store: Store) => AuthStore;
  /** The authenticator's key cache (default 5 s as in production; 0 makes every request look the key up). */
  authCacheTtlMs?: number;
  ingest?: Partial<IngestConfig>;
  /** Per-tenant series limits at ingest (as METRICS_* set them); none: no check at ingest. */
  metricsLimits?: MetricsTenancy;
  gateway?: Partial<GatewayDeps['config']>;
  /** The gateway's clock for its limiters (default Date.now). */
  now?: () => number;
  /** Share the login limits through Redis under this key prefix (it holds a hash tag), as replicas do; absent: local limits. */
  loginKeyPrefix?: string;
  /** Shared login counters of the test's own (e.g. on a Redis it then takes away); overrides loginKeyPrefix. */
  loginCounters?: SharedLoginCounters;
  /** Redis to use (default: the test suite's); the benchmarks and the long fuzz run pass their own. */
  redisUrl?: string;
  /** A SQLite file for the store (default in memory); PromQL worker threads need one to read. */
  storePath?: string;
  /** PromQL evaluation as the all-in-one wires it from PROMQL_* (default: every query on the event loop). */
  promql?: Omit<PromQueriesDeps, 'metrics' | 'storePath'>;
  /** CHECK_ALLOWED_NETWORKS as the query service has it (default: anywhere). */
  checkAllowedNetworks?: Networks;
}

export interface Testbed {
  url: string;
  port: number;
  adminKey: string;
  store: SqliteStore;
  /** The query service's PromQL evaluation (its counters tell where queries ran). */
  promql: PromQueries;
  redis: Redis;
  names: StreamNames;
  registry: Registry;
  /** Errors the boundary guard caught (a handler threw): tests assert this stays empty. */
  handlerErrors: unknown[];
  close(): Promise<void>;
}

export async function startTestbed(options: TestbedOptions = {}): Promise<Testbed> {
  const logger = pino({ level: 'silent' });
  const registry = new Registry();
  const redis = new Redis(options.redisUrl ?? testRedisUrl(), { maxRetriesPerRequest: 3 });
  const streams = await createRedisStreams({ topology: { kind: 'single', url: options.redisUrl ?? testRedisUrl() }, name: 'lw-test-gateway' });
  const names = streamNames(uniquePrefix('gw'), 2);
  const store = await createSqliteStore({ path: options.storePath ?? ':memory:' });
  await ensureBootstrap(store, { bootstrapApiKey: TESTBED_ADMIN_KEY, now: Date.now });
  const authenticate = createAuthenticator({ store: options.authStore?.(store) ?? store, jwtSecret: TESTBED_JWT_SECRET, cacheTtlMs: options.authCacheTtlMs });
  const ingest: IngestService = createIngestApi({
    streams,
    names,
    store,
    authenticate,
    logger,
    registry,
    ...(options.metricsLimits ? { seriesAdmission: createSeriesAdmission({ metrics: store.metrics, limitsOf: (t) => metricsLimitsOf(options.metricsLimits as MetricsTenancy, t) }) } : {}),
    config: {
      maxBodyBytes: 5 * 1024 * 1024,
      maxItems: 10_000,
      maxDepth: 32,
      maxLineBytes: 1024 * 1024,
      normalize: { ...DEFAULT_NORMALIZE_LIMITS },
      persistBacklogLimit: 0,
      streamRetentionMs: 60 * 60_000,
      idempotencyTtlMs: 60 * 60_000,
      ...options.ingest,
    },
  });
  const promql = createPromQueries({ metrics: store.metrics, ...(options.storePath !== undefined ? { storePath: options.storePath } : {}), ...options.promql });
  const query = createQueryApi({ store, authenticate, jwtSecret: TESTBED_JWT_SECRET, jwtTtlSec: 3600, logger, promql, checkAllowedNetworks: options.checkAllowedNetworks ?? null });
  const handlerErrors: unknown[] = [];
  const app = createApp((err) => handlerErrors.push(err));
  attachOps(app, { registry, readiness: { redis: async () => void (await redis.ping()), store: () => store.ping() }, accepting: () => true });
  attachGateway(app, {
    ingest,
    query,
    authenticate,
    logger,
    registry,
    openApiDocument,
    config: { maxBodyBytes: 5 * 1024 * 1024, tenantRateLimit: 0, ...options.gateway },
    loginCounters: options.loginCounters ?? (options.loginKeyPrefix === undefined ? undefined : { counters: streams.counters, ready: () => streams.ready(), keyPrefix: options.loginKeyPrefix }),
    now: options.now,
  });
  attachNotFound(app);
  const server: HttpServer = await listen(app, '127.0.0.1', 0);
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    adminKey: TESTBED_ADMIN_KEY,
    store,
    promql,
    redis,
    names,
    registry,
    handlerErrors,
    async close() {
      server.close();
      await ingest.close();
      await promql.close();
      await store.close();
      await deletePrefix(redis, names.prefix);
      redis.disconnect();
      await streams.close();
    },
  };
}
