// The detector's I/O side for the partitions it owns, composed from one file per concern: reading (a handler of
// the group-consumer loop, reading/claiming through group `detect`), applying entries to target actors
// (apply.ts, actors.ts), executing the effects they emit (effects.ts), and storing snapshots before
// acknowledging (flush.ts). This file holds the partition lifecycle: takeover (restore snapshots, replay pending
// entries), release (wait for the read in flight, flush) and loss.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Store } from '../../lib/store/port.js';
import type { Incident } from '../../lib/store/types.js';
import { createConsumerLoop, type ConsumerLoop } from '../../lib/streams/consumer.js';
import { GROUP_DETECT, type StreamNames } from '../../lib/streams/partition.js';
import type { Streams } from '../../lib/streams/port.js';
import type { Checker } from '../checks/checker.js';
import { targetKey, type DetectorEnv } from '../machines/env.js';
import { createActorHost } from '../machines/start.js';
import { createTargetLogic } from '../machines/target.js';
import type { Notifier } from '../notify/notifier.js';
import type { PartitionHandler } from '../ownership/ownership.js';
import type { SharedTimers } from '../time/shared-timers.js';
import { createActors } from './actors.js';
import { createApply } from './apply.js';
import type { ConfigCache } from './config.js';
import { EffectQueue } from './effect-queue.js';
import { createEffectExecutor } from './effects.js';
import { createFlusher } from './flush.js';
import { runtimeMetrics } from './metrics.js';
import { createReading } from './reading.js';
import { RuntimeState, type PartitionState, type PartitionStatus, type StoredActor } from './state.js';

/**
 * RuntimeOptions.readLingerMs's default. A read per remote_write request (about two per 1000 samples at ~140
 * requests/s) cost a pass-over reader ~0.37 µs per sample more than reads 25 ms apart (.tmp micro, load 6-7).
 */
export const DEFAULT_DETECT_READ_LINGER_MS = 25;

export interface RuntimeOptions {
  streams: Streams;
  store: Store;
  names: StreamNames;
  clock: SharedTimers;
  logger: Logger;
  registry: Registry;
  config: ConfigCache;
  notifier: Notifier;
  checker: Checker;
  /** Whether (partition, epoch) still holds its lease; rejects when Redis cannot say. */
  fence(partition: number, epoch: number): Promise<boolean>;
  /**
   * Whether the lease of `partition` was renewed recently enough to read it (local check). A process frozen
   * past its lease must not read on resuming: what it reads would be delivered to it, pending on a consumer
   * its successor no longer claims from. Default: always.
   */
  mayRead?(partition: number): boolean;
  /** Consumer name in group `detect` (one per detector process). */
  consumer: string;
  batchCount?: number;
  blockMs?: number;
  /**
   * While the partitions keep bringing entries, the next read comes this many ms after the last one returned (the
   * consumer loop's lingerMs), so a read brings what arrived meanwhile, not a request's worth: events reach their
   * actors up to this much later under load. Default DEFAULT_DETECT_READ_LINGER_MS; 0: off.
   */
  readLingerMs?: number;
  /** Snapshots are stored (and entries acknowledged) at least this often while there is something to store. */
  flushIntervalMs?: number;
  /** ...or as soon as a partition has this many unacknowledged entries. */
  maxUnflushed?: number;
  /** Length the incidents stream is trimmed to (approximately). */
  incidentsMaxLen?: number;
  /**
   * Reloads the configuration (a reload that starts after the call). Run before applying entries marked
   * FIELD_CONFIG_CHANGED: their request created a target, and the events must meet it.
   */
  reloadConfig?: () => Promise<void>;
}

export interface Runtime extends PartitionHandler {
  /** Starts the read loop. */
  start(): void;
  /** Applies fresh configuration: changed actors re-read their rules; new timer-driven targets get actors. */
  configChanged(keys: Set<string>): void;
  /** Feeds acknowledgements and manual resolves made through the API (stored incidents) to the actors holding those incidents. */
  syncAcks(incidents: readonly Incident[]): void;
  /** Stores every changed snapshot and acknowledges what they cover. */
  flush(): Promise<void>;
  /** Stops reading, flushes, stops actors. Idempotent. */
  close(): Promise<void>;
  /** Stops everything at once without writing (a killed process). */
  abandon(): void;
  readonly actorCount: number;
  partitionStatus(p: number): PartitionStatus | undefined;
}

export function createRuntime(o: RuntimeOptions): Runtime {
  const { streams, store, names, clock, logger, config } = o;
  const batchCount = o.batchCount ?? 1000;
  const state = new RuntimeState();
  const stop = new AbortController();
  const m = runtimeMetrics(o.registry);
  let loop: ConsumerLoop | undefined;
  let closing: Promise<void> | undefined;

  const lost = (p: number): void => runtime.lost(p);
  const effects = new EffectQueue(
    createEffectExecutor({
      state,
      store,
      streams,
      names,
      clock,
      checker: o.checker,
      notifier: o.notifier,
      metrics: m,
      logger,
      incidentsMaxLen: o.incidentsMaxLen ?? 100_000,
      stop: stop.signal,
      lost,
    }),
  );

  const env: DetectorEnv = {
    now: () => clock.now(),
    target: (k) => config.target(k),
    specs: (k) => config.specs(k),
    suppressedBy: (q, at) => config.suppressedBy(q, at),
    reminderMs: (t, ch) => config.reminderMs(t, ch),
    emit: (e) => {
      if (state.stopped) return;
      // Timer-driven changes (an incident child's deadline, a check falling due) reach the snapshot without an
      // event from the stream: whatever emits an effect has changed, so store it at the next flush.
      const entry = state.actorOf(e.type === 'schedule-check' ? e.tenant : e.incident.tenant, e.targetName);
      if (entry) state.parts.get(entry.partition)?.dirty.add(entry);
      // Inhibition: an incident opened here inhibits others at once, not only after the next reload.
      if (e.type === 'incident') config.noteIncident(e.incident, e.targetName);
      effects.push(e);
    },
  };
  const logic = createTargetLogic(env);
  const actors = createActors({ state, machine: logic.machine, config, names, logger });
  const apply = createApply({ state, actors, logic, config, metrics: m, logger });
  const flusher = createFlusher({
    state,
    actors,
    effects,
    store,
    streams,
    clock,
    metrics: m,
    logger,
    fence: (p, epoch) => o.fence(p, epoch),
    lost,
    flushIntervalMs: o.flushIntervalMs ?? 1000,
    maxUnflushed: o.maxUnflushed ?? 5000,
  });
  const reading = createReading({
    state,
    streams,
    apply,
    flusher,
    logger,
    consumer: o.consumer,
    batchCount,
    mayRead: (p) => o.mayRead?.(p) ?? true,
    reloadConfig: o.reloadConfig,
    watchedTenants: () => config.tenants(),
    watchesTenant: (tenant) => config.watchesTenant(tenant),
    metricTenants: () => config.metricTenants(),
    watchesMetrics: (tenant) => config.watchesMetrics(tenant),
  });

  const forget = (part: PartitionState): void => {
    state.remove(part);
    m.actors.set(state.actors.size);
  };

  /** A resolve made through the API (a `resolved` entry with an actor) reaches the actor holding the incident. */
  const resolveByHand = (i: Incident): void => {
    const last = i.timeline.at(-1);
    if (i.resolvedAt === undefined || last?.type !== 'resolved' || last.actor === undefined) return;
    const entry = state.actorOf(i.tenant, config.targetName(i.tenant, i.targetId));
    const part = entry && state.parts.get(entry.partition);
    if (!entry || part?.status !== 'active' || entry.actor.getSnapshot().context.live[i.ruleId] === undefined) return;
    // The incident child ignores it if it is resolved already, another incident of the rule, or its rule forbids it.
    entry.actor.send({ type: 'resolve', ruleId: i.ruleId, at: i.resolvedAt, by: last.actor, incidentId: i.id, message: last.message });
  };

  const runtime: Runtime = {
    async acquired(p, epoch) {
      const timers = clock.group();
      const host = createActorHost(timers, (err) => logger.error({ err, partition: p }, 'target actor failed'));
      const part: PartitionState = { p, epoch, status: 'starting', stream: names.events(p), timers, host, actors: new Set(), dirty: new Set(), acks: [] };
      const previous = state.parts.get(p);
      if (previous) {
        previous.status = 'gone';
        state.dropActors(previous);
      }
      state.add(part);
      await streams.ensureGroup([part.stream], GROUP_DETECT, '0');
      const stored = await store.loadSnapshots(p);
      if (part.status !== 'starting') return;
      for (const s of stored) {
        const name = (s.snapshot as StoredActor | null)?.name;
        if (typeof name !== 'string' || state.actors.has(targetKey(s.tenant, name))) continue;
        actors.hydrate(part, s.tenant, name, s, true);
      }
      actors.hydrateTimed(part);
      await reading.replayPending(part);
      if (part.status !== 'starting') return;
      part.status = 'active';
      m.actors.set(state.actors.size);
      logger.info({ partition: p, epoch, actors: part.actors.size }, 'partition started');
    },
    async releasing(p) {
      const part = state.parts.get(p);
      if (!part) return;
      if (part.status === 'active') part.status = 'releasing';
      // A read issued while the partition was active may still be blocked on its stream. What it delivers must be
      // pending on us before the lease goes back: the next owner claims pending entries once, when it takes over,
      // and its own reads ('>') never see an entry delivered to us after that, so the entry would be lost. The
      // wait is at most one read's BLOCK time, far below the lease.
      await loop?.settled().catch(() => undefined);
      await flusher.flushAll();
      forget(part);
    },
    lost(p) {
      const part = state.parts.get(p);
      if (part) forget(part);
    },
    start() {
      loop ??= createConsumerLoop({
        streams,
        group: GROUP_DETECT,
        consumer: o.consumer,
        handler: reading.handler,
        logger,
        count: batchCount,
        blockMs: o.blockMs ?? 200,
        // Acknowledged by the flush, once the snapshots covering the entries are stored.
        ack: 'handler',
        // Pending entries are claimed per partition on takeover (replayPending), not re-read by the loop.
        pendingFirst: false,
        recreateGroup: (keys) => streams.ensureGroup(keys, GROUP_DETECT, '0'),
        retryBaseMs: 100,
        retryMaxMs: 1_000,
        lingerMs: o.readLingerMs ?? DEFAULT_DETECT_READ_LINGER_MS,
      });
      loop.start();
    },
    configChanged(keys) {
      for (const key of keys) state.actors.get(key)?.actor.send({ type: 'config' });
      actors.hydrateTimed();
      m.actors.set(state.actors.size);
    },
    syncAcks(incidents: readonly Incident[]) {
      for (const i of incidents) {
        if (i.status === 'resolved') {
          resolveByHand(i);
          continue;
        }
        if (i.status !== 'acknowledged' || i.acknowledgedAt === undefined) continue;
        const entry = state.actorOf(i.tenant, config.targetName(i.tenant, i.targetId));
        const part = entry && state.parts.get(entry.partition);
        if (!entry || part?.status !== 'active' || entry.actor.getSnapshot().context.live[i.ruleId] === undefined) continue;
        // The incident child ignores it if it is acknowledged already or is another incident of the rule.
        // The API's timeline entry carries the acknowledger's comment; the actor's write replaces the stored
        // incident, so the actor records that same text.
        const note = i.timeline.findLast((t) => t.type === 'acknowledged' && t.at === i.acknowledgedAt)?.message;
        entry.actor.send({ type: 'ack', ruleId: i.ruleId, at: i.acknowledgedAt, by: i.acknowledgedBy ?? 'api', incidentId: i.id, message: note });
      }
    },
    flush: () => flusher.flushAll(),
    close() {
      closing ??= (async () => {
        state.stopped = true;
        stop.abort();
        await loop?.close();
        for (const part of state.parts.values()) if (part.status === 'active') part.status = 'releasing';
        await flusher.flushAll();
        effects.stop();
        for (const part of [...state.parts.values()]) runtime.lost(part.p);
      })();
      return closing;
    },
    abandon() {
      state.stopped = true;
      stop.abort();
      effects.stop();
      void loop?.close();
      for (const part of [...state.parts.values()]) runtime.lost(part.p);
    },
    get actorCount() {
      return state.actors.size;
    },
    partitionStatus: (p) => state.parts.get(p)?.status,
  };
  return runtime;
}

export type { PartitionStatus };
