// Stores the changed actors' snapshots with their last applied position and only then acknowledges the entries
// they cover, partition by partition, after every effect emitted before it has run (the effect queue's barrier),
// and only while this detector still holds the partition's lease (fenced), so a stale owner never marks as
// applied what its successor must replay. Runs one at a time: periodically, or when acknowledgements pile up.
import type { Logger } from 'pino';
import type { Store } from '../../lib/store/port.js';
import { GROUP_DETECT } from '../../lib/streams/partition.js';
import type { Streams } from '../../lib/streams/port.js';
import type { SharedTimers } from '../time/shared-timers.js';
import type { Actors } from './actors.js';
import type { EffectQueue } from './effect-queue.js';
import type { RuntimeMetrics } from './metrics.js';
import type { PartitionState, RuntimeState } from './state.js';

export interface FlushDeps {
  state: RuntimeState;
  actors: Actors;
  effects: EffectQueue;
  store: Store;
  streams: Streams;
  clock: SharedTimers;
  metrics: RuntimeMetrics;
  logger: Logger;
  fence(partition: number, epoch: number): Promise<boolean>;
  lost(partition: number): void;
  flushIntervalMs: number;
  maxUnflushed: number;
}

export interface Flusher {
  /** Stores every changed snapshot and acknowledges what they cover (queued behind a running flush). */
  flushAll(): Promise<void>;
  /** flushAll when the interval passed or a partition has too many unacknowledged entries. */
  maybeFlush(): Promise<void>;
}

export function createFlusher(d: FlushDeps): Flusher {
  const { state, actors, effects, store, streams, clock, logger, metrics: m } = d;
  let flushing: Promise<void> = Promise.resolve();
  let lastFlush = Date.now();

  const flushPart = async (part: PartitionState): Promise<void> => {
    if (part.dirty.size === 0 && part.acks.length === 0) return;
    // Captured together, synchronously: the snapshots cover exactly the entries acknowledged below.
    const now = clock.now();
    const dirty = [...part.dirty];
    part.dirty.clear();
    const snaps = dirty.map((entry) => actors.toStored(part, entry, now));
    const acks = part.acks;
    part.acks = [];
    await effects.barrier();
    if (part.status === 'gone') return;
    try {
      if (!(await d.fence(part.p, part.epoch))) {
        logger.warn({ partition: part.p, epoch: part.epoch }, 'not storing snapshots: partition lease no longer ours');
        d.lost(part.p);
        return;
      }
      if (snaps.length > 0) await store.saveSnapshots(snaps);
      if (acks.length > 0) await streams.ack(part.stream, GROUP_DETECT, acks);
    } catch (err) {
      for (const e of dirty) part.dirty.add(e);
      part.acks = acks.concat(part.acks);
      throw err;
    }
  };

  const flushAll = (): Promise<void> => {
    const run = flushing.then(async () => {
      const end = m.flush.startTimer();
      lastFlush = Date.now();
      for (const part of [...state.parts.values()]) {
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

  return {
    flushAll,
    async maybeFlush() {
      let due = Date.now() - lastFlush >= d.flushIntervalMs;
      if (!due) for (const p of state.parts.values()) if (p.acks.length >= d.maxUnflushed) due = true;
      if (due) await flushAll();
    },
  };
}
