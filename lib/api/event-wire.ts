// The canonical event to and from its protobuf form (proto/lightwatch/v1/event.proto), and the JSON the
// /api answers with. The query service sends wire events; the gateway turns them back into the canonical
// JSON so `/api/logs` returns the same objects the store holds. Pure.
import type { Event as WireEvent } from '../../proto/gen/lightwatch/v1/event.js';
import type { MetricSeriesResponse, QueryEventsResponse } from '../../proto/gen/lightwatch/v1/query.js';
import type { CanonicalEvent, CheckBody, HeartbeatBody, IncidentBody, JsonValue, LogBody, MetricBody, SecurityBody } from '../events/event.js';
import type { SeriesPoint } from '../store/types.js';

export function eventToWire(e: CanonicalEvent): WireEvent {
  const base = { id: e.id, tenant: e.tenant, kind: e.kind, target: e.target, ts: String(e.ts), receivedAt: String(e.receivedAt), labels: { ...e.labels }, flags: [...(e.flags ?? [])] };
  switch (e.kind) {
    case 'metric':
      return { ...base, body: { $case: 'metric', value: { name: e.body.name, value: e.body.value, type: e.body.type, unit: e.body.unit } } };
    case 'log':
      return { ...base, body: { $case: 'log', value: { level: e.body.level, message: e.body.message, fieldsJson: JSON.stringify(e.body.fields), format: e.body.format } } };
    case 'security':
      return { ...base, body: { $case: 'security', value: { ...e.body } } };
    case 'heartbeat':
      return { ...base, body: { $case: 'heartbeat', value: { ...e.body } } };
    case 'check':
      return { ...base, body: { $case: 'check', value: { ...e.body } } };
    case 'incident':
      return { ...base, body: { $case: 'incident', value: { ...e.body, epoch: String(e.body.epoch) } } };
  }
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function parseFields(json: string): Record<string, JsonValue> {
  if (!json) return {};
  try {
    const v = JSON.parse(json) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, JsonValue>) : {};
  } catch {
    return {};
  }
}

export function eventFromWire(w: WireEvent): CanonicalEvent {
  const base = { id: w.id, tenant: w.tenant, target: w.target, ts: Number(w.ts), receivedAt: Number(w.receivedAt), labels: { ...w.labels }, ...(w.flags.length > 0 ? { flags: [...w.flags] } : {}) };
  const body = w.body;
  switch (body?.$case) {
    case 'metric':
      return { ...base, kind: 'metric', body: dropUndefined({ ...body.value } as MetricBody) };
    case 'log':
      return { ...base, kind: 'log', body: { level: body.value.level, message: body.value.message, fields: parseFields(body.value.fieldsJson), format: body.value.format } as LogBody };
    case 'security':
      return { ...base, kind: 'security', body: dropUndefined({ ...body.value } as SecurityBody) };
    case 'heartbeat':
      return { ...base, kind: 'heartbeat', body: dropUndefined({ ...body.value } as HeartbeatBody) };
    case 'check':
      return { ...base, kind: 'check', body: dropUndefined<CheckBody>({ ...body.value }) };
    case 'incident':
      return { ...base, kind: 'incident', body: { ...body.value, epoch: Number(body.value.epoch) } as IncidentBody };
    case undefined:
      throw new Error(`event ${w.id} has no body`);
  }
}

/** The `/api/{collection}` JSON body: `{items, nextCursor}` with canonical events. */
export function eventsPageToJson(res: QueryEventsResponse): { items: CanonicalEvent[]; nextCursor: string | null } {
  return { items: res.items.map(eventFromWire), nextCursor: res.nextCursor || null };
}

/** The `/api/metrics/series` JSON body. */
export function seriesToJson(res: MetricSeriesResponse): { points: SeriesPoint[]; stepMs: number } {
  return { points: res.points.map((p) => ({ t: Number(p.t), avg: p.avg, min: p.min, max: p.max, count: Number(p.count) })), stepMs: Number(res.stepMs) };
}
