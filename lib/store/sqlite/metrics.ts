// The SQLite metrics store: a series index (m_series, with an inverted index m_postings of label name/value →
// series), compressed chunks (m_chunks, lib/tsdb/chunk.ts) and a head of recent samples per series
// (m_head_runs: rows of a series' samples as appends wrote them, lib/tsdb/run.ts; an in-order append extends
// the series' last run while it is short, a run of its own otherwise). Samples land in the
// head; once a series has enough head samples older than the out-of-order window, its runs are merged, the
// part older than the window cut into chunks and the rest kept as one run, in the same transaction. Until an
// append commits, its samples live in the stream (the persister acknowledges after the commit), so a crash
// loses nothing acknowledged.
//
// The head used to be one row per sample, its (series, t) key absorbing replays: a b-tree insert per sample
// was most of the persister's time (remote_write bench: ~4.7 µs of ~11 per sample). Now the writer knows each
// series' newest timestamp, so an in-order sample is new without a lookup; a sample at or before it (a replay,
// or out of order) is checked against the series' stored timestamps, read for that series only. The usual
// append, every sample of a series newer than its newest, is copied straight into one buffer per series.
import { METRIC_TYPES, type MetricType } from '../../events/event.js';
import type { Labels } from '../../promql/querier.js';
import { cellValue } from '../../tsdb/cell.js';
import { chunkLength, decodeChunk, encodeChunk } from '../../tsdb/chunk.js';
import { decodeSeriesRuns } from '../../tsdb/decode.js';
import { hash53 } from '../../tsdb/hash.js';
import { labelsOfKey, seriesKey } from '../../tsdb/labels.js';
import { lowerBound } from '../../tsdb/bounds.js';
import { mergeRuns, type Run } from '../../tsdb/merge.js';
import { decodeRun, encodeRun } from '../../tsdb/run.js';
import { DEFAULT_METRICS_LIMITS, type AppendReport, type MetricMetadata, type MetricsLimits, type MetricsStore, type SeriesAppend } from '../../tsdb/port.js';
import { createQuerier, listSamples, type SeriesInfo, type SeriesReader } from '../../tsdb/reader.js';
import type { Db, Stmt } from './db.js';

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
CREATE TABLE IF NOT EXISTS m_head_runs (
  id INTEGER PRIMARY KEY,
  series INTEGER NOT NULL, min_t INTEGER NOT NULL, max_t INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS m_head_runs_series ON m_head_runs (series);
`;

/** Samples per chunk aimed at: larger chunks share their header and row overhead among more samples. */
export const CHUNK_SAMPLES = 240;
/** A chunk is never larger than this many samples (bounds the decode a query pays for one sample). */
const MAX_CHUNK_SAMPLES = 1_000;
/** m_series.max_t is kept rounded up to this, so it is written once an hour per series, not per append. */
const MAX_T_GRAIN_MS = 3_600_000;
/**
 * An in-order append extends its series' last head run up to this many samples instead of adding a row. A row
 * added costs an insert into the table and one into its (series) index, whose leaves every append touches all
 * over: measured alone (4000 series, 5 samples per append), ~10 CPU µs per append against ~3.5 extending runs
 * of up to 32 samples (the row is rewritten; 64: ~4.5, 128: ~7).
 */
const OPEN_RUN_MAX = 32;

interface SeriesState {
  id: number;
  /** Newest sample timestamp of the series. */
  maxT: number;
  /** m_series.max_t as stored. */
  storedMaxT: number;
  /** m_series.min_t as stored: lowered when an out-of-order sample lands before it (readers skip series by it). */
  storedMinT: number;
  /** Head samples (estimated: high after a compaction elsewhere, which only costs an early cut attempt). */
  headCount: number;
  /** Oldest head sample (estimated low likewise): no cut is tried while it is within the window. */
  headMinT: number;
  /** Try to cut a chunk once headCount reaches this. */
  cutAt: number;
  /**
   * The current append's part of the series, and its further parts when it has several (rare: the persister
   * hands one per series); both cleared when the append is done. No array per series per append.
   */
  part: SeriesAppend | undefined;
  more: SeriesAppend[] | undefined;
  /** The head run the writer last wrote for the series (0: none), which later in-order samples extend. */
  openRun: number;
  /** Samples in it as written (the extension checks the row's own count). */
  openRunN: number;
}

// The one-row-per-sample head kept values as cells (lib/tsdb/cell.ts: NaN and -0 as their 8 bytes).
const fromCell = (c: unknown): number => cellValue(typeof c === 'number' || c instanceof Uint8Array ? c : null);

/** Holds the place of a part in a reused parts array between appends, so that it keeps no read's samples alive. */
const NO_PART: SeriesAppend = Object.freeze({ labels: Object.freeze({}), target: '', type: 'gauge', timestamps: [], values: [] });

/** Labels a single postings insert takes (SQLite binds up to 32766 values; 4 per label). */
const MAX_LABELS_PER_STATEMENT = 64;

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

/** A file written with the one-row-per-sample head (m_head) gets it moved into runs once, a run per series. */
function migrateHead(db: Db): void {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'm_head'").get()) return;
  db.transaction(() => {
    const insert = db.prepare('INSERT INTO m_head_runs (series, min_t, max_t, n, data) VALUES (?, ?, ?, ?, ?)');
    let series = -1;
    let ts: number[] = [];
    let vs: number[] = [];
    const flush = (): void => {
      if (ts.length > 0) insert.run(series, ts[0], ts[ts.length - 1], ts.length, encodeRun(ts, vs));
      ts = [];
      vs = [];
    };
    for (const r of db.prepare<[], { series: number; t: number; v: unknown }>('SELECT series, t, v FROM m_head ORDER BY series, t').all()) {
      if (r.series !== series) {
        flush();
        series = r.series;
      }
      ts.push(r.t);
      vs.push(fromCell(r.v));
    }
    flush();
    db.exec('DROP TABLE m_head');
  })();
}

/** `afterAppend`: called after each append's commit (the checkpoint worker's nudge, as for events). */
export function createSqliteMetrics(db: Db, opts: { afterAppend?: () => void } = {}): MetricsStore {
  migrateChunks(db);
  db.exec(METRICS_DDL);
  migrateHead(db);
  const q = {
    findSeries: db.prepare<[string, number], { id: number; key: string }>('SELECT id, key FROM m_series WHERE tenant = ? AND hash = ?'),
    insertSeries: db.prepare('INSERT INTO m_series (tenant, hash, key, target, type, unit, min_t, max_t) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    setMaxT: db.prepare('UPDATE m_series SET max_t = ? WHERE id = ? AND max_t < ?'),
    countSeries: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM m_series WHERE tenant = ?'),
    tenants: db.prepare<[], { tenant: string }>('SELECT DISTINCT tenant FROM m_series ORDER BY tenant'),
    headMax: db.prepare<[number], { t: number | null; n: number | null; mn: number | null }>('SELECT max(max_t) AS t, sum(n) AS n, min(min_t) AS mn FROM m_head_runs WHERE series = ?'),
    chunkMax: db.prepare<[number], { t: number | null }>('SELECT max(max_t) AS t FROM m_chunks WHERE series = ?'),
    storedBounds: db.prepare<[number], { min_t: number; max_t: number }>('SELECT min_t, max_t FROM m_series WHERE id = ?'),
    setMinT: db.prepare('UPDATE m_series SET min_t = ? WHERE id = ? AND min_t > ?'),
    insertRun: db.prepare('INSERT INTO m_head_runs (series, min_t, max_t, n, data) VALUES (?, ?, ?, ?, ?)'),
    // Later samples spliced into a run: its timestamps, the new ones, its values, the new ones (substr counts
    // bytes in a blob; || makes text of the same bytes, cast back). Only a row of the series with room.
    extendRun: db.prepare(
      'UPDATE m_head_runs SET data = CAST(substr(data, 1, 8 * n) || ? || substr(data, 8 * n + 1) || ? AS BLOB), n = n + ?, max_t = ? WHERE id = ? AND series = ? AND n <= ?',
    ),
    headRuns: db.prepare<[number], { id: number; data: Buffer }>('SELECT id, data FROM m_head_runs WHERE series = ? ORDER BY id'),
    deleteRunsUpTo: db.prepare('DELETE FROM m_head_runs WHERE series = ? AND id <= ?'),
    chunksFrom: db.prepare<[number, number], { data: Buffer }>('SELECT data FROM m_chunks WHERE series = ? AND max_t >= ?'),
    insertChunk: db.prepare('INSERT OR REPLACE INTO m_chunks (series, min_t, max_t, data) VALUES (?, ?, ?, ?)'),
    headSeries: db.prepare<[], { series: number; n: number; t: number; mn: number }>('SELECT series, sum(n) AS n, max(max_t) AS t, min(min_t) AS mn FROM m_head_runs GROUP BY series'),
    // Plucked: the blobs alone, no row object per chunk.
    chunksIn: db.prepare<[number, number, number], Buffer>('SELECT data FROM m_chunks WHERE series = ? AND max_t >= ? AND min_t <= ? ORDER BY min_t').pluck(),
    headIn: db.prepare<[number, number, number], Buffer>('SELECT data FROM m_head_runs WHERE series = ? AND max_t >= ? AND min_t <= ? ORDER BY id').pluck(),
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

  /** Insert statements of that many postings (index: label count), prepared when first needed. */
  const postingStatements: Stmt[] = [];

  /**
   * A new series' postings, up to MAX_LABELS_PER_STATEMENT in one statement: a statement per posting was about
   * half of what creating a series cost.
   */
  function insertPostings(tenant: string, labels: Labels, id: number): void {
    const names = Object.keys(labels);
    for (let from = 0; from < names.length; from += MAX_LABELS_PER_STATEMENT) {
      const n = Math.min(MAX_LABELS_PER_STATEMENT, names.length - from);
      const args = new Array<string | number>(4 * n);
      for (let i = 0; i < n; i++) {
        const name = names[from + i] as string;
        args[4 * i] = tenant;
        args[4 * i + 1] = name;
        args[4 * i + 2] = labels[name] as string;
        args[4 * i + 3] = id;
      }
      let st = postingStatements[n];
      if (st === undefined) {
        st = db.prepare(`INSERT OR IGNORE INTO m_postings (tenant, name, value, series) VALUES ${new Array<string>(n).fill('(?, ?, ?, ?)').join(', ')}`);
        postingStatements[n] = st;
      }
      st.run(args);
    }
  }

  /** Series state by tenant, then series key, for the writer. */
  const states = new Map<string, Map<string, SeriesState>>();
  /**
   * What readers need of a series row that never changes (a series' labels never change; retention removes
   * whole series), by id. Its bounds move, so they are read each time, not kept: kept, they cost two boxed
   * doubles per series for nothing. Strings that repeat are shared: the tenant (the caller's), the type (the
   * constant), the target (the label value it equals, usually `instance`).
   */
  interface CachedRow {
    tenant: string;
    labels: Labels;
    target: string;
    type: MetricType;
    unit: string;
  }
  const rows = new Map<number, CachedRow>();

  function cachedRow(id: number, tenant: string): CachedRow | undefined {
    let r = rows.get(id);
    if (r) return r.tenant === tenant ? r : undefined;
    const row = q.seriesRow.get(id);
    if (!row || row.tenant !== tenant) return undefined;
    const labels = Object.freeze(labelsOfKey(row.key));
    let target = row.target;
    for (const v of Object.values(labels)) if (v === target) target = v;
    r = { tenant, labels, target, type: METRIC_TYPES.find((t) => t === row.type) ?? (row.type as MetricType), unit: row.unit };
    if (rows.size > 2_000_000) rows.clear();
    rows.set(id, r);
    return r;
  }

  function loadState(tenant: string, key: string, h: number): SeriesState | undefined {
    for (const row of q.findSeries.all(tenant, h)) {
      if (row.key !== key) continue;
      const head = q.headMax.get(row.id);
      const n = head?.n ?? 0;
      const chunk = q.chunkMax.get(row.id)?.t ?? null;
      const maxT = Math.max(head?.t ?? -Infinity, chunk ?? -Infinity);
      const stored = q.storedBounds.get(row.id);
      return { id: row.id, maxT, storedMaxT: stored?.max_t ?? 0, storedMinT: stored?.min_t ?? -Infinity, headCount: n, headMinT: head?.mn ?? Infinity, cutAt: n + CHUNK_SAMPLES, part: undefined, more: undefined, openRun: 0, openRunN: 0 };
    }
    return undefined;
  }

  function createSeries(tenant: string, key: string, h: number, s: SeriesAppend, firstT: number): SeriesState {
    const res = q.insertSeries.run(tenant, h, key, s.target, s.type, s.unit ?? '', firstT, ceilGrain(firstT));
    const id = Number(res.lastInsertRowid);
    insertPostings(tenant, s.labels, id);
    return { id, maxT: -Infinity, storedMaxT: ceilGrain(firstT), storedMinT: firstT, headCount: 0, headMinT: Infinity, cutAt: CHUNK_SAMPLES, part: undefined, more: undefined, openRun: 0, openRunN: 0 };
  }

  /**
   * Cuts head samples older than `before` into chunks (of at most MAX_CHUNK_SAMPLES), and rewrites the rest of
   * the series' head as one run. Runs merge first-written-first, so a timestamp stored twice keeps its first
   * value, as readers see it.
   */
  function cut(st: SeriesState, before: number): void {
    st.openRun = 0;
    const rows = q.headRuns.all(st.id);
    if (rows.length === 0) {
      st.headCount = 0;
      st.headMinT = Infinity;
      return;
    }
    const head = mergeRuns(rows.map((r) => decodeRun(r.data)), -Infinity, Infinity);
    const n = head.timestamps.length;
    const k = lowerBound(head.timestamps, before);
    st.headCount = n - k;
    st.headMinT = k < n ? (head.timestamps[k] as number) : Infinity;
    if (k === 0 && rows.length === 1) return;
    for (let from = 0; from < k; from += MAX_CHUNK_SAMPLES) {
      const to = Math.min(k, from + MAX_CHUNK_SAMPLES);
      const ts = head.timestamps.subarray(from, to);
      q.insertChunk.run(st.id, ts[0], ts[ts.length - 1], encodeChunk(ts, head.values.subarray(from, to)));
    }
    q.deleteRunsUpTo.run(st.id, (rows[rows.length - 1] as { id: number }).id);
    if (k < n) {
      const ts = head.timestamps.subarray(k);
      q.insertRun.run(st.id, ts[0], ts[ts.length - 1], n - k, encodeRun(ts, head.values.subarray(k)));
    }
  }

  /** Timestamps a series has stored at or after `from` (chunks and head): the slow path of duplicate detection. */
  function storedSince(id: number, from: number): Set<number> {
    const seen = new Set<number>();
    const add = (ts: Float64Array): void => {
      for (let i = lowerBound(ts, from); i < ts.length; i++) seen.add(ts[i] as number);
    };
    for (const c of q.chunksFrom.all(id, from)) add(decodeChunk(c.data).timestamps);
    for (const r of q.headRuns.all(id)) add(decodeRun(r.data).timestamps);
    return seen;
  }

  // extendRun's text round trip keeps the bytes only in a UTF-8 file (every file this store creates).
  const extendable = db.pragma('encoding', { simple: true }) === 'UTF-8';

  /**
   * The fast path's run of n samples is laid out in `f` (timestamps, then values), bound as `all` (a new run) or
   * as `t` and `v` (an extension). Kept per n up to RUN_SCRATCH_MAX (better-sqlite3 copies a bound blob), so an
   * append makes no Buffer per series: making them was most of what the write allocated, and what a write
   * allocates is collected while the read's series are alive (they were promoted with it).
   */
  interface RunScratch {
    f: Float64Array;
    all: Buffer;
    t: Buffer;
    v: Buffer;
  }
  const RUN_SCRATCH_MAX = 256;
  const runScratch: (RunScratch | undefined)[] = [];
  function runScratchOf(n: number): RunScratch {
    let r = runScratch[n];
    if (r) return r;
    const all = Buffer.allocUnsafeSlow(16 * n);
    r = { f: new Float64Array(all.buffer, all.byteOffset, 2 * n), all, t: all.subarray(0, 8 * n), v: all.subarray(8 * n) };
    if (n <= RUN_SCRATCH_MAX) runScratch[n] = r;
    return r;
  }

  /**
   * Appends one series' accepted samples (of all its parts, in order) to its head as one run. The usual case,
   * every sample newer than the series' newest and in order, is copied straight into one buffer; anything else
   * (a replay, out of order, too old) takes the checked path.
   */
  function appendSeries(st: SeriesState, parts: readonly SeriesAppend[], window: number, report: AppendReport): void {
    let n = 0;
    for (let p = 0; p < parts.length; p++) n += (parts[p] as SeriesAppend).timestamps.length;
    if (n === 0) return;
    const run = runScratchOf(n);
    const f = run.f;
    let last = st.maxT;
    let k = 0;
    for (let p = 0; p < parts.length; p++) {
      const s = parts[p] as SeriesAppend;
      const ts = s.timestamps;
      const vs = s.values;
      for (let i = 0; i < ts.length; i++, k++) {
        const t = ts[i] as number;
        if (!(t > last)) {
          appendChecked(st, parts, window, report);
          return;
        }
        last = t;
        f[k] = t;
        f[n + k] = vs[i] as number;
      }
    }
    const first = f[0] as number;
    // Every sample is newer than all the series holds, so they can go at the end of any run of it.
    if (extendable && st.openRun !== 0 && st.openRunN + n <= OPEN_RUN_MAX && q.extendRun.run(run.t, run.v, n, last, st.openRun, st.id, OPEN_RUN_MAX - n).changes === 1) {
      st.openRunN += n;
    } else {
      st.openRun = Number(q.insertRun.run(st.id, first, last, n, run.all).lastInsertRowid);
      st.openRunN = n;
    }
    st.maxT = last;
    st.headCount += n;
    if (first < st.headMinT) st.headMinT = first;
    report.appended += n;
  }

  function appendChecked(st: SeriesState, parts: readonly SeriesAppend[], window: number, report: AppendReport): void {
    const ts: number[] = [];
    // Values are taken by where they are (part, index) when the run is written: a NaN kept in a plain array loses
    // its payload, the staleness marker's included.
    const from: SeriesAppend[] = [];
    const at: number[] = [];
    let seen: Set<number> | undefined;
    let sorted = true;
    for (const s of parts) {
      const n = s.timestamps.length;
      for (let i = 0; i < n; i++) {
        const t = s.timestamps[i] as number;
        if (t < st.maxT - window) {
          report.tooOld++;
          continue;
        }
        if (t <= st.maxT) {
          // A replay or an out-of-order sample: new only if the series does not hold that timestamp yet.
          if (!seen) {
            seen = storedSince(st.id, st.maxT - window);
            for (const x of ts) seen.add(x);
          }
          if (seen.has(t)) {
            report.duplicates++;
            continue;
          }
          sorted = false;
        } else {
          st.maxT = t;
        }
        seen?.add(t);
        ts.push(t);
        from.push(s);
        at.push(i);
        report.appended++;
      }
    }
    if (ts.length === 0) return;
    const order = ts.map((_, i) => i);
    if (!sorted) order.sort((a, b) => (ts[a] as number) - (ts[b] as number));
    const runT = new Float64Array(order.length);
    const runV = new Float64Array(order.length);
    for (let k = 0; k < order.length; k++) {
      const j = order[k] as number;
      runT[k] = ts[j] as number;
      runV[k] = (from[j] as SeriesAppend).values[at[j] as number] as number;
    }
    const first = runT[0] as number;
    if (first < st.storedMinT) {
      q.setMinT.run(first, st.id, first);
      st.storedMinT = first;
    }
    q.insertRun.run(st.id, first, runT[runT.length - 1], runT.length, encodeRun(runT, runV));
    st.headCount += runT.length;
    if (first < st.headMinT) st.headMinT = first;
  }

  /** After an append to `st`: m_series.max_t kept ahead, and the head cut into chunks when it has grown. */
  function afterAppend(st: SeriesState, window: number): void {
    if (st.maxT >= st.storedMaxT) {
      const next = ceilGrain(st.maxT);
      q.setMaxT.run(next, st.id, next);
      st.storedMaxT = next;
    }
    if (st.headCount >= st.cutAt) {
      if (st.headMinT < st.maxT - window) cut(st, st.maxT - window);
      st.cutAt = st.headCount + CHUNK_SAMPLES;
    }
  }

  /** The writer's state of a series not cached yet: from its rows, or a new series (null: over the tenant's limit). */
  function resolveState(tenant: string, key: string, parts: readonly SeriesAppend[], limits: MetricsLimits, report: AppendReport, count: { n?: number }): SeriesState | null {
    const h = hash53(key);
    const loaded = loadState(tenant, key, h);
    if (loaded) return loaded;
    let n = 0;
    let first = Infinity;
    for (const s of parts) {
      n += s.timestamps.length;
      for (let i = 0; i < s.timestamps.length; i++) first = Math.min(first, s.timestamps[i] as number);
    }
    count.n ??= q.countSeries.get(tenant)?.n ?? 0;
    if (count.n >= limits.maxSeriesPerTenant) {
      report.overSeriesLimit += n;
      return null;
    }
    count.n++;
    report.newSeries++;
    return createSeries(tenant, key, h, parts[0] as SeriesAppend, first);
  }

  /** The parts of a series that came once, without an array each: its one element is NO_PART between appends. */
  const one: SeriesAppend[] = [NO_PART];

  const appendTx = db.transaction((tenant: string, series: readonly SeriesAppend[], limits: MetricsLimits, report: AppendReport) => {
    const window = limits.outOfOrderWindowMs;
    let known = states.get(tenant);
    if (!known) states.set(tenant, (known = new Map()));
    // A series comes once per stream entry it was in: its parts become one head run. Cached series collect
    // their parts on their state; the others are grouped by key and looked up (or created) once.
    const touched: SeriesState[] = [];
    let fresh: Map<string, SeriesAppend[]> | undefined;
    for (let i = 0; i < series.length; i++) {
      const s = series[i] as SeriesAppend;
      if (s.timestamps.length === 0) continue;
      const key = seriesKey(s.labels);
      const st = known.get(key);
      if (st) {
        if (st.part === undefined) {
          st.part = s;
          touched.push(st);
        } else {
          (st.more ??= [st.part]).push(s);
        }
        continue;
      }
      fresh ??= new Map();
      const parts = fresh.get(key);
      if (parts) parts.push(s);
      else fresh.set(key, [s]);
    }
    try {
      if (fresh) {
        const count: { n?: number } = {};
        for (const [key, parts] of fresh) {
          const st = resolveState(tenant, key, parts, limits, report, count);
          if (!st) continue;
          known.set(key, st);
          appendSeries(st, parts, window, report);
          afterAppend(st, window);
        }
      }
      for (let i = 0; i < touched.length; i++) {
        const st = touched[i] as SeriesState;
        if (st.more === undefined) one[0] = st.part as SeriesAppend;
        appendSeries(st, st.more ?? one, window, report);
        afterAppend(st, window);
      }
    } finally {
      one[0] = NO_PART;
      for (let i = 0; i < touched.length; i++) {
        const st = touched[i] as SeriesState;
        st.part = undefined;
        st.more = undefined;
      }
    }
  });

  const compactTx = db.transaction((all: boolean, window: number) => {
    for (const row of q.headSeries.all()) {
      const before = all ? Infinity : row.t - window;
      const st: SeriesState = { id: row.series, maxT: row.t, storedMaxT: 0, storedMinT: -Infinity, headCount: row.n, headMinT: row.mn, cutAt: 0, part: undefined, more: undefined, openRun: 0, openRunN: 0 };
      cut(st, before === Infinity ? Number.MAX_SAFE_INTEGER : before);
    }
    // The writer's cached head counts are now too high: they only decide when to try a cut, and a cut reads
    // the real rows, so at worst one early attempt per series.
  });

  function runsOf(id: number, startMs: number, endMs: number): Run[] {
    return decodeSeriesRuns(q.chunksIn.all(id, startMs, endMs), q.headIn.all(id, startMs, endMs));
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
            const r = cachedRow(id, tenant);
            if (r) m.set(id, r.labels);
          }
          return m;
        },
      };
    },
    async info(tenant, ids) {
      const m = new Map<number, SeriesInfo>();
      for (const id of ids) {
        const r = cachedRow(id, tenant);
        // Bounds move (max_t grows, an out-of-order sample lowers min_t): read each time.
        const b = r && q.storedBounds.get(id);
        if (r && b) m.set(id, { labels: r.labels, target: r.target, type: r.type, unit: r.unit, minT: b.min_t, maxT: b.max_t });
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
    const oldRuns = db.prepare<[number, number], { id: number; max_t: number; n: number; data: Buffer }>('SELECT id, max_t, n, data FROM m_head_runs WHERE series = ? AND min_t < ?');
    const delRun = db.prepare('DELETE FROM m_head_runs WHERE id = ?');
    const setRun = db.prepare('UPDATE m_head_runs SET min_t = ?, n = ?, data = ? WHERE id = ?');
    const rest = db.prepare<[number, number], { n: number }>('SELECT (SELECT count(*) FROM m_chunks WHERE series = ?) + (SELECT count(*) FROM m_head_runs WHERE series = ?) AS n');
    const delSeries = db.prepare('DELETE FROM m_series WHERE id = ?');
    const delPostings = db.prepare('DELETE FROM m_postings WHERE tenant = ? AND name = ? AND value = ? AND series = ?');
    const setMin = db.prepare('UPDATE m_series SET min_t = ? WHERE id = ?');
    for (const { id } of ids) {
      for (const c of oldChunks.all(id, before)) {
        dropped += chunkLength(c.data);
        delChunk.run(id, c.min_t);
      }
      for (const r of oldRuns.all(id, before)) {
        if (r.max_t < before) {
          dropped += r.n;
          delRun.run(r.id);
          continue;
        }
        const run = decodeRun(r.data);
        const k = lowerBound(run.timestamps, before);
        dropped += k;
        setRun.run(run.timestamps[k], r.n - k, encodeRun(run.timestamps.subarray(k), run.values.subarray(k)), r.id);
      }
      if ((rest.get(id, id)?.n ?? 0) === 0) {
        const row = q.seriesRow.get(id);
        if (row) for (const [name, value] of Object.entries(labelsOfKey(row.key))) delPostings.run(row.tenant, name, value, id);
        delSeries.run(id);
        rows.delete(id);
        if (row) states.get(row.tenant)?.delete(row.key);
      } else {
        setMin.run(before, id);
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
      if (report.appended > 0) opts.afterAppend?.();
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
