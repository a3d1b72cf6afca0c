// The all-in-one's own redis-server: started, killed and brought back by its supervisor, against real processes.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { superviseLocalRedis, type LocalRedis, type SupervisorEvents } from './local-server.js';

describe('supervised local redis-server', () => {
  let dir: string;
  let server: LocalRedis | undefined;
  let client: Redis | undefined;
  const seen: string[] = [];
  const events: SupervisorEvents = {
    died: () => void seen.push('died'),
    restarted: (_pid, attempt) => void seen.push(`restarted after ${attempt}`),
    restartFailed: (_err, attempt) => void seen.push(`failed ${attempt}`),
  };

  const until = async (cond: () => boolean | Promise<boolean>, what: string): Promise<void> => {
    const end = Date.now() + 15_000;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`${what}: not in time (${seen.join(', ')})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lw-local-redis-'));
    seen.length = 0;
  });
  afterEach(async () => {
    client?.disconnect();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('comes back on the same port with its data after being killed, and clients reconnect by themselves', async () => {
    server = await superviseLocalRedis({ dir, extraArgs: ['--appendfsync', 'always'] }, events);
    client = new Redis(server.url, { maxRetriesPerRequest: null });
    await client.set('k', 'kept');
    const first = server.pid;
    const dead = server.exited;
    process.kill(first, 'SIGKILL');
    await dead;
    await until(() => server!.pid !== first, 'a new redis-server');
    expect(await client.get('k')).toBe('kept');
    expect(seen).toEqual(['died', 'restarted after 1']);
  });

  it('keeps trying while the port is taken, and stop() ends it for good', async () => {
    server = await superviseLocalRedis({ dir }, events);
    const dead = server.exited;
    process.kill(server.pid, 'SIGKILL');
    await dead;
    // The first restart comes 100 ms later: take the port before it.
    const squatter = net.createServer((s) => s.destroy());
    squatter.listen(server.port, '127.0.0.1');
    await until(() => seen.includes('failed 1'), 'a failed restart');
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await until(() => seen.some((s) => s.startsWith('restarted')), 'a restart once the port is free');

    const last = server.exited;
    await server.stop();
    await last;
    const refused = await new Promise<boolean>((resolve) => {
      const sock = net.connect(server!.port, '127.0.0.1');
      sock.on('connect', () => {
        sock.destroy();
        resolve(false);
      });
      sock.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    expect(seen.filter((s) => s === 'died')).toHaveLength(1);
  });
});
