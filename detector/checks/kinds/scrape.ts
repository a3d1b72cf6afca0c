// Scrape check: one GET of a Prometheus metrics endpoint as Prometheus sends it (its Accept negotiation,
// gzip, X-Prometheus-Scrape-Timeout-Seconds, bearer or basic auth, TLS options), the body bounded and parsed
// by the format its Content-Type names. Connection errors, timeouts, a non-2xx status, an oversized or
// unparsable body fail the attempt; what is stored of a good one is decided in lib/exposition/scrape.ts.
// On node:http so name resolution goes through the network guard.
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { STATUS_CODES } from 'node:http';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { CheckSettingsOf } from '../../../lib/api/check-settings.js';
import { ExpositionError, formatOfContentType, parseExposition, SCRAPE_ACCEPT } from '../../../lib/exposition/parse.js';
import type { Probe } from '../probe.js';

type Scrape = CheckSettingsOf['scrape'];

class ScrapeFailure extends Error {}

function requestOptions(s: Scrape, timeoutMs: number, signal: AbortSignal, lookup: unknown): RequestOptions & Record<string, unknown> {
  const headers: Record<string, string> = {
    accept: SCRAPE_ACCEPT,
    'accept-encoding': 'gzip',
    'user-agent': 'Lightwatch-Scrape/1',
    'x-prometheus-scrape-timeout-seconds': String(timeoutMs / 1000),
  };
  if (s.bearerToken !== undefined) headers.authorization = `Bearer ${s.bearerToken}`;
  else if (s.basicAuth !== undefined) headers.authorization = `Basic ${Buffer.from(`${s.basicAuth.username}:${s.basicAuth.password}`).toString('base64')}`;
  const opts: RequestOptions & Record<string, unknown> = { method: 'GET', headers, signal, lookup: lookup as never };
  if (s.tls !== undefined) {
    const host = new URL(s.url).hostname.replace(/^\[(.*)\]$/, '$1');
    const servername = s.tls.serverName ?? host;
    if (s.tls.ca !== undefined) opts.ca = s.tls.ca;
    if (s.tls.cert !== undefined) opts.cert = s.tls.cert;
    if (s.tls.key !== undefined) opts.key = s.tls.key;
    opts.rejectUnauthorized = !s.tls.insecureSkipVerify;
    // SNI carries names only; the certificate is still checked against an IP literal.
    if (isIP(servername) === 0) opts.servername = servername;
    if (s.tls.serverName !== undefined) opts.checkServerIdentity = (_host: string, cert: unknown) => tlsIdentity(servername, cert);
  }
  return opts;
}

function tlsIdentity(servername: string, cert: unknown): Error | undefined {
  return checkServerIdentity(servername, cert as PeerCertificate);
}

/** The body, gunzipped when the server says so, at most `limit` bytes once decoded. */
function readBody(res: IncomingMessage, limit: number): Promise<string> {
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
        reject(new ScrapeFailure(`body size limit exceeded: more than ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    source.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    source.on('error', (err) => reject(gzip ? new ScrapeFailure(`body is not valid gzip: ${err.message}`) : err));
    res.on('error', reject);
  });
}

function get(s: Scrape, timeoutMs: number, signal: AbortSignal, lookup: unknown): Promise<{ status: number; contentType: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(s.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, requestOptions(s, timeoutMs, signal, lookup), (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        res.resume();
        reject(Object.assign(new ScrapeFailure(`server returned HTTP status ${status} ${STATUS_CODES[status] ?? ''}`.trim()), { status }));
        return;
      }
      readBody(res, s.bodySizeLimitBytes).then((body) => resolve({ status, contentType: res.headers['content-type'], body }), reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export const scrapeProbe: Probe<Scrape> = {
  async attempt(s, { signal, timeoutMs, guard }) {
    if (guard.restricted) await guard.address(new URL(s.url).hostname.replace(/^\[(.*)\]$/, '$1')); // literal IPs skip lookup
    const started = performance.now();
    let r: Awaited<ReturnType<typeof get>>;
    try {
      r = await get(s, timeoutMs, signal, guard.lookup);
    } catch (err) {
      if (!(err instanceof ScrapeFailure)) throw err;
      const status = (err as { status?: number }).status;
      return status === undefined ? { ok: false, error: err.message } : { ok: false, error: err.message, status };
    }
    const format = formatOfContentType(r.contentType);
    try {
      const exposition = parseExposition(r.body, format);
      return { ok: true, status: r.status, scrape: { exposition, durationSec: (performance.now() - started) / 1000 } };
    } catch (err) {
      if (!(err instanceof ExpositionError)) throw err;
      return { ok: false, status: r.status, error: `unparsable ${format === 'openmetrics' ? 'OpenMetrics' : 'text format'} body: ${err.message}`.slice(0, 300) };
    }
  },
};
