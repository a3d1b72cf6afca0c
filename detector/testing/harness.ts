// Test and benchmark helpers for the detector's I/O side: a local webhook receiver, a SQLite store seeded
// with a tenant and a default webhook channel, event publishing to the partition streams, and detector
// instances with short leases. Used by the integration tests and bench/detector.bench.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Streams } from '../../lib/streams/port.js';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { CanonicalEvent, CheckBody, HeartbeatBody, MetricBody } from '../../lib/events/event.js';
import { createIdGenerator } from '../../lib/events/ids.js';
import type { Store } from '../../lib/store/port.js';
import type { Channel, Rule, Target } from '../../lib/store/types.js';
import { encodeBatch, FIELD_EVENTS } from '../../lib/streams/codec.js';
import { partitionOf, type StreamNames } from '../../lib/streams/partition.js';
import { createDetector, type Detector, type DetectorConfig } from '../index.js';
import type { Clock } from '../../lib/time/clock.js';

export interface Received {
  key: string;
  transition: string;
  incidentId: string;
  status: string;
  at: number;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Decides the status of each request (default 200). */
  respond: (req: Received, n: number) => number | Promise<number>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let n = 0;
  const r: Receiver = {
    url: '',
    received,
    respond: () => 200,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        body = { raw };
      }
      const incident = (body.incident ?? {}) as Record<string, unknown>;
      const rec: Received = { key: String(req.headers['x-lightwatch-idempotency-key'] ?? ''), transition: String(body.transition ?? ''), incidentId: String(incident.id ?? ''), status: String(incident.status ?? ''), at: Date.now(), headers: req.headers, body };
      void Promise.resolve(r.respond(rec, n++)).then((status) => {
        if (status >= 200 && status < 300) received.push(rec);
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}

export const TENANT = 'acme';

export function webhookChannel(url: string, extra: Partial<Channel> = {}): Channel {
  return { id: 'ch-hook', tenant: TENANT, name: 'hook', kind: 'webhook', config: { url: `${url}/hook`, secret: 's3cret' }, isDefault: true, repeatIntervalSec: 0, rateLimitPerMin: 0, createdAt: 0, updatedAt: 0, ...extra };
}

export function makeTarget(name: string, extra: Partial<Target> = {}): Target {
  return { id: `tg-${name}`, tenant: TENANT, name, kind: 'metric', labels: {}, channels: [], paused: false, createdAt: 1, updatedAt: 1, ...extra };
}

export function makeRule(id: string, kind: Rule['kind'], params: Record<string, unknown>, extra: Partial<Rule> = {}): Rule {
  return { id, tenant: TENANT, name: id, kind, params, severity: 'critical', channels: [], enabled: true, createdAt: 1, updatedAt: 1, ...extra };
}

export async function seed(store: Store, cfg: { targets?: Target[]; rules?: Rule[]; channels?: Channel[] }): Promise<void> {
  if (!(await store.getTenant(TENANT))) await store.createTenant({ id: TENANT, name: TENANT, createdAt: 0 });
  for (const c of cfg.channels ?? []) await store.channels.create(c);
  for (const t of cfg.targets ?? []) await store.targets.create(t);
  for (const r of cfg.rules ?? []) await store.rules.create(r);
}

const ids = createIdGenerator();

type Body<K extends CanonicalEvent['kind']> = Extract<CanonicalEvent, { kind: K }>['body'];

export function event<K extends CanonicalEvent['kind']>(kind: K, target: string, body: Body<K>, receivedAt = Date.now()): CanonicalEvent {
  return { id: ids.next(receivedAt), tenant: TENANT, target, ts: receivedAt, receivedAt, labels: {}, kind, body } as CanonicalEvent;
}
export const metric = (target: string, name: string, value: number, at?: number) => event('metric', target, { name, value, type: 'gauge' } satisfies MetricBody, at);
export const ping = (target: string, body: Partial<HeartbeatBody> = {}, at?: number) => event('heartbeat', target, { status: 'ok', ...body }, at);
export const checkResult = (target: string, body: CheckBody, at?: number) => event('check', target, body, at);

/** XADDs events, one entry per partition (as ingest does), pipelined. */
export async function publish(redis: Redis, names: StreamNames, events: CanonicalEvent[]): Promise<void> {
  const byPart = new Map<number, CanonicalEvent[]>();
  for (const e of events) {
    const p = partitionOf(e.tenant, e.target, names.partitions);
    const list = byPart.get(p);
    if (list) list.push(e);
    else byPart.set(p, [e]);
  }
  const pipe = redis.pipeline();
  for (const [p, list] of byPart) pipe.xadd(names.events(p), '*', FIELD_EVENTS, encodeBatch(list));
  await pipe.exec();
}

export const quietLogger: Logger = pino({ level: process.env.LW_TEST_LOG ?? 'silent' });

export type TestDetector = Detector & { registry: Registry };

/** `clock`: the detector's time (a manual clock makes its timers fire only when the test moves it). */
export function testDetector(streams: Streams, store: Store, names: StreamNames, replicaId: string, config: Partial<DetectorConfig> = {}, clock?: Clock, logger: Logger = quietLogger): TestDetector {
  const registry = new Registry();
  const d = createDetector({
    streams,
    store,
    names,
    ...(clock ? { clock } : {}),
    logger: logger.child({ replica: replicaId }),
    registry,
    config: { replicaId, leaseMs: 1000, flushIntervalMs: 100, configRefreshMs: 200, blockMs: 50, notifyBackoffMs: 50, notifyTimeoutMs: 2000, ...config },
  });
  return Object.assign(d, { registry });
}

/** Current value of a counter or gauge without labels. */
export async function metricValue(registry: Registry, name: string): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  const data = await m.get();
  return data.values.reduce((s, v) => s + v.value, 0);
}

export async function until(cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
