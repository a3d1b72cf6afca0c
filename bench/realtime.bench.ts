// Realtime fan-out benchmark (issue 6): deliveries per second to 1000 connected WebSocket clients for a ~300-byte
// event, in one run on this machine, for three servers fed the same message:
//   (a) baseline: a `ws`-package server looping over its clients with ws.send of a pre-built buffer;
//   (b) ceiling: raw uWS app.publish of a pre-built message to one topic every client subscribed to;
//   (c) Lightwatch realtime: attachRealtime on a uWS app, reading the events from the partition streams in Redis
//       (pre-written in ingest's layout, read through its consumer group) and publishing them with cursors.
// The 1000 clients live in a child process (so the server keeps its own core) and are raw TCP sockets that count
// WebSocket frames, the same harness for all three. (a) and (b) pace themselves as the realtime hub does: a
// slice of ~64 KiB, a turn of the event loop, and a short wait while most clients are still behind.
// End-to-end latency from POST /ingest/logs is measured by the integrator with the whole system.
//
//   node --import tsx bench/realtime.bench.ts           (REDIS_URL optional; otherwise a local redis-server)
//   BENCH_CLIENTS=1000 BENCH_WS_MESSAGES=1000 BENCH_MESSAGES=10000 BENCH_ROUNDS=3 BENCH_ONLY=ws,uws,realtime \
//     node --import tsx bench/realtime.bench.ts
import { fork, type ChildProcess } from 'node:child_process';
import { createRedisStreams } from '../lib/streams/redis/adapter.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import uWS from 'uWebSockets.js';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import type { CanonicalEvent } from '../lib/events/event.js';
import { createIdGenerator } from '../lib/events/ids.js';
import { startLocalRedis, type LocalRedis } from '../lib/redis/local-server.js';
import { encodeBatch, FIELD_EVENTS } from '../lib/streams/codec.js';
import { partitionOf, realtimeGroup, streamNames } from '../lib/streams/partition.js';
import { Vector } from '../realtime/cursor.js';
import { eventMessage } from '../realtime/messages.js';
import { DEFAULT_REALTIME_CONFIG, attachRealtime, isNativeUws, removeReplicaGroups } from '../realtime/index.js';
import { reportFigures } from './report.js';
import { sleep } from '../lib/lifecycle/sleep.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const WS_MESSAGES = Number(process.env.BENCH_WS_MESSAGES ?? 1000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SELF = fileURLToPath(import.meta.url);
const TENANT = 'bench';
const SLICE_BYTES = 64 * 1024;
const MAX_PACE_MS = 50;

// ---------------------------------------------------------------------------------------------------------
// Client harness (child process): raw sockets, handshake by hand, frames counted without parsing payloads.

interface ToChild {
  cmd: 'connect' | 'expect' | 'close';
  port?: number;
  path?: string;
  headers?: Record<string, string>;
  total?: number;
}

interface FromChild {
  ev: 'connected' | 'done' | 'progress' | 'error';
  at?: number;
  count?: number;
  bytes?: number;
  /** Client process CPU time (user + system) since expect, ms. */
  cpuMs?: number;
  message?: string;
}

const now = (): number => performance.timeOrigin + performance.now();

function frameCounter(onFrames: (n: number) => void): (chunk: Buffer) => void {
  const hdr = Buffer.alloc(14);
  let hdrLen = 0;
  let skip = 0;
  return (chunk) => {
    let i = 0;
    let frames = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const take = Math.min(skip, chunk.length - i);
        skip -= take;
        i += take;
        continue;
      }
      hdr[hdrLen++] = chunk[i++] as number;
      if (hdrLen < 2) continue;
      const len7 = (hdr[1] as number) & 0x7f;
      const need = len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
      if (hdrLen < need) continue;
      skip = len7 < 126 ? len7 : len7 === 126 ? hdr.readUInt16BE(2) : Number(hdr.readBigUInt64BE(2));
      const opcode = (hdr[0] as number) & 0x0f;
      if (opcode === 1 || opcode === 2) frames++;
      hdrLen = 0;
    }
    if (frames > 0) onFrames(frames);
  };
}

function connectOne(port: number, path: string, headers: Record<string, string>, onFrames: (n: number) => void, onBytes: (n: number) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    const count = frameCounter(onFrames);
    let head = Buffer.alloc(0);
    let upgraded = false;
    socket.on('error', reject);
    socket.on('connect', () => {
      const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) {
        onBytes(chunk.length);
        return count(chunk);
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!head.subarray(0, 12).toString().includes('101')) return reject(new Error(`upgrade refused: ${head.subarray(0, 80).toString()}`));
      upgraded = true;
      resolve(socket);
      if (head.length > end + 4) count(head.subarray(end + 4));
    });
  });
}

async function runClients(): Promise<void> {
  const send = (m: FromChild): void => void process.send?.(m);
  let sockets: net.Socket[] = [];
  let received = 0;
  let bytes = 0;
  let cpuMark = process.cpuUsage();
  let target = Infinity;
  let progress: NodeJS.Timeout | undefined;
  const onFrames = (n: number): void => {
    received += n;
    if (received >= target) {
      target = Infinity;
      const cpu = process.cpuUsage(cpuMark);
      send({ ev: 'done', at: now(), count: received, bytes, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
  };
  process.on('message', (raw: ToChild) => {
    void (async () => {
      try {
        if (raw.cmd === 'connect') {
          for (const s of sockets) s.destroy();
          sockets = [];
          received = 0;
          for (let i = 0; i < CLIENTS; i += 100) {
            const batch = Array.from({ length: Math.min(100, CLIENTS - i) }, () => connectOne(raw.port ?? 0, raw.path ?? '/', raw.headers ?? {}, onFrames, (n) => (bytes += n)));
            sockets.push(...(await Promise.all(batch)));
          }
          received = 0;
          bytes = 0;
          send({ ev: 'connected', count: sockets.length });
        } else if (raw.cmd === 'expect') {
          target = raw.total ?? 0;
          cpuMark = process.cpuUsage();
          clearInterval(progress);
          progress = setInterval(() => send({ ev: 'progress', count: received }), 1000);
          if (received >= target) onFrames(0);
        } else if (raw.cmd === 'close') {
          clearInterval(progress);
          for (const s of sockets) s.destroy();
          process.exit(0);
        }
      } catch (err) {
        send({ ev: 'error', message: (err as Error).message });
      }
    })();
  });
}

// ---------------------------------------------------------------------------------------------------------
// Parent: servers and measurements.

class Clients {
  private readonly child: ChildProcess;
  private waiting: ((m: FromChild) => void) | undefined;
  lastProgress = 0;

  constructor() {
    this.child = fork(SELF, ['clients'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FromChild) => {
      if (m.ev === 'progress') {
        this.lastProgress = m.count ?? 0;
        return;
      }
      if (m.ev === 'error') throw new Error(`client harness: ${m.message}`);
      this.waiting?.(m);
    });
  }

  private next(): Promise<FromChild> {
    return new Promise((resolve) => (this.waiting = resolve));
  }

  async connect(port: number, path: string, headers: Record<string, string> = {}): Promise<void> {
    const reply = this.next();
    this.child.send({ cmd: 'connect', port, path, headers } satisfies ToChild);
    const m = await reply;
    if (m.count !== CLIENTS) throw new Error(`only ${m.count} clients connected`);
  }

  /** Bytes per message the clients received in the last completed expect(). */
  bytesPerMessage = 0;
  /** Client process CPU time during the last completed expect(), ms. */
  cpuMs = 0;

  /** Resolves with the time (ms since epoch) the clients had received `total` messages. */
  async expect(total: number, timeoutMs: number): Promise<number> {
    const reply = this.next();
    this.child.send({ cmd: 'expect', total } satisfies ToChild);
    const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out at ${this.lastProgress} of ${total}`)), timeoutMs).unref());
    const m = await Promise.race([reply, timer]);
    this.bytesPerMessage = (m.bytes ?? 0) / (m.count ?? 1);
    this.cpuMs = m.cpuMs ?? 0;
    return m.at ?? now();
  }

  close(): void {
    this.child.send({ cmd: 'close' } satisfies ToChild);
  }
}

const ids = createIdGenerator();

/** A log event of about 300 bytes of JSON, as ingest would have normalized it. */
function benchEvent(i: number): CanonicalEvent {
  const t = Date.now();
  const e: CanonicalEvent = {
    id: ids.next(t),
    tenant: TENANT,
    target: `svc-${i % 64}`,
    ts: t,
    receivedAt: t,
    labels: { env: 'prod', region: 'eu-west-1' },
    kind: 'log',
    body: { level: i % 10 === 0 ? 'warn' : 'info', message: `GET /api/v1/items/${100000 + i} 200 12ms user=u${i % 997}`, fields: { status: 200 }, format: 'json' },
  };
  return e;
}

function sampleMessage(): { message: string; eventBytes: number } {
  const data = JSON.stringify(benchEvent(1));
  const v = new Vector(17);
  const t = Date.now();
  for (let p = 0; p < 17; p++) v.set(p, t - p * 13, p % 2, p % 3 === 0 ? 1 : Number.MAX_SAFE_INTEGER);
  return { message: eventMessage('logs', v.encode(), data), eventBytes: Buffer.byteLength(data) };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The hub's pacing rule, for the baselines: after a slice, a turn, then wait while most clients are behind. */
async function pace(buffered: () => number[]): Promise<void> {
  await turn();
  const started = performance.now();
  for (;;) {
    const all = buffered();
    const behind = all.filter((b) => b > SLICE_BYTES).length;
    if (behind * 2 <= all.length || performance.now() - started > MAX_PACE_MS) return;
    await sleep(1);
  }
}

interface Result {
  name: string;
  messages: number;
  seconds: number;
  perSec: number;
  /** Server process CPU (user + system) over the run, as a share of one core. */
  cpu: number;
  note?: string;
}

let cpuAtStart = process.cpuUsage();

function markStart(): number {
  cpuAtStart = process.cpuUsage();
  return now();
}

function result(name: string, messages: number, startedAt: number, doneAt: number, note?: string): Result {
  const seconds = (doneAt - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  return { name, messages, seconds, perSec: (messages * CLIENTS) / seconds, cpu: (cpu.user + cpu.system) / 1e6 / seconds, ...(note ? { note } : {}) };
}

async function benchWs(clients: Clients, message: string): Promise<Result> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as net.AddressInfo).port;
  await clients.connect(port, '/');
  const sockets = [...wss.clients] as WsSocket[];
  const buf = Buffer.from(message);
  const opts = { binary: false };
  const done = clients.expect(WS_MESSAGES * CLIENTS, 300_000);
  const started = markStart();
  const perSlice = Math.max(1, Math.floor(SLICE_BYTES / buf.length));
  for (let sent = 0; sent < WS_MESSAGES; ) {
    const k = Math.min(perSlice, WS_MESSAGES - sent);
    for (let j = 0; j < k; j++) for (const s of sockets) s.send(buf, opts);
    sent += k;
    await pace(() => sockets.map((s) => s.bufferedAmount));
  }
  const r = result('ws package, loop over clients', WS_MESSAGES, started, await done);
  for (const s of sockets) s.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  return r;
}

async function benchUws(clients: Clients, message: string): Promise<Result> {
  const app = uWS.App();
  const sockets = new Set<uWS.WebSocket<unknown>>();
  app.ws('/*', {
    compression: uWS.DISABLED,
    idleTimeout: 0,
    maxBackpressure: 0,
    open: (ws) => {
      ws.subscribe('all');
      sockets.add(ws);
    },
    close: (ws) => sockets.delete(ws),
  });
  const ls = await new Promise<uWS.us_listen_socket>((resolve, reject) => app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('listen failed')))));
  await clients.connect(uWS.us_socket_local_port(ls), '/');
  const prebuilt = Buffer.from(message);
  const done = clients.expect(MESSAGES * CLIENTS, 300_000);
  const started = markStart();
  const perSlice = Math.max(1, Math.floor(SLICE_BYTES / prebuilt.length));
  for (let sent = 0; sent < MESSAGES; ) {
    const k = Math.min(perSlice, MESSAGES - sent);
    for (let j = 0; j < k; j++) app.publish('all', prebuilt, false);
    sent += k;
    await pace(() => [...sockets].map((s) => s.getBufferedAmount()));
  }
  const r = result('raw uWS publish, pre-built message', MESSAGES, started, await done);
  for (const s of [...sockets]) s.close();
  uWS.us_listen_socket_close(ls);
  return r;
}

async function benchRealtime(clients: Clients, redisUrl: string): Promise<Result> {
  const redis = new Redis(redisUrl);
  const names = streamNames(`lwbench:rt:${randomBytes(4).toString('hex')}`, 16);
  const replicaId = 'bench';
  // The group exists at 0 before start: realtime continues from there, as after a restart, and reads the backlog.
  for (const key of [...names.allEvents(), names.incidents()]) await redis.xgroup('CREATE', key, realtimeGroup(replicaId), '0', 'MKSTREAM');
  for (let i = 0; i < MESSAGES; i += 100) {
    const byPartition = new Map<number, CanonicalEvent[]>();
    for (let j = i; j < Math.min(i + 100, MESSAGES); j++) {
      const e = benchEvent(j);
      const p = partitionOf(e.tenant, e.target, names.partitions);
      byPartition.set(p, [...(byPartition.get(p) ?? []), e]);
    }
    const pipeline = redis.pipeline();
    for (const [p, events] of byPartition) pipeline.xadd(names.events(p), '*', FIELD_EVENTS, encodeBatch(events));
    await pipeline.exec();
  }
  const app = uWS.App();
  const registry = new Registry();
  const port = await createRedisStreams({ topology: { kind: 'single', url: redisUrl }, name: 'bench-realtime' });
  const realtime = attachRealtime(app, {
    streams: port,
    names,
    authenticate: async () => ({ tenant: TENANT, scopes: ['read'], subject: 'key:bench' }),
    logger: pino({ level: 'warn' }),
    registry,
    config: { ...DEFAULT_REALTIME_CONFIG, replicaId, idleTimeoutSec: 0, maxConnections: CLIENTS + 10, maxConnectionsPerTenant: CLIENTS + 10 },
  });
  const ls = await new Promise<uWS.us_listen_socket>((resolve, reject) => app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('listen failed')))));
  await clients.connect(uWS.us_socket_local_port(ls), '/ws/logs', { authorization: 'Bearer bench' });
  const done = clients.expect(MESSAGES * CLIENTS, 300_000);
  const started = markStart();
  await realtime.start();
  const doneAt = await done;
  const metric = async (name: string): Promise<number> => ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce((a, v) => a + v.value, 0);
  const lagged = await metric('lightwatch_realtime_lagged_total');
  const r = result('Lightwatch realtime (Redis → filters → cursors → uWS topic)', MESSAGES, started, doneAt, `lagged clients: ${lagged}`);
  await realtime.close();
  uWS.us_listen_socket_close(ls);
  await removeReplicaGroups(port, names, replicaId);
  await port.close();
  await redis.del(...names.allEvents(), names.incidents());
  redis.disconnect();
  return r;
}

async function main(): Promise<void> {
  if (!isNativeUws()) throw new Error('uWebSockets.js runs on its JS fallback: figures would be meaningless');
  let local: LocalRedis | undefined;
  let dir: string | undefined;
  let redisUrl = process.env.REDIS_URL ?? '';
  if (!redisUrl) {
    dir = mkdtempSync(join(tmpdir(), 'lw-bench-rt-'));
    local = await startLocalRedis({ dir, appendOnly: false });
    redisUrl = local.url;
  }
  const { message, eventBytes } = sampleMessage();
  const clients = new Clients();
  const samples = new Map<string, Result[]>();
  try {
    console.log(`realtime fan-out: ${CLIENTS} clients (child process), event ${eventBytes} B of JSON, message ${Buffer.byteLength(message)} B; node ${process.version}, native uWS`);
    const only = (process.env.BENCH_ONLY ?? 'ws,uws,realtime').split(',');
    const variants: Array<[string, () => Promise<Result>]> = [
      ['ws', () => benchWs(clients, message)],
      ['uws', () => benchUws(clients, message)],
      ['realtime', () => benchRealtime(clients, redisUrl)],
    ];
    // Rounds alternate the variants, so load from anything else on the machine hits all of them alike.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, f] of variants) {
        if (!only.includes(name)) continue;
        const r = await f();
        r.note = [`clients cpu ${((clients.cpuMs / 1000 / r.seconds) * 100).toFixed(0)}%`, `${clients.bytesPerMessage.toFixed(0)} B/msg`, r.note].filter(Boolean).join(', ');
        console.log(`  round ${round}: ${line(r)}`);
        samples.set(name, [...(samples.get(name) ?? []), r]);
      }
    }
  } finally {
    clients.close();
    await local?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  const medians = [...samples.entries()].map(([name, rs]) => [name, [...rs].sort((a, b) => a.perSec - b.perSec)[Math.floor(rs.length / 2)] as Result] as const);
  console.log(`median of ${ROUNDS} round(s):`);
  for (const [, r] of medians) console.log(`  ${line(r)}`);
  const by = new Map(medians);
  const ws = by.get('ws');
  const raw = by.get('uws');
  const rt = by.get('realtime');
  if (ws && rt) console.log(`ratio realtime / ws loop:   ${(rt.perSec / ws.perSec).toFixed(1)} x   (goal >= 10 x)`);
  if (raw && rt) console.log(`ratio realtime / raw uWS:   ${(rt.perSec / raw.perSec).toFixed(2)} x  (goal >= 0.5 x)`);
  reportFigures('realtime', [
    ...(ws ? [{ name: 'fan-out ws loop, 1000 clients', value: ws.perSec, unit: 'deliveries/s' }] : []),
    ...(raw ? [{ name: 'fan-out raw uWS publish, 1000 clients', value: raw.perSec, unit: 'deliveries/s' }] : []),
    ...(rt ? [{ name: 'fan-out Lightwatch realtime, 1000 clients', value: rt.perSec, unit: 'deliveries/s' }] : []),
    ...(ws && rt ? [{ name: 'realtime / ws loop', value: rt.perSec / ws.perSec, unit: '×', goal: '≥ 10×', met: rt.perSec / ws.perSec >= 10 }] : []),
    ...(raw && rt ? [{ name: 'realtime / raw uWS', value: rt.perSec / raw.perSec, unit: '×', goal: '≥ 0.5×', met: rt.perSec / raw.perSec >= 0.5 }] : []),
  ]);
  const load = loadavg()[0] ?? 0;
  console.log(`load average ${load.toFixed(1)} on ${cpus().length} cores${load > cpus().length ? ': the machine was busy with other work, figures are low and noisy' : ''}`);
}

const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`);

function line(r: Result): string {
  return `${r.name.padEnd(60)} ${String(r.messages).padStart(6)} msgs ${r.seconds.toFixed(2).padStart(6)} s ${fmt(r.perSec).padStart(8)} deliveries/s  server cpu ${(r.cpu * 100).toFixed(0)}%${r.note ? `  (${r.note})` : ''}`;
}

if (process.argv[2] === 'clients') {
  void runClients();
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
