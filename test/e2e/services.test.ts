// One service alone, and start-up failures a user meets: each a one-line error and a non-zero exit.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../lib/redis/local-server.js';
import { startSystem } from '../support/system.js';
import { testRedisUrl } from '../support/redis.js';

const BIN = fileURLToPath(new URL('../../bin/lightwatch.js', import.meta.url));

function runToExit(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const base = { ...process.env } as Record<string, string>;
    delete base.REDIS_URL;
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...base, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('one service alone', () => {
  it('lightwatch ingest serves /healthz, /readyz and /metrics on its own port', async () => {
    const sys = await startSystem({
      command: 'ingest',
      redisUrl: testRedisUrl(),
      env: { JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789' },
    });
    try {
      expect((await fetch(`${sys.url}/healthz`)).status).toBe(200);
      expect((await (await fetch(`${sys.url}/readyz`)).json())).toMatchObject({ status: 'ready' });
      expect(await (await fetch(`${sys.url}/metrics`)).text()).toContain('service="ingest"');
      // Only its own paths: the gateway's routes are not served by ingest.
      expect((await fetch(`${sys.url}/api/logs`)).status).toBe(404);
      expect(await sys.stop()).toBe(0);
    } finally {
      await sys.kill();
    }
  });
});

describe('start-up failures', () => {
  it('a port in use: one line naming it, exit 1', async () => {
    const port = await freePort();
    const blocker = net.createServer().listen(port, '0.0.0.0');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const r = await runToExit(['query'], { PORT: String(port), GRPC_PORT: '0', DATA_DIR: `/tmp/lw-port-${port}`, JWT_SECRET: 'x'.repeat(40) });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`cannot listen on 0.0.0.0:${port}`);
    } finally {
      blocker.close();
    }
  });

  it('Redis unreachable: one line naming it, exit 1', async () => {
    const port = await freePort();
    const r = await runToExit(['ingest'], { REDIS_URL: `redis://127.0.0.1:${port}`, PORT: '0', GRPC_PORT: '0', DATA_DIR: `/tmp/lw-redis-${port}`, JWT_SECRET: 'x'.repeat(40) });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`lightwatch: cannot connect to Redis at redis://127.0.0.1:${port}`);
  });

  it('a service that needs a shared secret says so', async () => {
    const r = await runToExit(['query'], { PORT: '0', GRPC_PORT: '0', DATA_DIR: '/tmp/lw-nosecret' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('JWT_SECRET is not set');
  });
});
