// The query service over real gRPC: results and errors (code, reason, message, details) arrive as a local call
// would give them, and the credential travels in metadata.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryApiClient } from '../lib/rpc/grpc-clients.js';
import { queryBinding, startGrpcServer, type GrpcServer } from '../lib/rpc/grpc-server.js';
import type { QueryApi } from '../lib/rpc/apis.js';
import { callHttp, createFixture, type Fixture } from './test-fixture.js';

let f: Fixture;
let server: GrpcServer;
let client: QueryApi & { close(): void };

beforeAll(async () => {
  f = await createFixture();
  server = await startGrpcServer('127.0.0.1', 0, [queryBinding(f.api)]);
  client = queryApiClient(`127.0.0.1:${server.port}`, 10_000);
});
afterAll(async () => {
  client.close();
  await server.close();
  await f.close();
});

describe('QueryService over gRPC', () => {
  it('creates and reads resources with the caller credential', async () => {
    const created = await callHttp(client, f.keys.adminA, 'POST', '/api/targets', { body: { name: 'over-grpc', kind: 'log' } });
    expect(created.status).toBe(201);
    const listed = await callHttp(client, f.keys.readA, 'GET', '/api/targets');
    expect(listed.body.items.map((t: { name: string }) => t.name)).toEqual(['over-grpc']);
    expect((await callHttp(client, f.keys.readA, 'GET', '/api/logs')).body).toEqual({ items: [], nextCursor: null });
  });

  it('keeps error codes, reasons and details across the wire', async () => {
    const invalid = await callHttp(client, f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'heartbeat', heartbeat: { intervalSec: 0 } } });
    const local = await callHttp(f.api, f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'heartbeat', heartbeat: { intervalSec: 0 } } });
    expect(invalid.status).toBe(422);
    expect(invalid).toEqual(local);
    expect(invalid.body.error.details).toEqual([{ at: '/heartbeat/intervalSec', message: expect.any(String) }]);

    const malformed = await callHttp(client, f.keys.adminA, 'POST', '/api/targets', { body: '{' });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'malformed_json' } } });
    expect(await callHttp(client, null, 'GET', '/api/targets')).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
    expect(await callHttp(client, f.keys.ingestA, 'GET', '/api/targets')).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(await callHttp(client, f.keys.adminA, 'GET', '/api/targets/nope')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await callHttp(client, f.keys.adminA, 'POST', '/api/targets', { body: { name: 'over-grpc', kind: 'log' } })).toMatchObject({ status: 409 });

    const err = await client
      .queryEvents({ kind: 'log', target: '', labels: {}, level: '', severity: '', category: '', status: '', name: '', text: '', from: '0', to: '0', limit: 5000, order: '', cursor: '' }, { requestId: 'r', credential: f.keys.readA })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_request', details: [{ at: 'limit', message: 'must be an integer from 1 to 1000' }] });
  });

  it('answers unknown resources sent by a raw client with not_found', async () => {
    const err = await client.resource({ resource: 'secrets', verb: 'list', id: '', action: '', params: {}, bodyJson: '' }, { requestId: 'r', credential: f.keys.adminA }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not_found' });
    const noId = await client.resource({ resource: 'targets', verb: 'get', id: '', action: '', params: {}, bodyJson: '' }, { requestId: 'r', credential: f.keys.adminA }).catch((e: unknown) => e);
    expect(noId).toMatchObject({ code: 'not_found' });
  });
});
