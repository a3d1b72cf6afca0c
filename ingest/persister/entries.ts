// Decodes the entries a read delivered into events and metric batches. Pure.
import type { CanonicalEvent } from '../../lib/events/event.js';
import { contentOfEntry, metricBatchPayloadOf } from '../../lib/streams/codec.js';
import type { FieldValue } from '../../lib/streams/port.js';
import type { MetricBatch } from '../../lib/tsdb/batch.js';
import { readMetricBatch, type MetricBatchSink } from '../../lib/tsdb/batch-codec.js';

export interface ReadEntry {
  stream: string;
  id: string;
  /** Null when the entry is gone from the stream (deleted while pending). */
  fields: FieldValue[] | null;
}

export interface DecodedEntries {
  events: CanonicalEvent[];
  /** receivedAt of each entry's first event (entries hold one request's events), for the lag metric. */
  receivedAts: number[];
  /** Entries whose payload could not be decoded: acknowledged without a write, and reported. */
  undecodable: { stream: string; id: string; error: string }[];
}

/** Where decodeEntries puts metric samples: binary batches series by series, others (the older JSON form) whole. */
export interface MetricsSink extends MetricBatchSink {
  add(batch: MetricBatch): void;
}

/**
 * Decodes a read's entries: events are returned, each metric batch goes to `metrics` as it is decoded (kept as
 * series for the series store; nothing of the entry need outlive its decode).
 */
export function decodeEntries(entries: readonly ReadEntry[], metrics: MetricsSink): DecodedEntries {
  const events: CanonicalEvent[] = [];
  const receivedAts: number[] = [];
  const undecodable: DecodedEntries['undecodable'] = [];
  const sink: MetricBatchSink = {
    header(tenant, receivedAt, id) {
      receivedAts.push(receivedAt);
      metrics.header(tenant, receivedAt, id);
    },
    series(labels, target, type, unit, ts, vs, from, count) {
      metrics.series(labels, target, type, unit, ts, vs, from, count);
    },
  };
  for (const entry of entries) {
    if (!entry.fields) continue;
    try {
      const payload = metricBatchPayloadOf(entry.fields);
      if (payload !== undefined) {
        readMetricBatch(payload, sink);
        continue;
      }
      const { batch: older, events: batch } = contentOfEntry(entry.fields);
      if (older) {
        receivedAts.push(older.receivedAt);
        metrics.add(older);
        continue;
      }
      const first = batch[0];
      if (first) receivedAts.push(first.receivedAt);
      for (const ev of batch) events.push(ev);
    } catch (err) {
      undecodable.push({ stream: entry.stream, id: entry.id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { events, receivedAts, undecodable };
}

/** Entry ids grouped by stream, for one XACK per stream. */
export function idsByStream(entries: readonly ReadEntry[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const e of entries) {
    let ids = m.get(e.stream);
    if (!ids) m.set(e.stream, (ids = []));
    ids.push(e.id);
  }
  return m;
}
