// The detector's I/O side for the partitions it owns: reads them through consumer group `detect` (one
// blocking XREADGROUP over all owned streams), routes each event to its target's actor (hydrated on demand,
// restored from its snapshot on takeover), executes the effects the actors emit (incident upserts with the
// partition's fencing epoch, incident events for realtime, notifications, active checks), and periodically
// stores the changed actors' snapshots with their last applied stream id before acknowledging the entries.
// On takeover it restores snapshots, claims the group's pending entries and skips events already applied.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { derivedId } from '../../lib/events/ids.js';
import type { Store } from '../../lib/store/port.js';
import type { ActorSnapshot, Incident } from '../../lib/store/types.js';
import { changesConfig, compareStreamIds, encodeBatch, eventsOfEntry, FIELD_EVENTS, tenantOfEntry } from '../../lib/streams/codec.js';
import { GROUP_DETECT, partitionOf, type StreamNames } from '../../lib/streams/partition.js';
import type { Checker } from '../checks/checker.js';
import type { Effect, IncidentEffect, NotifyEffect } from '../machines/effects.js';
import { targetKey, type DetectorEnv } from '../machines/env.js';
import { createActorHost, startTargetActor, type ActorHost, type TargetActor } from '../machines/start.js';
import { createTargetLogic } from '../machines/target.js';
import type { Notifier } from '../notify/notifier.js';
import type { PartitionHandler } from '../ownership/ownership.js';
import type { SharedTimers, TimerGroup } from '../time/shared-timers.js';
import type { ConfigCache } from './config.js';
import { EffectQueue } from './effect-queue.js';

export interface RuntimeOptions {
  redis: Redis;
  /** A connection of its own for the blocking read. */
  reader: Redis;
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

type PartitionStatus = 'starting' | 'active' | 'releasing' | 'gone';

interface ActorEntry {
  key: string;
  tenant: string;
  name: string;
  partition: number;
  actor: TargetActor;
  /** Last applied stream entry id and index in its batch (null: nothing applied yet). */
  entryId: string | null;
  index: number;
}

interface PartitionState {
  p: number;
  epoch: number;
  status: PartitionStatus;
  stream: string;
  /** The partition's actors' timers: dropped at once when the partition goes. */
  timers: TimerGroup;
  /** Parent (and actor system) of the partition's target actors. */
  host: ActorHost;
  actors: Set<ActorEntry>;
  dirty: Set<ActorEntry>;
  acks: string[];
}

/** What is stored as ActorSnapshot.snapshot: the actor's name (its key) and xstate's persisted snapshot. */
interface StoredActor {
  v: 1;
  name: string;
  xs: unknown;
}

export interface Runtime extends PartitionHandler {
  /** Starts the read loop. */
  start(): void;
  /** Applies fresh configuration: changed actors re-read their rules; new timer-driven targets get actors. */
  configChanged(keys: Set<string>): void;
  /** Feeds acknowledgements made through the API (stored incidents) to the actors holding those incidents. */
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

type ReadReply = Array<[string, Array<[string, string[]]>]>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function createRuntime(o: RuntimeOptions): Runtime {
  const { redis, reader, store, names, clock, logger, config } = o;
  const batchCount = o.batchCount ?? 1000;
  const blockMs = o.blockMs ?? 200;
  const flushIntervalMs = o.flushIntervalMs ?? 1000;
  const maxUnflushed = o.maxUnflushed ?? 5000;
  const incidentsMaxLen = o.incidentsMaxLen ?? 100_000;
  const parts = new Map<number, PartitionState>();
  const byStream = new Map<string, PartitionState>();
  const actors = new Map<string, ActorEntry>();
  // tenant → name → actor: the per-event lookup without building a key string.
  const byTenant = new Map<string, Map<string, ActorEntry>>();
  let stopped = false;
  let loop: Promise<void> | undefined;
  /** The blocking read in flight, if any (a release waits for it). */
  let reading: Promise<unknown> | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let lastFlush = Date.now();
  let closing: Promise<void> | undefined;

  const m = {
    events: new Counter({ name: 'lightwatch_detector_events_total', help: 'Events applied to target actors', registers: [o.registry] }),
    incidents: new Counter({ name: 'lightwatch_detector_incident_writes_total', help: 'Incident writes by outcome', labelNames: ['outcome'], registers: [o.registry] }),
    actors: new Gauge({ name: 'lightwatch_detector_actors', help: 'Live target actors', registers: [o.registry], collect: () => undefined }),
    replayed: new Counter({ name: 'lightwatch_detector_replayed_events_total', help: 'Events of claimed pending entries applied on takeover', registers: [o.registry] }),
    skipped: new Counter({ name: 'lightwatch_detector_skipped_events_total', help: 'Replayed events skipped as already applied', registers: [o.registry] }),
    passedOver: new Counter({
      name: 'lightwatch_detector_entries_passed_over_total',
      help: 'Stream entries acknowledged undecoded: their tenant had no target and no rule',
      registers: [o.registry],
    }),
    flush: new Histogram({ name: 'lightwatch_detector_flush_seconds', help: 'Snapshot store + ack duration', buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [o.registry] }),
  };

  // Effects ---------------------------------------------------------------------------------------------------
  const partitionOfEffect = (e: Effect): number =>
    partitionOf(e.type === 'schedule-check' ? e.tenant : e.incident.tenant, e.targetName, names.partitions);

  /**
   * Retries a failing write (store locked, Redis away) for as long as the partition is ours. Giving up would
   * lose the transition: the flush after it would store the actor's state and acknowledge its entries. While
   * this waits, the flush waits too (its barrier), so nothing is acknowledged past the failed effect; if the
   * partition is lost meanwhile, its next owner replays the unacknowledged entries and redoes it.
   */
  const retryWhileOwned = async <T>(part: PartitionState | null, what: string, fn: () => Promise<T>): Promise<T> => {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (stopped || part?.status === 'gone') throw err;
        if (i % 10 === 0) logger.warn({ err, attempt: i + 1, partition: part?.p }, `${what} failed; retrying`);
        await sleep(Math.min(2_000, 50 * 2 ** Math.min(i, 6)));
      }
    }
  };

  /** Writes the incident with the partition's epoch; returns its event for the incidents stream (null if refused). */
  const writeIncident = async (e: IncidentEffect, part: PartitionState): Promise<CanonicalEvent | null> => {
    const incident = { ...e.incident, epoch: part.epoch };
    const accepted = await retryWhileOwned(part, 'incident write', () => store.upsertIncident(incident));
    m.incidents.inc({ outcome: accepted ? 'written' : 'refused' });
    if (!accepted) {
      logger.warn({ incident: incident.id, epoch: part.epoch }, 'incident write refused: a newer epoch wrote it');
      return null;
    }
    const at = incident.timeline.at(-1)?.at ?? incident.updatedAt;
    return {
      id: derivedId(at, incident.tenant, incident.id, String(e.seq)),
      tenant: incident.tenant,
      target: e.targetName,
      ts: at,
      receivedAt: clock.now(),
      labels: {},
      kind: 'incident',
      body: { incidentId: incident.id, ruleId: incident.ruleId, state: incident.status, transition: e.transition, title: incident.title, epoch: part.epoch },
    };
  };

  /** One batch of effects, in order: incident writes, then their stream events (one pipeline), then claims. */
  const execute = async (batch: Effect[]): Promise<void> => {
    const published: CanonicalEvent[] = [];
    const notes: Array<{ n: NotifyEffect; partition: number; epoch: number }> = [];
    for (const e of batch) {
      const p = partitionOfEffect(e);
      const part = parts.get(p);
      if (part === undefined || part.status === 'gone') continue; // not ours any more: the new owner redoes it
      try {
        if (e.type === 'schedule-check') o.checker.run(e, p);
        else if (e.type === 'incident') {
          const ev = await writeIncident(e, part);
          if (ev) published.push(ev);
        } else notes.push({ n: e, partition: p, epoch: part.epoch });
      } catch (err) {
        logger.error({ err, effect: e.type }, 'effect failed');
      }
    }
    if (published.length > 0) {
      await retryWhileOwned(null, 'incident events', async () => {
        const pipe = redis.pipeline();
        for (const ev of published) pipe.xadd(names.incidents(), 'MAXLEN', '~', String(incidentsMaxLen), '*', FIELD_EVENTS, encodeBatch([ev]));
        const res = await pipe.exec();
        const failed = res?.find(([err]) => err !== null);
        if (failed) throw failed[0];
      }).catch((err: unknown) => logger.error({ err }, 'publishing incident events failed'));
    }
    if (notes.length > 0) {
      const fences = new Map<string, Promise<boolean>>();
      for (const note of notes) {
        const part = parts.get(note.partition);
        if (!part || part.status === 'gone') continue;
        try {
          const { refused } = await retryWhileOwned(part, 'notification claim', () => o.notifier.dispatchMany([note], fences));
          // Someone else holds the lease: stop here, before a flush stores and acknowledges this transition.
          for (const p of refused) runtime.lost(p);
        } catch (err) {
          logger.error({ err }, 'claiming a notification failed');
        }
      }
    }
  };
  const effects = new EffectQueue(execute);

  // Actors ----------------------------------------------------------------------------------------------------
  const env: DetectorEnv = {
    now: () => clock.now(),
    target: (k) => config.target(k),
    specs: (k) => config.specs(k),
    suppressedBy: (q, at) => config.suppressedBy(q, at),
    reminderMs: (t, ch) => config.reminderMs(t, ch),
    emit: (e) => {
      if (stopped) return;
      // Timer-driven changes (an incident child's deadline, a check falling due) reach the snapshot without an
      // event from the stream: whatever emits an effect has changed, so store it at the next flush.
      const entry = byTenant.get(e.type === 'schedule-check' ? e.tenant : e.incident.tenant)?.get(e.targetName);
      if (entry) parts.get(entry.partition)?.dirty.add(entry);
      effects.push(e);
    },
  };
  const logic = createTargetLogic(env);
  const machine = logic.machine;

  const hydrate = (part: PartitionState, tenant: string, name: string, stored?: ActorSnapshot): ActorEntry => {
    const key = targetKey(tenant, name);
    const input = { key, tenant, name, partition: part.p };
    let actor: TargetActor;
    try {
      actor = startTargetActor(machine, input, { host: part.host, ...(stored ? { snapshot: (stored.snapshot as StoredActor).xs } : {}) });
    } catch (err) {
      logger.error({ err, tenant, target: name }, 'snapshot could not be restored; starting the actor fresh');
      actor = startTargetActor(machine, input, { host: part.host });
    }
    let entryId: string | null = null;
    let index = 0;
    if (stored) {
      const cut = stored.appliedId.lastIndexOf(':');
      entryId = stored.appliedId.slice(0, cut);
      index = Number(stored.appliedId.slice(cut + 1));
    }
    const entry: ActorEntry = { key, tenant, name, partition: part.p, actor, entryId, index };
    actors.set(key, entry);
    let forTenant = byTenant.get(tenant);
    if (!forTenant) byTenant.set(tenant, (forTenant = new Map()));
    forTenant.set(name, entry);
    part.actors.add(entry);
    part.dirty.add(entry);
    return entry;
  };

  /** Actors for configured targets of `part` whose rules need timers even without events. */
  const hydrateTimed = (only?: PartitionState): void => {
    // One pass over the configured targets whatever the number of partitions.
    for (const t of config.configuredTargets()) {
      if (!t.heartbeat && !t.http) continue;
      const part = parts.get(partitionOf(t.tenant, t.name, names.partitions));
      if (!part || (only ? part !== only : part.status !== 'active')) continue;
      if (byTenant.get(t.tenant)?.has(t.name)) continue;
      if (config.specs(targetKey(t.tenant, t.name)).length > 0) hydrate(part, t.tenant, t.name);
    }
  };

  /** Forgets the partition's actors: their timers go with the group; host and actors are left to the GC. */
  const dropActors = (part: PartitionState): void => {
    part.timers.close();
    for (const entry of part.actors) {
      actors.delete(entry.key);
      byTenant.get(entry.tenant)?.delete(entry.name);
    }
    part.actors.clear();
    part.dirty.clear();
    part.acks = [];
  };

  // Reading -----------------------------------------------------------------------------------------------------
  const applyEntries = (part: PartitionState, entries: Array<[string, string[]]>, replay: boolean): void => {
    let n = 0;
    let skipped = 0;
    for (const [id, fields] of entries) {
      // A tenant with no target and no rule has nothing here to drive: its entries are not even decoded.
      const tenant = tenantOfEntry(fields);
      if (tenant !== undefined && !config.watchesTenant(tenant)) {
        part.acks.push(id);
        m.passedOver.inc();
        continue;
      }
      let events: CanonicalEvent[];
      try {
        events = eventsOfEntry(fields);
      } catch (err) {
        logger.warn({ err, id, partition: part.p }, 'skipping an unreadable stream entry');
        part.acks.push(id);
        continue;
      }
      for (let i = 0; i < events.length; i++) {
        const e = events[i] as CanonicalEvent;
        let entry = byTenant.get(e.tenant)?.get(e.target);
        if (entry === undefined) {
          if (config.specs(targetKey(e.tenant, e.target)).length === 0) continue; // nothing watches this target
          entry = hydrate(part, e.tenant, e.target);
        }
        if (replay && entry.entryId !== null) {
          const c = compareStreamIds(id, entry.entryId);
          if (c < 0 || (c === 0 && i <= entry.index)) {
            skipped++; // applied before the takeover
            continue;
          }
        }
        if (e.kind === 'incident') {
          // Acknowledgements from the API travel through the target's partition stream.
          if (e.body.state === 'acknowledged') entry.actor.send({ type: 'ack', ruleId: e.body.ruleId, at: e.receivedAt, by: e.labels.by ?? 'api', incidentId: e.body.incidentId });
        } else {
          logic.deliver(entry.actor, e);
        }
        entry.entryId = id;
        entry.index = i;
        part.dirty.add(entry);
        n++;
      }
      part.acks.push(id);
    }
    m.events.inc(n);
    if (replay) {
      m.replayed.inc(n);
      m.skipped.inc(skipped);
    }
  };

  const ensureGroup = async (stream: string): Promise<void> => {
    try {
      await redis.xgroup('CREATE', stream, GROUP_DETECT, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  };

  const marked = (entries: ReadonlyArray<[string, string[]]>): boolean => entries.some(([, fields]) => changesConfig(fields));

  /** Reloads the configuration first when `changed` (an entry's request created a target: FIELD_CONFIG_CHANGED). */
  const configBefore = async (changed: boolean): Promise<void> => {
    if (!changed || !o.reloadConfig) return;
    try {
      await o.reloadConfig();
    } catch (err) {
      // Applied anyway: the next periodic reload picks the target up, as it did before the mark existed.
      logger.warn({ err }, 'reloading the configuration for a created target failed');
    }
  };

  /** Takes over the group's pending entries (delivered to a dead owner, never acknowledged) and applies them. */
  const replayPending = async (part: PartitionState): Promise<void> => {
    let cursor = '0-0';
    do {
      const res = (await redis.xautoclaim(part.stream, GROUP_DETECT, o.consumer, 0, cursor, 'COUNT', batchCount)) as [string, Array<[string, string[]] | null>, string[]?];
      if (part.status !== 'starting') return;
      cursor = res[0];
      const entries = res[1].filter((x): x is [string, string[]] => x !== null);
      await configBefore(marked(entries));
      if (part.status !== 'starting') return;
      applyEntries(part, entries, true);
    } while (cursor !== '0-0');
  };

  const readLoop = async (): Promise<void> => {
    while (!stopped) {
      const active = [...parts.values()].filter((p) => p.status === 'active' && (o.mayRead?.(p.p) ?? true));
      if (active.length === 0) {
        await sleep(Math.min(50, blockMs));
        await maybeFlush();
        continue;
      }
      const streams = active.map((p) => p.stream);
      let res: ReadReply | null;
      try {
        reading = reader.xreadgroup('GROUP', GROUP_DETECT, o.consumer, 'COUNT', batchCount, 'BLOCK', blockMs, 'STREAMS', ...streams, ...streams.map(() => '>'));
        res = (await reading) as ReadReply | null;
      } catch (err) {
        if (stopped) break;
        const msg = String((err as Error).message);
        if (msg.includes('NOGROUP')) await Promise.all(streams.map(ensureGroup)).catch(() => undefined);
        else logger.warn({ err }, 'reading partitions failed');
        await sleep(200);
        continue;
      }
      if (res) {
        await configBefore(res.some(([, entries]) => marked(entries)));
        for (const [stream, entries] of res) {
          const part = byStream.get(stream);
          // Entries of a partition being released stay pending: its next owner claims them.
          if (part && part.status === 'active') applyEntries(part, entries, false);
        }
      }
      await maybeFlush();
    }
  };

  // Persistence ---------------------------------------------------------------------------------------------------
  const toStored = (part: PartitionState, entry: ActorEntry, now: number): ActorSnapshot => ({
    tenant: entry.tenant,
    targetId: config.target(entry.key)?.id ?? entry.name,
    partition: part.p,
    appliedId: `${entry.entryId ?? '0-0'}:${entry.index}`,
    // A copy, taken now: xstate's persisted snapshot shares the live context, which later events would
    // change before the store serializes it, putting the state ahead of `appliedId`.
    snapshot: { v: 1, name: entry.name, xs: JSON.parse(JSON.stringify(entry.actor.getPersistedSnapshot())) } satisfies StoredActor,
    epoch: part.epoch,
    updatedAt: now,
  });

  const flushPart = async (part: PartitionState): Promise<void> => {
    if (part.dirty.size === 0 && part.acks.length === 0) return;
    // Captured together, synchronously: the snapshots cover exactly the entries acknowledged below.
    const now = clock.now();
    const dirty = [...part.dirty];
    part.dirty.clear();
    const snaps = dirty.map((entry) => toStored(part, entry, now));
    const acks = part.acks;
    part.acks = [];
    await effects.barrier();
    if (part.status === 'gone') return;
    try {
      // Only the lease holder stores and acknowledges: a stale owner would otherwise mark as applied what its
      // successor must replay.
      if (!(await o.fence(part.p, part.epoch))) {
        logger.warn({ partition: part.p, epoch: part.epoch }, 'not storing snapshots: partition lease no longer ours');
        runtime.lost(part.p);
        return;
      }
      if (snaps.length > 0) await store.saveSnapshots(snaps);
      for (let i = 0; i < acks.length; i += 5000) await redis.xack(part.stream, GROUP_DETECT, ...acks.slice(i, i + 5000));
    } catch (err) {
      for (const d of dirty) part.dirty.add(d);
      part.acks = acks.concat(part.acks);
      throw err;
    }
  };

  const flushAll = (): Promise<void> => {
    const run = flushing.then(async () => {
      const end = m.flush.startTimer();
      lastFlush = Date.now();
      for (const part of [...parts.values()]) {
        if (part.status === 'gone' || part.status === 'starting') continue;
        try {
          await flushPart(part);
        } catch (err) {
          logger.warn({ err, partition: part.p }, 'storing snapshots failed; will retry');
        }
      }
      end();
    });
    flushing = run.catch(() => undefined);
    return run;
  };

  const maybeFlush = async (): Promise<void> => {
    let due = Date.now() - lastFlush >= flushIntervalMs;
    if (!due) for (const p of parts.values()) if (p.acks.length >= maxUnflushed) due = true;
    if (due) await flushAll();
  };

  // Partition handler -------------------------------------------------------------------------------------------------
  const runtime: Runtime = {
    async acquired(p, epoch) {
      const timers = clock.group();
      const host = createActorHost(timers, (err) => logger.error({ err, partition: p }, 'target actor failed'));
      const part: PartitionState = { p, epoch, status: 'starting', stream: names.events(p), timers, host, actors: new Set(), dirty: new Set(), acks: [] };
      const previous = parts.get(p);
      if (previous) {
        previous.status = 'gone';
        dropActors(previous);
      }
      parts.set(p, part);
      byStream.set(part.stream, part);
      await ensureGroup(part.stream);
      const stored = await store.loadSnapshots(p);
      if (part.status !== 'starting') return;
      for (const s of stored) {
        const name = (s.snapshot as StoredActor | null)?.name;
        if (typeof name !== 'string' || actors.has(targetKey(s.tenant, name))) continue;
        hydrate(part, s.tenant, name, s);
      }
      hydrateTimed(part);
      await replayPending(part);
      if (part.status !== 'starting') return;
      part.status = 'active';
      m.actors.set(actors.size);
      logger.info({ partition: p, epoch, actors: part.actors.size }, 'partition started');
    },
    async releasing(p) {
      const part = parts.get(p);
      if (!part) return;
      if (part.status === 'active') part.status = 'releasing';
      // A read issued while the partition was active may still be blocked on its stream. What it delivers must be
      // pending on us before the lease goes back: the next owner claims pending entries once, when it takes over,
      // and its own reads ('>') never see an entry delivered to us after that, so the entry would be lost. The
      // wait is at most one read's BLOCK time, far below the lease.
      await reading?.catch(() => undefined);
      await flushAll();
      part.status = 'gone';
      dropActors(part);
      parts.delete(p);
      byStream.delete(part.stream);
      m.actors.set(actors.size);
    },
    lost(p) {
      const part = parts.get(p);
      if (!part) return;
      part.status = 'gone';
      dropActors(part);
      parts.delete(p);
      byStream.delete(part.stream);
      m.actors.set(actors.size);
    },
    start() {
      loop ??= readLoop().catch((err: unknown) => logger.error({ err }, 'read loop crashed'));
    },
    configChanged(keys) {
      for (const key of keys) actors.get(key)?.actor.send({ type: 'config' });
      hydrateTimed();
      m.actors.set(actors.size);
    },
    syncAcks(incidents) {
      for (const i of incidents) {
        if (i.status !== 'acknowledged' || i.acknowledgedAt === undefined) continue;
        const entry = byTenant.get(i.tenant)?.get(config.targetName(i.tenant, i.targetId));
        const part = entry && parts.get(entry.partition);
        if (!entry || part?.status !== 'active' || entry.actor.getSnapshot().context.live[i.ruleId] === undefined) continue;
        // The incident child ignores it if it is acknowledged already or is another incident of the rule.
        // The API's timeline entry carries the acknowledger's comment; the actor's write replaces the stored
        // incident, so the actor records that same text.
        const note = i.timeline.findLast((t) => t.type === 'acknowledged' && t.at === i.acknowledgedAt)?.message;
        entry.actor.send({ type: 'ack', ruleId: i.ruleId, at: i.acknowledgedAt, by: i.acknowledgedBy ?? 'api', incidentId: i.id, message: note });
      }
    },
    flush: () => flushAll(),
    close() {
      closing ??= (async () => {
        stopped = true;
        reader.disconnect();
        await loop;
        for (const part of parts.values()) if (part.status === 'active') part.status = 'releasing';
        await flushAll();
        effects.stop();
        for (const part of [...parts.values()]) runtime.lost(part.p);
      })();
      return closing;
    },
    abandon() {
      stopped = true;
      effects.stop();
      reader.disconnect();
      for (const part of [...parts.values()]) runtime.lost(part.p);
    },
    get actorCount() {
      return actors.size;
    },
    partitionStatus: (p) => parts.get(p)?.status,
  };
  return runtime;
}
