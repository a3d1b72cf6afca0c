// Issue 17, item 8, through the real all-in-one process with its own redis-server: DATA_DIR is 0700, the
// SQLite files, the JWT secret, the Redis password and the AOF files 0600, and the local Redis refuses a
// client that has not authenticated (no local user can read or inject stream entries).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from '../support/system.js';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Sends raw RESP commands and returns the first reply line of each. */
function redisSay(port: number, commands: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(commands));
    let buf = '';
    sock.setTimeout(3000, () => sock.destroy(new Error('no answer')));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.endsWith('\r\n')) {
        sock.end();
        resolve(buf);
      }
    });
    sock.on('error', reject);
  });
}

describe('local data privacy of the all-in-one', () => {
  let sys: RunningSystem;
  beforeAll(async () => {
    sys = await startSystem({ env: { LOG_LEVEL: 'info' }, startTimeoutMs: 50_000 });
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('keeps DATA_DIR 0700 and its files 0600', async () => {
    // Something to persist, so the AOF and the WAL have content.
    const res = await fetch(`${sys.url}/ingest/logs`, { method: 'POST', headers: { authorization: `Bearer ${sys.apiKey}`, 'content-type': 'application/json' }, body: '[{"target":"t","message":"m"}]' });
    expect(res.status).toBe(202);
    expect(mode(sys.dataDir)).toBe('700');
    expect(mode(join(sys.dataDir, 'redis'))).toBe('700');
    for (const f of ['lightwatch.db', 'lightwatch.db-wal', 'lightwatch.db-shm', 'jwt-secret', 'redis-password']) expect([f, mode(join(sys.dataDir, f))]).toEqual([f, '600']);
    const redisFiles = filesUnder(join(sys.dataDir, 'redis'));
    expect(redisFiles.some((f) => f.includes('appendonly'))).toBe(true);
    for (const f of redisFiles) expect([f, mode(f)]).toEqual([f, '600']);
  });

  it('refuses unauthenticated clients on the local Redis and never shows the password on its command line', async () => {
    const line = sys.output().split('\n').find((l) => l.includes('started local redis-server'));
    const port = (JSON.parse(line ?? '{}') as { port?: number }).port;
    expect(port).toBeGreaterThan(0);
    expect(await redisSay(port as number, 'XRANGE x - +\r\n')).toMatch(/^-NOAUTH/);
    const password = readFileSync(join(sys.dataDir, 'redis-password'), 'utf8').trim();
    expect(await redisSay(port as number, `AUTH ${password}\r\nPING\r\n`)).toBe('+OK\r\n+PONG\r\n');
    const cmdlines = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    });
    expect(cmdlines.some((c) => c.includes('redis-server') && c.includes(String(port)))).toBe(true);
    expect(cmdlines.some((c) => c.includes(password))).toBe(false);
  });
});
