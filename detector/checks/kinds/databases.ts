// Database checks (postgres, mysql/MariaDB, redis): connect with the ecosystem's own client, optionally run
// a query (postgres, mysql) or require a key (redis), disconnect. Connection and query errors are the
// client's own messages ("password authentication failed for user …", "Unknown database …").
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import type { CheckSettingsOf } from '../../../lib/api/check-settings.js';
import type { Probe } from '../probe.js';
import { hostOf } from '../../../lib/net/guard.js';
import { onAbort, withHost } from '../util.js';

export const postgresProbe: Probe<CheckSettingsOf['postgres']> = {
  async attempt(s, { signal, timeoutMs, guard }) {
    const url = withHost(s.url, await guard.address(hostOf(s.url)));
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'lightwatch-check' });
    client.on('error', () => undefined); // a late socket error after the attempt is settled
    const cancel = onAbort(signal, () => void client.end().catch(() => undefined));
    try {
      await client.connect();
      await client.query(s.query ?? 'SELECT 1');
      return { ok: true };
    } finally {
      cancel();
      await client.end().catch(() => undefined);
    }
  },
};

export const mysqlProbe: Probe<CheckSettingsOf['mysql']> = {
  async attempt(s, { signal, timeoutMs, guard }) {
    const url = withHost(s.url.replace(/^mariadb:/, 'mysql:'), await guard.address(hostOf(s.url)));
    const conn = await createConnection({ uri: url, connectTimeout: timeoutMs });
    conn.on('error', () => undefined);
    const cancel = onAbort(signal, () => conn.destroy());
    try {
      await conn.query({ sql: s.query ?? 'SELECT 1', timeout: timeoutMs });
      return { ok: true };
    } finally {
      cancel();
      await conn.end().catch(() => conn.destroy());
    }
  },
};

export const redisProbe: Probe<CheckSettingsOf['redis']> = {
  async attempt(s, { signal, timeoutMs, guard }) {
    const host = hostOf(s.url);
    const url = withHost(s.url, await guard.address(host));
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      ...(url.startsWith('rediss:') ? { tls: { servername: host } } : {}),
    });
    let lastError: Error | null = null;
    client.on('error', (err: Error) => (lastError = err));
    const cancel = onAbort(signal, () => client.disconnect());
    try {
      await client.connect().catch((err: unknown) => {
        throw lastError ?? err;
      });
      await client.ping();
      if (s.key !== undefined && (await client.exists(s.key)) === 0) return { ok: false, error: `key ${JSON.stringify(s.key)} does not exist` };
      return { ok: true };
    } finally {
      cancel();
      client.disconnect();
    }
  },
};
