// Starts and stops a local `redis-server` process: the all-in-one system's own Redis when REDIS_URL is
// unset, and the test harness's Redis when no other is given. AOF on by default, files under `dir`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  /**
   * Clients must AUTH with it. Given to redis-server in a config file of mode 0600 under `dir` (never on the
   * command line, which every local user can read in /proc); the URL carries it.
   */
  password?: string;
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

function redisUrl(port: number, password: string | undefined): string {
  return password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`;
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

async function waitForPing(port: number, child: ChildProcess, timeoutMs: number, password: string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} while starting`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      let buf = '';
      sock.setTimeout(500);
      const lines = password === undefined ? 1 : 2;
      sock.on('connect', () => sock.write(password === undefined ? 'PING\r\n' : `AUTH ${password}\r\nPING\r\n`));
      sock.on('data', (d) => {
        buf += d.toString();
        if (buf.split('\r\n').length > lines) {
          sock.destroy();
          resolve(buf.split('\r\n')[lines - 1] === '+PONG');
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
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const port = options.port && options.port > 0 ? options.port : await freePort();
  const confFile = join(options.dir, 'redis.conf');
  if (options.password !== undefined) writeFileSync(confFile, `requirepass ${options.password}\n`, { mode: 0o600 });
  const args = [
    ...(options.password !== undefined ? [confFile] : []),
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
  // umask 077 for the server: its AOF files hold every stream entry (channel secrets among them).
  const child = spawn('sh', ['-c', 'umask 077 && exec redis-server "$@"', 'redis-server', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    await waitForPing(port, child, options.startTimeoutMs ?? 10_000, options.password);
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
    url: redisUrl(port, options.password),
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
    url: redisUrl(port, options.password),
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
