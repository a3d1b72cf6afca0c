// /ingest/*: authenticate, check the scope, read the bounded body, hand it to IngestApi.push, and answer in
// the shape each protocol's clients expect (native 202 JSON; Prometheus/Loki 204, or 400 naming what was refused;
// OTLP 200; ES bulk 200).
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { hasScope, type Authenticate } from '../lib/auth/principal.js';
import { forbidden, rateLimited, unauthenticated } from '../lib/errors/errors.js';
import { decodePathSegment } from '../lib/http/decode.js';
import { startBody } from '../lib/http/body.js';
import { send, sendError, sendJson, trackAbort } from '../lib/http/respond.js';
import type { IngestApi } from '../lib/rpc/apis.js';
import type { PushResponse } from '../proto/gen/lightwatch/v1/ingest.js';
import type { GatewayMetrics } from './metrics.js';
import { INGEST_PATHS, uwsPattern, type IngestAnswer } from '../lib/api/ingest-paths.js';
import { perSecond, type TokenBuckets } from '../lib/limits/token-bucket.js';
import { firstParams, readRequest, type GatewayRequest } from './request.js';

export interface IngestRouteDeps {
  ingest: IngestApi;
  authenticate: Authenticate;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Per-tenant request buckets, and the rate each tenant gets (requests/s, bursts of two seconds' worth). */
  rateLimiter: TokenBuckets;
  tenantRateLimit: number;
  maxBodyBytes: number;
}

type Answer = (res: PushResponse, req: GatewayRequest) => { status: number; body: string; contentType: string };

const native: Answer = (r) => ({
  status: 202,
  body: JSON.stringify({ accepted: r.accepted, rejected: r.rejected.map((x) => ({ index: x.index, error: x.error })), ...(r.replayed ? { replayed: true } : {}) }),
  contentType: 'application/json',
});
/**
 * Loki and Prometheus remote_write: 204 when everything was stored; otherwise 400 (their clients drop the
 * batch instead of retrying it forever) with the reasons as text, while the good entries are stored.
 */
const noContentOrRefused = (unit: string, units: string): Answer => (r) => {
  if (r.rejected.length === 0) return { status: 204, body: '', contentType: 'text/plain' };
  const shown = r.rejected.slice(0, 20).map((x) => `${unit} ${x.index}: ${x.error}`);
  if (r.rejected.length > shown.length) shown.push(`… and ${r.rejected.length - shown.length} more`);
  const head = `${r.rejected.length} ${r.rejected.length === 1 ? unit : units} refused, ${r.accepted} stored`;
  return { status: 400, body: `${head}\n${shown.join('\n')}\n`, contentType: 'text/plain; charset=utf-8' };
};
const compat: Answer = (r) => ({ status: 200, body: r.compatBodyJson || '{}', contentType: 'application/json' });
const otlp: Answer = (r, req) =>
  (req.headers['content-type'] ?? '').includes('protobuf')
    ? // An empty protobuf message is a valid Export*ServiceResponse (full success); partial success is reported in JSON only.
      { status: 200, body: '', contentType: 'application/x-protobuf' }
    : { status: 200, body: r.compatBodyJson || '{}', contentType: 'application/json' };

const ES_PRODUCT = { 'x-elastic-product': 'Elasticsearch' } as const;

const ANSWERS: Record<Exclude<IngestAnswer, 'elasticsearch_info'>, Answer> = {
  native,
  prometheus: noContentOrRefused('sample', 'samples'),
  loki: noContentOrRefused('entry', 'entries'),
  otlp,
  elasticsearch: compat,
};

export function attachIngestRoutes(app: TemplatedApp, deps: IngestRouteDeps): void {
  /** `path.target` and `path.suffix` are the raw (still percent-encoded) heartbeat path segments. */
  const handle = (res: HttpResponse, req: GatewayRequest, endpoint: string, answer: Answer, path: { target?: string; suffix?: string; secret?: string }): Promise<void> => {
    const state = trackAbort(res);
    // Before any await: uWS drops chunks that arrive while no reader is attached (issue 17.2).
    const pending = startBody(res, deps.maxBodyBytes, req.headers['content-length']);
    const started = performance.now();
    // Elasticsearch clients 8.x and 9.x refuse any answer without this header, errors included.
    const headers: Record<string, string> = endpoint === 'elasticsearch' ? { 'x-request-id': req.requestId, ...ES_PRODUCT } : { 'x-request-id': req.requestId };
    return (async () => {
      let status = 500;
      try {
        const target = decodePathSegment(path.target ?? '', 'target');
        const suffix = decodePathSegment(path.suffix ?? '', 'suffix');
        if (path.secret !== undefined) {
          // Telegram's webhook carries no Authorization header: the key is the path secret, and when the
          // webhook was set with secret_token, Telegram's X-Telegram-Bot-Api-Secret-Token must equal it too.
          const secret = decodePathSegment(path.secret, 'secret');
          const token = req.headers['x-telegram-bot-api-secret-token'];
          if (secret === '' || (token !== undefined && token !== secret)) throw unauthenticated('wrong webhook secret');
          req = { ...req, credential: secret };
        }
        if (!req.credential) throw unauthenticated('missing credential: send Authorization: Bearer <key>, X-API-Key, or the key as the Basic password');
        const principal = await deps.authenticate(req.credential);
        if (!hasScope(principal, 'ingest')) throw forbidden('this key lacks the ingest scope');
        const wait = Math.ceil(deps.rateLimiter.take(principal.tenant, perSecond(deps.tenantRateLimit, 2)) / 1000);
        if (wait > 0) throw rateLimited(`tenant request rate over the limit; retry in ${wait}s`, wait);
        const body = await pending;
        if (state.aborted) return;
        deps.metrics.requestBytes.observe({ endpoint }, body.byteLength);
        const result = await deps.ingest.push(
          {
            endpoint,
            contentType: req.headers['content-type'] ?? '',
            contentEncoding: req.headers['content-encoding'] ?? '',
            body,
            params: firstParams(req.query),
            idempotencyKey: req.headers['idempotency-key'] ?? '',
            target,
            suffix,
          },
          { requestId: req.requestId, credential: req.credential },
        );
        const out = answer(result, req);
        status = out.status;
        send(res, state, out.status, out.body, { ...headers, 'content-type': out.contentType });
      } catch (err) {
        status = sendError(res, state, err, headers).httpStatus;
        if (status >= 500) deps.logger.error({ err, requestId: req.requestId, endpoint }, 'ingest request failed');
      } finally {
        deps.metrics.requests.inc({ route: `ingest_${endpoint}`, status: String(status) });
        deps.metrics.latency.observe({ route: `ingest_${endpoint}` }, (performance.now() - started) / 1000);
      }
    })();
  };

  // Elasticsearch clients (Filebeat, Logstash) probe the cluster before shipping: answer like a cluster.
  const esInfo = JSON.stringify({
    name: 'lightwatch',
    cluster_name: 'lightwatch',
    version: { number: '8.11.0', build_flavor: 'default', lucene_version: '9.8.0', minimum_wire_compatibility_version: '7.17.0' },
    tagline: 'You Know, for Search',
  });
  // Every route from the one table the OpenAPI document is built from (lib/api/ingest-paths.ts).
  for (const route of INGEST_PATHS) {
    const names = [...route.path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1] as string);
    const patterns = route.answer === 'elasticsearch_info' ? [route.path, `${route.path}/`] : [uwsPattern(route.path)];
    for (const pattern of patterns) {
      for (const method of route.methods) {
        if (route.answer === 'elasticsearch_info') {
          app[method === 'HEAD' ? 'head' : 'get'](pattern, (res) => {
            const state = trackAbort(res);
            send(res, state, 200, method === 'HEAD' ? '' : esInfo, method === 'HEAD' ? ES_PRODUCT : { 'content-type': 'application/json', ...ES_PRODUCT });
          });
          continue;
        }
        const answer = ANSWERS[route.answer];
        const endpoint = route.endpoint as string;
        app[method === 'GET' ? 'get' : 'post'](pattern, (res, r) => {
          // Raw (still percent-encoded) segments by name: target and suffix of a ping, the Telegram secret.
          const segments: Record<string, string> = {};
          names.forEach((name, i) => (segments[name] = r.getParameter(i) ?? ''));
          return handle(res, readRequest(r), endpoint, answer, { target: segments.target, suffix: segments.suffix, secret: segments.secret });
        });
      }
    }
  }
  app.any('/ingest/*', (res, r) => {
    const state = trackAbort(res);
    const req = readRequest(r);
    sendJson(res, state, 404, { error: { code: 'not_found', message: `no ingest endpoint ${req.method} ${req.url}`, details: [] } }, { 'x-request-id': req.requestId });
  });
}
