// Starts and stops a local `redis-server` process: the all-in-one system's own Redis when REDIS_URL is
// unset, and the test harness's Redis when no other is given. AOF on by default, files under `dir`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { createRestarter, doubling } from '../lifecycle/restarter.js';

export const REDIS_INSTALL_HINT =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`), or set REDIS_URL to an existing Redis 7.';

export interface LocalRedisOptions {
  dir: string;
  /** 0 or undefined: pick a free port. */
  port?: number;
  appendOnly?: boolean;
  /** Extra `--name value` pairs. */
  extraArgs?: string[];
  startTimeoutMs?: number;
  /** Stop the server when this process dies, however it dies (default true). */
  dieWithParent?: boolean;
}

export interface LocalRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>;
  /** Kills it with SIGKILL at once (fault tests). */
  kill(): Promise<void>;
  /** Settles when the server process has exited, for whatever reason. */
  readonly exited: Promise<void>;
}

export function redisServerAvailable(): boolean {
  const r = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} while starting`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      let buf = '';
      sock.setTimeout(500);
      sock.on('connect', () => sock.write('PING\r\n'));
      sock.on('data', (d) => {
        buf += d.toString();
        if (buf.includes('\r\n')) {
          sock.destroy();
          resolve(buf.startsWith('+PONG'));
        }
      });
      sock.on('error', () => resolve(false));
      // Closed without an answer (something else holds the port and hung up): not Redis, try again.
      sock.on('close', () => resolve(false));
      sock.on('timeout', () => {
        sock.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}

export async function startLocalRedis(options: LocalRedisOptions): Promise<LocalRedis> {
  if (!redisServerAvailable()) throw new Error(REDIS_INSTALL_HINT);
  mkdirSync(options.dir, { recursive: true });
  const port = options.port && options.port > 0 ? options.port : await freePort();
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', options.dir,
    '--save', '',
    '--appendonly', options.appendOnly === false ? 'no' : 'yes',
    '--appendfsync', 'everysec',
    '--daemonize', 'no',
    '--protected-mode', 'yes',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    await waitForPing(port, child, options.startTimeoutMs ?? 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}${stderr ? `: ${stderr.trim()}` : ''}`, { cause: err });
  }
  // A watchdog shell holds a pipe from us: if this process dies, even by SIGKILL, the pipe closes, `read`
  // returns and the watchdog stops redis-server, so no server is left behind.
  const watchdog = options.dieWithParent === false || child.pid === undefined
    ? undefined
    : spawn('sh', ['-c', `read _; kill -TERM ${child.pid} 2>/dev/null`], { stdio: ['pipe', 'ignore', 'ignore'], detached: false });
  watchdog?.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // The watchdog has nothing left to do once the server is gone (it would otherwise live as long as we do).
  void exited.then(() => watchdog?.kill('SIGKILL'));
  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    exited,
    stop() {
      stopping ??= (async () => {
        watchdog?.kill('SIGKILL');
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
    async kill() {
      watchdog?.kill('SIGKILL');
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface SupervisorEvents {
  /** The server died without being asked to (`restartInMs`: when the next start is tried). */
  died(pid: number, restartInMs: number): void;
  restarted(pid: number, attempt: number): void;
  restartFailed(err: unknown, attempt: number, retryInMs: number): void;
}

/**
 * A local redis-server that is started again, on the same port and from the same AOF, whenever it dies
 * without being stopped: the all-in-one's own Redis, which nothing else would bring back. Clients keep their
 * URL and reconnect by themselves. Restarts back off from 100 ms to 5 s and never give up; stop() ends them.
 */
export async function superviseLocalRedis(options: LocalRedisOptions, events: SupervisorEvents): Promise<LocalRedis> {
  const port = options.port && options.port > 0 ? options.port : await freePort();
  const start = () => startLocalRedis({ ...options, port });
  const backoffMs = doubling(100, 5_000);
  let current = await start();
  const restarter = createRestarter<LocalRedis>({
    start,
    backoffMs,
    started: (next, attempt) => {
      current = next;
      events.restarted(next.pid, attempt);
      watch(next);
    },
    failed: (err, attempt, retryInMs) => events.restartFailed(err, attempt, retryInMs),
    discard: (server) => server.stop(),
  });
  function watch(server: LocalRedis): void {
    void server.exited.then(() => {
      if (restarter.stopped) return;
      events.died(server.pid, backoffMs(0));
      void restarter.restart();
    });
  }
  watch(current);

  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return current.pid;
    },
    get exited() {
      return current.exited;
    },
    stop() {
      stopping ??= (async () => {
        await restarter.stop();
        await current.stop();
      })();
      return stopping;
    },
    async kill() {
      await current.kill();
    },
  };
}
