// Opens the store STORE_URL names: a `mongodb://` or `mongodb+srv://` URL selects MongoDB, anything else is a
// SQLite file path (its folder is created). The MongoDB driver is only loaded when it is used.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Store } from './port.js';
import { createSqliteStore, type SqliteStoreOptions } from './sqlite/store.js';

export type { Store } from './port.js';

export function isMongoUrl(storeUrl: string): boolean {
  return /^mongodb(\+srv)?:\/\//i.test(storeUrl);
}

/** Database name from the URL path (`mongodb://host/lightwatch`), else `lightwatch`. */
export function mongoDbName(storeUrl: string): string {
  const m = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]+)/i.exec(storeUrl);
  return m?.[1] ? decodeURIComponent(m[1]) : 'lightwatch';
}

/** `sqlite`: connection settings used when the URL names a SQLite file (ignored for MongoDB). */
export async function openStore(storeUrl: string, opts: { sqlite?: Omit<SqliteStoreOptions, 'path'> } = {}): Promise<Store> {
  if (typeof storeUrl !== 'string' || storeUrl.trim() === '') throw new Error('STORE_URL must be a mongodb:// URL or a SQLite file path');
  if (isMongoUrl(storeUrl)) {
    const { createMongoStore } = await import('./mongodb/store.js');
    return createMongoStore({ url: storeUrl, dbName: mongoDbName(storeUrl) });
  }
  if (storeUrl !== ':memory:') mkdirSync(dirname(storeUrl), { recursive: true });
  return createSqliteStore({ ...opts.sqlite, path: storeUrl });
}
