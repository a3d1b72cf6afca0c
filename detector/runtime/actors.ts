// Target actors of the owned partitions: started on demand for an event's target, restored from a stored
// snapshot on takeover, started ahead of any event for targets whose rules need timers (heartbeat deadlines,
// checks), and captured as snapshots for the flush.
import { ALERT_SPEC_ID } from '../rules/compile.js';
import type { Logger } from 'pino';
import type { ActorSnapshot } from '../../lib/store/types.js';
import { partitionOf, type StreamNames } from '../../lib/streams/partition.js';
import { targetKey } from '../machines/env.js';
import { startTargetActor, type TargetActor } from '../machines/start.js';
import type { createTargetLogic } from '../machines/target.js';
import type { ConfigCache } from './config.js';
import type { ActorEntry, PartitionState, RuntimeState, StoredActor } from './state.js';
import { activeCheckOf } from '../../lib/api/active-check.js';

export interface ActorsDeps {
  state: RuntimeState;
  machine: ReturnType<typeof createTargetLogic>['machine'];
  config: ConfigCache;
  names: StreamNames;
  logger: Logger;
}

export interface Actors {
  /**
   * Starts (or restores from `stored`) the actor of (tenant, name) on `part`. `spread`: part of a bulk load
   * (takeover), so its checks start at the target's phase of their interval instead of at once.
   */
  hydrate(part: PartitionState, tenant: string, name: string, stored?: ActorSnapshot, spread?: boolean): ActorEntry;
  /**
   * Actors for configured targets of `only` (default: every active partition) whose rules need timers. With
   * `only` (the takeover of a partition, at start or after a failover) the whole partition loads at once, and
   * its checks start at each target's phase; without it, a target just configured through the API checks at once.
   */
  hydrateTimed(only?: PartitionState): void;
  /** The actor as stored: a copy of its persisted snapshot with its last applied position. */
  toStored(part: PartitionState, entry: ActorEntry, now: number): ActorSnapshot;
}

function hasAlertState(snapshot: unknown): boolean {
  const ev = (snapshot as { xs?: { context?: { ev?: Record<string, unknown> } } } | null)?.xs?.context?.ev;
  return ev !== undefined && ev !== null && Object.hasOwn(ev, ALERT_SPEC_ID);
}

export function createActors(d: ActorsDeps): Actors {
  const { state, machine, config, names, logger } = d;

  const hydrate = (part: PartitionState, tenant: string, name: string, stored?: ActorSnapshot, spread = false): ActorEntry => {
    const key = targetKey(tenant, name);
    const input = { key, tenant, name, partition: part.p };
    // A restored actor holding alert state keeps watching alerts (else reconcile would drop them as a removed rule).
    if (stored && hasAlertState(stored.snapshot)) config.watchAlerts(key);
    let actor: TargetActor;
    try {
      actor = startTargetActor(machine, input, { host: part.host, spread, ...(stored ? { snapshot: (stored.snapshot as StoredActor).xs } : {}) });
    } catch (err) {
      logger.error({ err, tenant, target: name }, 'snapshot could not be restored; starting the actor fresh');
      actor = startTargetActor(machine, input, { host: part.host, spread });
    }
    let entryId: string | null = null;
    let index = 0;
    if (stored) {
      const cut = stored.appliedId.lastIndexOf(':');
      entryId = stored.appliedId.slice(0, cut);
      index = Number(stored.appliedId.slice(cut + 1));
    }
    const entry: ActorEntry = { key, tenant, name, partition: part.p, actor, entryId, index };
    state.actors.set(key, entry);
    let forTenant = state.byTenant.get(tenant);
    if (!forTenant) state.byTenant.set(tenant, (forTenant = new Map()));
    forTenant.set(name, entry);
    part.actors.add(entry);
    part.dirty.add(entry);
    return entry;
  };

  return {
    hydrate,
    hydrateTimed(only) {
      // One pass over the configured targets whatever the number of partitions.
      for (const t of config.configuredTargets()) {
        // Every active check kind is timed (it schedules its own runs), not http alone.
        if (!t.heartbeat && activeCheckOf(t) === null) continue;
        const part = state.parts.get(partitionOf(t.tenant, t.name, names.partitions));
        if (!part || (only ? part !== only : part.status !== 'active')) continue;
        if (state.actorOf(t.tenant, t.name)) continue;
        if (config.specs(targetKey(t.tenant, t.name)).length > 0) hydrate(part, t.tenant, t.name, undefined, only !== undefined);
      }
    },
    toStored: (part, entry, now) => ({
      tenant: entry.tenant,
      targetId: config.target(entry.key)?.id ?? entry.name,
      partition: part.p,
      appliedId: `${entry.entryId ?? '0-0'}:${entry.index}`,
      // A copy, taken now: xstate's persisted snapshot shares the live context, which later events would
      // change before the store serializes it, putting the state ahead of `appliedId`.
      snapshot: { v: 1, name: entry.name, xs: JSON.parse(JSON.stringify(entry.actor.getPersistedSnapshot())) } satisfies StoredActor,
      epoch: part.epoch,
      updatedAt: now,
    }),
  };
}
