// The SQLite metrics store: a series index (m_series, with an inverted index m_postings of label name/value →
// series), compressed chunks (m_chunks, lib/tsdb/chunk.ts) and a head of recent samples per series (m_head,
// one row per sample). Samples land in the head, where out-of-order samples within the window and duplicates
// cost nothing special (the (series, t) key absorbs a replay); once a series has enough head samples older
// than the window, they are cut into one chunk in the same transaction. Until an append commits, its samples
// live in the stream (the persister acknowledges after the commit), so a crash loses nothing acknowledged.
import type { MetricType } from '../../events/event.js';
import type { Labels } from '../../promql/querier.js';
import { cellValue, valueCell } from '../../tsdb/cell.js';
import { chunkLength, decodeChunk, encodeChunk } from '../../tsdb/chunk.js';
import { hash53 } from '../../tsdb/hash.js';
import { labelsOfKey, seriesKey } from '../../tsdb/labels.js';
import type { Run } from '../../tsdb/merge.js';
import { DEFAULT_METRICS_LIMITS, type AppendReport, type MetricMetadata, type MetricsLimits, type MetricsStore, type SeriesAppend } from '../../tsdb/port.js';
import { createQuerier, listSamples, type SeriesInfo, type SeriesReader } from '../../tsdb/reader.js';
import type { Db } from './db.js';

export const METRICS_DDL = `
CREATE TABLE IF NOT EXISTS m_series (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  hash INTEGER NOT NULL,
  key TEXT NOT NULL,
  target TEXT NOT NULL,
  type TEXT NOT NULL,
  unit TEXT NOT NULL,
  min_t INTEGER NOT NULL,
  max_t INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS m_series_hash ON m_series (tenant, hash);
CREATE TABLE IF NOT EXISTS m_postings (
  tenant TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, series INTEGER NOT NULL,
  PRIMARY KEY (tenant, name, value, series)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS m_chunks (
  id INTEGER PRIMARY KEY,
  series INTEGER NOT NULL, min_t INTEGER NOT NULL, max_t INTEGER NOT NULL, data BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS m_chunks_series ON m_chunks (series, min_t);
CREATE TABLE IF NOT EXISTS m_head (
  series INTEGER NOT NULL, t INTEGER NOT NULL, v ANY,
  PRIMARY KEY (series, t)
) WITHOUT ROWID;
`;

/** Samples per chunk aimed at: larger chunks share their header and row overhead among more samples. */
export const CHUNK_SAMPLES = 240;
/** A chunk is never larger than this many samples (bounds the decode a query pays for one sample). */
const MAX_CHUNK_SAMPLES = 1_000;
/** m_series.max_t is kept rounded up to this, so it is written once an hour per series, not per append. */
const MAX_T_GRAIN_MS = 3_600_000;

interface SeriesState {
  id: number;
  /** Newest sample timestamp of the series. */
  maxT: number;
  /** m_series.max_t as stored. */
  storedMaxT: number;
  /** Head rows (estimated: duplicates are not counted in). */
  headCount: number;
  /** Try to cut a chunk once headCount reaches this. */
  cutAt: number;
}

// SQLite stores NaN as NULL and -0 as 0: such values are kept as their 8 bytes (lib/tsdb/cell.ts).
const toCell = valueCell;
const fromCell = (c: unknown): number => cellValue(typeof c === 'number' || c instanceof Uint8Array ? c : null);

const ceilGrain = (t: number): number => Math.ceil((t + 1) / MAX_T_GRAIN_MS) * MAX_T_GRAIN_MS;

/**
 * Chunks live in a rowid table, appended at its end (pages filled), with a small (series, min_t) index beside.
 * They used to be a WITHOUT ROWID table clustered on (series, min_t): chunks of many series cut in turn then
 * land all over that b-tree, whose pages stay a third empty even after VACUUM (measured by
 * bench/metrics-vs-prometheus.bench.ts: 1.85 MB of pages for 1.15 MB of chunks). Such a file is moved over once.
 */
function migrateChunks(db: Db): void {
  const cols = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('m_chunks')").all();
  if (cols.length === 0 || cols.some((c) => c.name === 'id')) return;
  db.transaction(() => {
    db.exec('ALTER TABLE m_chunks RENAME TO m_chunks_clustered');
    db.exec(METRICS_DDL);
    db.exec('INSERT INTO m_chunks (series, min_t, max_t, data) SELECT series, min_t, max_t, data FROM m_chunks_clustered ORDER BY series, min_t');
    db.exec('DROP TABLE m_chunks_clustered');
  })();
}

export function createSqliteMetrics(db: Db): MetricsStore {
  migrateChunks(db);
  db.exec(METRICS_DDL);
  const q = {
    findSeries: db.prepare<[string, number], { id: number; key: string }>('SELECT id, key FROM m_series WHERE tenant = ? AND hash = ?'),
    insertSeries: db.prepare('INSERT INTO m_series (tenant, hash, key, target, type, unit, min_t, max_t) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    insertPosting: db.prepare('INSERT OR IGNORE INTO m_postings (tenant, name, value, series) VALUES (?, ?, ?, ?)'),
    setMaxT: db.prepare('UPDATE m_series SET max_t = ? WHERE id = ? AND max_t < ?'),
    countSeries: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM m_series WHERE tenant = ?'),
    tenants: db.prepare<[], { tenant: string }>('SELECT DISTINCT tenant FROM m_series ORDER BY tenant'),
    headMax: db.prepare<[number], { t: number | null; n: number }>('SELECT max(t) AS t, count(*) AS n FROM m_head WHERE series = ?'),
    chunkMax: db.prepare<[number], { t: number | null }>('SELECT max(max_t) AS t FROM m_chunks WHERE series = ?'),
    storedMax: db.prepare<[number], { max_t: number }>('SELECT max_t FROM m_series WHERE id = ?'),
    insertHead: db.prepare('INSERT OR IGNORE INTO m_head (series, t, v) VALUES (?, ?, ?)'),
    headBefore: db.prepare<[number, number], { t: number; v: unknown }>('SELECT t, v FROM m_head WHERE series = ? AND t < ? ORDER BY t LIMIT ' + MAX_CHUNK_SAMPLES),
    deleteHeadUpTo: db.prepare('DELETE FROM m_head WHERE series = ? AND t <= ?'),
    insertChunk: db.prepare('INSERT OR REPLACE INTO m_chunks (series, min_t, max_t, data) VALUES (?, ?, ?, ?)'),
    headSeries: db.prepare<[], { series: number; n: number; t: number }>('SELECT series, count(*) AS n, max(t) AS t FROM m_head GROUP BY series'),
    chunksIn: db.prepare<[number, number, number], { data: Buffer }>('SELECT data FROM m_chunks WHERE series = ? AND max_t >= ? AND min_t <= ? ORDER BY min_t'),
    headIn: db.prepare<[number, number, number], { t: number; v: unknown }>('SELECT t, v FROM m_head WHERE series = ? AND t >= ? AND t <= ? ORDER BY t'),
    allSeries: db.prepare<[string], { id: number }>('SELECT id FROM m_series WHERE tenant = ?'),
    postingsExact: db.prepare<[string, string, string], { series: number }>('SELECT series FROM m_postings WHERE tenant = ? AND name = ? AND value = ?'),
    postingsName: db.prepare<[string, string], { value: string; series: number }>('SELECT value, series FROM m_postings WHERE tenant = ? AND name = ?'),
    seriesRow: db.prepare<[number], { key: string; target: string; type: string; unit: string; min_t: number; max_t: number; tenant: string }>(
      'SELECT tenant, key, target, type, unit, min_t, max_t FROM m_series WHERE id = ?',
    ),
    metadata: db.prepare<[string], { value: string; type: string; unit: string }>(
      "SELECT p.value AS value, s.type AS type, s.unit AS unit FROM m_postings p JOIN m_series s ON s.id = p.series WHERE p.tenant = ? AND p.name = '__name__' GROUP BY p.value, s.type, s.unit ORDER BY p.value",
    ),
  };

  /** Series state by tenant + key, for the writer. */
  const states = new Map<string, SeriesState>();
  /** Series rows by id, for readers (a series' labels never change; retention removes whole series). */
  type CachedInfo = SeriesInfo & { tenant: string };
  const infos = new Map<number, CachedInfo>();

  function info(id: number): CachedInfo | undefined {
    let i = infos.get(id);
    if (i) return i;
    const row = q.seriesRow.get(id);
    if (!row) return undefined;
    i = { tenant: row.tenant, labels: Object.freeze(labelsOfKey(row.key)), target: row.target, type: row.type as MetricType, unit: row.unit, minT: row.min_t, maxT: row.max_t };
    if (infos.size > 2_000_000) infos.clear();
    infos.set(id, i);
    return i;
  }

  function loadState(tenant: string, key: string, h: number): SeriesState | undefined {
    for (const row of q.findSeries.all(tenant, h)) {
      if (row.key !== key) continue;
      const head = q.headMax.get(row.id) ?? { t: null, n: 0 };
      const chunk = q.chunkMax.get(row.id)?.t ?? null;
      const maxT = Math.max(head.t ?? -Infinity, chunk ?? -Infinity);
      const stored = q.storedMax.get(row.id)?.max_t ?? 0;
      return { id: row.id, maxT, storedMaxT: stored, headCount: head.n, cutAt: head.n + CHUNK_SAMPLES };
    }
    return undefined;
  }

  function createSeries(tenant: string, key: string, h: number, s: SeriesAppend, firstT: number): SeriesState {
    const res = q.insertSeries.run(tenant, h, key, s.target, s.type, s.unit ?? '', firstT, ceilGrain(firstT));
    const id = Number(res.lastInsertRowid);
    for (const [name, value] of Object.entries(s.labels)) q.insertPosting.run(tenant, name, value, id);
    return { id, maxT: -Infinity, storedMaxT: ceilGrain(firstT), headCount: 0, cutAt: CHUNK_SAMPLES };
  }

  /** Cuts head samples older than `before` into chunks (as many as it takes). */
  function cut(st: SeriesState, before: number): void {
    for (;;) {
      const rows = q.headBefore.all(st.id, before);
      if (rows.length === 0) return;
      const ts = rows.map((r) => r.t);
      const vs = rows.map((r) => fromCell(r.v));
      const last = ts[ts.length - 1] as number;
      q.insertChunk.run(st.id, ts[0], last, encodeChunk(ts, vs));
      q.deleteHeadUpTo.run(st.id, last);
      st.headCount = Math.max(0, st.headCount - rows.length);
      if (rows.length < MAX_CHUNK_SAMPLES) return;
    }
  }

  const appendTx = db.transaction((tenant: string, series: readonly SeriesAppend[], limits: MetricsLimits, report: AppendReport) => {
    const window = limits.outOfOrderWindowMs;
    let seriesCount: number | undefined;
    for (const s of series) {
      const n = s.timestamps.length;
      if (n === 0) continue;
      const key = seriesKey(s.labels);
      const stateKey = tenant + '\u0002' + key;
      let st = states.get(stateKey);
      if (!st) {
        const h = hash53(key);
        st = loadState(tenant, key, h);
        if (!st) {
          seriesCount ??= q.countSeries.get(tenant)?.n ?? 0;
          if (seriesCount >= limits.maxSeriesPerTenant) {
            report.overSeriesLimit += n;
            continue;
          }
          let first = Infinity;
          for (let i = 0; i < n; i++) first = Math.min(first, s.timestamps[i] as number);
          st = createSeries(tenant, key, h, s, first);
          seriesCount++;
          report.newSeries++;
        }
        states.set(stateKey, st);
      }
      for (let i = 0; i < n; i++) {
        const t = s.timestamps[i] as number;
        if (t < st.maxT - window) {
          report.tooOld++;
          continue;
        }
        if (q.insertHead.run(st.id, t, toCell(s.values[i] as number)).changes === 0) {
          report.duplicates++;
          continue;
        }
        report.appended++;
        st.headCount++;
        if (t > st.maxT) st.maxT = t;
      }
      if (st.maxT >= st.storedMaxT) {
        const next = ceilGrain(st.maxT);
        q.setMaxT.run(next, st.id, next);
        st.storedMaxT = next;
      }
      if (st.headCount >= st.cutAt) {
        cut(st, st.maxT - window);
        st.cutAt = st.headCount + CHUNK_SAMPLES;
      }
    }
  });

  const compactTx = db.transaction((all: boolean, window: number) => {
    for (const row of q.headSeries.all()) {
      const before = all ? Infinity : row.t - window;
      const st: SeriesState = { id: row.series, maxT: row.t, storedMaxT: 0, headCount: row.n, cutAt: 0 };
      cut(st, before === Infinity ? Number.MAX_SAFE_INTEGER : before);
    }
    // The writer's cached head counts are now too high: they only decide when to try a cut, and a cut reads
    // the real rows, so at worst one early attempt per series.
  });

  function runsOf(id: number, startMs: number, endMs: number): Run[] {
    const runs: Run[] = [];
    for (const c of q.chunksIn.all(id, startMs, endMs)) runs.push(decodeChunk(c.data));
    const head = q.headIn.all(id, startMs, endMs);
    if (head.length > 0) runs.push({ timestamps: head.map((r) => r.t), values: head.map((r) => fromCell(r.v)) });
    return runs;
  }

  const reader: SeriesReader = {
    postings(tenant) {
      return {
        async postings(name, accept, exact) {
          if (exact !== undefined) return q.postingsExact.all(tenant, name, exact).map((r) => r.series);
          const out: number[] = [];
          let lastValue: string | undefined;
          let lastOk = false;
          for (const r of q.postingsName.iterate(tenant, name)) {
            if (r.value !== lastValue) {
              lastValue = r.value;
              lastOk = accept(r.value);
            }
            if (lastOk) out.push(r.series);
          }
          return out;
        },
        async all() {
          return q.allSeries.all(tenant).map((r) => r.id);
        },
        async labels(ids) {
          const m = new Map<number, Labels>();
          for (const id of ids) {
            const i = info(id);
            if (i && i.tenant === tenant) m.set(id, i.labels);
          }
          return m;
        },
      };
    },
    async info(tenant, ids) {
      const m = new Map<number, SeriesInfo>();
      for (const id of ids) {
        const i = info(id);
        if (!i || i.tenant !== tenant) continue;
        // max_t only grows: re-read it when the cached one may be stale.
        i.maxT = q.storedMax.get(id)?.max_t ?? i.maxT;
        m.set(id, i);
      }
      return m;
    },
    async runs(id, startMs, endMs) {
      return runsOf(id, startMs, endMs);
    },
  };

  const deleteTx = db.transaction((tenant: string | null, before: number): number => {
    let dropped = 0;
    const ids = tenant === null
      ? db.prepare<[number], { id: number }>('SELECT id FROM m_series WHERE min_t < ?').all(before)
      : db.prepare<[string, number], { id: number }>('SELECT id FROM m_series WHERE tenant = ? AND min_t < ?').all(tenant, before);
    const oldChunks = db.prepare<[number, number], { min_t: number; data: Buffer }>('SELECT min_t, data FROM m_chunks WHERE series = ? AND max_t < ?');
    const delChunk = db.prepare('DELETE FROM m_chunks WHERE series = ? AND min_t = ?');
    const delHead = db.prepare('DELETE FROM m_head WHERE series = ? AND t < ?');
    const rest = db.prepare<[number, number], { n: number }>('SELECT (SELECT count(*) FROM m_chunks WHERE series = ?) + (SELECT count(*) FROM m_head WHERE series = ?) AS n');
    const delSeries = db.prepare('DELETE FROM m_series WHERE id = ?');
    const delPostings = db.prepare('DELETE FROM m_postings WHERE tenant = ? AND name = ? AND value = ? AND series = ?');
    const setMin = db.prepare('UPDATE m_series SET min_t = ? WHERE id = ?');
    for (const { id } of ids) {
      for (const c of oldChunks.all(id, before)) {
        dropped += chunkLength(c.data);
        delChunk.run(id, c.min_t);
      }
      dropped += delHead.run(id, before).changes;
      if ((rest.get(id, id)?.n ?? 0) === 0) {
        const row = q.seriesRow.get(id);
        if (row) for (const [name, value] of Object.entries(labelsOfKey(row.key))) delPostings.run(row.tenant, name, value, id);
        delSeries.run(id);
        infos.delete(id);
        if (row) states.delete(row.tenant + '\u0002' + row.key);
      } else {
        setMin.run(before, id);
        const i = infos.get(id);
        if (i) i.minT = before;
      }
    }
    return dropped;
  });

  return {
    async append(tenant, series, limits = DEFAULT_METRICS_LIMITS) {
      const report: AppendReport = { appended: 0, duplicates: 0, tooOld: 0, overSeriesLimit: 0, newSeries: 0 };
      try {
        appendTx(tenant, series, limits, report);
      } catch (err) {
        // The transaction rolled back: forget cached states, which may describe rows that are not there.
        states.clear();
        throw err;
      }
      return report;
    },
    querier: (tenant) => createQuerier(reader, tenant),
    samples: (sq) => listSamples(reader, sq),
    async metadata(tenant, metric, limit): Promise<MetricMetadata[]> {
      const out: MetricMetadata[] = [];
      for (const r of q.metadata.iterate(tenant)) {
        if (metric !== undefined && r.value !== metric) continue;
        out.push({ name: r.value, type: r.type as MetricType, unit: r.unit });
        if (limit !== undefined && out.length >= limit) break;
      }
      return out;
    },
    async seriesCount(tenant) {
      return q.countSeries.get(tenant)?.n ?? 0;
    },
    async tenants() {
      return q.tenants.all().map((r) => r.tenant);
    },
    async knownSeries(tenant, list) {
      return list.map((labels) => {
        const key = seriesKey(labels);
        return q.findSeries.all(tenant, hash53(key)).some((r) => r.key === key);
      });
    },
    async compact(o = {}) {
      compactTx(o.all === true, o.outOfOrderWindowMs ?? DEFAULT_METRICS_LIMITS.outOfOrderWindowMs);
    },
    async deleteBefore(tenant, before) {
      return deleteTx(tenant, before);
    },
  };
}
