// Builds each service part from the platform and registers its close step. Maps the process config onto each
// part's own config type; no logic beyond that.
import type { TemplatedApp } from 'uWebSockets.js';
import { createDetector } from '../detector/index.js';
import { createProbeAgent } from '../detector/probe/agent.js';
import { createGuard } from '../lib/net/guard.js';
import { runCheck } from '../detector/checks/probe.js';
import { PROBES } from '../detector/checks/kinds/index.js';
import { createIdGenerator } from '../lib/events/ids.js';
import type { CanonicalEvent } from '../lib/events/event.js';
import { encodeBatch, FIELD_EVENTS, FIELD_TENANT } from '../lib/streams/codec.js';
import { partitionOf } from '../lib/streams/partition.js';
import { attachGateway } from '../gateway/index.js';
import { createIngestApi, type IngestService } from '../ingest/service.js';
import { createSeriesAdmission } from '../ingest/series-admission.js';
import { metricsLimitsOf } from '../lib/config/metrics-tenants.js';
import { DEFAULT_PERSISTER_CONFIG } from '../ingest/persister/persister.js';
import { supervisePersisterWorker } from '../ingest/persister/worker.js';
import { createRetentionLoop } from '../ingest/retention/retention.js';
import { openApiDocument } from '../lib/api/openapi.js';
import type { Authenticate } from '../lib/auth/principal.js';
import type { Revocations } from '../lib/auth/revocations.js';
import type { IngestApi, QueryApi } from '../lib/rpc/apis.js';
import type { Store } from '../lib/store/port.js';
import type { Notifications, Streams } from '../lib/streams/port.js';
import { configChannel, createConfigPublisher } from '../lib/streams/config-changes.js';
import type { RedisTopology } from '../lib/streams/redis/connect.js';
import { ensureBootstrap } from '../query/bootstrap.js';
import { createQueryApi } from '../query/service.js';
import { createPromQueries } from '../lib/promql-offload/offload.js';
import { promQueryMetricsText } from '../lib/promql-offload/metrics.js';
import { isMongoUrl } from '../lib/store/index.js';
import { attachRealtime, type Realtime } from '../realtime/index.js';
import type { Platform } from './platform.js';

const consumerName = (p: Platform): string => `${p.config.replicaId}-${process.pid}`;

export async function buildQuery(p: Platform, deps: { store: Store; authenticate: Authenticate; jwtSecret: Uint8Array; revocations: Revocations; notifications?: Notifications }): Promise<QueryApi> {
  const boot = await ensureBootstrap(deps.store, { bootstrapApiKey: p.config.bootstrapApiKey, now: Date.now });
  if (boot.createdKey) {
    // Shown once: the key is stored only as a hash.
    process.stdout.write(`\nLightwatch admin API key for tenant "default" (shown once, keep it): ${boot.createdKey}\n\n`);
  }
  const logger = p.logger.child({ part: 'query' });
  // Without Redis (a query service run apart without REDIS_URL) detectors see changes at their periodic reload.
  const configChanged = deps.notifications ? createConfigPublisher(deps.notifications, configChannel(p.config.streamPrefix), (err) => logger.warn({ err }, 'announcing a configuration change failed')) : undefined;
  // Large PromQL queries are evaluated on worker threads that read the SQLite file themselves; a MongoDB store
  // evaluates every query on the event loop (its threads would need their own client: not wired yet).
  const promql = createPromQueries({ metrics: deps.store.metrics, storePath: isMongoUrl(p.config.storeUrl) ? undefined : p.config.storeUrl, offload: p.config.promql });
  p.lifecycle.onClose('promql workers', () => promql.close());
  p.extraMetrics.push(async () => promQueryMetricsText(promql.stats));
  return createQueryApi({ store: deps.store, authenticate: deps.authenticate, jwtSecret: deps.jwtSecret, jwtTtlSec: p.config.jwtTtlSec, logger, revocations: deps.revocations, configChanged, promql, checkAllowedNetworks: p.config.detector.checkAllowedNetworks, notifyAllowedNetworks: p.config.detector.notifyAllowedNetworks });
}

export async function buildIngest(p: Platform, deps: { streams: Streams; redis: RedisTopology; store: Store; authenticate: Authenticate }): Promise<IngestService> {
  const c = p.config.ingest;
  const ingest = createIngestApi({
    streams: deps.streams,
    names: p.names,
    store: deps.store,
    authenticate: deps.authenticate,
    logger: p.logger.child({ part: 'ingest' }),
    registry: p.registry,
    seriesAdmission: createSeriesAdmission({ metrics: deps.store.metrics, limitsOf: (tenant) => metricsLimitsOf(p.config.metrics, tenant) }),
    config: {
      maxBodyBytes: c.maxBodyBytes,
      maxItems: c.maxItems,
      maxAttributes: c.maxAttributes,
      maxSeriesLabels: c.maxSeriesLabels,
      alertTargetLabel: c.alertTargetLabel,
      maxDepth: 32,
      maxLineBytes: 1024 * 1024,
      normalize: {
        maxLabels: c.maxLabels,
        maxLabelNameBytes: 128,
        maxLabelValueBytes: 1024,
        maxStringBytes: 64 * 1024,
        maxFieldsBytes: 64 * 1024,
        maxFutureSkewMs: c.maxFutureSkewMs,
        maxTargetBytes: 256,
      },
      persistBacklogLimit: c.persistBacklogLimit,
      streamRetentionMs: c.streamRetentionMs,
      idempotencyTtlMs: c.idempotencyTtlMs,
      parseOffload: { workers: c.parseWorkers, inlineMaxBytes: c.parseInlineBytes, budgetBytes: c.parseBudgetBytes },
    },
  });
  p.lifecycle.onClose('ingest', () => ingest.close());
  // The persister runs in a worker thread: synchronous SQLite writes there do not stall this thread's HTTP
  // edge and WebSocket fan-out, and it gets the second core.
  const persister = await supervisePersisterWorker(
    {
      redis: deps.redis,
      minReplicasAck: p.config.redisMinReplicasAck,
      storeUrl: p.config.storeUrl,
      streamPrefix: p.config.streamPrefix,
      partitions: p.config.partitions,
      logLevel: p.config.logLevel,
      service: p.logger.bindings().service as string,
      config: {
        ...DEFAULT_PERSISTER_CONFIG,
        consumerName: consumerName(p),
        lingerMs: c.persistLingerMs,
        streamRetentionMs: c.streamRetentionMs,
        streamRetentionMaxBytes: c.streamRetentionMaxMb * 1024 * 1024,
        metricsTenancy: p.config.metrics,
      },
    },
    {
      // Accepted events stay in the streams (trimming never passes the persist group): nothing is lost while
      // the thread is down, and the new one reads its pending entries first.
      died: (code, restartInMs) => p.logger.error({ code, restartInMs }, 'persister worker exited; starting a new one'),
      restarted: (attempt) => p.logger.warn({ attempt }, 'persister worker restarted'),
      restartFailed: (err, attempt, retryInMs) => p.logger.error({ err, attempt, retryInMs }, 'starting the persister worker failed'),
    },
  );
  p.extraMetrics.push(() => persister.metrics());
  // Closed after the HTTP/gRPC edges stop (registered earlier, closed later): drains what was accepted.
  p.lifecycle.onClose('persister', () => persister.close());
  const retention = createRetentionLoop({
    streams: deps.streams,
    store: deps.store,
    logger: p.logger.child({ part: 'retention' }),
    config: {
      days: p.config.retentionDays,
      intervalMs: p.config.retentionIntervalMs,
      lockKey: p.names.key('retention', 'lock'),
      owner: consumerName(p),
      metricDaysOf: (tenant) => metricsLimitsOf(p.config.metrics, tenant).retentionDays,
    },
  });
  p.lifecycle.onClose('retention', () => retention.close());
  return ingest;
}

export async function buildDetector(p: Platform, deps: { streams: Streams; store: Store }): Promise<void> {
  const c = p.config.detector;
  const detector = createDetector({
    streams: deps.streams,
    store: deps.store,
    names: p.names,
    logger: p.logger.child({ part: 'detector' }),
    registry: p.registry,
    config: {
      replicaId: consumerName(p),
      leaseMs: c.leaseMs,
      checkConcurrency: c.checkConcurrency,
      checkAllowedNetworks: c.checkAllowedNetworks,
      notifyAllowedNetworks: c.notifyAllowedNetworks,
      maxLabelsOf: (tenant) => metricsLimitsOf(p.config.metrics, tenant).maxLabelsPerSeries,
      telegramApiBaseUrl: c.telegramApiUrl,
      publicBaseUrl: p.config.publicUrl,
    },
  });
  await detector.start();
  p.lifecycle.onClose('detector', () => detector.close());
  if (c.location !== undefined) {
    // A replica with LOCATION also runs every check naming that location (whoever owns the target), writing
    // each result, labelled with the location, to the target's partition stream as the checker does.
    const ids = createIdGenerator();
    const guard = createGuard(c.checkAllowedNetworks);
    const logger = p.logger.child({ part: 'location-probe', location: c.location });
    const agent = createProbeAgent({
      location: c.location,
      listTargets: () => deps.store.targets.listAll(),
      report: async (results) => {
        for (const r of results) {
          const event: CanonicalEvent = { id: ids.next(r.at), tenant: r.tenant, target: r.target, ts: r.at, receivedAt: r.at, labels: { location: r.location }, kind: 'check', body: r.body };
          const stream = p.names.events(partitionOf(r.tenant, r.target, p.names.partitions));
          await deps.streams.append([{ stream, fields: [FIELD_EVENTS, encodeBatch([event]), FIELD_TENANT, r.tenant] }]);
        }
      },
      runCheck: (check, stop) => runCheck(check, PROBES, stop, guard),
      now: Date.now,
      onError: (err, what) => logger.warn({ err }, `${what} failed`),
      concurrency: c.checkConcurrency,
    });
    await agent.refresh();
    agent.start();
    p.lifecycle.onClose('location probe', () => agent.close());
  }
}

export function buildGateway(p: Platform, app: TemplatedApp, deps: { ingest: IngestApi; query: QueryApi; authenticate: Authenticate; streams?: Streams }): void {
  const { streams } = deps;
  attachGateway(app, {
    // Every replica counts logins in the same Redis keys (one hash tag: a take touches several of them).
    loginCounters: streams ? { counters: streams.counters, ready: () => streams.ready(), keyPrefix: p.names.key('{login}') } : undefined,
    ingest: deps.ingest,
    query: deps.query,
    authenticate: deps.authenticate,
    logger: p.logger.child({ part: 'gateway' }),
    registry: p.registry,
    openApiDocument,
    config: {
      maxBodyBytes: p.config.ingest.maxBodyBytes,
      tenantRateLimit: p.config.gateway.tenantRateLimit,
      corsOrigins: p.config.gateway.corsOrigins,
      trustedProxies: p.config.gateway.trustedProxies,
      login: { attemptsPerMinPerAddress: p.config.gateway.loginAttemptsPerMin, failuresPerMinPerAccount: p.config.gateway.loginFailuresPerMin },
    },
  });
}

export async function buildRealtime(p: Platform, app: TemplatedApp, deps: { streams: Streams; authenticate: Authenticate; revocations: Revocations }): Promise<Realtime> {
  const realtime = attachRealtime(app, {
    streams: deps.streams,
    names: p.names,
    authenticate: deps.authenticate,
    revocations: deps.revocations,
    logger: p.logger.child({ part: 'realtime' }),
    registry: p.registry,
    config: { replicaId: p.config.replicaId, ...p.config.realtime },
  });
  await realtime.start();
  p.lifecycle.onClose('realtime', () => realtime.close());
  return realtime;
}
