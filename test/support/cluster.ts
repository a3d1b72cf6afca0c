// Runs Lightwatch as many processes on this machine, the way docker-compose runs it but without containers:
// N gateways, ingests, queries, realtimes and detectors (`node bin/lightwatch.js <service>` each), one
// redis-server of the cluster's own with AOF (restartable on the same port and directory), one SQLite file
// shared by every process, and a local webhook receiver that records every notification. For the scale-out
// and fault tests: each process can be killed, stopped, paused (SIGSTOP), resumed and restarted on its ports.
// Everything it starts is stopped by `stop()`, and by watchdogs even if the test process itself dies.
// With `hosts`, every process runs on a network host of its own (test/support/netns-hosts.ts), bound to its host's
// address on the standard ports, and finds the others by address, as on separate machines (the split deployment).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startLocalRedis, type LocalRedis } from '../../lib/redis/local-server.js';
import { sleep } from '../../lib/lifecycle/sleep.js';
import type { NetHost } from './netns-hosts.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/lightwatch.js');

export type ServiceKind = 'gateway' | 'ingest' | 'query' | 'realtime' | 'detector';
export const SERVICE_KINDS: readonly ServiceKind[] = ['query', 'ingest', 'gateway', 'realtime', 'detector'];

/** Where each process runs when the services are spread over network hosts. */
export interface HostPlacement {
  /** The host of the `index`-th (from 0) process of `kind`; one host per process. */
  hostFor(kind: ServiceKind, index: number): NetHost;
  /** The test process's address on the hosts' network: the webhook receiver listens there. */
  localAddress: string;
}

/** HTTP and gRPC ports of a service on a host of its own (nothing else listens there). */
const HOST_PORT = 8080;
const HOST_GRPC_PORT = 50051;

export interface ClusterOptions {
  gateways?: number;
  ingests?: number;
  queries?: number;
  realtimes?: number;
  detectors?: number;
  /**
   * `'own'` (default): a redis-server of the cluster's own with AOF on; a URL: a Redis to share; `{ env }`: a Redis
   * topology started by the caller, given to every process as this environment (e.g. REDIS_CLUSTER_NODES).
   */
  redis?: 'own' | string | { env: Record<string, string> };
  /** Runs each process on a network host of its own instead of on this machine's loopback. */
  hosts?: HostPlacement;
  /** Extra redis-server arguments for the own server, e.g. `['--appendfsync', 'always']`. */
  redisArgs?: string[];
  /** Extra environment for every process (after the cluster's own). */
  env?: Record<string, string>;
  /** Extra environment per service kind. */
  envFor?: Partial<Record<ServiceKind, Record<string, string>>>;
  partitions?: number;
  /** Per process; default 120 s (11 processes starting on 2 busy cores: at load 30 one took over 60 s). */
  startTimeoutMs?: number;
  /** Runs after every other service is ready and before the detectors start (so they load this configuration at start). */
  beforeDetectors?: (cluster: Cluster) => Promise<void>;
}

export interface ServiceProcess {
  readonly kind: ServiceKind;
  /** e.g. `gateway-1`; also its REPLICA_ID. */
  readonly name: string;
  /** The address it listens on: 127.0.0.1, or its host's. */
  readonly address: string;
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  /** ingest and query only. */
  readonly grpcPort: number | undefined;
  /** Of the current child; changes on restart. */
  pid(): number;
  running(): boolean;
  /** Sends `signal` (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number | null>;
  /** Starts it again on the same ports with the same environment (stopping it first when running) and waits for /readyz. */
  restart(): Promise<void>;
  /** Starts it again after a kill or stop and waits for /readyz. */
  start(): Promise<void>;
  pause(): void;
  resume(): void;
  /** Everything it printed, across restarts. */
  output(): string;
}

export interface ClusterRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** SIGKILL. */
  kill(): Promise<void>;
  /** SIGTERM (a clean shutdown: the AOF is flushed). */
  stop(): Promise<void>;
  /** Starts redis-server again on the same port and directory (AOF replayed); extra args replace the cluster's. */
  start(extraArgs?: string[]): Promise<void>;
}

export interface Notification {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** From the webhook body, when it has the shape of one. */
  incidentId: string;
  transition: string;
  target: string;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: Notification[];
  close(): Promise<void>;
}

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

export interface Cluster {
  readonly apiKey: string;
  readonly jwtSecret: string;
  readonly streamPrefix: string;
  readonly partitions: number;
  readonly dataDir: string;
  readonly storePath: string;
  readonly redis: ClusterRedis;
  readonly webhook: WebhookReceiver;
  readonly gateways: ServiceProcess[];
  readonly ingests: ServiceProcess[];
  readonly queries: ServiceProcess[];
  readonly realtimes: ServiceProcess[];
  readonly detectors: ServiceProcess[];
  all(): ServiceProcess[];
  /** A /api call with the admin key through a running gateway (the next one on 502/503/504 or no answer); the JSON answer. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  /** Waits until every running process answers /readyz with 200. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Stops every process, the Redis and the receiver; removes the temp directory. Idempotent. */
  stop(): Promise<void>;
}


async function waitUntilReady(url: string, child: () => ChildProcess | undefined, timeoutMs: number, label: string, out: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = child();
    if (!c || c.exitCode !== null || c.signalCode !== null) throw new Error(`${label} exited (${c?.exitCode ?? c?.signalCode}) while starting:\n${out().slice(-4000)}`);
    try {
      const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${label} was not ready within ${timeoutMs} ms:\n${out().slice(-4000)}`);
    await sleep(100);
  }
}

/**
 * A shell holding a pipe from us: when this process dies, however it dies, the pipe closes, `read` returns
 * and the shell SIGKILLs `pid` (a SIGSTOPped child too). Killed on purpose when the child is stopped.
 */
function watchdog(pid: number): ChildProcess {
  const w = spawn('sh', ['-c', `read _; kill -KILL ${pid} 2>/dev/null`], { stdio: ['pipe', 'ignore', 'ignore'] });
  w.on('error', () => undefined);
  w.stdin?.on('error', () => undefined);
  return w;
}

interface ProcessSpec {
  kind: ServiceKind;
  name: string;
  port: number;
  grpcPort: number | undefined;
  env: Record<string, string>;
  startTimeoutMs: number;
  /** Runs in this host's network namespace and is reached at its address; else on 127.0.0.1. */
  host?: NetHost;
}

function serviceProcess(spec: ProcessSpec): ServiceProcess & { spawn(): void; waitReady(ms?: number): Promise<void> } {
  const address = spec.host?.address ?? '127.0.0.1';
  const url = (): string => `http://${address}:${spec.port}`;
  let child: ChildProcess | undefined;
  let guard: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let out = '';
  let paused = false;

  const alive = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;
  const spawnChild = (): void => {
    if (alive()) throw new Error(`${spec.name} is already running`);
    out += `\n--- ${spec.name} started at ${new Date().toISOString()} ---\n`;
    const options = { cwd: ROOT, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] as Array<'ignore' | 'pipe'> };
    // `ip netns exec` execs node in place: the child's pid is node's, for signals and the lease tokens.
    const c = spec.host ? spec.host.spawn(process.execPath, [BIN, spec.kind], options) : spawn(process.execPath, [BIN, spec.kind], options);
    child = c;
    paused = false;
    c.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    exited = new Promise((resolve) => c.once('exit', () => resolve()));
    guard = c.pid === undefined ? undefined : watchdog(c.pid);
    void exited.then(() => guard?.kill('SIGKILL'));
  };
  /**
   * Ready on /readyz. Ports are picked free before any process starts, and another test's process or an outgoing
   * connection may take one meanwhile (a CI run saw a detector's): a process on 127.0.0.1 that could not listen
   * on its HTTP port is started again on a fresh one, up to three times. Its gRPC port is named in other
   * processes' settings, so that one is not moved.
   */
  const waitReady = async (ms = spec.startTimeoutMs): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const from = out.length;
      try {
        return await waitUntilReady(url(), () => child, ms, spec.name, () => out);
      } catch (err) {
        const taken = !spec.host && attempt < 4 && !alive() && out.slice(from).includes(`cannot listen on 127.0.0.1:${spec.port}:`);
        if (!taken) throw err;
        spec.port = await freePort();
        spec.env.PORT = String(spec.port);
        spawnChild();
      }
    }
  };
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    if (!alive()) return;
    child?.kill(sig);
    // A stopped process acts on SIGTERM only once continued.
    if (paused && sig !== 'SIGKILL') child?.kill('SIGCONT');
    await exited;
  };
  const self = {
    kind: spec.kind,
    name: spec.name,
    address,
    get url() {
      return url();
    },
    get wsUrl() {
      return `ws://${address}:${spec.port}`;
    },
    get port() {
      return spec.port;
    },
    grpcPort: spec.grpcPort,
    pid: () => child?.pid ?? -1,
    running: alive,
    output: () => out,
    spawn: spawnChild,
    waitReady,
    kill: (sig: NodeJS.Signals = 'SIGKILL') => signal(sig),
    async stop() {
      await signal('SIGTERM');
      return child?.exitCode ?? null;
    },
    async start() {
      spawnChild();
      await waitReady();
    },
    async restart() {
      await signal('SIGTERM');
      await self.start();
    },
    pause() {
      if (!alive()) throw new Error(`${spec.name} is not running`);
      child?.kill('SIGSTOP');
      paused = true;
    },
    resume() {
      if (!alive()) throw new Error(`${spec.name} is not running`);
      child?.kill('SIGCONT');
      paused = false;
    },
  };
  return self;
}

/** A receiver on `host` (default 127.0.0.1: give the hosts' network address when services run on hosts). */
export async function startWebhookReceiver(host = '127.0.0.1'): Promise<WebhookReceiver> {
  const received: Notification[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
      const b = (body && typeof body === 'object' ? body : {}) as { incident?: { id?: unknown }; transition?: unknown; target?: { name?: unknown } };
      received.push({
        at,
        path: req.url ?? '',
        headers: req.headers,
        body,
        incidentId: String(b.incident?.id ?? ''),
        transition: String(b.transition ?? ''),
        target: String(b.target?.name ?? ''),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    received,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

async function ownRedis(dir: string, args: string[]): Promise<ClusterRedis> {
  let server: LocalRedis = await startLocalRedis({ dir, appendOnly: true, extraArgs: args });
  const port = server.port;
  return {
    url: server.url,
    port,
    dir,
    kill: () => server.kill(),
    stop: () => server.stop(),
    async start(extraArgs = args) {
      await server.stop();
      server = await startLocalRedis({ dir, port, appendOnly: true, extraArgs, startTimeoutMs: 30_000 });
    },
  };
}

function sharedRedis(url: string): ClusterRedis {
  const refuse = (): Promise<void> => Promise.reject(new Error('the cluster shares a Redis it did not start: use redis: "own" to kill or restart it'));
  return { url, port: url ? Number(new URL(url).port || 6379) : 0, dir: '', kill: refuse, stop: refuse, start: refuse };
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const counts: Record<ServiceKind, number> = {
    query: options.queries ?? 1,
    ingest: options.ingests ?? 1,
    gateway: options.gateways ?? 1,
    realtime: options.realtimes ?? 1,
    detector: options.detectors ?? 1,
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'lw-cluster-'));
  // Removes the directory if this process dies without stop() (the children's own watchdogs kill them first).
  const dirGuard = spawn('sh', ['-c', `read _; sleep 3; rm -rf '${dataDir}'`], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  dirGuard.on('error', () => undefined);
  dirGuard.stdin?.on('error', () => undefined);
  dirGuard.unref();
  (dirGuard.stdin as { unref?: () => void } | null)?.unref?.();
  const storePath = join(dataDir, 'store', 'lightwatch.db');
  mkdirSync(join(dataDir, 'store'), { recursive: true });
  const partitions = options.partitions ?? 16;
  const apiKey = `lw_test_${randomBytes(12).toString('hex')}`;
  const jwtSecret = randomBytes(32).toString('hex');
  const streamPrefix = `lwc${randomBytes(4).toString('hex')}`;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const processes: Array<ReturnType<typeof serviceProcess>> = [];
  let redis: ClusterRedis | undefined;
  let webhook: WebhookReceiver | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // SIGTERM all at once (a paused one is continued first); SIGKILL what has not exited after a grace period.
      await Promise.all(
        processes.map(async (p) => {
          const timer = setTimeout(() => void p.kill('SIGKILL'), 8_000);
          await p.kill('SIGTERM').catch(() => undefined);
          clearTimeout(timer);
        }),
      );
      await redis?.stop().catch(() => undefined);
      await webhook?.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
      dirGuard.kill('SIGKILL');
    })());

  try {
    const given = options.redis;
    redis = given === undefined || given === 'own' ? await ownRedis(join(dataDir, 'redis'), options.redisArgs ?? []) : sharedRedis(typeof given === 'string' ? given : '');
    const redisEnv = typeof given === 'object' ? given.env : { REDIS_URL: redis.url };
    const placement = options.hosts;
    webhook = await startWebhookReceiver(placement?.localAddress);
    const base: Record<string, string> = { ...(process.env as Record<string, string>) };
    for (const k of Object.keys(base)) if (k.startsWith('LW_') || k.startsWith('REDIS_') || k === 'STORE_URL') delete base[k];
    const common: Record<string, string> = {
      ...base,
      HOST: '127.0.0.1',
      ...redisEnv,
      STORE_URL: storePath,
      JWT_SECRET: jwtSecret,
      BOOTSTRAP_API_KEY: apiKey,
      STREAM_PREFIX: streamPrefix,
      PARTITIONS: String(partitions),
      LOG_LEVEL: 'warn',
      DETECTOR_LEASE_MS: '2000',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...options.env,
    };
    const byKind = new Map<ServiceKind, Array<ReturnType<typeof serviceProcess>>>();
    for (const kind of SERVICE_KINDS) {
      const list: Array<ReturnType<typeof serviceProcess>> = [];
      for (let i = 1; i <= counts[kind]; i++) {
        const name = `${kind}-${i}`;
        const host = placement?.hostFor(kind, i - 1);
        const serves = kind === 'ingest' || kind === 'query';
        const port = host ? HOST_PORT : await freePort();
        const grpcPort = !serves ? undefined : host ? HOST_GRPC_PORT : await freePort();
        const env: Record<string, string> = { ...common, ...(host ? { HOST: host.address } : {}), PORT: String(port), REPLICA_ID: name, DATA_DIR: join(dataDir, name), ...options.envFor?.[kind] };
        if (grpcPort !== undefined) env.GRPC_PORT = String(grpcPort);
        else delete env.GRPC_PORT;
        if (kind === 'gateway') {
          // One address each (INGEST_ADDR takes one host:port): gateway i talks to ingest i and query i, round robin.
          const ingest = byKind.get('ingest')?.[(i - 1) % counts.ingest];
          const query = byKind.get('query')?.[(i - 1) % counts.query];
          if (!ingest || !query) throw new Error('a gateway needs at least one ingest and one query');
          env.INGEST_ADDR = `${ingest.address}:${ingest.grpcPort}`;
          env.QUERY_ADDR = `${query.address}:${query.grpcPort}`;
        }
        list.push(serviceProcess({ kind, name, port, grpcPort, env, startTimeoutMs, ...(host ? { host } : {}) }));
      }
      byKind.set(kind, list);
      processes.push(...list);
    }
    const group = (k: ServiceKind): Array<ReturnType<typeof serviceProcess>> => byKind.get(k) ?? [];
    const startGroup = async (list: Array<ReturnType<typeof serviceProcess>>): Promise<void> => {
      for (const p of list) p.spawn();
      await Promise.all(list.map((p) => p.waitReady()));
    };
    // The first query process bootstraps the tenant and its admin key alone, so no two processes race to.
    const [firstQuery, ...otherQueries] = group('query');
    if (firstQuery) await startGroup([firstQuery]);
    await startGroup([...otherQueries, ...group('ingest')]);
    await startGroup([...group('gateway'), ...group('realtime')]);

    const cluster: Cluster = {
      apiKey,
      jwtSecret,
      streamPrefix,
      partitions,
      dataDir,
      storePath,
      redis,
      webhook,
      gateways: group('gateway'),
      ingests: group('ingest'),
      queries: group('query'),
      realtimes: group('realtime'),
      detectors: group('detector'),
      all: () => [...processes],
      async api<T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
        // Like a client behind a load balancer: a gateway that is down or answers 502/503/504 is skipped.
        const deadline = Date.now() + 30_000;
        let last = '';
        for (let n = 0; ; n++) {
          const live = group('gateway').filter((g) => g.running());
          const gw = live[n % Math.max(1, live.length)];
          if (gw) {
            try {
              const res = await fetch(`${gw.url}${path}`, {
                method,
                headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
                ...(body === undefined ? {} : { body: JSON.stringify(body) }),
                signal: AbortSignal.timeout(15_000),
              });
              const text = await res.text();
              if (![502, 503, 504].includes(res.status)) return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
              last = `${gw.name}: ${res.status} ${text.slice(0, 200)}`;
            } catch (err) {
              last = `${gw.name}: ${String(err)}`;
            }
          }
          if (Date.now() > deadline) throw new Error(`${method} ${path}: no gateway answered within 30 s (last: ${last || 'no gateway running'})`);
          await sleep(100);
        }
      },
      async waitReady(timeoutMs = startTimeoutMs) {
        await Promise.all(processes.filter((p) => p.running()).map((p) => p.waitReady(timeoutMs)));
      },
      stop,
    };
    await options.beforeDetectors?.(cluster);
    await startGroup(group('detector'));
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

// Configuration through the gateway's /api ------------------------------------------------------------------

export interface Monitoring {
  channelId: string;
  targetIds: Record<string, string>;
  ruleIds: string[];
}

export interface MonitoringSpec {
  /** Heartbeat targets by name; a `/fail` ping opens an incident and an ok ping resolves it. */
  heartbeatTargets?: Array<{ name: string; intervalSec?: number; graceSec?: number }>;
  /** Other targets, as POST /api/targets bodies. */
  targets?: Array<Record<string, unknown>>;
  /** POST /api/rules bodies; `targetName` is replaced by the id of the target created here. */
  rules?: Array<Record<string, unknown> & { targetName?: string }>;
  /** Default: the cluster's receiver. */
  webhookUrl?: string;
}

async function created<T extends { id: string }>(cluster: Cluster, path: string, body: unknown): Promise<T> {
  const r = await cluster.api<T>('POST', path, body);
  if (r.status !== 201) throw new Error(`POST ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Creates, through the gateway, a default webhook channel pointing at the cluster's receiver (no rate limit
 * worth the name), the targets and the rules. Detectors load it at start, or within their refresh period.
 */
export async function createMonitoring(cluster: Cluster, spec: MonitoringSpec): Promise<Monitoring> {
  const channel = await created<{ id: string }>(cluster, '/api/channels', {
    name: `hook-${randomBytes(3).toString('hex')}`,
    kind: 'webhook',
    isDefault: true,
    rateLimitPerMin: 600,
    config: { url: `${spec.webhookUrl ?? cluster.webhook.url}/hook` },
  });
  const targetIds: Record<string, string> = {};
  for (const t of spec.heartbeatTargets ?? []) {
    const body = { name: t.name, kind: 'heartbeat', heartbeat: { intervalSec: t.intervalSec ?? 3600, graceSec: t.graceSec ?? 0 } };
    targetIds[t.name] = (await created<{ id: string }>(cluster, '/api/targets', body)).id;
  }
  for (const t of spec.targets ?? []) targetIds[String(t.name)] = (await created<{ id: string }>(cluster, '/api/targets', t)).id;
  const ruleIds: string[] = [];
  for (const { targetName, ...rule } of spec.rules ?? []) {
    const body = targetName === undefined ? rule : { ...rule, targetId: targetIds[targetName] };
    ruleIds.push((await created<{ id: string }>(cluster, '/api/rules', body)).id);
  }
  return { channelId: channel.id, targetIds, ruleIds };
}
