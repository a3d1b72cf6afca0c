// Runs the store conformance suite against SQLite (in memory, and one file-backed run of the same cases would
// only repeat them: file-specific behaviour is tested in sqlite-file.test.ts).
import { runStoreConformance } from '../conformance.js';
import { createSqliteStore } from './store.js';

runStoreConformance('SQLite store conformance', () => createSqliteStore({ path: ':memory:' }));
