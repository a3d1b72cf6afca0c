// Applies stream entries of one partition to its target actors: entries of a tenant with nothing to watch, and
// metric batches of a tenant with no rule that reads samples, are passed over undecoded (read thin, without their
// payload, when they could be), events reach their target's actor (started on demand), and on a replay after
// takeover an event at or below the actor's applied position is skipped. Every applied entry joins the partition's
// acknowledgements, which the next flush makes once the snapshots covering it are stored.
import type { Logger } from 'pino';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { carriesAlerts, compareStreamIds, contentOfEntry, isThin, tenantOfEntry } from '../../lib/streams/codec.js';
import { sampleEvent, seriesEventLabels, type BatchSeries, type MetricBatch } from '../../lib/tsdb/batch.js';
import type { StreamEntry } from '../../lib/streams/port.js';
import { targetKey } from '../machines/env.js';
import type { createTargetLogic } from '../machines/target.js';
import type { Actors } from './actors.js';
import type { ConfigCache } from './config.js';
import type { RuntimeMetrics } from './metrics.js';
import type { ActorEntry, PartitionState, RuntimeState } from './state.js';

export interface ApplyDeps {
  state: RuntimeState;
  actors: Actors;
  logic: ReturnType<typeof createTargetLogic>;
  config: ConfigCache;
  metrics: RuntimeMetrics;
  logger: Logger;
}

export type ApplyEntries = (part: PartitionState, entries: readonly StreamEntry[], replay: boolean) => void;

export function createApply(d: ApplyDeps): ApplyEntries {
  const { state, actors, logic, config, metrics: m, logger } = d;
  return (part, entries, replay) => {
    let n = 0;
    let skipped = 0;
    /** The actor of a target, hydrated on first use; undefined when nothing watches the target. */
    const actorFor = (tenant: string, target: string, alerts: boolean): ActorEntry | undefined => {
      const entry = state.actorOf(tenant, target);
      if (entry !== undefined) return entry;
      const key = targetKey(tenant, target);
      // An alert makes its target watch alerts (and start an actor); any other event only a target with rules.
      if (alerts) config.watchAlerts(key);
      else if (config.specs(key).length === 0) return undefined; // nothing watches this target
      return actors.hydrate(part, tenant, target);
    };
    /** Event `i` of entry `id` to its actor, unless a replay finds it applied before the takeover. */
    const apply = (id: string, i: number, entry: ActorEntry, e: CanonicalEvent): void => {
      if (replay && entry.entryId !== null) {
        const c = compareStreamIds(id, entry.entryId);
        if (c < 0 || (c === 0 && i <= entry.index)) {
          skipped++; // applied before the takeover
          return;
        }
      }
      if (e.kind === 'incident') {
        // Acknowledgements and manual resolves from the API travel through the target's partition stream.
        if (e.body.state === 'acknowledged' || e.body.state === 'resolved') {
          entry.actor.send({ type: e.body.state === 'acknowledged' ? 'ack' : 'resolve', ruleId: e.body.ruleId, at: e.receivedAt, by: e.labels.by ?? 'api', incidentId: e.body.incidentId });
        }
      } else {
        logic.deliver(entry.actor, e);
      }
      entry.entryId = id;
      entry.index = i;
      part.dirty.add(entry);
      n++;
    };
    for (const [id, fields] of entries) {
      // A tenant with no target and no rule has nothing here to drive: its entries are not even decoded.
      const tenant = tenantOfEntry(fields);
      const alerts = carriesAlerts(fields);
      // Read thin: a tenant with nothing to watch, or a metric batch of one with no rule that reads samples.
      const thin = isThin(fields);
      if (thin || (tenant !== undefined && !alerts && !config.watchesTenant(tenant))) {
        part.acks.push(id);
        m.passedOver.inc();
        if (thin) m.readThin.inc();
        continue;
      }
      let events: CanonicalEvent[] | undefined;
      let batch: MetricBatch | undefined;
      try {
        ({ batch, events } = contentOfEntry(fields));
      } catch (err) {
        logger.warn({ err, id, partition: part.p }, 'skipping an unreadable stream entry');
        part.acks.push(id);
        continue;
      }
      if (batch !== undefined) {
        // Series by series: a series whose target nothing watches is passed over whole, and samples become
        // events only for watched ones. `i` counts samples across the batch, as the expanded form numbers them.
        let i = 0;
        for (let s = 0; s < batch.series.length; s++) {
          const x = batch.series[s] as BatchSeries;
          const entry = actorFor(batch.tenant, x.target, alerts);
          if (entry === undefined) {
            i += x.timestamps.length;
            continue;
          }
          const labels = seriesEventLabels(x);
          for (let k = 0; k < x.timestamps.length; k++, i++) apply(id, i, entry, sampleEvent(batch, s, k, labels));
        }
      } else if (events !== undefined) {
        for (let i = 0; i < events.length; i++) {
          const e = events[i] as CanonicalEvent;
          const entry = actorFor(e.tenant, e.target, alerts);
          if (entry !== undefined) apply(id, i, entry, e);
        }
      }
      part.acks.push(id);
    }
    m.events.inc(n);
    if (replay) {
      m.replayed.inc(n);
      m.skipped.inc(skipped);
    }
  };
}
