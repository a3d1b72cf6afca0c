// Event reads and writes on MongoDB: idempotent batched appends, keyset pages ($or on (ts, _id)), metric
// series by aggregation, counts and retention deletes. Every filter is built from the checked query (query.ts)
// with typed values; nothing from the caller is spread into a query document.
import type { Collection, Db, Document } from 'mongodb';
import { EVENT_KINDS, type EventKind } from '../../events/event.js';
import { badRequest } from '../../errors/errors.js';
import { encodeCursor } from '../cursor.js';
import type { Store } from '../port.js';
import { checkEventQuery, checkSeriesQuery, requireString, TEXT_FIELD, type EventFilter } from '../query.js';
import type { Page, SeriesPoint, StoredEvent } from '../types.js';
import { boundaryOf, mergeBoundary, type KeyedRow } from './keyset.js';
import { eventCollection, METRICS } from './schema.js';
import { containsCondition, countIgnoringDuplicates, eqString, labelCondition } from './util.js';

type EventsPart = Pick<Store, 'appendEvents' | 'queryEvents' | 'metricSeries' | 'countEvents' | 'latestEvents' | 'deleteEventsBefore'>;

/** Where the envelope fields live: top level in regular collections, under `meta` in the metric time series. */
interface Layout {
  tenant: string;
  target: string;
  labels: string;
}
const REGULAR: Layout = { tenant: 'tenant', target: 'target', labels: 'labels' };
const TIMESERIES: Layout = { tenant: 'meta.tenant', target: 'meta.target', labels: 'meta.labels' };
const layoutOf = (kind: EventKind): Layout => (kind === 'metric' ? TIMESERIES : REGULAR);

function toDoc(e: StoredEvent): Document {
  const common: Document = { _id: String(e.id), ts: new Date(e.ts), receivedAt: e.receivedAt };
  if (e.flags && e.flags.length > 0) common.flags = e.flags;
  if (e.kind === 'metric') {
    const { name, ...rest } = e.body;
    return { ...common, meta: { tenant: e.tenant, target: e.target, name, labels: e.labels ?? {} }, body: rest };
  }
  return { ...common, tenant: e.tenant, target: e.target, labels: e.labels ?? {}, body: e.body };
}

function fromDoc(kind: EventKind, d: Document): StoredEvent {
  const isMetric = kind === 'metric';
  const meta = (isMetric ? d.meta : d) as { tenant: string; target: string; labels?: Record<string, string>; name?: string };
  const e = {
    id: d._id as string,
    tenant: meta.tenant,
    kind,
    target: meta.target,
    ts: (d.ts as Date).getTime(),
    receivedAt: d.receivedAt as number,
    labels: meta.labels ?? {},
    body: isMetric ? { name: meta.name, ...(d.body as Document) } : d.body,
  } as StoredEvent;
  if (Array.isArray(d.flags)) e.flags = d.flags as string[];
  return e;
}

function checkEvent(e: StoredEvent, index: number): void {
  const bad = (at: string, message: string) => badRequest(`event ${index}: ${at} ${message}`, [{ at, message, index }]);
  if (!(EVENT_KINDS as readonly string[]).includes(e?.kind)) throw bad('kind', `must be one of ${EVENT_KINDS.join(', ')}`);
  if (typeof e.id !== 'string' || e.id.length === 0) throw bad('id', 'must be a non-empty string');
  if (typeof e.tenant !== 'string' || e.tenant.length === 0) throw bad('tenant', 'must be a non-empty string');
  if (typeof e.target !== 'string') throw bad('target', 'must be a string');
  if (!Number.isSafeInteger(e.ts)) throw bad('ts', 'must be an integer epoch-milliseconds time');
  if (!Number.isSafeInteger(e.receivedAt)) throw bad('receivedAt', 'must be an integer epoch-milliseconds time');
}

/** Where the `status` filter reads, per kind (checks store a boolean `ok`). */
function statusCondition(kind: EventKind, status: string): Document {
  if (kind === 'check') return { 'body.ok': { $eq: status === 'ok' } };
  return { [kind === 'incident' ? 'body.state' : 'body.status']: eqString(status) };
}

function filterConditions(f: EventFilter): Document[] {
  const l = layoutOf(f.kind);
  const and: Document[] = [{ [l.tenant]: eqString(f.tenant) }];
  if (f.target !== undefined) and.push({ [l.target]: eqString(f.target) });
  if (f.name !== undefined) and.push({ 'meta.name': eqString(f.name) });
  if (f.level !== undefined) and.push({ 'body.level': eqString(f.level) });
  if (f.severity !== undefined) and.push({ 'body.severity': eqString(f.severity) });
  if (f.category !== undefined) and.push({ 'body.category': eqString(f.category) });
  if (f.status !== undefined) and.push(statusCondition(f.kind, f.status));
  const ts: Document = {};
  if (f.from !== undefined) ts.$gte = new Date(f.from);
  if (f.to !== undefined) ts.$lt = new Date(f.to);
  if (Object.keys(ts).length > 0) and.push({ ts });
  for (const [k, v] of f.labels) and.push(labelCondition(l.labels, k, v));
  const textField = TEXT_FIELD[f.kind];
  if (f.text !== undefined && textField !== undefined) and.push(containsCondition(`body.${textField}`, f.text));
  return and;
}

export function createMongoEvents(db: Db): EventsPart {
  const coll = (kind: EventKind): Collection<Document> => db.collection(kind === 'metric' ? METRICS : eventCollection(kind));

  /** Time series have no unique index: skip the ids of the batch already stored, then insert the rest. */
  async function appendMetrics(docs: Document[]): Promise<number> {
    const byId = new Map<string, Document>();
    for (const d of docs) if (!byId.has(d._id as string)) byId.set(d._id as string, d);
    const times = docs.map((d) => (d.ts as Date).getTime());
    const tenants = [...new Set(docs.map((d) => String((d.meta as Document).tenant)))];
    const known: Document = {
      'meta.tenant': { $in: tenants },
      ts: { $gte: new Date(Math.min(...times)), $lte: new Date(Math.max(...times)) },
      _id: { $in: [...byId.keys()] },
    };
    const existing = await coll('metric').find(known, { projection: { _id: 1 } }).toArray();
    for (const d of existing) byId.delete(d._id as unknown as string);
    if (byId.size === 0) return 0;
    const res = await coll('metric').insertMany([...byId.values()], { ordered: false });
    return res.insertedCount;
  }

  async function appendRegular(kind: EventKind, docs: Document[]): Promise<number> {
    try {
      return (await coll(kind).insertMany(docs, { ordered: false })).insertedCount;
    } catch (err) {
      return countIgnoringDuplicates(err, (e) => e.insertedCount);
    }
  }

  async function regularPage(kind: EventKind, and: Document[], order: 'asc' | 'desc', n: number): Promise<Document[]> {
    const dir = order === 'desc' ? -1 : 1;
    return coll(kind).find({ $and: and }).sort({ ts: dir, _id: dir }).limit(n).toArray();
  }

  /**
   * The time series sorts on `ts` alone (so the sort uses the bucket index); the rows sharing the last page's
   * boundary millisecond are then read in full and ordered by _id (keyset.ts), which keeps the (ts, id) keyset exact.
   */
  async function metricPage(and: Document[], order: 'asc' | 'desc', n: number): Promise<Document[]> {
    const head = (await coll('metric').find({ $and: and }).sort({ ts: order === 'desc' ? -1 : 1 }).limit(n).toArray()) as Array<Document & KeyedRow>;
    const boundary = boundaryOf(head, n);
    // Scrapes put many samples in one millisecond: only the first n of them by _id can be on this page.
    const ties =
      boundary === undefined
        ? []
        : ((await coll('metric')
            .find({ $and: [...and, { ts: { $eq: boundary } }] })
            .sort({ _id: order === 'desc' ? -1 : 1 })
            .limit(n)
            .toArray()) as Array<Document & KeyedRow>);
    return mergeBoundary(head, ties, n, order);
  }

  return {
    async appendEvents(events) {
      if (!Array.isArray(events)) throw badRequest('events must be an array', [{ at: 'events', message: 'must be an array' }]);
      const byKind = new Map<EventKind, Document[]>();
      events.forEach((e, i) => {
        checkEvent(e, i);
        const list = byKind.get(e.kind) ?? [];
        list.push(toDoc(e));
        byKind.set(e.kind, list);
      });
      let inserted = 0;
      for (const [kind, docs] of byKind) inserted += kind === 'metric' ? await appendMetrics(docs) : await appendRegular(kind, docs);
      return { inserted };
    },

    async queryEvents(query): Promise<Page<StoredEvent>> {
      const q = checkEventQuery(query);
      const and = filterConditions(q.filter);
      if (q.after) {
        const at = new Date(q.after.ts);
        const op = q.order === 'desc' ? '$lt' : '$gt';
        // (ts, _id) beyond the cursor, written as a plain ts range (which bounds the index scan, intersected with
        // from/to) plus an $or that only decides within the cursor's millisecond.
        and.push({ ts: { [q.order === 'desc' ? '$lte' : '$gte']: at } });
        and.push({ $or: [{ ts: { [op]: at } }, { _id: { [op]: String(q.after.id) } }] });
      }
      const docs = q.filter.kind === 'metric' ? await metricPage(and, q.order, q.limit + 1) : await regularPage(q.filter.kind, and, q.order, q.limit + 1);
      const more = docs.length > q.limit;
      const items = (more ? docs.slice(0, q.limit) : docs).map((d) => fromDoc(q.filter.kind, d));
      const last = items[items.length - 1];
      const nextCursor = more && last ? encodeCursor({ ts: last.ts, id: last.id, order: q.order, filter: q.fingerprint }) : null;
      return { items, nextCursor };
    },

    async metricSeries(query): Promise<SeriesPoint[]> {
      const q = checkSeriesQuery(query);
      const and: Document[] = [
        { 'meta.tenant': eqString(q.tenant) },
        { 'meta.name': eqString(q.name) },
        { ts: { $gte: new Date(q.from), $lt: new Date(q.to) } },
        // Finite values only, as in SQLite (NaN and ±Inf are left out of the maths).
        { 'body.value': { $gt: -Infinity, $lt: Infinity } },
      ];
      if (q.target !== undefined) and.push({ 'meta.target': eqString(q.target) });
      for (const [k, v] of q.labels) and.push(labelCondition('meta.labels', k, v));
      const rows = await coll('metric')
        .aggregate<{ _id: number; avg: number; min: number; max: number; count: number }>([
          { $match: { $and: and } },
          {
            $group: {
              _id: { $floor: { $divide: [{ $subtract: [{ $toLong: '$ts' }, { $literal: q.from }] }, { $literal: q.stepMs }] } },
              avg: { $avg: '$body.value' },
              min: { $min: '$body.value' },
              max: { $max: '$body.value' },
              count: { $sum: 1 },
            },
          },
          { $sort: { _id: 1 } },
        ])
        .toArray();
      return rows.map((r) => ({ t: q.from + Number(r._id) * q.stepMs, avg: r.avg, min: r.min, max: r.max, count: Number(r.count) }));
    },

    async latestEvents(tenant, kind, targets) {
      if (!(EVENT_KINDS as readonly string[]).includes(kind)) throw badRequest(`kind must be one of ${EVENT_KINDS.join(', ')}`, [{ at: 'kind', message: 'unknown event kind' }]);
      const l = layoutOf(kind);
      const rows = await coll(kind)
        .aggregate([
          { $match: { [l.tenant]: eqString(requireString(tenant, 'tenant')), [l.target]: { $in: targets.map((t) => requireString(t, 'target')) } } },
          { $sort: { [l.target]: 1, ts: -1, _id: -1 } },
          { $group: { _id: `$${l.target}`, doc: { $first: '$$ROOT' } } },
        ])
        .toArray();
      return new Map(rows.map((r) => [String(r._id), fromDoc(kind, r.doc as Document)]));
    },

    async countEvents(tenant, kind) {
      if (typeof tenant !== 'string') throw badRequest('tenant must be a string', [{ at: 'tenant', message: 'must be a string' }]);
      let total = 0;
      for (const k of kind === undefined ? EVENT_KINDS : [kind]) {
        if (!(EVENT_KINDS as readonly string[]).includes(k)) throw badRequest(`kind must be one of ${EVENT_KINDS.join(', ')}`, [{ at: 'kind', message: 'unknown event kind' }]);
        total += await coll(k).countDocuments({ [layoutOf(k).tenant]: eqString(tenant) });
      }
      return total;
    },

    async deleteEventsBefore(kind, before) {
      if (!(EVENT_KINDS as readonly string[]).includes(kind)) throw badRequest(`kind must be one of ${EVENT_KINDS.join(', ')}`, [{ at: 'kind', message: 'unknown event kind' }]);
      if (!Number.isSafeInteger(before)) throw badRequest('before must be an integer epoch-milliseconds time', [{ at: 'before', message: 'must be an integer' }]);
      return (await coll(kind).deleteMany({ ts: { $lt: new Date(before) } })).deletedCount;
    },
  };
}
