// startBody on a real uWS app: the body comes back byte for byte whether it arrives in one chunk or many, with
// a Content-Length (read into one buffer) or chunked (joined), and past the limit it is refused with 413.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREALLOCATE_MAX_BYTES, startBody } from './body.js';
import { sendError, sendJson, trackAbort } from './respond.js';
import { createApp, listen, type HttpServer } from './server.js';

// Above PREALLOCATE_MAX_BYTES, so both ways of keeping a declared body are taken.
const LIMIT = PREALLOCATE_MAX_BYTES + 64 * 1024;

/** Posts `parts` as separate writes (so uWS sees several chunks), with or without a Content-Length. */
function post(port: number, parts: Buffer[], declared: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const total = parts.reduce((n, p) => n + p.length, 0);
    const req = request({ host: '127.0.0.1', port, path: '/echo', method: 'POST', headers: declared ? { 'content-length': String(total) } : { 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    const write = (i: number): void => {
      if (i === parts.length) return void req.end();
      req.write(parts[i], () => setTimeout(() => write(i + 1), 5));
    };
    write(0);
  });
}

/** What the route answers: the body's length and a checksum of its bytes, or the error. */
const digest = (b: Buffer): { length: number; sum: number } => ({ length: b.length, sum: b.reduce((s, x, i) => (s + x * (i + 1)) % 1_000_003, 0) });

describe('startBody', () => {
  let server: HttpServer;
  beforeAll(async () => {
    const app = createApp();
    app.post('/echo', (res, req) => {
      const state = trackAbort(res);
      const pending = startBody(res, LIMIT, req.getHeader('content-length') || undefined);
      pending.then(
        (b) => sendJson(res, state, 200, digest(b)),
        (err: unknown) => sendError(res, state, err),
      );
    });
    server = await listen(app, '127.0.0.1', 0);
  });
  afterAll(() => server?.close());

  const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

  it('returns every byte of a body sent in one chunk or in several, with and without Content-Length', async () => {
    for (const declared of [true, false]) {
      for (const sizes of [[10], [3000, 7000, 1], [PREALLOCATE_MAX_BYTES / 2, PREALLOCATE_MAX_BYTES / 2], [PREALLOCATE_MAX_BYTES / 2, PREALLOCATE_MAX_BYTES / 2 + 1], [LIMIT]]) {
        const parts = sizes.map((n, i) => bytes(n, i));
        const res = await post(server.port, parts, declared);
        expect(res.status, `${sizes.join('+')} declared=${declared}`).toBe(200);
        expect(JSON.parse(res.body)).toEqual(digest(Buffer.concat(parts)));
      }
    }
  });

  it('gives an empty buffer for an empty body', async () => {
    const res = await post(server.port, [], true);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ length: 0, sum: 0 });
  });

  it('refuses a body over the limit with 413, declared or only found while reading', async () => {
    for (const declared of [true, false]) {
      const res = await post(server.port, [bytes(LIMIT, 1), bytes(1, 2)], declared);
      expect(res.status, `declared=${declared}`).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    }
  });
});
