import { gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import type { Streams } from '../lib/streams/port.js';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deletePrefix, newRedis, newStreams, uniquePrefix } from '../test/support/redis.js';
import { streamEntries } from '../test/support/stream-entries.js';
import { createAuthenticator } from '../lib/auth/authenticator.js';
import { generateApiKey } from '../lib/auth/keys.js';
import type { Scope } from '../lib/auth/principal.js';
import { isLightwatchError } from '../lib/errors/errors.js';
import type { CallContext } from '../lib/rpc/apis.js';
import { ingestApiClient } from '../lib/rpc/grpc-clients.js';
import { ingestBinding, startGrpcServer } from '../lib/rpc/grpc-server.js';
import { changesConfig, eventsOfEntry } from '../lib/streams/codec.js';
import { partitionOf, streamNames, type StreamNames } from '../lib/streams/partition.js';
import { createSqliteStore, type SqliteStore } from '../lib/store/sqlite/store.js';
import type { PushEventsRequest, PushRequest } from '../proto/gen/lightwatch/v1/ingest.js';
import type { IngestConfig } from './config.js';
import { DEFAULT_NORMALIZE_LIMITS } from './normalize/normalize.js';
import { faultyStore } from './persister/faulty-store.js';
import { createPersister, type Persister } from './persister/persister.js';
import { createIngestApi, type IngestService } from './service.js';

const logger = pino({ level: 'silent' });

const config = (over: Partial<IngestConfig> = {}): IngestConfig => ({
  maxBodyBytes: 5 * 1024 * 1024,
  maxItems: 10_000,
  maxDepth: 32,
  maxLineBytes: 64 * 1024,
  normalize: { ...DEFAULT_NORMALIZE_LIMITS },
  persistBacklogLimit: 10_000,
  streamRetentionMs: 60 * 60_000,
  idempotencyTtlMs: 24 * 3_600_000,
  backlogSampleMs: 20,
  ...over,
});

const req = (over: Partial<PushRequest>): PushRequest => ({
  endpoint: 'logs',
  contentType: 'application/json',
  contentEncoding: '',
  body: Buffer.alloc(0),
  params: {},
  idempotencyKey: '',
  target: '',
  suffix: '',
  ...over,
});

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; reason: string; retryAfterSec?: number; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isLightwatchError(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('ingest API', () => {
  let redis: Redis;
  let streams: Streams;
  let names: StreamNames;
  let store: SqliteStore;
  let registry: Registry;
  const closers: Array<{ close(): Promise<void> }> = [];
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    redis = newRedis();
    streams = await newStreams();
  });
  beforeEach(async () => {
    names = streamNames(uniquePrefix('ing'), 4);
    store = await createSqliteStore({ path: ':memory:' });
    registry = new Registry();
    const scopes: Record<string, Scope[]> = { ingest: ['ingest'], admin: ['admin'], read: ['read'] };
    for (const [name, s] of Object.entries(scopes)) {
      const k = generateApiKey();
      await store.createApiKey({ id: `k-${name}`, tenant: name === 'read' ? 'acme' : 'acme', name, hash: k.hash, prefix: k.prefix, scopes: s, createdAt: Date.now() });
      keys[name] = k.key;
    }
    const other = generateApiKey();
    await store.createApiKey({ id: 'k-globex', tenant: 'globex', name: 'g', hash: other.hash, prefix: other.prefix, scopes: ['ingest'], createdAt: Date.now() });
    keys.globex = other.key;
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c.close();
    await store.close();
    await deletePrefix(redis, names.prefix);
  });
  afterAll(async () => {
    redis.disconnect();
    await streams.close();
  });

  function api(over: Partial<IngestConfig> = {}): IngestService {
    const a = createIngestApi({ streams, names, store, authenticate: createAuthenticator({ store, jwtSecret: new Uint8Array(32) }), logger, registry, config: config(over) });
    closers.push(a);
    return a;
  }
  function persister(): Persister {
    const p = createPersister({
      streams,
      names,
      store,
      logger,
      registry,
      config: { consumerName: 'p1', batchMaxEvents: 1000, blockMs: 50, claimIdleMs: 60_000, retryBaseMs: 5, retryMaxMs: 50, streamRetentionMs: 3_600_000 },
    });
    closers.push(p);
    return p;
  }
  const ctx = (key: keyof typeof keys | null = 'ingest'): CallContext => ({ requestId: 'r1', credential: key === null ? null : (keys[key] as string) });
  const streamEvents = async () => {
    const all = [];
    for (const s of names.allEvents()) for (const [, f] of await streamEntries(redis, s)) all.push(...eventsOfEntry(f));
    return all;
  };
  const registryBacklog = async (): Promise<number> => (await registry.getSingleMetric('lightwatch_ingest_persist_backlog_entries')?.get())?.values[0]?.value ?? -1;
  const entries = async () => (await Promise.all(names.allEvents().map((s) => redis.xlen(s)))).reduce((a, b) => a + b, 0);

  it('accepts good items, lists bad ones by index, appends with the tenant of the key, and the persister stores them', async () => {
    const a = api();
    const body = JSON.stringify([
      { message: 'one', level: 'info', target: 'web', tenant: 'evil' },
      { level: 'info' },
      { message: 'two', level: 'error', target: 'db' },
    ]);
    const res = await a.push(req({ body: Buffer.from(body) }), ctx());
    expect(res.accepted).toBe(2);
    expect(res.replayed).toBe(false);
    expect(res.rejected.map((r) => r.index)).toEqual([1]);
    expect(res.rejected[0]?.error).toBeTruthy();

    const events = await streamEvents();
    expect(events.map((e) => e.tenant)).toEqual(['acme', 'acme']);
    expect(events.map((e) => (e.kind === 'log' ? e.body.message : '')).sort()).toEqual(['one', 'two']);

    await persister().start();
    await waitFor(async () => (await store.countEvents('acme', 'log')) === 2);
    expect(await store.countEvents('evil')).toBe(0);
  });

  it('takes gzip bodies and NDJSON, and answers whole-request problems precisely', async () => {
    const a = api();
    const ndjson = '{"message":"a","target":"w"}\n{"message":"b","target":"w"}\n';
    expect((await a.push(req({ body: gzipSync(ndjson), contentEncoding: 'gzip', contentType: 'application/x-ndjson' }), ctx())).accepted).toBe(2);
    expect((await rejection(a.push(req({ body: Buffer.from('not gzip'), contentEncoding: 'gzip' }), ctx()))).code).toBe('bad_request');
    expect((await rejection(a.push(req({ body: Buffer.from('[{"message": '), contentType: 'application/json' }), ctx()))).code).toBe('bad_request');
    expect((await rejection(a.push(req({ body: Buffer.from('{}'), contentType: 'image/png', endpoint: 'metrics' }), ctx()))).code).toBe('unsupported_media_type');
    expect((await rejection(a.push(req({ endpoint: 'nope' }), ctx()))).reason).toBe('unknown_endpoint');
    const small = api({ maxBodyBytes: 1024 });
    expect((await rejection(small.push(req({ body: Buffer.alloc(2000, 32) }), ctx()))).code).toBe('payload_too_large');
  });

  it('refuses a missing or unknown credential with 401 and a key without the ingest scope with 403, appending nothing', async () => {
    const a = api();
    const body = Buffer.from('[{"message":"x","target":"w"}]');
    expect((await rejection(a.push(req({ body }), ctx(null)))).code).toBe('unauthenticated');
    expect((await rejection(a.push(req({ body }), { requestId: 'r', credential: 'lw_wrong' }))).code).toBe('unauthenticated');
    expect((await rejection(a.push(req({ body }), ctx('read')))).code).toBe('forbidden');
    expect((await rejection(a.pushEvents({ events: [], idempotencyKey: '' }, ctx('read')))).code).toBe('forbidden');
    expect(await entries()).toBe(0);
    // admin implies ingest
    expect((await a.push(req({ body }), ctx('admin'))).accepted).toBe(1);
  });

  it('replays the stored answer for a retried Idempotency-Key and appends nothing the second time', async () => {
    const a = api();
    const body = Buffer.from('[{"message":"x","target":"w"},{"nope":true},{"message":"y","target":"v"}]');
    const first = await a.push(req({ body, idempotencyKey: 'batch-42' }), ctx());
    const before = await entries();
    const again = await a.push(req({ body, idempotencyKey: 'batch-42' }), ctx());
    expect(again).toEqual({ ...first, replayed: true });
    expect(await entries()).toBe(before);

    // Same key with another body: refused. Same key from another tenant: its own request.
    expect((await rejection(a.push(req({ body: Buffer.from('[{"message":"z","target":"w"}]'), idempotencyKey: 'batch-42' }), ctx()))).reason).toBe('idempotency_key_reused');
    const other = await a.push(req({ body, idempotencyKey: 'batch-42' }), ctx('globex'));
    expect(other.replayed).toBe(false);
  });

  it('keeps a retry after a lost answer a no-op in the store: the ids derive from (tenant, key, index)', async () => {
    const a = api();
    const body = Buffer.from(JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ message: `m${i}`, target: `t${i % 3}` }))));
    await a.push(req({ body, idempotencyKey: 'k-crash' }), ctx());
    // Put the record back into the state a process leaves when it dies between XADD and recording the
    // answer: pending, with the attempt's receivedAt, lease expired.
    const [recordKey] = await redis.keys(`${names.key('idem')}:*`); // one SCAN call can miss it in the shared test Redis
    const done = (await redis.get(recordKey as string)) as string;
    const receivedAt = (await streamEvents())[0]?.receivedAt;
    await redis.set(recordKey as string, `P|${done.split('|')[1]}|${receivedAt}|0`, 'KEEPTTL');
    const second = await a.push(req({ body, idempotencyKey: 'k-crash' }), ctx());
    expect(second.replayed).toBe(false);
    const events = await streamEvents();
    expect(events).toHaveLength(40);
    expect(new Set(events.map((e) => e.id)).size).toBe(20);
    await persister().start();
    await waitFor(async () => (await entries()) > 0 && (await store.countEvents('acme')) === 20);
    await new Promise((r) => setTimeout(r, 100));
    expect(await store.countEvents('acme')).toBe(20);
  });

  it('answers 429 with Retry-After only once the unpersisted backlog passes the bound, and accepts again once the persister drains it', async () => {
    const a = api({ persistBacklogLimit: 6, backlogSampleMs: 10 });
    const body = Buffer.from('[{"message":"x","target":"w"}]'); // one partition: one entry per request
    const sampled = async (n: number) => waitFor(async () => (await registryBacklog()) === n);
    for (let i = 0; i < 7; i++) {
      // At or below the bound (as last sampled) every request is accepted.
      await sampled(i);
      expect((await a.push(req({ body }), ctx())).accepted).toBe(1);
    }
    await sampled(7);
    const refused = await rejection(a.push(req({ body }), ctx()));
    expect(refused.code).toBe('rate_limited');
    expect(refused.retryAfterSec).toBeGreaterThanOrEqual(1);
    expect(await entries()).toBe(7);

    await persister().start();
    await waitFor(async () => (await store.countEvents('acme')) === 7);
    await sampled(0);
    expect((await a.push(req({ body }), ctx())).accepted).toBe(1);
  });

  it('keeps accepting while the store fails, refuses with 429 only past the bound, and loses nothing once the store is back', async () => {
    const a = api({ persistBacklogLimit: 5, backlogSampleMs: 10 });
    const faulty = faultyStore(store);
    faulty.failing = true;
    const p = createPersister({
      streams,
      names,
      store: faulty.store,
      logger,
      registry,
      config: { consumerName: 'p1', batchMaxEvents: 1000, blockMs: 20, claimIdleMs: 60_000, retryBaseMs: 5, retryMaxMs: 20, streamRetentionMs: 3_600_000 },
    });
    closers.push(p);
    await p.start();
    let accepted = 0;
    let refused: { code: string; retryAfterSec?: number } | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      try {
        accepted += (await a.push(req({ body: Buffer.from(`[{"message":"m${i}","target":"w"},{"message":"n${i}","target":"w"}]`) }), ctx())).accepted;
      } catch (err) {
        if (!isLightwatchError(err)) throw err;
        refused = err;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(refused).toMatchObject({ code: 'rate_limited' });
    // Not before the bound: at least `limit` requests (one entry each) went in first.
    expect(accepted).toBeGreaterThanOrEqual(2 * 5);
    expect(faulty.failures).toBeGreaterThan(0);
    expect(await store.countEvents('acme')).toBe(0);

    faulty.failing = false;
    await waitFor(async () => (await store.countEvents('acme')) === accepted);
    await waitFor(async () => (await registryBacklog()) === 0);
    expect((await a.push(req({ body: Buffer.from('[{"message":"after","target":"w"}]') }), ctx())).accepted).toBe(1);
    await waitFor(async () => (await store.countEvents('acme')) === accepted + 1);
  });

  it('refuses a ping for an unknown heartbeat target (404) unless an admin key asks to create it', async () => {
    const a = api();
    const ping = (target: string, params: Record<string, string> = {}) => req({ endpoint: 'heartbeat', contentType: '', target, params });
    const missing = await rejection(a.push(ping('nightly-backup'), ctx()));
    expect(missing).toMatchObject({ code: 'not_found', reason: 'unknown_target' });
    expect((await rejection(a.push(ping('nightly-backup', { create: '1' }), ctx()))).reason).toBe('unknown_target');

    expect((await a.push(ping('nightly-backup', { create: '1' }), ctx('admin'))).accepted).toBe(1);
    const created = await store.targets.getByName('acme', 'nightly-backup');
    expect(created).toMatchObject({ kind: 'heartbeat', heartbeat: { intervalSec: 60, graceSec: 60 } });
    expect((await a.push(ping('nightly-backup'), ctx())).accepted).toBe(1);
    // The ping that created the target is marked, so the detector loads the target before applying it; the
    // next ping (the target existed already) is not.
    const stream = names.events(partitionOf('acme', 'nightly-backup', names.partitions));
    const marks = (await redis.xrange(stream, '-', '+')).map(([, f]) => changesConfig(f));
    expect(marks).toEqual([true, false]);
    // Another tenant does not see acme's target.
    expect((await rejection(a.push(ping('nightly-backup'), ctx('globex')))).reason).toBe('unknown_target');

    // In a batch, unknown targets are rejected by index and the rest accepted.
    const batch = Buffer.from(JSON.stringify([{ target: 'nightly-backup', status: 'ok' }, { target: 'typo', status: 'ok' }]));
    const res = await a.push(req({ endpoint: 'heartbeats', body: batch }), ctx());
    expect(res.accepted).toBe(1);
    expect(res.rejected).toEqual([{ index: 1, error: expect.stringContaining('unknown target "typo"') }]);
  });

  it('answers Elasticsearch bulk requests with the bulk response and OTLP with its export response', async () => {
    const a = api();
    const bulk = ['{"index":{"_index":"logs"}}', '{"message":"ok","host":{"name":"web"}}', '{"index":{"_index":"logs"}}', 'not json', ''].join('\n');
    const es = await a.push(req({ endpoint: 'elasticsearch', contentType: 'application/x-ndjson', body: Buffer.from(bulk) }), ctx());
    const parsed = JSON.parse(es.compatBodyJson) as { errors: boolean; items: Record<string, { status: number }>[] };
    expect(parsed.errors).toBe(true);
    expect(parsed.items.map((it) => it.index?.status)).toEqual([201, 400]);

    const otlp = { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] }, scopeLogs: [{ logRecords: [{ timeUnixNano: String(Date.now() * 1e6), severityText: 'INFO', body: { stringValue: 'hi' } }] }] }] };
    const o = await a.push(req({ endpoint: 'otlp_logs', body: Buffer.from(JSON.stringify(otlp)) }), ctx());
    expect(o.accepted).toBe(1);
    expect(JSON.parse(o.compatBodyJson)).toEqual({});
  });

  it('takes structured events over gRPC (pushEvents through the real gRPC adapter), with idempotent retries', async () => {
    const a = api();
    const server = await startGrpcServer('127.0.0.1', 0, [ingestBinding(a)]);
    closers.push({ close: () => server.close() });
    const client = ingestApiClient(`127.0.0.1:${server.port}`);
    closers.push({ close: async () => client.close() });
    const request: PushEventsRequest = {
      idempotencyKey: 'g1',
      events: [
        { kind: 'metric', target: 'web', ts: String(Date.now()), labels: { env: 'prod' }, clientId: '', body: { $case: 'metric', value: { name: 'cpu', value: 0.3, type: 'gauge' } } },
        { kind: 'log', target: 'web', ts: '0', labels: {}, clientId: '', body: { $case: 'log', value: { level: 'info', message: 'hi', fieldsJson: '{"a":1}', format: '' } } },
        { kind: 'log', target: 'web', ts: '0', labels: {}, clientId: '', body: { $case: 'log', value: { level: 'info', message: 'bad', fieldsJson: '{', format: '' } } },
      ],
    };
    const res = await client.pushEvents(request, ctx());
    expect(res.accepted).toBe(2);
    expect(res.rejected.map((r) => r.index)).toEqual([2]);
    expect((await client.pushEvents(request, ctx())).replayed).toBe(true);
    expect((await streamEvents()).map((e) => e.kind).sort()).toEqual(['log', 'metric']);

    const err = await rejection(client.push(req({ body: Buffer.from('[]') }), ctx(null)));
    expect(err.code).toBe('unauthenticated');
    const small = api({ maxItems: 2 });
    expect((await rejection(small.pushEvents({ idempotencyKey: '', events: Array.from({ length: 3 }, () => request.events[0]!) }, ctx()))).reason).toBe('batch_too_large');
  });

  it('counts accepted and rejected events and rejection reasons in its metrics', async () => {
    const a = api();
    await a.push(req({ body: Buffer.from('[{"message":"x","target":"w"},5]') }), ctx());
    await rejection(a.push(req({ body: Buffer.from('[]') }), ctx(null)));
    const text = await registry.metrics();
    expect(text).toMatch(/lightwatch_ingest_events_total\{kind="log",format="json",outcome="accepted"\} 1/);
    expect(text).toMatch(/lightwatch_ingest_events_total\{kind="unknown",format="json",outcome="rejected"\} 1/);
    expect(text).toMatch(/lightwatch_ingest_rejections_total\{reason="unauthenticated"\} 1/);
    expect(text).toMatch(/lightwatch_ingest_batch_events_count\{endpoint="logs"\} 1/);
    expect(a.ready()).toBe(true);
  });
});
