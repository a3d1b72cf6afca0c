// Opens the SQLite database with the settings the store relies on (WAL, synchronous=NORMAL, busy timeout,
// a large page cache and memory map) and creates the schema. Also the small helpers every SQLite part shares.
import Database from 'better-sqlite3';
import { conflict, type LightwatchError } from '../../errors/errors.js';
import { schemaDdl, SCHEMA_VERSION } from './schema.js';

export type Db = Database.Database;
export type Stmt = Database.Statement;

export interface SqliteStoreOptions {
  /** File path, or `:memory:` for tests. The parent folder must exist (openStore creates it). */
  path: string;
  /**
   * Rows one page of a `text` search reads (TEXT_SEARCH_SCAN_LIMIT, default 50 000): a substring match cannot
   * use an index and the query runs on the event loop, so past this many rows the page ends early, possibly
   * empty, with a nextCursor to go on from the last row read (issue 17.9: 1M rows held the loop 0.6 s).
   */
  textScanLimit?: number;
  /**
   * Waits this long inside SQLite (blocking the calling thread) for another connection's write lock before
   * SQLITE_BUSY. Default 15: the main thread must not freeze; `busyWaitMs` then retries without blocking.
   * Worker threads (the persister) may block and set more.
   */
  busyTimeoutMs?: number;
  /** Total time a call retries, asynchronously, while the write lock is held elsewhere; then 503. Default 2000. */
  busyWaitMs?: number;
  /**
   * Waits this long for another connection's write lock while opening (schema, user_version, migrations), before
   * anything else runs on the thread. Default 30000: a process started while another one commits (an ingest
   * restarted next to a persister that is writing) waits its turn instead of exiting with "database is locked".
   */
  openBusyTimeoutMs?: number;
  /**
   * Page cache of this connection, MiB. Default 256. Bigger is not free for writes while the file is under 1 GiB:
   * SQLite's b-tree balance renumbers pages through the lock-byte page number (at 1 GiB), after which every commit
   * scans the whole page cache (pcache1TruncateUnsafe); measured ~9% of the append CPU at 500k events with 512 MiB
   * against 16 MiB. Past 1 GiB of file the scan stops. Kept at 256: reads of a large store want the cache.
   */
  cacheSizeMb?: number;
  /** Memory-mapped I/O size, MiB (reads skip a copy). Default 1024; 0 disables. */
  mmapSizeMb?: number;
  /**
   * WAL pages before an automatic checkpoint. Default 10000 (about 80 MB with 8 KiB pages). With the checkpoint
   * worker on, the writing connection checkpoints only at four times this (a safety net if the worker lags).
   */
  walAutocheckpointPages?: number;
  /**
   * Interval of the checkpoint worker thread (PASSIVE checkpoints on its own connection, off the main thread),
   * ms, besides the one it runs after each append's commit. Default 500; 0 turns the worker off and leaves
   * checkpoints to the writer. Never used for `:memory:`.
   */
  checkpointIntervalMs?: number;
  /** Rows deleted per retention transaction, so the write lock is never held for long. Default 5000. */
  retentionChunk?: number;
  /** Page size of a new file (ignored for an existing one). Default 8192. */
  pageSize?: number;
}

export function openDatabase(opts: SqliteStoreOptions): Db {
  const db = new Database(opts.path);
  try {
    // Only takes effect on a new file, before the first table: larger pages keep ~300-byte clustered rows and
    // wide keyset indexes shallow.
    db.pragma(`page_size = ${[1024, 2048, 4096, 8192, 16384, 32768, 65536].includes(opts.pageSize ?? 8192) ? (opts.pageSize ?? 8192) : 8192}`);
    if (opts.path !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Until the store is built (settleBusyTimeout), the start-up wait: writing the schema needs the write lock.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.openBusyTimeoutMs ?? 30_000))}`);
    db.pragma(`cache_size = ${-Math.max(1, Math.floor(opts.cacheSizeMb ?? 256)) * 1024}`);
    db.pragma(`mmap_size = ${Math.max(0, Math.floor(opts.mmapSizeMb ?? 1024)) * 1024 * 1024}`);
    const autocheckpoint = Math.max(100, Math.floor(opts.walAutocheckpointPages ?? 10_000));
    db.pragma(`wal_autocheckpoint = ${checkpointWorkerWanted(opts) ? autocheckpoint * 4 : autocheckpoint}`);
    db.pragma('temp_store = MEMORY');
    db.pragma('foreign_keys = OFF');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`${opts.path}: store schema version ${version} is newer than this build understands (${SCHEMA_VERSION})`);
    }
    db.exec(schemaDdl());
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The running store's busy timeout (busyTimeoutMs), once opening is over. */
export function settleBusyTimeout(db: Db, opts: SqliteStoreOptions): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 15))}`);
}

/** Whether this store runs its checkpoints on a worker thread (a file database with the worker not turned off). */
export function checkpointWorkerWanted(opts: SqliteStoreOptions): boolean {
  return opts.path !== ':memory:' && (opts.checkpointIntervalMs ?? 500) > 0;
}

export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Runs `fn`, turning a unique-constraint failure into a 409; `message` may tell a duplicate id from a duplicate name. */
export function withConflict<T>(fn: () => T, message: string | ((duplicateId: boolean, err: Error) => string)): T {
  try {
    return fn();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const text = typeof message === 'string' ? message : message((err as { code: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY', err as Error);
    throw conflictError(text, err);
  }
}

function conflictError(message: string, cause: unknown): LightwatchError {
  const e = conflict(message);
  (e as { cause?: unknown }).cause = cause;
  return e;
}

/** Prepared statements by SQL text: the dynamic queries have a bounded number of shapes. */
export function statementCache(db: Db, max = 500): (sql: string) => Stmt {
  const cache = new Map<string, Stmt>();
  return (sql) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      if (cache.size >= max) cache.clear();
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
}

export const parseDoc = <T>(row: { doc: string } | undefined): T | null => (row ? (JSON.parse(row.doc) as T) : null);
