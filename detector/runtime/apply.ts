// Applies stream entries of one partition to its target actors: entries of a tenant with nothing to watch are
// passed over undecoded, events reach their target's actor (started on demand), and on a replay after takeover
// an event at or below the actor's applied position is skipped. Every applied entry joins the partition's
// acknowledgements, which the next flush makes once the snapshots covering it are stored.
import type { Logger } from 'pino';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { carriesAlerts, compareStreamIds, eventsOfEntry, tenantOfEntry } from '../../lib/streams/codec.js';
import type { StreamEntry } from '../../lib/streams/port.js';
import { targetKey } from '../machines/env.js';
import type { createTargetLogic } from '../machines/target.js';
import type { Actors } from './actors.js';
import type { ConfigCache } from './config.js';
import type { RuntimeMetrics } from './metrics.js';
import type { PartitionState, RuntimeState } from './state.js';

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
    for (const [id, fields] of entries) {
      // A tenant with no target and no rule has nothing here to drive: its entries are not even decoded.
      const tenant = tenantOfEntry(fields);
      const alerts = carriesAlerts(fields);
      if (tenant !== undefined && !alerts && !config.watchesTenant(tenant)) {
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
        let entry = state.actorOf(e.tenant, e.target);
        if (entry === undefined) {
          // Nothing watches this target; a target seen only in events gets an actor for the alerts posted for it.
          if (!alerts && !config.watchesEvents(targetKey(e.tenant, e.target))) continue;
          entry = actors.hydrate(part, e.tenant, e.target);
        }
        if (replay && entry.entryId !== null) {
          const c = compareStreamIds(id, entry.entryId);
          if (c < 0 || (c === 0 && i <= entry.index)) {
            skipped++; // applied before the takeover
            continue;
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
