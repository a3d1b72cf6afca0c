// The gRPC adapter over real sockets: context travels in metadata, errors come back as the same taxonomy.
import { afterAll, describe, expect, it } from 'vitest';
import { badRequest, rateLimited } from '../errors/errors.js';
import type { CallContext, IngestApi } from './apis.js';
import { CHANNEL_OPTIONS, ingestApiClient } from './grpc-clients.js';
import { ingestBinding, startGrpcServer } from './grpc-server.js';

describe('gRPC adapter', async () => {
  const seen: CallContext[] = [];
  const api: IngestApi = {
    async push(req, ctx) {
      seen.push(ctx);
      if (req.endpoint === 'bad') throw badRequest('malformed JSON at line 2, column 5', [{ at: 'line 2', message: 'unexpected token' }], 'malformed_json');
      if (req.endpoint === 'busy') throw rateLimited('backlog full', 7);
      if (req.endpoint === 'boom') throw new Error('secret internals');
      return { accepted: req.body.length, rejected: [{ index: 1, error: 'x' }], compatBodyJson: '', replayed: false };
    },
    async pushEvents(req) {
      return { accepted: req.events.length, rejected: [], compatBodyJson: '', replayed: false };
    },
  };
  const server = await startGrpcServer('127.0.0.1', 0, [ingestBinding(api)]);
  const client = ingestApiClient(`127.0.0.1:${server.port}`);
  afterAll(async () => {
    client.close();
    await server.close();
  });
  const base = { contentType: 'application/json', contentEncoding: '', params: {}, idempotencyKey: '', target: '', suffix: '' };

  it('carries the request and the context', async () => {
    const res = await client.push({ ...base, endpoint: 'logs', body: Buffer.from('abc') }, { requestId: 'r-1', credential: 'lw_k' });
    expect(res).toEqual({ accepted: 3, rejected: [{ index: 1, error: 'x' }], compatBodyJson: '', replayed: false });
    expect(seen.at(-1)).toEqual({ requestId: 'r-1', credential: 'lw_k' });
  });

  it('returns the same LightwatchError the service threw', async () => {
    await expect(client.push({ ...base, endpoint: 'bad', body: Buffer.alloc(0) }, { requestId: 'r', credential: null })).rejects.toMatchObject({
      code: 'bad_request',
      reason: 'malformed_json',
      message: 'malformed JSON at line 2, column 5',
      details: [{ at: 'line 2', message: 'unexpected token' }],
    });
    await expect(client.push({ ...base, endpoint: 'busy', body: Buffer.alloc(0) }, { requestId: 'r', credential: null })).rejects.toMatchObject({
      code: 'rate_limited',
      retryAfterSec: 7,
    });
  });

  it('hides internals of unexpected errors', async () => {
    const err = await client.push({ ...base, endpoint: 'boom', body: Buffer.alloc(0) }, { requestId: 'r', credential: null }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'internal', message: 'internal error' });
  });

  it('answers unavailable when nothing listens', async () => {
    const dead = ingestApiClient('127.0.0.1:1', 2_000);
    await expect(dead.push({ ...base, endpoint: 'logs', body: Buffer.alloc(0) }, { requestId: 'r', credential: null })).rejects.toMatchObject({ code: 'unavailable' });
    dead.close();
  });

  it('reconnects to a service that was down within a second of its return, however long it was down', () => {
    // grpc-js backs off up to 120 s by default: a gateway kept failing long after a restarted ingest was ready.
    expect(CHANNEL_OPTIONS['grpc.max_reconnect_backoff_ms']).toBeLessThanOrEqual(1_000);
    expect(CHANNEL_OPTIONS['grpc.initial_reconnect_backoff_ms']).toBeLessThanOrEqual(CHANNEL_OPTIONS['grpc.max_reconnect_backoff_ms']);
  });
});
