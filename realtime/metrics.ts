// Prometheus metrics of the realtime tier, registered on the registry the process passes in.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface RealtimeMetrics {
  connections: Gauge<'channel'>;
  delivered: Counter<'channel'>;
  eventsRead: Counter;
  entriesSkipped: Counter;
  entriesReadThin: Counter;
  lagged: Counter;
  closedSlow: Counter;
  rejected: Counter<'code'>;
  messagesDropped: Counter;
  replays: Counter<'outcome'>;
  readLag: Gauge;
}

export function createRealtimeMetrics(registry: Registry): RealtimeMetrics {
  const registers = [registry];
  return {
    connections: new Gauge({ name: 'lightwatch_realtime_connections', help: 'Open WebSocket connections by channel (multi = /ws).', labelNames: ['channel'], registers }),
    delivered: new Counter({ name: 'lightwatch_realtime_messages_delivered_total', help: 'Event messages handed to WebSocket clients, by channel.', labelNames: ['channel'], registers }),
    eventsRead: new Counter({ name: 'lightwatch_realtime_events_read_total', help: 'Events read from the streams by this replica.', registers }),
    entriesSkipped: new Counter({
      name: 'lightwatch_realtime_entries_skipped_total',
      help: 'Stream entries passed over undecoded: their tenant had no subscriber on this replica.',
      registers,
    }),
    entriesReadThin: new Counter({
      name: 'lightwatch_realtime_entries_read_thin_total',
      help: 'Of the entries skipped, those read without their payload (no subscriber of their tenant when read): neither transferred nor decoded.',
      registers,
    }),
    lagged: new Counter({ name: 'lightwatch_realtime_lagged_total', help: 'Times a client went over its buffer bound and was paused.', registers }),
    closedSlow: new Counter({ name: 'lightwatch_realtime_closed_slow_total', help: 'Clients closed with 1013 for staying over their buffer bound.', registers }),
    rejected: new Counter({ name: 'lightwatch_realtime_rejected_total', help: 'Connections closed at open, by close code.', labelNames: ['code'], registers }),
    messagesDropped: new Counter({ name: 'lightwatch_realtime_client_messages_dropped_total', help: 'Client messages dropped over the per-connection rate limit (clientMessagesPerSec).', registers }),
    replays: new Counter({ name: 'lightwatch_realtime_replays_total', help: 'Resumes from a cursor, by outcome (done, reset).', labelNames: ['outcome'], registers }),
    readLag: new Gauge({ name: 'lightwatch_realtime_read_lag_seconds', help: 'Age of the newest stream entry in the last read (0 when caught up).', registers }),
  };
}
