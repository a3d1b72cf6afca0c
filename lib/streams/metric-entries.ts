// Metric samples as stream entries: series grouped by partition (hash of tenant and target, as for events),
// each partition's series in one metric-batch entry (lib/tsdb/batch-codec.ts), split when it exceeds the entry
// size bound. Also turns normalized metric events (native, OTLP, gRPC) into series. Shared by ingest's
// appender and the detector's scrape checks, so scraped samples travel exactly as remote_write's do. Pure.
import type { CanonicalEvent, EventOfKind } from '../events/event.js';
import { seriesLabelsOf, type BatchSeries } from '../tsdb/batch.js';
import { sizeMetricBatch, writeMetricBatch, type SizedMetricBatch } from '../tsdb/batch-codec.js';
import { seriesKey } from '../tsdb/labels.js';
import { partitionOf, type StreamNames } from './partition.js';

/** Soft upper bound of one entry's payload: characters of the JSON of events, bytes of a metric batch. */
export const DEFAULT_MAX_ENTRY_CHARS = 1_000_000;

export interface MetricEntry {
  stream: string;
  /** The value of the entry's FIELD_METRIC_BATCH: a metric batch's bytes. */
  payload: Buffer;
  tenant: string;
  samples: number;
}

/** Groups metric events into series (same target and labels); other events are returned apart. */
export function splitMetricEvents(events: readonly CanonicalEvent[]): { series: BatchSeries[]; others: CanonicalEvent[] } {
  const others: CanonicalEvent[] = [];
  const byKey = new Map<string, BatchSeries & { timestamps: number[]; values: number[] }>();
  for (const ev of events) {
    if (ev.kind !== 'metric') {
      others.push(ev);
      continue;
    }
    const m: EventOfKind<'metric'> = ev;
    const labels = seriesLabelsOf(m.body.name, m.target, m.labels);
    const key = m.target + '\u0003' + seriesKey(labels);
    let s = byKey.get(key);
    if (!s) {
      s = { target: m.target, labels, type: m.body.type, timestamps: [], values: [] };
      if (m.body.unit !== undefined) s.unit = m.body.unit;
      byKey.set(key, s);
    }
    s.timestamps.push(m.ts);
    s.values.push(m.body.value);
  }
  return { series: [...byKey.values()], others };
}

/**
 * Partitions of the targets seen before, per tenant and partition count (bounded: cleared when full). A sender names
 * the same targets request after request, as the same string objects when they come from a memoized label set
 * (remote_write), whose hash V8 keeps: a lookup costs less than hashing tenant and target again for every series.
 */
const partitionMemo = new Map<string, Map<string, number>>();
const PARTITION_MEMO_MAX = 100_000;

function partitionsOf(tenant: string, partitions: number): Map<string, number> {
  const key = `${partitions}\u0000${tenant}`;
  let m = partitionMemo.get(key);
  if (!m) {
    if (partitionMemo.size >= 1_000) partitionMemo.clear();
    partitionMemo.set(key, (m = new Map()));
  } else if (m.size >= PARTITION_MEMO_MAX) m.clear();
  return m;
}

/** Encodes one tenant's series as entries of their partition streams, each at most about `maxChars` bytes. */
export function planMetricEntries(tenant: string, receivedAt: number, batchId: string, series: readonly BatchSeries[], names: StreamNames, maxChars: number): MetricEntry[] {
  const byPartition = new Map<number, BatchSeries[]>();
  const known = partitionsOf(tenant, names.partitions);
  for (const s of series) {
    if (s.timestamps.length === 0) continue;
    let p = known.get(s.target);
    if (p === undefined) known.set(s.target, (p = partitionOf(tenant, s.target, names.partitions)));
    let list = byPartition.get(p);
    if (!list) byPartition.set(p, (list = []));
    list.push(s);
  }
  // Measured first (and split where too large), then written one after the other into one buffer: a buffer per
  // entry was a new ArrayBuffer (or a new pool) for most of a remote_write request's 16 entries.
  const planned: { stream: string; sized: SizedMetricBatch }[] = [];
  let part = 0;
  let total = 0;
  const plan = (stream: string, list: BatchSeries[]): void => {
    const sized = sizeMetricBatch({ tenant, receivedAt, id: `${batchId}${part++}`, series: list });
    if (sized.size > maxChars && list.length > 1) {
      const half = Math.ceil(list.length / 2);
      part--;
      plan(stream, list.slice(0, half));
      plan(stream, list.slice(half));
      return;
    }
    planned.push({ stream, sized });
    total += sized.size;
  };
  for (const [p, list] of byPartition) plan(names.events(p), list);
  const buf = Buffer.allocUnsafe(total);
  const out: MetricEntry[] = [];
  let at = 0;
  for (const { stream, sized } of planned) {
    writeMetricBatch(sized, buf, at);
    out.push({ stream, payload: buf.subarray(at, at + sized.size), tenant, samples: sized.samples });
    at += sized.size;
  }
  return out;
}
