// The MongoDB metrics store: the same model as SQLite's (lib/store/sqlite/metrics.ts) in documents. Series in
// `m_series` (labels as a `[{n, v}]` array under a multikey index: the inverted postings), compressed chunks
// in `m_chunks` (one document per chunk, the encoded bytes as BinData), the head in `m_head` (one document per
// sample, keyed by {s: series, t} so a replayed sample is a duplicate key). Series ids come from a counter
// document, so chunks and head rows refer to a small integer.
import { Binary, MongoBulkWriteError, type Collection, type Db } from 'mongodb';
import type { MetricType } from '../../events/event.js';
import type { Labels } from '../../promql/querier.js';
import { cellValue, valueCell } from '../../tsdb/cell.js';
import { chunkLength, encodeChunk } from '../../tsdb/chunk.js';
import { decodeSeriesRuns } from '../../tsdb/decode.js';
import { hash53 } from '../../tsdb/hash.js';
import { seriesKey } from '../../tsdb/labels.js';
import type { Run } from '../../tsdb/merge.js';
import { DEFAULT_METRICS_LIMITS, type AppendReport, type MetricMetadata, type MetricsLimits, type MetricsStore, type SeriesAppend } from '../../tsdb/port.js';
import { createQuerier, listSamples, type SeriesInfo, type SeriesReader } from '../../tsdb/reader.js';
import { DUPLICATE_KEY, eqString } from './util.js';

const CHUNK_SAMPLES = 240;
const MAX_CHUNK_SAMPLES = 1_000;
const MAX_T_GRAIN_MS = 3_600_000;
const ceilGrain = (t: number): number => Math.ceil((t + 1) / MAX_T_GRAIN_MS) * MAX_T_GRAIN_MS;

interface SeriesDoc {
  _id: number;
  tenant: string;
  hash: number;
  key: string;
  labels: { n: string; v: string }[];
  target: string;
  type: string;
  unit: string;
  minT: number;
  maxT: number;
}
interface ChunkDoc {
  series: number;
  minT: number;
  maxT: number;
  data: Binary;
}
interface HeadDoc {
  _id: { s: number; t: number };
  v: number | Binary;
}

interface SeriesState {
  id: number;
  maxT: number;
  storedMaxT: number;
  headCount: number;
  cutAt: number;
}

// Values BSON would not keep exactly go as their 8 bytes (lib/tsdb/cell.ts).
function toCell(v: number): number | Binary {
  const c = valueCell(v);
  return typeof c === 'number' ? c : new Binary(c);
}
function fromCell(c: unknown): number {
  if (typeof c === 'number') return c;
  return c instanceof Binary ? cellValue(c.buffer) : NaN;
}

/** Creates the collections' indexes; called by ensureSchema's caller once per start. */
export async function ensureMetricsSchema(db: Db): Promise<void> {
  await db.collection('m_series').createIndexes([
    { key: { tenant: 1, hash: 1 }, name: 'tenant_hash' },
    { key: { tenant: 1, 'labels.n': 1, 'labels.v': 1 }, name: 'postings' },
  ]);
  await db.collection('m_chunks').createIndexes([{ key: { series: 1, minT: 1 }, name: 'series_minT', unique: true }]);
}

export function createMongoMetrics(db: Db): MetricsStore {
  const series: Collection<SeriesDoc> = db.collection('m_series');
  const chunks: Collection<ChunkDoc> = db.collection('m_chunks');
  const head: Collection<HeadDoc> = db.collection('m_head');
  const counters = db.collection<{ _id: string; n: number }>('m_counters');
  const states = new Map<string, SeriesState>();
  const infos = new Map<number, SeriesInfo & { tenant: string }>();

  const infoOf = (d: SeriesDoc): SeriesInfo & { tenant: string } => {
    const labels: Record<string, string> = {};
    for (const l of d.labels) labels[l.n] = l.v;
    return { tenant: d.tenant, labels: Object.freeze(labels), target: d.target, type: d.type as MetricType, unit: d.unit, minT: d.minT, maxT: d.maxT };
  };

  async function loadState(tenant: string, key: string, h: number): Promise<SeriesState | undefined> {
    const doc = await series.findOne({ tenant: eqString(tenant), hash: h, key: eqString(key) });
    if (!doc) return undefined;
    const [lastHead] = await head.find({ '_id.s': doc._id }).sort({ '_id.t': -1 }).limit(1).toArray();
    const [lastChunk] = await chunks.find({ series: doc._id }).sort({ minT: -1 }).limit(1).toArray();
    const n = await head.countDocuments({ '_id.s': doc._id });
    return { id: doc._id, maxT: Math.max(lastHead?._id.t ?? -Infinity, lastChunk?.maxT ?? -Infinity), storedMaxT: doc.maxT, headCount: n, cutAt: n + CHUNK_SAMPLES };
  }

  async function createSeries(tenant: string, key: string, h: number, s: SeriesAppend, firstT: number): Promise<SeriesState> {
    const c = await counters.findOneAndUpdate({ _id: 'series' }, { $inc: { n: 1 } }, { upsert: true, returnDocument: 'after' });
    const id = c?.n ?? 1;
    const labels = Object.entries(s.labels).map(([n, v]) => ({ n, v }));
    await series.insertOne({ _id: id, tenant, hash: h, key, labels, target: s.target, type: s.type, unit: s.unit ?? '', minT: firstT, maxT: ceilGrain(firstT) });
    return { id, maxT: -Infinity, storedMaxT: ceilGrain(firstT), headCount: 0, cutAt: CHUNK_SAMPLES };
  }

  async function cut(st: SeriesState, before: number): Promise<void> {
    for (;;) {
      const rows = await head.find({ '_id.s': st.id, '_id.t': { $lt: before } }).sort({ '_id.t': 1 }).limit(MAX_CHUNK_SAMPLES).toArray();
      if (rows.length === 0) return;
      const ts = rows.map((r) => r._id.t);
      const vs = rows.map((r) => fromCell(r.v));
      const first: number = rows[0]?._id.t ?? 0;
      const last = ts[ts.length - 1] as number;
      await chunks.replaceOne({ series: st.id, minT: first }, { series: st.id, minT: first, maxT: last, data: new Binary(encodeChunk(ts, vs)) }, { upsert: true });
      await head.deleteMany({ '_id.s': st.id, '_id.t': { $lte: last } });
      st.headCount = Math.max(0, st.headCount - rows.length);
      if (rows.length < MAX_CHUNK_SAMPLES) return;
    }
  }

  async function appendSeries(tenant: string, s: SeriesAppend, limits: MetricsLimits, report: AppendReport, count: { n?: number }): Promise<void> {
    const n = s.timestamps.length;
    if (n === 0) return;
    const key = seriesKey(s.labels);
    const stateKey = tenant + '\u0002' + key;
    let st = states.get(stateKey);
    if (!st) {
      const h = hash53(key);
      st = await loadState(tenant, key, h);
      if (!st) {
        count.n ??= await series.countDocuments({ tenant: eqString(tenant) });
        if (count.n >= limits.maxSeriesPerTenant) {
          report.overSeriesLimit += n;
          return;
        }
        let first = Infinity;
        for (let i = 0; i < n; i++) first = Math.min(first, s.timestamps[i] as number);
        st = await createSeries(tenant, key, h, s, first);
        count.n++;
        report.newSeries++;
      }
      states.set(stateKey, st);
    }
    const docs: HeadDoc[] = [];
    for (let i = 0; i < n; i++) {
      const t = s.timestamps[i] as number;
      if (t < st.maxT - limits.outOfOrderWindowMs) {
        report.tooOld++;
        continue;
      }
      docs.push({ _id: { s: st.id, t }, v: toCell(s.values[i] as number) });
    }
    let inserted = docs.length;
    if (docs.length > 0) {
      try {
        await head.insertMany(docs, { ordered: false });
      } catch (err) {
        if (!(err instanceof MongoBulkWriteError)) throw err;
        const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
        if (errors.some((w) => w.code !== DUPLICATE_KEY)) throw err;
        inserted = err.insertedCount;
      }
    }
    report.appended += inserted;
    report.duplicates += docs.length - inserted;
    st.headCount += inserted;
    const newestBefore = st.maxT;
    let oldest = Infinity;
    for (const d of docs) {
      if (d._id.t > st.maxT) st.maxT = d._id.t;
      if (d._id.t < oldest) oldest = d._id.t;
    }
    // An out-of-order sample may land before the series' first: readers skip a series by its bounds.
    if (inserted > 0 && oldest <= newestBefore) await series.updateOne({ _id: st.id }, { $min: { minT: oldest } });
    if (st.maxT >= st.storedMaxT) {
      const next = ceilGrain(st.maxT);
      await series.updateOne({ _id: st.id, maxT: { $lt: next } }, { $set: { maxT: next } });
      st.storedMaxT = next;
    }
    if (st.headCount >= st.cutAt) {
      await cut(st, st.maxT - limits.outOfOrderWindowMs);
      st.cutAt = st.headCount + CHUNK_SAMPLES;
    }
  }

  const reader: SeriesReader = {
    postings(tenant) {
      return {
        async postings(name, accept, exact) {
          if (exact !== undefined) {
            const docs = await series.find({ tenant: eqString(tenant), labels: { $elemMatch: { n: eqString(name), v: eqString(exact) } } }, { projection: { _id: 1 } }).toArray();
            return docs.map((d) => d._id);
          }
          const out: number[] = [];
          for await (const d of series.find({ tenant: eqString(tenant), 'labels.n': eqString(name) }, { projection: { _id: 1, labels: 1 } })) {
            const v = d.labels.find((l) => l.n === name)?.v;
            if (v !== undefined && accept(v)) out.push(d._id);
          }
          return out;
        },
        async all() {
          return (await series.find({ tenant: eqString(tenant) }, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
        },
        async labels(ids) {
          const m = new Map<number, Labels>();
          for (const [id, i] of await reader.info(tenant, ids)) m.set(id, i.labels);
          return m;
        },
      };
    },
    async info(tenant, ids) {
      const m = new Map<number, SeriesInfo>();
      const docs = await series.find({ _id: { $in: [...ids] }, tenant: eqString(tenant) }, { projection: { key: 0 } }).toArray();
      for (const d of docs) {
        const i = infoOf(d);
        infos.set(d._id, i);
        m.set(d._id, i);
      }
      return m;
    },
    async runs(id, startMs, endMs) {
      const stored = await chunks.find({ series: id, maxT: { $gte: startMs }, minT: { $lte: endMs } }).sort({ minT: 1 }).toArray();
      const runs: Run[] = decodeSeriesRuns(stored.map((c) => c.data.buffer), []);
      const rows = await head.find({ '_id.s': id, '_id.t': { $gte: startMs, $lte: endMs } }).sort({ '_id.t': 1 }).toArray();
      if (rows.length > 0) runs.push({ timestamps: rows.map((r) => r._id.t), values: rows.map((r) => fromCell(r.v)) });
      return runs;
    },
  };

  return {
    async append(tenant, list, limits = DEFAULT_METRICS_LIMITS) {
      const report: AppendReport = { appended: 0, duplicates: 0, tooOld: 0, overSeriesLimit: 0, newSeries: 0 };
      const count: { n?: number } = {};
      try {
        for (const s of list) await appendSeries(tenant, s, limits, report, count);
      } catch (err) {
        states.clear();
        throw err;
      }
      return report;
    },
    querier: (tenant) => createQuerier(reader, tenant),
    samples: (sq) => listSamples(reader, sq),
    async metadata(tenant, metric, limit): Promise<MetricMetadata[]> {
      const rows = await series
        .aggregate<{ _id: { name: string; type: string; unit: string } }>([
          { $match: { tenant: eqString(tenant) } },
          { $unwind: '$labels' },
          { $match: { 'labels.n': '__name__', ...(metric !== undefined ? { 'labels.v': eqString(metric) } : {}) } },
          { $group: { _id: { name: '$labels.v', type: '$type', unit: '$unit' } } },
          { $sort: { '_id.name': 1 } },
          ...(limit !== undefined ? [{ $limit: limit }] : []),
        ])
        .toArray();
      return rows.map((r) => ({ name: r._id.name, type: r._id.type as MetricType, unit: r._id.unit }));
    },
    async seriesCount(tenant) {
      return series.countDocuments({ tenant: eqString(tenant) });
    },
    async tenants() {
      const names: unknown[] = await series.distinct('tenant');
      return names.filter((t): t is string => typeof t === 'string').sort();
    },
    async knownSeries(tenant, list) {
      const keys = list.map((labels) => seriesKey(labels));
      const found = new Set<string>();
      const hashes = [...new Set(keys.map((k) => hash53(k)))];
      for (let i = 0; i < hashes.length; i += 1000) {
        const docs = await series.find({ tenant: eqString(tenant), hash: { $in: hashes.slice(i, i + 1000) } }, { projection: { key: 1 } }).toArray();
        for (const d of docs) found.add(d.key);
      }
      return keys.map((k) => found.has(k));
    },
    async compact(o = {}) {
      const window = o.outOfOrderWindowMs ?? DEFAULT_METRICS_LIMITS.outOfOrderWindowMs;
      const groups = await head.aggregate<{ _id: number; n: number; t: number }>([{ $group: { _id: '$_id.s', n: { $sum: 1 }, t: { $max: '$_id.t' } } }]).toArray();
      for (const g of groups) await cut({ id: g._id, maxT: g.t, storedMaxT: 0, headCount: g.n, cutAt: 0 }, o.all ? Number.MAX_SAFE_INTEGER : g.t - window);
    },
    async deleteBefore(tenant, before) {
      let dropped = 0;
      const filter = tenant === null ? { minT: { $lt: before } } : { tenant: eqString(tenant), minT: { $lt: before } };
      for await (const s of series.find(filter, { projection: { _id: 1, tenant: 1, key: 1 } })) {
        for (const c of await chunks.find({ series: s._id, maxT: { $lt: before } }).toArray()) dropped += chunkLength(c.data.buffer);
        await chunks.deleteMany({ series: s._id, maxT: { $lt: before } });
        dropped += (await head.deleteMany({ '_id.s': s._id, '_id.t': { $lt: before } })).deletedCount;
        const left = (await chunks.countDocuments({ series: s._id }, { limit: 1 })) + (await head.countDocuments({ '_id.s': s._id }, { limit: 1 }));
        if (left === 0) {
          await series.deleteOne({ _id: s._id });
          states.delete(s.tenant + '\u0002' + s.key);
        } else {
          await series.updateOne({ _id: s._id }, { $set: { minT: before } });
        }
        infos.delete(s._id);
      }
      return dropped;
    },
  };
}
