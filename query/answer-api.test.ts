// answerApi (lib/api/answer.ts) is the gateway's /api answer without uWS: headers, CORS and error shapes are checked
// here once; the other query tests reach it through the fixture's http().
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnswerApi } from '../lib/api/answer.js';
import { createCors } from '../lib/http/cors.js';
import { createFixture, type Fixture } from './test-fixture.js';

describe('answerApi', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture();
  });
  afterAll(async () => f.close());

  const answer = () => createAnswerApi({ query: f.api, logger: pino({ level: 'silent' }), openApiDocument: { openapi: '3.1.0' }, cors: createCors(['https://ok.example']) });

  it('answers a read with JSON, the request id and CORS headers for an allowed origin', async () => {
    const res = await answer()({ method: 'GET', path: '/api/logs', headers: { authorization: `Bearer ${f.keys.readA}`, origin: 'https://ok.example' }, requestId: 'r1' });
    expect(res).toMatchObject({ status: 200, route: 'api_logs', headers: { 'x-request-id': 'r1', 'content-type': 'application/json', 'access-control-allow-origin': 'https://ok.example' } });
    expect(JSON.parse(res.body)).toEqual({ items: [], nextCursor: null });
  });

  it('answers errors in the one shape, with WWW-Authenticate on 401', async () => {
    const res = await answer()({ method: 'GET', path: '/api/targets' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="lightwatch"');
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'unauthenticated' } });
    const bad = await answer()({ method: 'GET', path: '/api/logs', query: new URLSearchParams('level=loud'), headers: { 'x-api-key': f.keys.readA } });
    expect(bad.status).toBe(400);
  });

  it('answers preflights before routing, and serves the OpenAPI document', async () => {
    expect((await answer()({ method: 'OPTIONS', path: '/api/logs', headers: { origin: 'https://ok.example' } })).status).toBe(204);
    expect((await answer()({ method: 'OPTIONS', path: '/api/logs', headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect(JSON.parse((await answer()({ method: 'GET', path: '/api/openapi.json' })).body)).toEqual({ openapi: '3.1.0' });
  });

  it('announces changes the detectors act on, after they succeed and before answering', async () => {
    f.changes.length = 0;
    const created = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'announced', kind: 'log' } });
    expect(created.status).toBe(201);
    expect((await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'announced', kind: 'log' } })).status).toBe(409);
    await f.http(f.keys.readA, 'GET', '/api/targets');
    await f.http(f.keys.adminA, 'POST', '/api/keys', { body: { name: 'not-config', scopes: ['read'] } });
    // Each notice names the entity changed: the one created (id from the reply), or the path's.
    expect(f.changes).toEqual([{ tenant: 'a', resource: 'targets', id: created.body.id }]);
    expect((await f.http(f.keys.adminA, 'PATCH', `/api/targets/${created.body.id}`, { body: { paused: true } })).status).toBe(200);
    expect((await f.http(f.keys.adminA, 'DELETE', `/api/targets/${created.body.id}`)).status).toBe(200);
    expect(f.changes.slice(1)).toEqual([
      { tenant: 'a', resource: 'targets', id: created.body.id },
      { tenant: 'a', resource: 'targets', id: created.body.id },
    ]);
    f.changes.length = 0;
    const silence = await f.http(f.keys.adminA, 'POST', '/api/am/api/v2/silences', { body: { matchers: [{ name: 'env', value: 'prod', isRegex: false }], startsAt: new Date(f.clock.now).toISOString(), endsAt: new Date(f.clock.now + 3_600_000).toISOString(), createdBy: 'me', comment: 'x' } });
    expect(silence.status).toBe(200);
    expect(f.changes).toEqual([{ tenant: 'a', resource: 'silences', id: silence.body.silenceID }]);
  });
});
