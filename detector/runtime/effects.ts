// Executes what the actors emit, in order, a batch at a time: incident writes carrying the partition's fencing
// epoch, their events on the incidents stream (for realtime), notification claims, and active checks. A failing
// write is retried for as long as the partition is ours (the flush waits for it, so nothing is acknowledged past
// a lost transition); effects of a partition that is no longer ours are left to its next owner.
import type { Logger } from 'pino';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { derivedId } from '../../lib/events/ids.js';
import { sleep } from '../../lib/lifecycle/sleep.js';
import type { Store } from '../../lib/store/port.js';
import { encodeBatch, FIELD_EVENTS } from '../../lib/streams/codec.js';
import { partitionOf, type StreamNames } from '../../lib/streams/partition.js';
import type { Streams } from '../../lib/streams/port.js';
import type { Checker } from '../checks/checker.js';
import type { Effect, IncidentEffect, NotifyEffect } from '../machines/effects.js';
import type { Notifier } from '../notify/notifier.js';
import type { SharedTimers } from '../time/shared-timers.js';
import type { RuntimeMetrics } from './metrics.js';
import type { PartitionState, RuntimeState } from './state.js';

export interface EffectsDeps {
  state: RuntimeState;
  store: Store;
  streams: Streams;
  names: StreamNames;
  clock: SharedTimers;
  checker: Checker;
  notifier: Notifier;
  metrics: RuntimeMetrics;
  logger: Logger;
  /** Length the incidents stream is trimmed to (approximately). */
  incidentsMaxLen: number;
  /** Aborted when the runtime stops: retries end. */
  stop: AbortSignal;
  /** A notification claim found someone else holding the partition's lease. */
  lost(partition: number): void;
}

export function createEffectExecutor(d: EffectsDeps): (batch: Effect[]) => Promise<void> {
  const { state, store, streams, names, clock, logger, metrics: m } = d;

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
        if (state.stopped || part?.status === 'gone') throw err;
        if (i % 10 === 0) logger.warn({ err, attempt: i + 1, partition: part?.p }, `${what} failed; retrying`);
        await sleep(Math.min(2_000, 50 * 2 ** Math.min(i, 6)), d.stop);
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

  /** One batch of effects, in order: incident writes, then their stream events (one append), then claims. */
  return async (batch) => {
    const published: CanonicalEvent[] = [];
    const notes: Array<{ n: NotifyEffect; partition: number; epoch: number }> = [];
    for (const e of batch) {
      const p = partitionOfEffect(e);
      const part = state.parts.get(p);
      if (part === undefined || part.status === 'gone') continue; // not ours any more: the new owner redoes it
      try {
        if (e.type === 'schedule-check') d.checker.run(e, p);
        else if (e.type === 'incident') {
          const ev = await writeIncident(e, part);
          if (ev) published.push(ev);
        } else notes.push({ n: e, partition: p, epoch: part.epoch });
      } catch (err) {
        logger.error({ err, effect: e.type }, 'effect failed');
      }
    }
    if (published.length > 0) {
      await retryWhileOwned(null, 'incident events', () =>
        streams.append(published.map((ev) => ({ stream: names.incidents(), fields: [FIELD_EVENTS, encodeBatch([ev])], maxLen: d.incidentsMaxLen }))),
      ).catch((err: unknown) => logger.error({ err }, 'publishing incident events failed'));
    }
    if (notes.length > 0) {
      const fences = new Map<string, Promise<boolean>>();
      for (const note of notes) {
        const part = state.parts.get(note.partition);
        if (!part || part.status === 'gone') continue;
        try {
          const { refused } = await retryWhileOwned(part, 'notification claim', () => d.notifier.dispatchMany([note], fences));
          // Someone else holds the lease: stop here, before a flush stores and acknowledges this transition.
          for (const p of refused) d.lost(p);
        } catch (err) {
          logger.error({ err }, 'claiming a notification failed');
        }
      }
    }
  };
}
