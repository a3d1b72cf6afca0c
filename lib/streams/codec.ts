// How a batch of events of one partition is laid out in one stream entry, and how event cursors are
// formed (entry id + index in the batch). Pure functions; no I/O.
import type { CanonicalEvent } from '../events/event.js';
import type { FieldValue } from './port.js';
import { decodeMetricBatchJson, expandMetricBatch, type MetricBatch } from '../tsdb/batch.js';
import { decodeMetricBatch } from '../tsdb/batch-codec.js';

/** Field holding the JSON array of events in a stream entry. */
export const FIELD_EVENTS = 'e';

/**
 * Field holding a metric batch (lib/tsdb/batch.ts: each series' labels once, then its samples) instead of
 * FIELD_EVENTS, in its binary form (lib/tsdb/batch-codec.ts), as raw bytes: readers get it as a Buffer
 * (isBinaryField). An entry carries one or the other.
 */
export const FIELD_METRIC_BATCH = 'B';

/**
 * Field holding a metric batch's binary form as base64, written before FIELD_METRIC_BATCH existed (when entry
 * fields were read as strings): read, never written (entries of an older version may still be in the streams
 * when it is upgraded).
 */
export const FIELD_METRIC_BATCH_BASE64 = 'b';

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
export function thinKind(fields: readonly FieldValue[] | null | undefined): 'batch' | 'events' | undefined {
  if (!fields) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const f = fields[i];
    if (f === FIELD_EVENTS) return (fields[i + 1] as FieldValue).length === 0 ? 'events' : undefined;
    if (isBatchField(f)) return (fields[i + 1] as FieldValue).length === 0 ? 'batch' : undefined;
  }
  return undefined;
}

/** Whether `name` is a field holding a metric batch (in any of its forms). */
function isBatchField(name: FieldValue | undefined): boolean {
  return name === FIELD_METRIC_BATCH || name === FIELD_METRIC_BATCH_BASE64 || name === FIELD_METRICS;
}

/** Whether the value of field `name` is bytes (read as a Buffer, never decoded as text): FIELD_METRIC_BATCH. */
export function isBinaryField(name: string): boolean {
  return name === FIELD_METRIC_BATCH;
}

/**
 * A field value as a reader gets it (lib/streams/port.ts FieldValue): the Buffer of a binary field's bytes, else
 * the string. For adapters that hold values in another form (the memory adapter keeps what was appended).
 */
export function readValue(name: string, value: string | Buffer): FieldValue {
  if (isBinaryField(name)) return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return typeof value === 'string' ? value : value.toString('utf8');
}

export function isThin(fields: readonly FieldValue[] | null | undefined): boolean {
  return thinKind(fields) !== undefined;
}

/**
 * The fields a read with payloadTenants `whole` (and batchTenants `batches`) delivers: what the Redis adapter's
 * read script does (lib/streams/redis/scripts.ts), for the memory adapter.
 */
export function fieldsForRead(fields: readonly FieldValue[], whole: ReadonlySet<string>, batches: ReadonlySet<string> | undefined): FieldValue[] {
  const out = [...fields];
  const tenant = tenantOfEntry(fields);
  if (tenant === undefined || carriesAlerts(fields) || changesConfig(fields)) return out;
  for (let i = 0; i + 1 < out.length; i += 2) {
    const f = out[i];
    const batch = isBatchField(f);
    if (f !== FIELD_EVENTS && !batch) continue;
    if (!whole.has(tenant) || (batch && batches !== undefined && !batches.has(tenant))) out[i + 1] = readValue(f as string, '');
    break;
  }
  return out;
}

/** The value of field `name` in a raw field list `[k1, v1, ...]`, or undefined when it has none. */
function fieldValue(fields: readonly FieldValue[], name: string): FieldValue | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === name) return fields[i + 1];
  }
  return undefined;
}

/** The value of text field `name` (any but a binary one), or undefined when it has none. */
function textValue(fields: readonly FieldValue[], name: string): string | undefined {
  const v = fieldValue(fields, name);
  return v === undefined || typeof v === 'string' ? v : v.toString('utf8');
}

/** Whether a raw field list `[k1, v1, ...]` carries FIELD_ALERTS. */
export function carriesAlerts(fields: readonly FieldValue[]): boolean {
  return fieldValue(fields, FIELD_ALERTS) !== undefined;
}

/** Whether a raw field list `[k1, v1, ...]` carries FIELD_CONFIG_CHANGED. */
export function changesConfig(fields: readonly FieldValue[]): boolean {
  return fieldValue(fields, FIELD_CONFIG_CHANGED) !== undefined;
}

/** The tenant all events of `events` share, or undefined when they do not (or there are none). */
export function sharedTenant(events: readonly CanonicalEvent[]): string | undefined {
  const first = events[0]?.tenant;
  for (let i = 1; i < events.length; i++) if ((events[i] as CanonicalEvent).tenant !== first) return undefined;
  return first;
}

/** The entry's FIELD_TENANT from a raw field list `[k1, v1, ...]`, or undefined. */
export function tenantOfEntry(fields: readonly FieldValue[]): string | undefined {
  return textValue(fields, FIELD_TENANT);
}

export function encodeBatch(events: readonly CanonicalEvent[]): string {
  return JSON.stringify(events);
}

export function decodeBatch(payload: FieldValue): CanonicalEvent[] {
  const parsed: unknown = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  if (!Array.isArray(parsed)) throw new TypeError('stream entry payload is not an array');
  return parsed as CanonicalEvent[];
}

/**
 * Reads the events out of a raw XREAD/XRANGE field list `[k1, v1, k2, v2, ...]`. A metric batch comes out as
 * one canonical metric event per sample: for readers that want events (realtime's `/ws/metrics`); the
 * persister reads the batch itself (metricBatchOfEntry).
 */
export function eventsOfEntry(fields: readonly FieldValue[]): CanonicalEvent[] {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === FIELD_EVENTS) return decodeBatch(fields[i + 1] as FieldValue);
  }
  const batch = metricBatchOfEntry(fields);
  return batch === undefined ? [] : expandMetricBatch(batch);
}

/** The metric batch of an entry, or undefined when the entry carries events. Throws on a corrupt batch. */
export function metricBatchOfEntry(fields: readonly FieldValue[]): MetricBatch | undefined {
  const payload = metricBatchPayloadOf(fields);
  if (payload !== undefined) return decodeMetricBatch(payload);
  const json = textValue(fields, FIELD_METRICS);
  return json === undefined ? undefined : decodeMetricBatchJson(json);
}

/**
 * The binary metric batch of a raw field list: the bytes of FIELD_METRIC_BATCH (a Buffer), or the base64 text of
 * the older FIELD_METRIC_BATCH_BASE64 (a string), as decodeMetricBatch and readMetricBatch take either; undefined
 * for events or the older JSON form. For a reader that reads the batch series by series into its own columns
 * (readMetricBatch; the persister).
 */
export function metricBatchPayloadOf(fields: readonly FieldValue[]): Buffer | string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const f = fields[i];
    if (f === FIELD_METRIC_BATCH) {
      const v = fields[i + 1] as FieldValue;
      return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
    }
    if (f === FIELD_METRIC_BATCH_BASE64) {
      const v = fields[i + 1] as FieldValue;
      return typeof v === 'string' ? v : v.toString('latin1');
    }
  }
  return undefined;
}

/** What an entry carries: a metric batch (read series by series) or canonical events. Throws on a corrupt entry. */
export function contentOfEntry(fields: readonly FieldValue[]): { batch: MetricBatch; events?: undefined } | { batch?: undefined; events: CanonicalEvent[] } {
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
