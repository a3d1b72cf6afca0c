// Runs the store conformance suite against SQLite, a fresh in-memory database per test. File-backed behaviour
// (WAL, reopen, chunked retention) and query plans are tested in sqlite-file.test.ts.
import { runStoreConformance } from '../conformance.js';
import { createSqliteStore } from './store.js';

runStoreConformance('SQLite store conformance', () => createSqliteStore({ path: ':memory:' }));
