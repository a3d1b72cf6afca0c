// The detector runtime's metrics, registered once per runtime.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type RuntimeMetrics = ReturnType<typeof runtimeMetrics>;

export function runtimeMetrics(registry: Registry) {
  return {
    events: new Counter({ name: 'lightwatch_detector_events_total', help: 'Events applied to target actors', registers: [registry] }),
    incidents: new Counter({ name: 'lightwatch_detector_incident_writes_total', help: 'Incident writes by outcome', labelNames: ['outcome'], registers: [registry] }),
    actors: new Gauge({ name: 'lightwatch_detector_actors', help: 'Live target actors', registers: [registry], collect: () => undefined }),
    replayed: new Counter({ name: 'lightwatch_detector_replayed_events_total', help: 'Events of claimed pending entries applied on takeover', registers: [registry] }),
    skipped: new Counter({ name: 'lightwatch_detector_skipped_events_total', help: 'Replayed events skipped as already applied', registers: [registry] }),
    passedOver: new Counter({
      name: 'lightwatch_detector_entries_passed_over_total',
      help: 'Stream entries acknowledged undecoded: their tenant had no target and no rule, or they were metric batches of a tenant with no rule that reads samples',
      registers: [registry],
    }),
    readThin: new Counter({
      name: 'lightwatch_detector_entries_read_thin_total',
      help: 'Of the entries passed over, those read without their payload (ReadGroupRequest.payloadTenants): neither transferred nor decoded',
      registers: [registry],
    }),
    flush: new Histogram({ name: 'lightwatch_detector_flush_seconds', help: 'Snapshot store + ack duration', buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [registry] }),
  };
}
