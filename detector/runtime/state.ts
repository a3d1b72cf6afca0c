// The runtime's shared state: the partitions this detector works and the target actors of each, indexed for the
// per-event lookup. Plain data and lookups; each concern (reading, applying, effects, flushing) acts on it.
import type { ActorHost, TargetActor } from '../machines/start.js';
import type { TimerGroup } from '../time/shared-timers.js';

export type PartitionStatus = 'starting' | 'active' | 'releasing' | 'gone';

export interface ActorEntry {
  key: string;
  tenant: string;
  name: string;
  partition: number;
  actor: TargetActor;
  /** Last applied stream entry id and index in its batch (null: nothing applied yet). */
  entryId: string | null;
  index: number;
}

export interface PartitionState {
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
  /** Entries applied and not yet acknowledged (acknowledged by the flush that stores their snapshots). */
  acks: string[];
}

/** What is stored as ActorSnapshot.snapshot: the actor's name (its key) and xstate's persisted snapshot. */
export interface StoredActor {
  v: 1;
  name: string;
  xs: unknown;
}

export class RuntimeState {
  readonly parts = new Map<number, PartitionState>();
  readonly byStream = new Map<string, PartitionState>();
  readonly actors = new Map<string, ActorEntry>();
  /** tenant → name → actor: the per-event lookup without building a key string. */
  readonly byTenant = new Map<string, Map<string, ActorEntry>>();
  stopped = false;

  actorOf(tenant: string, name: string): ActorEntry | undefined {
    return this.byTenant.get(tenant)?.get(name);
  }

  /** Registers a partition (replacing a previous state of it). */
  add(part: PartitionState): void {
    this.parts.set(part.p, part);
    this.byStream.set(part.stream, part);
  }

  /** Forgets the partition's actors: their timers go with the group; host and actors are left to the GC. */
  dropActors(part: PartitionState): void {
    part.timers.close();
    for (const entry of part.actors) {
      this.actors.delete(entry.key);
      this.byTenant.get(entry.tenant)?.delete(entry.name);
    }
    part.actors.clear();
    part.dirty.clear();
    part.acks = [];
  }

  /** The partition is gone: drop its actors and forget it. */
  remove(part: PartitionState): void {
    part.status = 'gone';
    this.dropActors(part);
    this.parts.delete(part.p);
    this.byStream.delete(part.stream);
  }
}
