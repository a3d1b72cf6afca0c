// Test support for the realtime tier: a real uWS server on a free port with realtime attached, real `ws` clients
// that record what they receive, and a writer that XADDs canonical events in the stream layout ingest uses
// (one entry per partition, field `e` = JSON array). Used by realtime's tests; the integrator may reuse it.
import type { Socket as NetSocket } from 'node:net';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { Registry } from 'prom-client';
import uWS from 'uWebSockets.js';
import WebSocket from 'ws';
import type { Authenticate, Principal } from '../../lib/auth/principal.js';
import { unauthenticated } from '../../lib/errors/errors.js';
import type { CanonicalEvent, LogLevel } from '../../lib/events/event.js';
import { createIdGenerator } from '../../lib/events/ids.js';
import { encodeBatch, FIELD_EVENTS } from '../../lib/streams/codec.js';
import { partitionOf, type StreamNames } from '../../lib/streams/partition.js';
import { DEFAULT_REALTIME_CONFIG } from '../config.js';
import { createRedisStreams } from '../../lib/streams/redis/adapter.js';
import { attachRealtime } from '../server.js';
import type { Realtime, RealtimeConfig } from '../types.js';

/** Known test tokens → principals; anything else is unauthenticated. */
export const TEST_PRINCIPALS: Readonly<Record<string, Principal>> = {
  'a-read': { tenant: 'acme', scopes: ['read'], subject: 'key:a-read' },
  'a-admin': { tenant: 'acme', scopes: ['admin'], subject: 'key:a-admin' },
  'a-ingest': { tenant: 'acme', scopes: ['ingest'], subject: 'key:a-ingest' },
  'b-read': { tenant: 'bravo', scopes: ['read'], subject: 'key:b-read' },
};

export const testAuthenticate: Authenticate = async (credential) => {
  const p = TEST_PRINCIPALS[credential];
  if (!p) throw unauthenticated('unknown API key');
  return p;
};

export interface TestServer {
  realtime: Realtime;
  registry: Registry;
  port: number;
  url(path: string): string;
  /** Closes realtime (clients get 1001) and the listen socket. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** The server's streams port is opened on this Redis and closed with the server. */
  redisUrl: string;
  names: StreamNames;
  config?: Partial<RealtimeConfig>;
  clock?: () => number;
  authenticate?: Authenticate;
  /** Skip realtime.start() (to test what happens before). */
  noStart?: boolean;
}

export async function startTestServer(o: StartOptions): Promise<TestServer> {
  const app = uWS.App();
  const registry = new Registry();
  const streams = await createRedisStreams({ topology: { kind: 'single', url: o.redisUrl }, name: 'lw-test-realtime' });
  const realtime = attachRealtime(app, {
    streams,
    names: o.names,
    authenticate: o.authenticate ?? testAuthenticate,
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    registry,
    config: { ...DEFAULT_REALTIME_CONFIG, replicaId: 'r1', ...o.config },
    ...(o.clock ? { clock: o.clock } : {}),
  });
  const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    app.listen('127.0.0.1', 0, (ls) => (ls ? resolve(ls) : reject(new Error('uWS could not listen'))));
  });
  const port = uWS.us_socket_local_port(listenSocket);
  if (!o.noStart) await realtime.start();
  let closing: Promise<void> | undefined;
  return {
    realtime,
    registry,
    port,
    url: (path) => `ws://127.0.0.1:${port}${path}`,
    close() {
      closing ??= (async () => {
        await realtime.close();
        uWS.us_listen_socket_close(listenSocket);
        await streams.close();
      })();
      return closing;
    },
  };
}

// Clients ----------------------------------------------------------------------------------------------------

export interface EventMessage {
  type: 'event';
  channel: string;
  cursor: string;
  data: CanonicalEvent;
}

export type ServerMessage = EventMessage | { type: 'lagged'; cursor: string } | { type: 'reset' } | { type: 'error'; message: string; code?: string; id?: string | number } | { type: 'pong'; id?: string | number };

export interface Closed {
  code: number;
  reason: string;
}

export class TestClient {
  readonly messages: ServerMessage[] = [];
  /** Epoch ms at which each message arrived (same index as `messages`), for latency measurements. */
  readonly arrivals: number[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<Closed>;
  private readonly waiters = new Set<() => void>();
  private closeInfo: Closed | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly label = 'client',
  ) {
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.wake();
      });
    });
    ws.on('error', () => undefined);
    ws.on('message', (raw) => {
      this.arrivals.push(Date.now());
      this.messages.push(JSON.parse(raw.toString()) as ServerMessage);
      this.wake();
    });
  }

  static async open(url: string, headers: Record<string, string> = { authorization: 'Bearer a-read' }, label?: string): Promise<TestClient> {
    const c = new TestClient(new WebSocket(url, { headers, perMessageDeflate: false }), label);
    await c.opened;
    return c;
  }

  get events(): EventMessage[] {
    return this.messages.filter((m): m is EventMessage => m.type === 'event');
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Sends a ping with an id and waits for its pong: everything sent before has been handled by the server. */
  async sync(): Promise<void> {
    const id = `sync-${Math.random()}`;
    this.send({ type: 'ping', id });
    await this.until(() => this.messages.some((m) => m.type === 'pong' && m.id === id), 5000, 'pong');
  }

  /** Stops reading from the socket, as a slow or stuck client would. */
  pauseReading(): void {
    (this.ws as unknown as { _socket: NetSocket })._socket.pause();
  }

  resumeReading(): void {
    (this.ws as unknown as { _socket: NetSocket })._socket.resume();
  }

  async until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (cond()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (cond()) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        } else if (this.closeInfo) {
          clearTimeout(timer);
          this.waiters.delete(check);
          reject(new Error(`${this.label} closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for ${what}; got ${this.messages.length} messages`));
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.label}: timed out waiting for ${what}; got ${this.messages.length} messages`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  async waitForEvents(n: number, timeoutMs = 10_000): Promise<EventMessage[]> {
    await this.until(() => this.events.length >= n, timeoutMs, `${n} events`);
    return this.events;
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

// Events -----------------------------------------------------------------------------------------------------

const ids = createIdGenerator();

type Body<K extends CanonicalEvent['kind']> = Extract<CanonicalEvent, { kind: K }>['body'];

export function makeEvent<K extends CanonicalEvent['kind']>(kind: K, tenant: string, target: string, body: Body<K>, labels: Record<string, string> = {}): CanonicalEvent {
  const now = Date.now();
  return { id: ids.next(now), tenant, target, ts: now, receivedAt: now, labels, kind, body } as CanonicalEvent;
}

export function logEvent(tenant: string, target: string, message: string, opts: { level?: LogLevel; labels?: Record<string, string> } = {}): CanonicalEvent {
  return makeEvent('log', tenant, target, { level: opts.level ?? 'info', message, fields: {}, format: 'plain' }, opts.labels);
}

/**
 * XADDs events as ingest does: one entry per partition holding that partition's events in order (incidents go to
 * the incidents stream). Returns the entry ids by stream key.
 */
export async function writeEvents(redis: Redis, names: StreamNames, events: readonly CanonicalEvent[]): Promise<Map<string, string>> {
  const byStream = new Map<string, CanonicalEvent[]>();
  for (const e of events) {
    const key = e.kind === 'incident' ? names.incidents() : names.events(partitionOf(e.tenant, e.target, names.partitions));
    const list = byStream.get(key) ?? [];
    list.push(e);
    byStream.set(key, list);
  }
  const pipeline = redis.pipeline();
  const keys = [...byStream.keys()];
  for (const key of keys) pipeline.xadd(key, '*', FIELD_EVENTS, encodeBatch(byStream.get(key) ?? []));
  const replies = (await pipeline.exec()) ?? [];
  const out = new Map<string, string>();
  replies.forEach(([err, id], i) => {
    if (err) throw err;
    out.set(keys[i] as string, id as string);
  });
  return out;
}

/** Checks that received events are exactly `expected` (by id, no duplicates) and in order per target. */
export function deliveryProblems(received: readonly CanonicalEvent[], expected: readonly CanonicalEvent[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of received) {
    if (seen.has(e.id)) problems.push(`duplicate ${e.id}`);
    seen.add(e.id);
  }
  const want = new Set(expected.map((e) => e.id));
  const missing = expected.filter((e) => !seen.has(e.id)).length;
  if (missing > 0) problems.push(`${missing} of ${expected.length} missing`);
  const extra = received.filter((e) => !want.has(e.id)).length;
  if (extra > 0) problems.push(`${extra} unexpected`);
  const order = new Map<string, number>();
  expected.forEach((e, i) => order.set(e.id, i));
  const lastByTarget = new Map<string, number>();
  for (const e of received) {
    const i = order.get(e.id);
    if (i === undefined) continue;
    const prev = lastByTarget.get(e.target) ?? -1;
    if (i < prev) problems.push(`out of order on target ${e.target}: ${e.id}`);
    lastByTarget.set(e.target, Math.max(prev, i));
  }
  return problems.slice(0, 10);
}

export { sleep } from '../../lib/lifecycle/sleep.js';
