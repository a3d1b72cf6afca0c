// Appends normalized events to the partition streams: events are grouped by partition, each group goes in
// as one entry (or a few, when it exceeds the entry size bound), and every XADD of a request is sent in one
// pipeline. The returned promise resolves only once Redis has acknowledged every entry: that is the
// durability point after which ingest answers 202. Encoding is a separate synchronous step so that a caller
// can let go of the events (and everything they hold) while it waits for Redis: with several requests in
// flight, objects kept across that wait survive young-generation collections and cost most of the GC time.
// With REDIS_MIN_REPLICAS_ACK set, the streams port resolves only after `WAIT N` (lib/streams/redis/adapter.ts).
import type { CanonicalEvent } from '../../lib/events/event.js';
import { unavailable } from '../../lib/errors/errors.js';
import { NoReplicas } from '../../lib/streams/errors.js';
import type { AppendEntry, Streams } from '../../lib/streams/port.js';
import { encodeBatch, FIELD_ALERTS, FIELD_CONFIG_CHANGED, FIELD_EVENTS, FIELD_METRIC_BATCH, FIELD_TENANT, sharedTenant } from '../../lib/streams/codec.js';
import { partitionOf, type StreamNames } from '../../lib/streams/partition.js';
import type { BatchSeries } from '../../lib/tsdb/batch.js';
import { DEFAULT_MAX_ENTRY_CHARS, planMetricEntries, splitMetricEvents } from '../../lib/streams/metric-entries.js';

export interface AppendResult {
  /** Per event, in input order: `<entryId>:<index in the entry's batch>`. */
  cursors: string[];
  /** Entries written (one per partition, more when a partition's batch was split). */
  entries: number;
}

/** A request's events encoded as stream entries, ready to be written. Holds no reference to the events. */
export interface EncodedAppend {
  readonly entries: readonly PlannedEntry[];
  /** Events encoded. */
  readonly events: number;
  /** Every entry is written with FIELD_CONFIG_CHANGED. */
  readonly configChanged: boolean;
  /** Every entry is written with FIELD_ALERTS. */
  readonly alerts?: boolean;
}

export interface EncodeOptions {
  /** The request changed its tenant's configuration (created a target): mark its entries (FIELD_CONFIG_CHANGED). */
  configChanged?: boolean;
  /** The events are alerts posted through /api/am: mark their entries (FIELD_ALERTS). */
  alerts?: boolean;
  /**
   * Metric samples: series parsed straight from the request (remote_write), plus the metric events among
   * `events`, go in as metric-batch entries (FIELD_METRIC_BATCH), not one event each. Without it, metric events
   * are written as events.
   */
  metrics?: { tenant: string; receivedAt: number; batchId: string; series: readonly BatchSeries[] };
}

export interface Appender {
  /** encode + write, with a cursor per event. */
  append(events: readonly CanonicalEvent[]): Promise<AppendResult>;
  encode(events: readonly CanonicalEvent[], opts?: EncodeOptions): EncodedAppend;
  /** Writes the entries; resolves with their ids (in `encoded.entries` order) once Redis acknowledged them all. */
  write(encoded: EncodedAppend): Promise<string[]>;
}

export interface AppenderDeps {
  streams: Streams;
  names: StreamNames;
  maxEntryChars?: number;
}

interface PlannedEntry {
  stream: string;
  /**
   * UTF-8 JSON of the events. A Buffer: ioredis writes a pipeline of strings as one concatenated string, which
   * costs a flatten, a UTF-8 encode and ~4x the system time of writing the same bytes from Buffers.
   */
  payload: Buffer;
  /** FIELD_TENANT: the tenant of all the entry's events, when they share one. */
  tenant: string | undefined;
  /** Input positions of the entry's events, in batch order (none for a metric batch). */
  positions: number[];
  /** FIELD_METRIC_BATCH for a metric batch, else FIELD_EVENTS. */
  field: string;
}

/**
 * Splits one partition's events into entries no larger than `maxChars` (a single event larger than that stays
 * alone: normalization bounds event size, so it cannot grow without limit).
 */
function planEntries(stream: string, events: readonly CanonicalEvent[], positions: number[], maxChars: number, out: PlannedEntry[]): void {
  const payload = encodeBatch(events);
  if (payload.length <= maxChars || events.length === 1) {
    out.push({ stream, payload: Buffer.from(payload, 'utf8'), tenant: sharedTenant(events), positions, field: FIELD_EVENTS });
    return;
  }
  const parts = Math.min(events.length, Math.ceil(payload.length / maxChars) + 1);
  const size = Math.ceil(events.length / parts);
  for (let start = 0; start < events.length; start += size) {
    planEntries(stream, events.slice(start, start + size), positions.slice(start, start + size), maxChars, out);
  }
}

/**
 * A request's events as the stream entries to write (pure: a parse worker thread encodes too, and hands the
 * entries to the thread that writes them). `maxChars`: DEFAULT_MAX_ENTRY_CHARS unless a test shrinks it.
 */
export function encodeAppend(names: StreamNames, all: readonly CanonicalEvent[], opts: EncodeOptions = {}, maxChars = DEFAULT_MAX_ENTRY_CHARS): EncodedAppend {
  const planned: PlannedEntry[] = [];
  let events = all;
  if (opts.metrics) {
    const split = splitMetricEvents(all);
    events = split.others;
    const m = opts.metrics;
    const series = split.series.length === 0 ? m.series : [...m.series, ...split.series];
    for (const e of planMetricEntries(m.tenant, m.receivedAt, m.batchId, series, names, maxChars)) {
      planned.push({ stream: e.stream, payload: e.payload, tenant: e.tenant, positions: [], field: FIELD_METRIC_BATCH });
    }
  }
  const byPartition = new Map<number, { events: CanonicalEvent[]; positions: number[] }>();
  for (let i = 0; i < events.length; i++) {
    const ev = events[i] as CanonicalEvent;
    const p = partitionOf(ev.tenant, ev.target, names.partitions);
    let group = byPartition.get(p);
    if (!group) {
      group = { events: [], positions: [] };
      byPartition.set(p, group);
    }
    group.events.push(ev);
    group.positions.push(i);
  }
  for (const [p, group] of byPartition) planEntries(names.events(p), group.events, group.positions, maxChars, planned);
  return { entries: planned, events: all.length, configChanged: opts.configChanged === true, alerts: opts.alerts === true };
}

export function createAppender(deps: AppenderDeps): Appender {
  const { streams, names } = deps;
  const maxChars = deps.maxEntryChars ?? DEFAULT_MAX_ENTRY_CHARS;
  const encode = (all: readonly CanonicalEvent[], opts: EncodeOptions = {}): EncodedAppend => encodeAppend(names, all, opts, maxChars);

  async function write(encoded: EncodedAppend): Promise<string[]> {
    const planned = encoded.entries;
    if (planned.length === 0) return [];
    const entries: AppendEntry[] = planned.map((entry) => {
      const fields: Array<string | Buffer> = [entry.field, entry.payload];
      if (entry.tenant !== undefined) fields.push(FIELD_TENANT, entry.tenant);
      if (encoded.configChanged) fields.push(FIELD_CONFIG_CHANGED, '1');
      if (encoded.alerts === true) fields.push(FIELD_ALERTS, '1');
      return { stream: entry.stream, fields };
    });
    try {
      return await streams.append(entries);
    } catch (err) {
      // Some entries of this request may be in Redis already: the client retries the whole request, which the
      // store absorbs when ids are derived (idempotency key / client ids).
      if (err instanceof NoReplicas) throw unavailable('the events reached Redis but too few replicas confirmed them; retry the request', 1, err);
      throw unavailable('the event streams are unavailable; nothing was acknowledged, retry the request', 1, err);
    }
  }

  return {
    async append(events) {
      const encoded = encode(events);
      const ids = await write(encoded);
      const cursors = new Array<string>(encoded.events);
      for (let e = 0; e < ids.length; e++) {
        const entry = encoded.entries[e] as PlannedEntry;
        for (let k = 0; k < entry.positions.length; k++) cursors[entry.positions[k] as number] = `${ids[e] as string}:${k}`;
      }
      return { cursors, entries: ids.length };
    },
    encode,
    write,
  };
}
