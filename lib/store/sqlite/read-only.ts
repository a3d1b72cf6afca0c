// A read-only connection to a store's SQLite file, for a worker thread that only reads metrics (the PromQL
// workers, lib/promql-offload): WAL lets it read beside the process's writer without taking any lock the writer
// waits on, and it sees every commit made before each read transaction starts.
import Database from 'better-sqlite3';
import type { MetricsStore } from '../../tsdb/port.js';
import type { Db } from './db.js';
import { createSqliteMetrics } from './metrics.js';

export interface ReadOnlyMetrics {
  /** Only the read side is meant to be used: a write fails with SQLITE_READONLY. */
  metrics: MetricsStore;
  close(): void;
}

/** Opens `path` (an existing store file) read-only with the read settings openDatabase gives the main connection. */
export function openReadOnlyMetrics(path: string, opts: { cacheSizeMb?: number; mmapSizeMb?: number } = {}): ReadOnlyMetrics {
  const db: Db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`cache_size = ${-Math.max(1, Math.floor(opts.cacheSizeMb ?? 64)) * 1024}`);
    db.pragma(`mmap_size = ${Math.max(0, Math.floor(opts.mmapSizeMb ?? 1024)) * 1024 * 1024}`);
    return { metrics: createSqliteMetrics(db), close: () => db.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}
