// Starts the whole all-in-one system as a real child process on free ports, for end-to-end tests and
// benchmarks: `node bin/lightwatch.js all` with its own DATA_DIR, the harness's Redis under a unique stream
// prefix (or its own redis-server when no REDIS_URL is given), and a known bootstrap admin key.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../lib/redis/local-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SystemOptions {
  /** Shared Redis to use (a unique STREAM_PREFIX keeps runs apart); unset: the system starts its own. */
  redisUrl?: string;
  env?: Record<string, string>;
  command?: string;
  startTimeoutMs?: number;
  /** Keep DATA_DIR after stop (for restart tests); default false. */
  keepData?: boolean;
  dataDir?: string;
  /** Extra node flags, e.g. `--cpu-prof` for profiling a benchmark run. */
  nodeArgs?: string[];
  /** HTTP port to listen on (a restart test reuses the port so clients reconnect); default a free one. */
  port?: number;
  /** Bootstrap admin key (a restart test keeps it); default a random one. */
  apiKey?: string;
}

export interface RunningSystem {
  url: string;
  wsUrl: string;
  port: number;
  grpcPort: number;
  apiKey: string;
  dataDir: string;
  streamPrefix: string;
  process: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const port = options.port ?? (await freePort());
  const grpcPort = await freePort();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lw-system-'));
  const apiKey = options.apiKey ?? `lw_test_${randomBytes(12).toString('hex')}`;
  const streamPrefix = `lwe2e${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    GRPC_PORT: String(grpcPort),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    BOOTSTRAP_API_KEY: apiKey,
    STREAM_PREFIX: streamPrefix,
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  if (options.redisUrl) env.REDIS_URL = options.redisUrl;
  else delete env.REDIS_URL;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(ROOT, 'bin/lightwatch.js'), options.command ?? 'all'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`lightwatch exited with ${child.exitCode} while starting:\n${out}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`lightwatch did not become ready within ${options.startTimeoutMs ?? 20_000} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const cleanup = (): void => {
    if (!options.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    grpcPort,
    apiKey,
    dataDir,
    streamPrefix,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      cleanup();
      return code;
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null) child.kill(signal);
      await exited;
      cleanup();
    },
  };
}

/** Polls `fn` every 200 ms until it gives a value; fails naming `what` after `timeoutMs`. */
export async function waitForValue<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
