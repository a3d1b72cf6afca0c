// The boundary guard on a real uWS app: a handler that throws, synchronously or asynchronously, answers the
// JSON error shape and the process keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badRequest } from '../errors/errors.js';
import { sendJson, trackAbort } from './respond.js';
import { createApp, listen, type HttpServer } from './server.js';

describe('guarded routes', () => {
  let server: HttpServer;
  const reported: unknown[] = [];
  let url = '';
  beforeAll(async () => {
    const app = createApp((err) => reported.push(err));
    app.get('/sync', () => {
      throw new URIError('URI malformed');
    });
    app.get('/async', async () => {
      await Promise.resolve();
      throw badRequest('nope');
    });
    app.get('/after-answer', (res) => {
      sendJson(res, trackAbort(res), 200, { ok: true });
      throw new Error('late');
    });
    app.any('/*', (res) => sendJson(res, trackAbort(res), 404, {}));
    server = await listen(app, '127.0.0.1', 0);
    url = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server?.close());

  it('answers 500 with the error shape to a synchronous throw and reports it', async () => {
    const res = await fetch(`${url}/sync`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal error', details: [] } });
    expect(reported).toHaveLength(1);
  });

  it('answers the error status of a rejected handler promise', async () => {
    const res = await fetch(`${url}/async`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'bad_request', message: 'nope' } });
  });

  it('answers once when the handler threw after answering', async () => {
    const res = await fetch(`${url}/after-answer`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect((await fetch(`${url}/other`)).status).toBe(404);
  });
});
