// Scrape check: one GET of a Prometheus metrics endpoint as Prometheus sends it (its Accept negotiation,
// gzip, X-Prometheus-Scrape-Timeout-Seconds, bearer or basic auth, TLS options), the body bounded and parsed
// by the format its Content-Type names. Connection errors, timeouts, a non-2xx status, an oversized or
// unparsable body fail the attempt; what is stored of a good one is decided in lib/exposition/scrape.ts.
// Through lib/net/guarded-request.ts, so the connection is held to the network guard.
import { STATUS_CODES } from 'node:http';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { CheckSettingsOf } from '../../../lib/api/check-settings.js';
import { hostOf, type NetworkGuard } from '../../../lib/net/guard.js';
import { guardedRequest, readBody, ResponseBodyError, type GuardedRequestOptions } from '../../../lib/net/guarded-request.js';
import { ExpositionError, formatOfContentType, parseExposition, SCRAPE_ACCEPT } from '../../../lib/exposition/parse.js';
import type { Probe } from '../probe.js';

type Scrape = CheckSettingsOf['scrape'];

class ScrapeFailure extends Error {}

function requestOptions(s: Scrape, timeoutMs: number, signal: AbortSignal): GuardedRequestOptions & Record<string, unknown> {
  const headers: Record<string, string> = {
    accept: SCRAPE_ACCEPT,
    'accept-encoding': 'gzip',
    'user-agent': 'Lightwatch-Scrape/1',
    'x-prometheus-scrape-timeout-seconds': String(timeoutMs / 1000),
  };
  if (s.bearerToken !== undefined) headers.authorization = `Bearer ${s.bearerToken}`;
  else if (s.basicAuth !== undefined) headers.authorization = `Basic ${Buffer.from(`${s.basicAuth.username}:${s.basicAuth.password}`).toString('base64')}`;
  const opts: GuardedRequestOptions & Record<string, unknown> = { method: 'GET', headers, signal };
  if (s.tls !== undefined) {
    const host = hostOf(s.url);
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

async function get(s: Scrape, timeoutMs: number, signal: AbortSignal, guard: NetworkGuard): Promise<{ status: number; contentType: string | undefined; body: string }> {
  const res = await guardedRequest(new URL(s.url), requestOptions(s, timeoutMs, signal), guard);
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) {
    res.resume();
    throw Object.assign(new ScrapeFailure(`server returned HTTP status ${status} ${STATUS_CODES[status] ?? ''}`.trim()), { status });
  }
  try {
    return { status, contentType: res.headers['content-type'], body: await readBody(res, s.bodySizeLimitBytes) };
  } catch (err) {
    throw err instanceof ResponseBodyError ? new ScrapeFailure(err.message) : err;
  }
}

export const scrapeProbe: Probe<Scrape> = {
  async attempt(s, { signal, timeoutMs, guard }) {
    const started = performance.now();
    let r: Awaited<ReturnType<typeof get>>;
    try {
      r = await get(s, timeoutMs, signal, guard);
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
