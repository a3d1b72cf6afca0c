// HTTP requests held to the network guard (CHECK_ALLOWED_NETWORKS): the one client that active checks (http,
// scrape) and promql rules' external Prometheus use to reach a URL a tenant gave. The host is checked before
// connecting (an IP literal here, a name through `guard.lookup`, which connects to the very address it
// checked), and redirects are never followed: a 3xx is the answer, so it cannot lead anywhere unchecked.
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { admitUrl, type NetworkGuard } from './guard.js';

export interface GuardedRequestOptions extends Omit<RequestOptions, 'lookup' | 'signal'> {
  signal: AbortSignal;
  /** Sent as the request body. */
  body?: string | Buffer;
}

/** The response to one request to `url` (its body unread), once the guard allowed the address. */
export async function guardedRequest(url: URL, options: GuardedRequestOptions, guard: NetworkGuard): Promise<IncomingMessage> {
  await admitUrl(guard, url);
  const { body, ...rest } = options;
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { ...rest, lookup: guard.lookup }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

/** The body was too large or not what its Content-Encoding said. */
export class ResponseBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseBodyError';
  }
}

/** The body, gunzipped when the server says so, at most `limit` bytes once decoded (else ResponseBodyError). */
export function readBody(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const gzip = /\bgzip\b/i.test(String(res.headers['content-encoding'] ?? ''));
    const source: Readable = gzip ? res.pipe(createGunzip()) : res;
    const chunks: Buffer[] = [];
    let size = 0;
    source.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        res.destroy();
        source.destroy();
        reject(new ResponseBodyError(`body size limit exceeded: more than ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    source.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    source.on('error', (err) => reject(gzip ? new ResponseBodyError(`body is not valid gzip: ${err.message}`) : err));
    res.on('error', reject);
  });
}
