// SQLite-specific behaviour the conformance suite cannot see: the file settings, query plans that walk an index
// in keyset order (never a sort), retention that yields between chunks, and openStore's URL handling.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStaleNaN, setStaleNaN } from '../../promql/querier.js';
import { isMongoUrl, mongoDbName, openStore } from '../index.js';
import { checkEventQuery } from '../query.js';
import type { EventQuery } from '../types.js';
import { logEvent, metricEvent, T0 } from '../conformance/fixtures.js';
import { pageSql } from './events.js';
import { PENDING_NOTIFICATIONS_SQL } from './incidents.js';
import { schemaDdl } from './schema.js';
import { createSqliteStore } from './store.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lw-sqlite-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite file store', () => {
  it('opens in WAL mode with synchronous=NORMAL and keeps data across reopen', async () => {
    const path = join(dir, 'lw.db');
    const store = await createSqliteStore({ path });
    await store.appendEvents([logEvent({ ts: T0 })]);
    await store.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const again = await createSqliteStore({ path });
    expect(await again.countEvents('acme')).toBe(1);
    // A second connection (another process in the all-in-one) sees the same rows.
    const reader = await createSqliteStore({ path });
    expect(await reader.countEvents('acme', 'log')).toBe(1);
    await reader.close();
    await again.close();
  });

  it('moves chunks of a file written with the clustered chunk table into the rowid table, samples intact', async () => {
    const path = join(dir, 'chunks.db');
    const store = await createSqliteStore({ path });
    const ts = Array.from({ length: 600 }, (_, i) => T0 + i * 15_000);
    await store.metrics.append('acme', [{ labels: { __name__: 'up', job: 'a' }, target: 'a', type: 'gauge', timestamps: ts, values: ts.map((_, i) => i) }]);
    await store.metrics.compact({ all: true });
    await store.close();
    // Rebuild m_chunks in the old shape, as a file from before the change holds it.
    const raw = new Database(path);
    raw.exec(`DROP INDEX m_chunks_series;
      CREATE TABLE old_chunks (series INTEGER NOT NULL, min_t INTEGER NOT NULL, max_t INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (series, min_t)) WITHOUT ROWID;
      INSERT INTO old_chunks SELECT series, min_t, max_t, data FROM m_chunks; DROP TABLE m_chunks; ALTER TABLE old_chunks RENAME TO m_chunks;`);
    raw.close();
    const again = await createSqliteStore({ path });
    const rows = await again.metrics.samples({ tenant: 'acme', limit: 1000, order: 'asc' });
    expect(rows.map((r) => r.value)).toEqual(ts.map((_, i) => i));
    await again.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT name FROM pragma_table_info('m_chunks')").all()).toContainEqual({ name: 'id' });
    check.close();
  });

  it('moves a head written one row per sample into runs, special values and later appends intact', async () => {
    const path = join(dir, 'head.db');
    const store = await createSqliteStore({ path });
    const ts = [T0, T0 + 15_000, T0 + 30_000, T0 + 45_000];
    await store.metrics.append('acme', [{ labels: { __name__: 'g', job: 'a' }, target: 'a', type: 'gauge', timestamps: ts.slice(0, 1), values: [0] }]);
    await store.close();
    // The head as a file from before runs holds it: one (series, t, v) row per sample, NaN and -0 as 8 bytes.
    const raw = new Database(path);
    const nan = Buffer.alloc(8);
    nan.writeDoubleLE(NaN);
    const negZero = Buffer.alloc(8);
    negZero.writeDoubleLE(-0);
    raw.exec('DELETE FROM m_head_runs; CREATE TABLE m_head (series INTEGER NOT NULL, t INTEGER NOT NULL, v ANY, PRIMARY KEY (series, t)) WITHOUT ROWID');
    const put = raw.prepare('INSERT INTO m_head (series, t, v) VALUES (1, ?, ?)');
    put.run(ts[0], 1.5);
    put.run(ts[1], nan);
    put.run(ts[2], negZero);
    raw.close();
    const again = await createSqliteStore({ path });
    // The migrated head still knows its samples: a replay is a duplicate, a later sample appended.
    const r = await again.metrics.append('acme', [{ labels: { __name__: 'g', job: 'a' }, target: 'a', type: 'gauge', timestamps: [ts[1] as number, ts[3] as number], values: [9, 4] }]);
    expect(r).toMatchObject({ appended: 1, duplicates: 1, newSeries: 0 });
    const rows = await again.metrics.samples({ tenant: 'acme', limit: 10, order: 'asc' });
    expect(rows.map((x) => x.ts)).toEqual(ts);
    expect(rows[0]?.value).toBe(1.5);
    expect(Number.isNaN(rows[1]?.value)).toBe(true);
    expect(Object.is(rows[2]?.value, -0)).toBe(true);
    expect(rows[3]?.value).toBe(4);
    await again.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE name = 'm_head'").all()).toEqual([]);
    check.close();
  });

  it('extends a series\' last head run with in-order appends while it is short, every value intact', async () => {
    const path = join(dir, 'runs.db');
    const store = await createSqliteStore({ path });
    const labels = { __name__: 'g', job: 'a' };
    const special = [NaN, -0, Infinity, -Infinity, 5e-324, 1.5];
    // 20 appends of 5 samples: runs of at most 32 samples, so 4 rows rather than 20.
    const ts = Array.from({ length: 100 }, (_, i) => T0 + i * 1000);
    const vs = new Float64Array(100);
    for (let i = 0; i < 100; i++) {
      if (i % 7 === 0) setStaleNaN(vs, i);
      else vs[i] = special[i % special.length] as number;
    }
    for (let a = 0; a < 100; a += 5) {
      expect(await store.metrics.append('acme', [{ labels, target: 'a', type: 'gauge', timestamps: ts.slice(a, a + 5), values: vs.subarray(a, a + 5) }])).toMatchObject({ appended: 5 });
    }
    const raw = new Database(path, { readonly: true });
    const head = raw.prepare<[], { rows: number; n: number }>('SELECT count(*) AS rows, sum(n) AS n FROM m_head_runs');
    expect(head.get()).toEqual({ rows: 4, n: 100 });
    const shown = (xs: ArrayLike<number>): string[] => Array.from({ length: xs.length }, (_, i) => (isStaleNaN(xs[i] as number) ? 'stale' : Object.is(xs[i], -0) ? '-0' : String(xs[i])));
    const want = { ts: [...ts], vs: shown(vs) };
    const read = async (): Promise<{ ts: number[]; vs: string[] }> => {
      const [s] = await store.metrics.querier('acme').select([{ name: 'job', type: '=', value: 'a' }], { startMs: 0, endMs: T0 + 1e9 });
      return { ts: Array.from(s?.timestamps ?? []), vs: shown(s?.values ?? []) };
    };
    expect(await read()).toEqual(want);
    // A replay of an extended run is still recognised; an out-of-order sample gets a run of its own.
    expect(await store.metrics.append('acme', [{ labels, target: 'a', type: 'gauge', timestamps: [T0 + 7000, T0 + 500], values: [1, 2] }])).toMatchObject({ appended: 1, duplicates: 1 });
    want.ts.splice(1, 0, T0 + 500);
    want.vs.splice(1, 0, '2');
    expect(head.get()).toEqual({ rows: 5, n: 101 });
    expect(await read()).toEqual(want);
    // Cut into chunks, then appended to again: the runs it extended are gone, a new one is written and extended.
    await store.metrics.compact({ all: true });
    expect(head.get()).toEqual({ rows: 0, n: null });
    for (const t of [T0 + 200_000, T0 + 201_000]) {
      expect(await store.metrics.append('acme', [{ labels, target: 'a', type: 'gauge', timestamps: [t], values: [3] }])).toMatchObject({ appended: 1 });
    }
    expect(head.get()).toEqual({ rows: 1, n: 2 });
    raw.close();
    const [s] = await store.metrics.querier('acme').select([{ name: 'job', type: '=', value: 'a' }], { startMs: T0 + 150_000, endMs: T0 + 1e9 });
    expect(Array.from(s?.timestamps ?? [])).toEqual([T0 + 200_000, T0 + 201_000]);
    await store.close();
  });

  it('keeps staleness markers written out of order, and through a cut that merges them', async () => {
    const store = await createSqliteStore({ path: join(dir, 'stale.db') });
    const labels = { __name__: 'g', job: 'a' };
    const write = async (ts: number[], stale: (i: number) => boolean): Promise<void> => {
      const vs = new Float64Array(ts.length);
      for (let i = 0; i < ts.length; i++) {
        if (stale(i)) setStaleNaN(vs, i);
        else vs[i] = i;
      }
      expect(await store.metrics.append('acme', [{ labels, target: 'a', type: 'gauge', timestamps: ts, values: vs }])).toMatchObject({ appended: ts.length });
    };
    // In order, then out of order (a run of its own through the checked path), stale markers among both.
    await write(Array.from({ length: 100 }, (_, i) => T0 + 2000 * i), (i) => i % 7 === 0);
    await write(Array.from({ length: 50 }, (_, i) => T0 + 1000 + 2000 * (49 - i)), (i) => i % 5 === 0);
    const stale = async (): Promise<number[]> => {
      const [s] = await store.metrics.querier('acme').select([{ name: 'job', type: '=', value: 'a' }], { startMs: 0, endMs: T0 + 1e9 });
      const out: number[] = [];
      for (let i = 0; i < (s?.values.length ?? 0); i++) if (isStaleNaN(s?.values[i] as number)) out.push(s?.timestamps[i] as number);
      return out;
    };
    const want = [...Array.from({ length: 15 }, (_, k) => T0 + 14_000 * k), ...Array.from({ length: 10 }, (_, k) => T0 + 1000 + 2000 * (49 - 5 * k))].sort((a, b) => a - b);
    expect(await stale()).toEqual(want);
    await store.metrics.compact({ all: true });
    expect(await stale()).toEqual(want);
    await store.close();
  });

  it('counts a replay of samples already cut into chunks as duplicates, values unchanged', async () => {
    const store = await createSqliteStore({ path: join(dir, 'replay.db') });
    const ts = Array.from({ length: 600 }, (_, i) => T0 + i * 15_000);
    const s = (values: number[]) => ({ labels: { __name__: 'c', job: 'a' }, target: 'a', type: 'counter' as const, timestamps: ts, values });
    const limits = { maxSeriesPerTenant: 10, outOfOrderWindowMs: 60 * 60_000 };
    await store.metrics.append('acme', [s(ts.map((_, i) => i))], limits);
    await store.metrics.compact({ all: true });
    const r = await store.metrics.append('acme', [s(ts.map(() => -1))], limits);
    // Samples within the window are recognised in the chunks; older ones are too old.
    expect(r.appended).toBe(0);
    expect(r.duplicates + r.tooOld).toBe(600);
    expect(r.duplicates).toBe(241);
    const rows = await store.metrics.samples({ tenant: 'acme', limit: 1000, order: 'asc' });
    expect(rows.map((x) => x.value)).toEqual(ts.map((_, i) => i));
    await store.close();
  });

  it('opens while another process holds the write lock: waits for it instead of failing with "database is locked"', async () => {
    const path = join(dir, 'shared.db');
    await (await createSqliteStore({ path })).close();
    // Another process (a persister committing) holds the write lock for a moment while this one starts.
    const holder = spawn(process.execPath, ['-e', `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(path)}); db.exec('BEGIN IMMEDIATE'); console.log('locked'); setTimeout(() => { db.exec('COMMIT'); db.close(); }, 300);`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => holder.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    const store = await createSqliteStore({ path });
    await store.appendEvents([logEvent({ ts: T0 })]);
    expect(await store.countEvents('acme')).toBe(1);
    await store.close();
    expect(await exited).toBe(0);
  });

  it('refuses a file written by a newer schema', async () => {
    const path = join(dir, 'future.db');
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    await expect(createSqliteStore({ path })).rejects.toThrow(/newer/);
  });

  it('checkpoints the WAL into the database file from its worker thread, not from the writer', async () => {
    const many = (tenant: string) => Array.from({ length: 2000 }, (_, i) => logEvent({ ts: T0 + i, tenant }));
    // Worker off: the writer's own automatic checkpoint (10000 pages) is far away, so the file does not grow.
    const offPath = join(dir, 'off.db');
    const off = await createSqliteStore({ path: offPath, checkpointIntervalMs: 0 });
    const offSize = statSync(offPath).size;
    await off.appendEvents(many('a'));
    await new Promise((r) => setTimeout(r, 200));
    expect(statSync(offPath).size).toBe(offSize);
    await off.close();

    const path = join(dir, 'ckpt.db');
    const store = await createSqliteStore({ path, checkpointIntervalMs: 20 });
    const before = statSync(path).size;
    await store.appendEvents(many('a'));
    const deadline = Date.now() + 5000;
    while (statSync(path).size < before + 200_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(statSync(path).size).toBeGreaterThanOrEqual(before + 200_000);
    // Writes go on while the worker checkpoints, and close stops it (twice is fine).
    await store.appendEvents(many('b'));
    expect(await store.countEvents('b')).toBe(2000);
    await Promise.all([store.close(), store.close()]);
    const again = await createSqliteStore({ path });
    expect(await again.countEvents('a')).toBe(2000);
    await again.close();
  });

  it('checkpoints right after each commit, so the next commit reuses the WAL from its start', async () => {
    const many = (tenant: string) => Array.from({ length: 2000 }, (_, i) => logEvent({ ts: T0 + i, tenant }));
    const path = join(dir, 'nudge.db');
    // The interval is an hour: only the writer's nudge can start a checkpoint within this test.
    const store = await createSqliteStore({ path, checkpointIntervalMs: 3_600_000 });
    // The wal-index header (https://www.sqlite.org/walformat.html): mxFrame, the last valid WAL frame, at byte
    // 16; nBackfill, the frames already copied into the database file, at byte 96 (native byte order).
    const walIndex = (): { mxFrame: number; nBackfill: number } => {
      const shm = readFileSync(`${path}-shm`);
      return { mxFrame: shm.readUInt32LE(16), nBackfill: shm.readUInt32LE(96) };
    };
    const checkpointed = async (): Promise<void> => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const w = walIndex();
        if (w.mxFrame > 0 && w.nBackfill === w.mxFrame) return;
        if (Date.now() > deadline) throw new Error(`no checkpoint after the commit: ${JSON.stringify(w)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await store.appendEvents(many('a'));
    const framesOfOneCommit = walIndex().mxFrame;
    await checkpointed();
    const walBytes = statSync(`${path}-wal`).size;
    // The next commit starts at frame 1 again: the WAL file does not grow for a commit of the same size.
    await store.appendEvents(many('b'));
    expect(walIndex().mxFrame).toBeLessThanOrEqual(framesOfOneCommit * 1.5);
    await checkpointed();
    await store.appendEvents(many('c'));
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(walBytes * 1.5);
    expect(await store.countEvents('c')).toBe(2000);
    await store.close();
  });

  it('retention deletes in chunks and lets other calls run in between', async () => {
    const store = await createSqliteStore({ path: join(dir, 'ret.db'), retentionChunk: 100 });
    const old = Array.from({ length: 1050 }, (_, i) => logEvent({ ts: T0 - 100_000 + i, tenant: i % 2 ? 'a' : 'b' }));
    await store.appendEvents([...old, logEvent({ ts: T0 + 1, tenant: 'a' })]);
    let finished = false;
    let ranDuring = false;
    const deleting = store.deleteEventsBefore('log', T0).then((n) => {
      finished = true;
      return n;
    });
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        ranDuring = !finished;
        resolve();
      }),
    );
    expect(await deleting).toBe(1050);
    expect(ranDuring).toBe(true);
    expect(await store.countEvents('a')).toBe(1);
    await store.close();
  });
});

describe('SQLite query plans', () => {
  const db = new Database(':memory:');
  db.exec(schemaDdl());
  const plan = (q: Partial<EventQuery>, after = false): string => {
    const checked = checkEventQuery({ tenant: 'acme', kind: 'log', limit: 100, order: 'desc', ...q });
    const { sql, params } = pageSql(checked.filter, checked.order, after ? { ts: 1, id: 'x' } : undefined);
    const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params, 101) as Array<{ detail: string }>;
    return rows.map((r) => r.detail).join(' | ');
  };

  const cases: Array<[Partial<EventQuery>, RegExp]> = [
    [{}, /USING PRIMARY KEY \(tenant=\?/],
    [{ target: 'api' }, /USING INDEX events_log_target \(tenant=\? AND target=\?/],
    [{ level: 'error' }, /USING INDEX events_log_level \(tenant=\? AND level=\?/],
    [{ level: 'info' }, /USING PRIMARY KEY \(tenant=\?/],
    [{ target: 'api', level: 'error', labels: { env: 'prod' } }, /USING INDEX events_log_target/],
    [{ labels: { env: 'prod' }, text: 'timeout' }, /USING PRIMARY KEY \(tenant=\?/],
    [{ from: 1, to: 2e12 }, /USING PRIMARY KEY \(tenant=\? AND ts>\?/],
    [{ from: 1, to: 2e12, order: 'asc' }, /USING PRIMARY KEY \(tenant=\? AND .*ts<\?/],
    [{ target: 'api', from: 1, to: 2e12 }, /USING INDEX events_log_target \(tenant=\? AND target=\? AND ts>\?/],
    [{ kind: 'metric', name: 'cpu' }, /USING INDEX events_metric_name \(tenant=\? AND name=\?/],
    [{ kind: 'security', severity: 'high' }, /USING INDEX events_security_severity/],
    [{ kind: 'security', category: 'auth', order: 'asc' }, /USING INDEX events_security_category/],
  ];
  for (const [q, expected] of cases) {
    for (const after of [false, true]) {
      it(`walks an index in keyset order for ${JSON.stringify(q)}${after ? ' after a cursor' : ''}`, () => {
        const p = plan(q, after);
        expect(p).toMatch(expected);
        expect(p).not.toMatch(/TEMP B-TREE|SCAN/);
        if (after) expect(p).toMatch(/\(ts,id\)[<>]\(\?,\?\)/);
      });
    }
  }

  it('finds the pending notification claims of a partition through the partial index, in key order', () => {
    const rows = db.prepare(`EXPLAIN QUERY PLAN ${PENDING_NOTIFICATIONS_SQL}`).all(3, '', 2, 100) as Array<{ detail: string }>;
    const p = rows.map((r) => r.detail).join(' | ');
    expect(p).toMatch(/USING INDEX notifications_pending \(<expr>=\? AND key>\?\)/);
    expect(p).not.toMatch(/TEMP B-TREE|SCAN/);
  });
});

describe('openStore', () => {
  it('tells MongoDB URLs from file paths and reads the database name', () => {
    expect(isMongoUrl('mongodb://h:27017/lw')).toBe(true);
    expect(isMongoUrl('mongodb+srv://u:p@cluster.example/lw?retryWrites=true')).toBe(true);
    expect(isMongoUrl('./data/lightwatch.db')).toBe(false);
    expect(isMongoUrl('/var/lib/mongodb/file.db')).toBe(false);
    expect(mongoDbName('mongodb://h:27017/observ?authSource=admin')).toBe('observ');
    expect(mongoDbName('mongodb://h:27017')).toBe('lightwatch');
    expect(mongoDbName('mongodb://h:27017/')).toBe('lightwatch');
  });

  it('opens a SQLite file, creating its folders', async () => {
    const path = join(dir, 'nested', 'deeper', 'lightwatch.db');
    const store = await openStore(path);
    expect(store.kind).toBe('sqlite');
    await store.appendEvents([metricEvent()]);
    expect(await store.countEvents('acme', 'metric')).toBe(1);
    await store.close();
  });
});
