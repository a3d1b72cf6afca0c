// Realtime over real uWS, real `ws` clients and real Redis: credentials and close codes, channels and filters,
// tenant isolation, /ws multi-subscriptions, client message limits, shutdown.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import WebSocket from 'ws';
import { FIELD_METRIC_BATCH, FIELD_TENANT } from '../lib/streams/codec.js';
import { partitionOf, streamNames, type StreamNames } from '../lib/streams/partition.js';
import { encodeMetricBatchBytes } from '../lib/tsdb/batch-codec.js';
import { deletePrefix, newRedis, testRedisUrl, uniquePrefix } from '../test/support/redis.js';
import { TestClient, logEvent, makeEvent, startTestServer, writeEvents, type TestServer } from './testing/harness.js';
import { isNativeUws } from './native.js';

const redis: Redis = newRedis();
let prefix: string;
let names: StreamNames;
let server: TestServer;
const clients: TestClient[] = [];

async function open(path: string, headers?: Record<string, string>): Promise<TestClient> {
  const c = await TestClient.open(server.url(path), headers);
  clients.push(c);
  return c;
}

/**
 * Once the server has read (and dispatched) `n` events, a ping answered on each client's connection proves every
 * event sent to it before has arrived: what is absent then was never sent (no sleep that "gives it time").
 */
async function allDelivered(n: number, clients: TestClient[]): Promise<void> {
  const read = async (): Promise<number> => (await server.registry.getSingleMetric('lightwatch_realtime_events_read_total')?.get())?.values[0]?.value ?? 0;
  await expect.poll(read).toBeGreaterThanOrEqual(n);
  await Promise.all(clients.map((c) => c.sync()));
}

beforeEach(async () => {
  prefix = uniquePrefix('rt');
  names = streamNames(prefix, 16);
  server = await startTestServer({ redisUrl: testRedisUrl(), names, config: { maxConnectionsPerTenant: 20, maxConnections: 30 } });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await server.close();
  await deletePrefix(redis, prefix);
});

afterAll(() => redis.disconnect());

describe('runtime', () => {
  it('runs on the native uWS binary, not the JS fallback', () => {
    expect(isNativeUws()).toBe(true);
  });

  it('is ready once started and not after close', async () => {
    expect(server.realtime.ready()).toBe(true);
    await server.close();
    expect(server.realtime.ready()).toBe(false);
  });
});

describe('credentials and close codes', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['Bearer', { authorization: 'Bearer a-read' }, '/ws/logs'],
    ['X-API-Key', { 'x-api-key': 'a-read' }, '/ws/logs'],
    ['Basic with the key as password', { authorization: `Basic ${Buffer.from('anyone:a-read').toString('base64')}` }, '/ws/logs'],
    ['ApiKey base64(id:key)', { authorization: `ApiKey ${Buffer.from('key-id:a-read').toString('base64')}` }, '/ws/logs'],
    ['ApiKey bare key', { authorization: 'ApiKey a-read' }, '/ws/logs'],
    ['?token=', {}, '/ws/logs?token=a-read'],
    ['admin scope implies read', { authorization: 'Bearer a-admin' }, '/ws/logs'],
  ];
  it.each(cases)('accepts %s and delivers', async (_name, headers, path) => {
    const c = await open(path, headers);
    await writeEvents(redis, names, [logEvent('acme', 'web', 'hello')]);
    const [e] = await c.waitForEvents(1);
    expect(e?.data.body).toMatchObject({ message: 'hello' });
  });

  const closes: Array<[string, string, Record<string, string>, number, RegExp]> = [
    ['an unknown key', '/ws/logs', { authorization: 'Bearer nope' }, 4401, /unknown API key/],
    ['an unsupported scheme', '/ws/logs', { authorization: 'Digest x' }, 4401, /not supported/],
    ['a key without read scope', '/ws/logs', { authorization: 'Bearer a-ingest' }, 4403, /read/],
    ['an unknown channel', '/ws/nope', {}, 4404, /unknown channel 'nope'/],
    ['targets without an id', '/ws/targets', {}, 4404, /needs a target id/],
    ['a bad level', '/ws/logs?level=loud', {}, 4400, /level 'loud' is not one of/],
    ['an unknown filter', '/ws/logs?colour=red', {}, 4400, /unknown filter 'colour'/],
    ['a filter of another channel', '/ws/metrics?level=error', {}, 4400, /unknown filter 'level' for channel metrics/],
    ['a repeated label', '/ws/logs?label.env=a&label.env=b', {}, 4400, /label\.env is given more than once/],
    ['an empty value', '/ws/logs?target=', {}, 4400, /target is empty/],
    ['a bad cursor', '/ws/logs?since=!!!', {}, 4400, /bad since cursor/],
    ['a cursor of another partition count', '/ws/logs?since=AQMAAAAAAAAAAA', {}, 4400, /covers 3 streams, this deployment has 17/],
    ['filters in the /ws query', '/ws?level=error', {}, 4400, /subscribe messages/],
  ];
  it.each(closes)('closes on %s', async (_name, path, headers, code, reason) => {
    const c = await open(path, Object.keys(headers).length > 0 ? headers : undefined);
    const closed = await c.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toMatch(reason);
  });

  it('closes 4401 when no credential is given at all', async () => {
    const c = new TestClient(new WebSocket(server.url('/ws/logs')));
    clients.push(c);
    expect(await c.closed).toEqual({ code: 4401, reason: expect.stringMatching(/missing credential/) });
  });

  it('closes an oversized client message with 1009', async () => {
    const c = await open('/ws');
    c.send('x'.repeat(16 * 1024 + 1));
    const closed = await c.closed;
    expect(closed.code).toBe(1009);
    expect(closed.reason).toMatch(/over the limit of 16384/);
  });

  it('answers malformed messages with an error frame and keeps the connection', async () => {
    const c = await open('/ws');
    c.send('{not json');
    c.send({ type: 'dance' });
    c.send({ type: 'subscribe' });
    await c.sync();
    const errors = c.messages.filter((m) => m.type === 'error');
    expect(errors.map((e) => (e as { message: string }).message)).toEqual([
      'message is not valid JSON',
      expect.stringMatching(/unknown message type "dance"/),
      'subscribe needs a "channel" string',
    ]);
  });

  it('limits connections per tenant and per replica with 1013', async () => {
    for (let i = 0; i < 20; i++) await open('/ws');
    const over = await open('/ws');
    expect(await over.closed).toEqual({ code: 1013, reason: expect.stringMatching(/too many connections for this tenant/) });
    for (let i = 0; i < 10; i++) await open('/ws', { authorization: 'Bearer b-read' });
    const full = await open('/ws', { authorization: 'Bearer b-read' });
    expect((await full.closed).code).toBe(1013);
    expect(server.realtime.connections()).toBe(30);
  });

  it('closes every client with 1001 on close()', async () => {
    const a = await open('/ws/logs');
    const b = await open('/ws');
    await server.close();
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
  });
});

describe('channels and filters', () => {
  it('delivers each channel only its kind, with filters applied', async () => {
    const logsErr = await open('/ws/logs?level=error,fatal&label.env=prod');
    const logsTarget = await open('/ws/logs?target=db');
    const logsText = await open('/ws/logs?text=DISK');
    const metricsCpu = await open('/ws/metrics?name=cpu');
    const security = await open('/ws/events?severity=high,critical&category=auth');
    const heartbeats = await open('/ws/heartbeats?status=fail');
    const incidents = await open('/ws/incidents?status=open');
    const targetWeb = await open('/ws/targets/web');
    const targetUrl = await open(`/ws/targets/${encodeURIComponent('https://shop.example/health')}?kind=check`);
    const events = [
      logEvent('acme', 'web', 'boom', { level: 'error', labels: { env: 'prod' } }),
      logEvent('acme', 'web', 'meh', { level: 'error', labels: { env: 'dev' } }),
      logEvent('acme', 'web', 'disk full', { level: 'info', labels: { env: 'prod' } }),
      logEvent('acme', 'db', 'fatal!', { level: 'fatal', labels: { env: 'prod' } }),
      makeEvent('metric', 'acme', 'web', { name: 'cpu', value: 0.5, type: 'gauge' }),
      makeEvent('metric', 'acme', 'web', { name: 'mem', value: 1, type: 'gauge' }),
      makeEvent('security', 'acme', 'web', { category: 'auth', severity: 'high', outcome: 'failure' }),
      makeEvent('security', 'acme', 'web', { category: 'auth', severity: 'low' }),
      makeEvent('heartbeat', 'acme', 'cron', { status: 'fail' }),
      makeEvent('heartbeat', 'acme', 'cron', { status: 'ok' }),
      makeEvent('check', 'acme', 'https://shop.example/health', { ok: false, status: 503, latencyMs: 12, attempts: 3 }),
      makeEvent('incident', 'acme', 'web', { incidentId: 'i1', ruleId: 'r1', state: 'open', transition: 'opened', title: 'web down', epoch: 1 }),
      makeEvent('incident', 'acme', 'web', { incidentId: 'i1', ruleId: 'r1', state: 'resolved', transition: 'resolved', title: 'web down', epoch: 1 }),
    ];
    await writeEvents(redis, names, events);
    const ids = (c: TestClient): string[] => c.events.map((m) => m.data.id);
    const pick = (...i: number[]): string[] => i.map((k) => events[k]?.id ?? '');
    await targetWeb.waitForEvents(8);
    await allDelivered(events.length, [logsErr, logsTarget, logsText, metricsCpu, security, heartbeats, incidents, targetWeb, targetUrl]);
    expect(ids(logsErr)).toEqual(pick(0, 3));
    expect(ids(logsTarget)).toEqual(pick(3));
    expect(ids(logsText)).toEqual(pick(2));
    expect(ids(metricsCpu)).toEqual(pick(4));
    expect(ids(security)).toEqual(pick(6));
    expect(ids(heartbeats)).toEqual(pick(8));
    expect(ids(incidents)).toEqual(pick(11));
    expect(ids(targetWeb).sort()).toEqual(pick(0, 1, 2, 4, 5, 6, 7, 11, 12).sort());
    expect(ids(targetUrl)).toEqual(pick(10));
    expect(logsErr.events[0]).toMatchObject({ type: 'event', channel: 'logs', cursor: expect.stringMatching(/^[A-Za-z0-9_-]+$/), data: events[0] });
    expect(targetWeb.events[0]?.channel).toBe('targets');
  });

  it('never lets one tenant see another tenant\'s events, whatever the channel or filter', async () => {
    const bravoLogs = await open('/ws/logs', { authorization: 'Bearer b-read' });
    const bravoTarget = await open('/ws/targets/web', { authorization: 'Bearer b-read' });
    const bravoFiltered = await open('/ws/logs?target=web&level=error', { authorization: 'Bearer b-read' });
    const acme = await open('/ws/logs?target=web&level=error');
    const acmeEvents = Array.from({ length: 20 }, (_, i) => logEvent('acme', 'web', `a${i}`, { level: 'error' }));
    const bravoEvent = logEvent('bravo', 'web', 'mine', { level: 'error' });
    await writeEvents(redis, names, [...acmeEvents, bravoEvent]);
    await acme.waitForEvents(20);
    await bravoLogs.waitForEvents(1);
    await bravoTarget.waitForEvents(1);
    await bravoFiltered.waitForEvents(1);
    await allDelivered(acmeEvents.length + 1, [bravoLogs, bravoTarget, bravoFiltered, acme]);
    for (const c of [bravoLogs, bravoTarget, bravoFiltered]) {
      expect(c.events.map((m) => m.data.tenant)).toEqual(['bravo']);
    }
    expect(acme.events.every((m) => m.data.tenant === 'acme')).toBe(true);
  });
});

describe('metric batches', () => {
  it('reads thin the batches of a tenant with no metrics or targets subscriber here, and streams every sample of a subscribed tenant\'s batch', async () => {
    const metrics = await open('/ws/metrics?name=cpu');
    // Bravo follows its logs only: its metric batches have nothing for it.
    const bravoLogs = await open('/ws/logs', { authorization: 'Bearer b-read' });
    const now = Date.now();
    const batch = (tenant: string, id: string): Buffer =>
      encodeMetricBatchBytes({
        tenant,
        receivedAt: now,
        id,
        series: [
          { target: 'web', labels: { __name__: 'cpu', instance: 'web' }, type: 'gauge', timestamps: [now - 2, now - 1], values: [1, 2] },
          { target: 'web', labels: { __name__: 'mem', instance: 'web' }, type: 'gauge', timestamps: [now - 1], values: [3] },
        ],
      });
    const stream = names.events(partitionOf('acme', 'web', names.partitions));
    const pipe = redis.pipeline();
    // More than a read takes (64): a full read means the reader is behind, and its next read goes thin.
    for (let i = 0; i < 150; i++) pipe.xadd(stream, '*', FIELD_METRIC_BATCH, batch('bravo', `b${i}`), FIELD_TENANT, 'bravo');
    pipe.xadd(stream, '*', FIELD_METRIC_BATCH, batch('acme', 'a1'), FIELD_TENANT, 'acme');
    await pipe.exec();
    const got = await metrics.waitForEvents(2);
    await allDelivered(2, [metrics, bravoLogs]);
    expect(bravoLogs.events).toEqual([]);
    expect(got.map((m) => [m.data.tenant, m.data.target, m.data.ts, (m.data.body as { value: number }).value, m.data.labels])).toEqual([
      ['acme', 'web', now - 2, 1, { instance: 'web' }],
      ['acme', 'web', now - 1, 2, { instance: 'web' }],
    ]);
    const value = async (name: string): Promise<number> => (await server.registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
    // A caught-up reader's blocking read delivers whole (decoded, nothing in it for bravo); once behind, thin.
    const thin = await value('lightwatch_realtime_entries_read_thin_total');
    expect(thin).toBeGreaterThan(0);
    expect(await value('lightwatch_realtime_entries_skipped_total')).toBe(thin);
  });
});

describe('/ws with subscribe messages', () => {
  it('holds several subscriptions, unsubscribes, and reports bad ones without closing', async () => {
    const c = await open('/ws');
    c.send({ type: 'subscribe', channel: 'logs', filter: { level: ['error'], labels: { env: 'prod' } } });
    c.send({ type: 'subscribe', channel: 'metrics', filter: { name: 'cpu' } });
    c.send({ type: 'subscribe', channel: 'targets', filter: { target: 'db' } });
    c.send({ type: 'subscribe', channel: 'nope', id: 7 });
    c.send({ type: 'subscribe', channel: 'logs', filter: { level: 'loud' }, id: 8 });
    c.send({ type: 'subscribe', channel: 'logs', since: 'zzz', id: 9 });
    c.send({ type: 'subscribe', channel: 'metrics', filter: { name: 'cpu' }, id: 10 });
    await c.sync();
    const errors = c.messages.filter((m) => m.type === 'error') as Array<{ code: string; id: number }>;
    expect(errors.map((e) => [e.id, e.code])).toEqual([
      [7, 'unknown_channel'],
      [8, 'bad_filter'],
      [9, 'bad_cursor'],
      [10, 'bad_request'],
    ]);
    const first = [
      logEvent('acme', 'web', 'x', { level: 'error', labels: { env: 'prod' } }),
      logEvent('acme', 'web', 'y', { level: 'info', labels: { env: 'prod' } }),
      makeEvent('metric', 'acme', 'web', { name: 'cpu', value: 1, type: 'gauge' }),
      logEvent('acme', 'db', 'z'),
    ];
    await writeEvents(redis, names, first);
    await c.waitForEvents(3);
    await allDelivered(first.length, [c]);
    expect(c.events.map((m) => [m.channel, m.data.id]).sort()).toEqual(
      [
        ['logs', first[0]?.id],
        ['metrics', first[2]?.id],
        ['targets', first[3]?.id],
      ].sort(),
    );
    c.send({ type: 'unsubscribe', channel: 'metrics', filter: { name: 'cpu' } });
    c.send({ type: 'unsubscribe', channel: 'metrics', filter: { name: 'mem' }, id: 11 });
    await c.sync();
    expect(c.messages.some((m) => m.type === 'error' && m.code === 'not_subscribed' && m.id === 11)).toBe(true);
    const second = [makeEvent('metric', 'acme', 'web', { name: 'cpu', value: 2, type: 'gauge' }), logEvent('acme', 'web', 'again', { level: 'error', labels: { env: 'prod' } })];
    await writeEvents(redis, names, second);
    await c.waitForEvents(4);
    await allDelivered(first.length + second.length, [c]);
    expect(c.events.slice(3).map((m) => m.data.id)).toEqual([second[1]?.id]);
  });

  it('drops messages over the rate limit with one error per second', async () => {
    let now = 1_000_000;
    await server.close();
    server = await startTestServer({ redisUrl: testRedisUrl(), names, config: { clientMessagesPerSec: 5 }, clock: () => now });
    const c = await open('/ws');
    for (let i = 0; i < 8; i++) c.send({ type: 'ping', id: i });
    // Every ping handled by the server (the last three dropped over the limit), then its replies received.
    const dropped = async (): Promise<number> => (await server.registry.getSingleMetric('lightwatch_realtime_client_messages_dropped_total')?.get())?.values[0]?.value ?? 0;
    await expect.poll(dropped).toBe(3);
    const pongs = (): number => c.messages.filter((m) => m.type === 'pong').length;
    const rateErrors = () => c.messages.filter((m) => m.type === 'error' && m.code === 'rate_limited');
    await c.until(() => pongs() >= 5 && rateErrors().length >= 1, 5_000, 'the replies');
    expect(pongs()).toBe(5);
    expect(rateErrors()).toHaveLength(1);
    now += 1000; // a second later the bucket is full again
    await c.sync();
    expect(pongs()).toBe(6);
  });
});

describe('dead connections', () => {
  it('pings clients and closes one that stops answering within the idle timeout (about 8 s)', async () => {
    await server.close();
    server = await startTestServer({ redisUrl: testRedisUrl(), names, config: { idleTimeoutSec: 8 } });
    const alive = await open('/ws/logs');
    let pings = 0;
    alive.ws.on('ping', () => pings++);
    const dead = await open('/ws/logs');
    dead.pauseReading(); // neither reads pings nor answers them
    await expect.poll(() => server.realtime.connections(), { timeout: 15_000, interval: 250 }).toBe(1);
    expect(pings).toBeGreaterThan(0);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
  }, 20_000);
});
