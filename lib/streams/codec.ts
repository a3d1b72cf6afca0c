// How a batch of events of one partition is laid out in one stream entry, and how event cursors are
// formed (entry id + index in the batch). Pure functions; no I/O.
import type { CanonicalEvent } from '../events/event.js';
import { decodeMetricBatchJson, expandMetricBatch, type MetricBatch } from '../tsdb/batch.js';
import { decodeMetricBatch } from '../tsdb/batch-codec.js';

/** Field holding the JSON array of events in a stream entry. */
export const FIELD_EVENTS = 'e';

/**
 * Field holding a metric batch (lib/tsdb/batch.ts: each series' labels once, then its samples) instead of
 * FIELD_EVENTS, in its binary form, base64 (lib/tsdb/batch-codec.ts). An entry carries one or the other.
 */
export const FIELD_METRIC_BATCH = 'b';

/**
 * Field holding a metric batch in the JSON form written before FIELD_METRIC_BATCH existed: read, never written
 * (entries of an older version may still be in the streams when it is upgraded).
 */
export const FIELD_METRICS = 'm';

/**
 * Field holding the tenant of every event of the entry, written when they share one (always, for ingest's
 * entries: a request is one tenant's). Readers that serve only some tenants (realtime with no subscriber of
 * the tenant, the detector with no target or rule of it) skip such an entry without decoding it. Absent on
 * entries that mix tenants or were written before it existed: those are decoded and checked event by event.
 */
export const FIELD_TENANT = 't';

/**
 * Field present (value `1`) on the entries of a request that changed its tenant's configuration just before
 * they were written: a heartbeat with `?create=1` that created its target. A reader that caches configuration
 * (the detector) reloads it before applying such an entry; otherwise the creating ping, and any other event of
 * the new target until the next periodic reload, would meet no target and be passed over. The change is in the
 * store before the entry is in the stream, so a reload started after reading the entry sees it.
 */
export const FIELD_CONFIG_CHANGED = 'c';

/**
 * Marks an entry holding alerts posted through /api/am: the detector reads it even for a tenant with no
 * target or rule (whose other entries it passes over undecoded), since every alert may open an incident.
 */
export const FIELD_ALERTS = 'a';

/**
 * Whether a raw field list is a thin entry (ReadGroupRequest.payloadTenants): its payload field (FIELD_EVENTS,
 * FIELD_METRIC_BATCH or FIELD_METRICS) is there, empty, as no entry is written. Undefined when it is whole; else
 * whether it is a metric batch.
 */
export function thinKind(fields: readonly string[] | null | undefined): 'batch' | 'events' | undefined {
  if (!fields) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const f = fields[i];
    if (f === FIELD_EVENTS) return fields[i + 1] === '' ? 'events' : undefined;
    if (f === FIELD_METRIC_BATCH || f === FIELD_METRICS) return fields[i + 1] === '' ? 'batch' : undefined;
  }
  return undefined;
}

export function isThin(fields: readonly string[] | null | undefined): boolean {
  return thinKind(fields) !== undefined;
}

/**
 * The fields a read with payloadTenants `whole` (and batchTenants `batches`) delivers: what the Redis adapter's
 * read script does (lib/streams/redis/scripts.ts), for the memory adapter.
 */
export function fieldsForRead(fields: readonly string[], whole: ReadonlySet<string>, batches: ReadonlySet<string> | undefined): string[] {
  const out = [...fields];
  const tenant = tenantOfEntry(fields);
  if (tenant === undefined || carriesAlerts(fields) || changesConfig(fields)) return out;
  for (let i = 0; i + 1 < out.length; i += 2) {
    const f = out[i];
    const batch = f === FIELD_METRIC_BATCH || f === FIELD_METRICS;
    if (f !== FIELD_EVENTS && !batch) continue;
    if (!whole.has(tenant) || (batch && batches !== undefined && !batches.has(tenant))) out[i + 1] = '';
    break;
  }
  return out;
}

/** The value of field `name` in a raw field list `[k1, v1, ...]`, or undefined when it has none. */
function fieldValue(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === name) return fields[i + 1];
  }
  return undefined;
}

/** Whether a raw field list `[k1, v1, ...]` carries FIELD_ALERTS. */
export function carriesAlerts(fields: readonly string[]): boolean {
  return fieldValue(fields, FIELD_ALERTS) !== undefined;
}

/** Whether a raw field list `[k1, v1, ...]` carries FIELD_CONFIG_CHANGED. */
export function changesConfig(fields: readonly string[]): boolean {
  return fieldValue(fields, FIELD_CONFIG_CHANGED) !== undefined;
}

/** The tenant all events of `events` share, or undefined when they do not (or there are none). */
export function sharedTenant(events: readonly CanonicalEvent[]): string | undefined {
  const first = events[0]?.tenant;
  for (let i = 1; i < events.length; i++) if ((events[i] as CanonicalEvent).tenant !== first) return undefined;
  return first;
}

/** The entry's FIELD_TENANT from a raw field list `[k1, v1, ...]`, or undefined. */
export function tenantOfEntry(fields: readonly string[]): string | undefined {
  return fieldValue(fields, FIELD_TENANT);
}

export function encodeBatch(events: readonly CanonicalEvent[]): string {
  return JSON.stringify(events);
}

export function decodeBatch(payload: string): CanonicalEvent[] {
  const parsed: unknown = JSON.parse(payload);
  if (!Array.isArray(parsed)) throw new TypeError('stream entry payload is not an array');
  return parsed as CanonicalEvent[];
}

/**
 * Reads the events out of a raw XREAD/XRANGE field list `[k1, v1, k2, v2, ...]`. A metric batch comes out as
 * one canonical metric event per sample: for readers that want events (realtime's `/ws/metrics`); the
 * persister reads the batch itself (metricBatchOfEntry).
 */
export function eventsOfEntry(fields: readonly string[]): CanonicalEvent[] {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === FIELD_EVENTS) return decodeBatch(fields[i + 1] as string);
  }
  const batch = metricBatchOfEntry(fields);
  return batch === undefined ? [] : expandMetricBatch(batch);
}

/** The metric batch of an entry, or undefined when the entry carries events. Throws on a corrupt batch. */
export function metricBatchOfEntry(fields: readonly string[]): MetricBatch | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === FIELD_METRIC_BATCH) return decodeMetricBatch(fields[i + 1] as string);
    if (fields[i] === FIELD_METRICS) return decodeMetricBatchJson(fields[i + 1] as string);
  }
  return undefined;
}

/**
 * The FIELD_METRIC_BATCH payload of a raw field list, or undefined (events, or the older JSON form): for a reader
 * that reads the batch series by series into its own columns (readMetricBatch; the persister).
 */
export function metricBatchPayloadOf(fields: readonly string[]): string | undefined {
  return fieldValue(fields, FIELD_METRIC_BATCH);
}

/** What an entry carries: a metric batch (read series by series) or canonical events. Throws on a corrupt entry. */
export function contentOfEntry(fields: readonly string[]): { batch: MetricBatch; events?: undefined } | { batch?: undefined; events: CanonicalEvent[] } {
  const batch = metricBatchOfEntry(fields);
  return batch !== undefined ? { batch } : { events: eventsOfEntry(fields) };
}

/** Compares Redis stream ids (`ms-seq`) numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const dm = Number(am) - Number(bm);
  if (dm !== 0) return dm < 0 ? -1 : 1;
  const ds = Number(as) - Number(bs);
  return ds === 0 ? 0 : ds < 0 ? -1 : 1;
}
