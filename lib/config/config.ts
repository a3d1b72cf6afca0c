// The process configuration: parsed once from the environment, typed, frozen. Variable names are a contract
// (CONTRACTS.md, "Running it"); every one is listed in the README with its default.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { EVENT_KINDS, type EventKind } from '../events/event.js';
import type { Networks } from '../net/networks.js';
import type { RedisTopology } from '../streams/redis/connect.js';
import { envReader, type EnvReader } from './env.js';
import { parseTenantLimits, type MetricsTenancy } from './metrics-tenants.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface LightwatchConfig {
  /** HTTP port of this process (all-in-one: every HTTP path; one service: its own paths and /healthz, /readyz, /metrics). */
  port: number;
  host: string;
  dataDir: string;
  /** REDIS_URL. Unset (and no Cluster or Sentinel set): the all-in-one process starts its own redis-server under dataDir. */
  redisUrl: string | undefined;
  /** Where Redis is: REDIS_URL, REDIS_CLUSTER_NODES, or REDIS_SENTINELS with REDIS_SENTINEL_MASTER (at most one). */
  redis: RedisTopology | undefined;
  /** REDIS_MIN_REPLICAS_ACK: replicas that must confirm (`WAIT N`) an append before ingest acknowledges it; 0: the master's reply. */
  redisMinReplicasAck: number;
  /** `mongodb://…` or a SQLite file path; default `<dataDir>/lightwatch.db`. */
  storeUrl: string;
  /** TEXT_SEARCH_SCAN_LIMIT: rows one page of a `text` search reads in the SQLite store before it ends early with a cursor. */
  textSearchScanLimit: number;
  bootstrapApiKey: string | undefined;
  logLevel: LogLevelName;
  partitions: number;
  streamPrefix: string;
  replicaId: string;
  /** gRPC port of ingest (default 50051) or query (default 50052) when run as one service. */
  grpcPort: number | undefined;
  ingestAddr: string | undefined;
  queryAddr: string | undefined;
  /** Unset in the all-in-one process: generated once and kept under dataDir. Required when services run apart. */
  jwtSecret: string | undefined;
  jwtTtlSec: number;
  shutdownTimeoutMs: number;
  ingest: {
    maxBodyBytes: number;
    maxItems: number;
    maxLabels: number;
    /** OTLP attributes in one request, counted before the request is mapped. */
    maxAttributes: number;
    /** Labels of one remote_write series, counted on the wire before decoding (the series store keeps 64 at most). */
    maxSeriesLabels: number;
    /** AM_TARGET_LABEL: the label naming an Alertmanager-API alert's target (then job, then alertname). */
    alertTargetLabel: string;
    maxFutureSkewMs: number;
    /** Unpersisted stream entries (one entry = one request's events of one partition) past which ingest answers 429. */
    persistBacklogLimit: number;
    /** PERSIST_LINGER_MS: the persister's wait between reads while it keeps up (ingest/persister/persister.ts lingerMs). */
    persistLingerMs: number;
    streamRetentionMs: number;
    /** Redis memory (MiB) over which persisted entries leave the streams sooner; 0: no bound. */
    streamRetentionMaxMb: number;
    idempotencyTtlMs: number;
    /** Parse worker threads for large bodies (0: every body is parsed on the event loop). */
    parseWorkers: number;
    /** Bodies up to this size (decoded) are parsed on the event loop. */
    parseInlineBytes: number;
    /** Bytes of bodies handed to the parse workers at once; past it ingest answers 503 with Retry-After. */
    parseBudgetBytes: number;
  };
  /** Where PromQL queries are evaluated (lib/promql-offload): large ones on worker threads, off the event loop. */
  promql: {
    /** PROMQL_WORKERS: worker threads for large queries (0: every query on the event loop). Only a SQLite file store offloads. */
    workers: number;
    /** PROMQL_INLINE_POINTS: queries estimated at up to this many points (series × (steps + samples in range)) stay on the event loop. */
    inlinePoints: number;
    /** PROMQL_QUEUE: large queries that may wait for a thread; past this they are answered 503 with Retry-After. */
    queue: number;
  };
  detector: {
    leaseMs: number;
    checkConcurrency: number;
    telegramApiUrl: string;
    /** CHECK_ALLOWED_NETWORKS: when set, active checks connect only to addresses inside these networks (and the query service refuses a target or rule naming an IP address outside them). */
    checkAllowedNetworks: Networks | null;
    /** NOTIFY_ALLOWED_NETWORKS: when set, notification channels' HTTP requests connect only to addresses inside these networks (and the query service refuses a channel URL at an IP address outside them). */
    notifyAllowedNetworks: Networks | null;
    /** LOCATION: this replica also runs the checks naming this location (multi-location quorum). */
    location: string | undefined;
  };
  realtime: {
    maxBufferBytes: number;
    laggedGraceMs: number;
    maxConnections: number;
    maxConnectionsPerTenant: number;
    maxClientMessageBytes: number;
    clientMessagesPerSec: number;
    idleTimeoutSec: number;
  };
  /** Days each event kind is kept in the store (0 = forever): RETENTION_DAYS, overridden by RETENTION_DAYS_<KIND>. */
  retentionDays: Readonly<Record<EventKind, number>>;
  retentionIntervalMs: number;
  /** The series store's per-tenant limits (lib/config/metrics-tenants.ts) and its out-of-order window. */
  metrics: MetricsTenancy & { outOfOrderWindowMs: number };
  /** Base URL people reach Lightwatch at, for links in notifications (empty: no links). */
  publicUrl: string;
  gateway: {
    /** Requests per second per tenant at one gateway replica; 0 = unlimited. */
    tenantRateLimit: number;
    /** CORS_ORIGINS: browser origins allowed to call /api/*; empty = CORS off. */
    corsOrigins: readonly string[];
    /** TRUSTED_PROXIES: peers whose X-Forwarded-For names the client (Traefik, a load balancer); null: none. */
    trustedProxies: Networks | null;
    /** LOGIN_ATTEMPTS_PER_MIN: login attempts per minute from one client address; 0 = unlimited. */
    loginAttemptsPerMin: number;
    /** LOGIN_FAILURES_PER_MIN: login attempts per minute on one account from addresses that never signed in to it; 0 = unlimited. */
    loginFailuresPerMin: number;
  };
}

function location(r: ReturnType<typeof envReader>): string | undefined {
  const v = r.optionalStr('LOCATION');
  if (v !== undefined && !/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(v)) r.problem(`LOCATION=${JSON.stringify(v)} is not valid: expected 1-63 lowercase letters, digits, _ . - (e.g. eu-west)`);
  return v;
}

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Readonly<LightwatchConfig> {
  const r = envReader(env);
  const dataDir = resolve(r.str('DATA_DIR', './data'));
  const redisUrl = r.url('REDIS_URL', ['redis:', 'rediss:']);
  const days = retentionDays(r);
  const maxSeriesLabels = r.int('INGEST_MAX_SERIES_LABELS', 64, 1, 64);
  const config: LightwatchConfig = {
    port: r.int('PORT', 8080, 0, 65535),
    host: r.str('HOST', '0.0.0.0'),
    dataDir,
    redisUrl,
    redis: redisTopology(r, redisUrl),
    redisMinReplicasAck: r.int('REDIS_MIN_REPLICAS_ACK', 0, 0, 16),
    storeUrl: r.str('STORE_URL', join(dataDir, 'lightwatch.db')),
    textSearchScanLimit: r.int('TEXT_SEARCH_SCAN_LIMIT', 50_000, 100, 100_000_000),
    bootstrapApiKey: r.optionalStr('BOOTSTRAP_API_KEY'),
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    partitions: r.int('PARTITIONS', 16, 1, 1024),
    streamPrefix: r.str('STREAM_PREFIX', 'lw'),
    replicaId: r.str('REPLICA_ID', hostname()),
    grpcPort: env.GRPC_PORT === undefined || env.GRPC_PORT.trim() === '' ? undefined : r.int('GRPC_PORT', 0, 0, 65535),
    ingestAddr: r.hostPort('INGEST_ADDR'),
    queryAddr: r.hostPort('QUERY_ADDR'),
    jwtSecret: r.optionalStr('JWT_SECRET'),
    jwtTtlSec: r.int('JWT_TTL_SEC', 3600, 60, 30 * 86400),
    shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    ingest: {
      maxBodyBytes: r.int('INGEST_MAX_BODY_BYTES', 5 * 1024 * 1024, 1024, 512 * 1024 * 1024),
      maxItems: r.int('INGEST_MAX_BATCH', 10_000, 1, 1_000_000),
      maxLabels: r.int('INGEST_MAX_LABELS', 32, 1, 1024),
      maxAttributes: r.int('INGEST_MAX_ATTRIBUTES', 100_000, 1, 10_000_000),
      maxSeriesLabels,
      alertTargetLabel: alertTargetLabel(r),
      maxFutureSkewMs: r.int('INGEST_MAX_FUTURE_SKEW_MS', 5 * 60_000, 0, 7 * 86_400_000),
      persistBacklogLimit: r.int('PERSIST_BACKLOG_LIMIT', 20_000, 0, 100_000_000),
      // The persister's own default (DEFAULT_PERSISTER_CONFIG.lingerMs, where its measurement is); lib/ does not import ingest/.
      persistLingerMs: r.int('PERSIST_LINGER_MS', 200, 0, 1_000),
      streamRetentionMs: r.int('STREAM_RETENTION_MS', 60 * 60_000, 1_000, 30 * 86_400_000),
      streamRetentionMaxMb: r.int('STREAM_RETENTION_MAX_MB', 1024, 0, 1_048_576),
      idempotencyTtlMs: r.int('IDEMPOTENCY_TTL_MS', 24 * 3_600_000, 1_000, 30 * 86_400_000),
      parseWorkers: r.int('INGEST_PARSE_WORKERS', 2, 0, 64),
      parseInlineBytes: r.int('INGEST_PARSE_INLINE_BYTES', 64 * 1024, 0, 512 * 1024 * 1024),
      parseBudgetBytes: r.int('INGEST_PARSE_BUDGET_BYTES', 32 * 1024 * 1024, 1024, 16 * 1024 * 1024 * 1024),
    },
    promql: {
      workers: r.int('PROMQL_WORKERS', 2, 0, 64),
      inlinePoints: r.int('PROMQL_INLINE_POINTS', 200_000, 0, Number.MAX_SAFE_INTEGER),
      queue: r.int('PROMQL_QUEUE', 8, 0, 10_000),
    },
    detector: {
      leaseMs: r.int('DETECTOR_LEASE_MS', 5_000, 500, 600_000),
      checkConcurrency: r.int('CHECK_CONCURRENCY', 64, 1, 10_000),
      telegramApiUrl: r.url('TELEGRAM_API_URL', ['http:', 'https:']) ?? 'https://api.telegram.org',
      checkAllowedNetworks: r.networks('CHECK_ALLOWED_NETWORKS') ?? null,
      notifyAllowedNetworks: r.networks('NOTIFY_ALLOWED_NETWORKS') ?? null,
      location: location(r),
    },
    realtime: {
      maxBufferBytes: r.int('WS_MAX_BUFFER_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
      laggedGraceMs: r.int('WS_LAGGED_GRACE_MS', 10_000, 0, 600_000),
      maxConnections: r.int('WS_MAX_CONNECTIONS', 50_000, 1, 10_000_000),
      maxConnectionsPerTenant: r.int('WS_MAX_CONNECTIONS_PER_TENANT', 5_000, 1, 10_000_000),
      maxClientMessageBytes: r.int('WS_MAX_CLIENT_MESSAGE_BYTES', 16 * 1024, 64, 16 * 1024 * 1024),
      clientMessagesPerSec: r.int('WS_CLIENT_MESSAGES_PER_SEC', 50, 1, 100_000),
      idleTimeoutSec: r.int('WS_IDLE_TIMEOUT_SEC', 120, 8, 960),
    },
    retentionDays: days,
    metrics: metricsConfig(r, env, days.metric, maxSeriesLabels),
    retentionIntervalMs: r.int('RETENTION_INTERVAL_MS', 10 * 60_000, 1_000, 86_400_000),
    publicUrl: r.url('PUBLIC_URL', ['http:', 'https:']) ?? '',
    gateway: {
      tenantRateLimit: r.int('GATEWAY_TENANT_RATE_LIMIT', 0, 0, 10_000_000),
      corsOrigins: r.origins('CORS_ORIGINS'),
      trustedProxies: r.networks('TRUSTED_PROXIES') ?? null,
      loginAttemptsPerMin: r.int('LOGIN_ATTEMPTS_PER_MIN', 20, 0, 1_000_000),
      loginFailuresPerMin: r.int('LOGIN_FAILURES_PER_MIN', 5, 0, 1_000_000),
    },
  };
  r.done();
  return deepFreeze(config);
}

/** The Redis topology from REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS + REDIS_SENTINEL_MASTER. */
function redisTopology(r: EnvReader, url: string | undefined): RedisTopology | undefined {
  const nodes = r.hostPortList('REDIS_CLUSTER_NODES');
  const sentinels = r.hostPortList('REDIS_SENTINELS');
  const master = r.optionalStr('REDIS_SENTINEL_MASTER');
  const set = [url && 'REDIS_URL', nodes && 'REDIS_CLUSTER_NODES', sentinels && 'REDIS_SENTINELS'].filter((x): x is string => typeof x === 'string');
  if (set.length > 1) {
    r.problem(`${set.join(' and ')} are both set: choose one Redis topology (one Redis, a Redis Cluster, or a Sentinel set)`);
    return undefined;
  }
  if (sentinels && !master) r.problem('REDIS_SENTINELS is set without REDIS_SENTINEL_MASTER: name the master the sentinels monitor (e.g. REDIS_SENTINEL_MASTER=mymaster)');
  if (master && !sentinels) r.problem('REDIS_SENTINEL_MASTER is set without REDIS_SENTINELS: list the sentinels as host:port,host:port');
  if (sentinels && master) return { kind: 'sentinel', sentinels, master };
  if (nodes) return { kind: 'cluster', nodes };
  if (url) return { kind: 'single', url };
  return undefined;
}

function metricsConfig(r: EnvReader, env: Readonly<Record<string, string | undefined>>, metricDays: number, maxSeriesLabels: number): MetricsTenancy & { outOfOrderWindowMs: number } {
  const parsed = parseTenantLimits('METRICS_TENANT_LIMITS', env.METRICS_TENANT_LIMITS);
  if ('problem' in parsed) r.problem(parsed.problem);
  return {
    defaults: {
      maxSeries: r.int('METRICS_MAX_SERIES', 1_000_000, 1, 1_000_000_000),
      // The wire-level bound every tenant has; METRICS_TENANT_LIMITS may set a lower one for a tenant.
      maxLabelsPerSeries: maxSeriesLabels,
      // Samples are metric events: the kind's retention (RETENTION_DAYS_METRIC, else RETENTION_DAYS).
      retentionDays: metricDays,
    },
    tenants: 'problem' in parsed ? {} : parsed.tenants,
    outOfOrderWindowMs: r.int('METRICS_OUT_OF_ORDER_WINDOW_MS', 10 * 60_000, 0, 86_400_000),
  };
}

function retentionDays(r: EnvReader): Record<EventKind, number> {
  const all = r.int('RETENTION_DAYS', 30, 0, 36_500);
  const out = {} as Record<EventKind, number>;
  for (const kind of EVENT_KINDS) out[kind] = r.int(`RETENTION_DAYS_${kind.toUpperCase()}`, all, 0, 36_500);
  return out;
}

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}

/** AM_TARGET_LABEL: a Prometheus label name (default instance). */
function alertTargetLabel(r: EnvReader): string {
  const v = r.str('AM_TARGET_LABEL', 'instance');
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(v)) r.problem(`AM_TARGET_LABEL must be a Prometheus label name (letters, digits and _, not starting with a digit), got ${JSON.stringify(v.slice(0, 60))}`);
  return v;
}
