// The detector service: wires time, ownership, the actor runtime, active checks and notifications into one
// `createDetector(deps)`. The process entry (config, logging, CLI) builds the deps and calls start/close.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { Store } from '../lib/store/port.js';
import type { StreamNames } from '../lib/streams/partition.js';
import type { Networks } from '../lib/net/networks.js';
import type { Streams } from '../lib/streams/port.js';
import { createChecker } from './checks/checker.js';
import { createGuard, NOTIFY_NETWORKS } from '../lib/net/guard.js';
import { targetKey } from './machines/env.js';
import { createNotifier } from './notify/notifier.js';
import { createGroupRouter, type GroupRouter } from './notify/groups.js';
import { createOwnership } from './ownership/ownership.js';
import { ConfigCache } from './runtime/config.js';
import { createConfigSync } from './runtime/config-sync.js';
import { configChannel, subscribeConfigChanges } from '../lib/streams/config-changes.js';
import { createRuntime } from './runtime/runtime.js';
import type { Clock } from '../lib/time/clock.js';
import { createPromqlEvaluation } from './promql/evaluation.js';
import type { PartitionHandler } from './ownership/ownership.js';
import { createSharedTimers } from './time/shared-timers.js';

export interface DetectorConfig {
  /** Unique per replica (e.g. host name); a random suffix is added per process. */
  replicaId: string;
  /** Partition lease time; a dead detector's partitions move within about this long. Default 5000. */
  leaseMs?: number;
  /** Active checks running at once, across all targets. Default 50. */
  checkConcurrency?: number;
  /** CHECK_ALLOWED_NETWORKS: checks and promql rules' external Prometheus connect only inside these networks; null or absent = anywhere. */
  checkAllowedNetworks?: Networks | null;
  /** NOTIFY_ALLOWED_NETWORKS: notification channels' HTTP requests connect only inside these networks; null or absent = anywhere. */
  notifyAllowedNetworks?: Networks | null;
  /** A tenant's labels-per-series limit (METRICS_TENANT_LIMITS), applied to scraped series as ingest applies it to remote_write. */
  maxLabelsOf?: (tenant: string) => number;
  /** Telegram Bot API base URL (tests point it at a local server). Default https://api.telegram.org. */
  telegramApiBaseUrl?: string;
  /** Base URL for links in notifications; empty = none. */
  publicBaseUrl?: string;
  /**
   * How often targets/rules/channels/silences are reloaded from the store. Default 5000. A safety net: changes
   * made through the API are announced on the streams port (`<prefix>:config`), and the entity each names is
   * read and applied at once.
   */
  configRefreshMs?: number;
  /** How often actor snapshots are stored (and entries acknowledged). Default 1000. */
  flushIntervalMs?: number;
  /** Stream entries per XREADGROUP. Default 1000. */
  batchCount?: number;
  /** XREADGROUP BLOCK time. Default 200. */
  blockMs?: number;
  notifyTimeoutMs?: number;
  notifyRetries?: number;
  notifyBackoffMs?: number;
}

export interface DetectorDeps {
  streams: Streams;
  store: Store;
  names: StreamNames;
  clock?: Clock;
  logger: Logger;
  registry: Registry;
  config: DetectorConfig;
}

export interface Detector {
  start(): Promise<void>;
  /** Gives partitions back after storing snapshots, waits for notifications in flight. Idempotent. */
  close(): Promise<void>;
  ownedPartitions(): number[];
  /** Stops at once without releasing leases or storing anything, as a killed process would (fault tests). */
  kill(): void;
  /** Reloads configuration now (also done periodically). */
  refreshConfig(): Promise<void>;
}

export function createDetector(deps: DetectorDeps): Detector {
  const { streams, store, names, logger, registry } = deps;
  const cfg = deps.config;
  const timers = createSharedTimers({ clock: deps.clock, onError: (err) => logger.error({ err }, 'timer callback failed') });
  const config = new ConfigCache(logger);

  // Late-bound: the notifier fences with ownership, ownership hands partitions to the runtime.
  const late: { ownership?: ReturnType<typeof createOwnership>; groups?: GroupRouter } = {};
  const notifier = createNotifier({
    store,
    channelsFor: (t, named) => config.channelsFor(t, named),
    targetLabels: (t, name) => config.targetByKey(targetKey(t, name))?.labels ?? {},
    fence: (p, epoch) => late.ownership?.isCurrent(p, epoch) ?? Promise.resolve(false),
    clock: timers,
    logger,
    registry,
    telegramApiBaseUrl: cfg.telegramApiBaseUrl ?? 'https://api.telegram.org',
    publicBaseUrl: cfg.publicBaseUrl ?? '',
    timeoutMs: cfg.notifyTimeoutMs,
    retries: cfg.notifyRetries,
    backoffMs: cfg.notifyBackoffMs,
    groups: () => late.groups,
    guard: createGuard(cfg.notifyAllowedNetworks ?? null, NOTIFY_NETWORKS),
  });
  // Routes: each route's groups are kept and flushed by the holder of the route's home partition.
  const groups = createGroupRouter({
    routesOf: (t) => config.routesOf(t),
    routedTenants: () => config.routedTenants(),
    targetName: (t, id) => config.targetName(t, id),
    targetLabels: (t, name) => config.targetByKey(targetKey(t, name))?.labels ?? {},
    epochOf: (p) => late.ownership?.owned().get(p),
    partitions: names.partitions,
    clock: timers,
    send: (g) => notifier.sendGroup(g),
    logger,
  });
  late.groups = groups;
  const guard = createGuard(cfg.checkAllowedNetworks ?? null);
  const checker = createChecker({ streams, names, clock: timers, logger, registry, concurrency: cfg.checkConcurrency ?? 50, guard, ...(cfg.maxLabelsOf ? { maxLabelsOf: cfg.maxLabelsOf } : {}), owns: (p) => late.ownership?.owned().has(p) ?? false });
  const runtime = createRuntime({
    reloadConfig: () => reloadConfig(),
    streams,
    store,
    names,
    clock: timers,
    logger,
    registry,
    config,
    notifier,
    checker,
    consumer: cfg.replicaId,
    fence: (p, epoch) => late.ownership?.isCurrent(p, epoch) ?? Promise.resolve(false),
    mayRead: (p) => late.ownership?.fresh(p) ?? false,
    batchCount: cfg.batchCount,
    blockMs: cfg.blockMs,
    flushIntervalMs: cfg.flushIntervalMs,
  });
  const promql = createPromqlEvaluation({ store, streams, names, timers, logger, registry, guard, fence: (p, epoch) => late.ownership?.isCurrent(p, epoch) ?? Promise.resolve(false) });
  const sync = createConfigSync({
    store,
    config,
    runtime: {
      configChanged(keys) {
        runtime.configChanged(keys);
        promql.setRules(config.rules());
      },
      syncAcks: (incidents) => runtime.syncAcks(incidents),
    },
    clock: timers,
    registry,
    logger,
  });
  const reloadConfig = (): Promise<void> => sync.reload();
  // A partition's lease covers its targets' actors, the promql rules that hash to it, and the notification
  // claims made under it: those an earlier holder (or this process under an older epoch) left unsent.
  const handler: PartitionHandler = {
    async acquired(p, epoch) {
      notifier.acquired(p, epoch);
      await runtime.acquired(p, epoch);
      await promql.acquired(p, epoch);
    },
    async releasing(p) {
      notifier.left(p);
      await promql.releasing(p);
      await runtime.releasing(p);
    },
    lost(p) {
      notifier.left(p);
      promql.lost(p);
      runtime.lost(p);
    },
  };
  const ownership = createOwnership({ streams, names, replicaId: cfg.replicaId, leaseMs: cfg.leaseMs ?? 5000, handler, logger });
  late.ownership = ownership;
  new Gauge({ name: 'lightwatch_detector_owned_partitions', help: 'Partitions this detector holds leases on', registers: [registry], collect() {
    this.set(ownership.owned().size);
  } });

  let refreshTimer: ReturnType<typeof setInterval> | undefined;
  let unsubscribeChanges: (() => Promise<void>) | undefined;
  let closing: Promise<void> | undefined;
  let killed = false;

  return {
    async start() {
      // Subscribed before the first load: a change made while it runs is then reloaded after it, not missed.
      unsubscribeChanges = await subscribeConfigChanges(streams.notifications, configChannel(names.prefix), (change) => {
        sync.applyNotice(change).catch((err: unknown) => logger.warn({ err, change }, 'applying a configuration change notice failed'));
      });
      await reloadConfig();
      runtime.start();
      await ownership.start();
      refreshTimer = setInterval(() => {
        reloadConfig()
          // Routed incidents of other detectors' partitions, and groups to rebuild after a takeover, come from the store.
          .then(() => groups.sweep(store))
          .catch((err: unknown) => logger.warn({ err }, 'configuration refresh failed'));
      }, cfg.configRefreshMs ?? 5000);
    },
    close() {
      closing ??= (async () => {
        if (refreshTimer) clearInterval(refreshTimer);
        await unsubscribeChanges?.().catch((err: unknown) => logger.warn({ err }, 'unsubscribing from configuration changes failed'));
        if (killed) return;
        await ownership.close();
        await promql.close();
        await runtime.close();
        await checker.close();
        groups.close();
        await notifier.close();
        timers.close();
      })();
      return closing;
    },
    ownedPartitions: () => [...ownership.owned().keys()].sort((a, b) => a - b),
    kill() {
      killed = true;
      if (refreshTimer) clearInterval(refreshTimer);
      void unsubscribeChanges?.().catch(() => undefined);
      ownership.abandon();
      promql.abandon();
      runtime.abandon();
      groups.close();
      timers.close();
      void checker.close();
    },
    refreshConfig: reloadConfig,
  };
}
