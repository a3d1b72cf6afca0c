// /api/*: map the HTTP request to a QueryApi call with the shared route table (lib/api/routes.ts), forward the
// caller's credential (the query service authenticates and authorizes), and answer JSON.
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { eventsPageToJson, seriesToJson } from '../lib/api/event-wire.js';
import { apiCallFromHttp } from '../lib/api/routes.js';
import { errorBody, statusOf } from '../lib/prom/params.js';
import { PROM_BASE, promRequestFromHttp, PromRouteError } from '../lib/prom/routes.js';
import { AM_BASE, amRequestFromHttp, AmRouteError } from '../lib/am/routes.js';
import { PromQLError } from '../lib/promql/errors.js';
import { isLightwatchError } from '../lib/errors/errors.js';
import { startBody } from '../lib/http/body.js';
import type { Cors } from '../lib/http/cors.js';
import type { LoginGuard } from './login-guard.js';
import { decodeUtf8 } from '../lib/text/utf8.js';
import { send, sendError, sendJson, trackAbort } from '../lib/http/respond.js';
import type { QueryApi } from '../lib/rpc/apis.js';
import type { GatewayMetrics } from './metrics.js';
import { readRequest, type GatewayRequest } from './request.js';

export interface ApiRouteDeps {
  query: QueryApi;
  logger: Logger;
  metrics: GatewayMetrics;
  openApiDocument: unknown;
  maxBodyBytes: number;
  cors: Cors;
  login: LoginGuard;
}

function paramsOf(query: URLSearchParams): Record<string, string[]> {
  // No prototype: a parameter named `__proto__` is a parameter like any other (and gets its 400 downstream).
  const out = Object.create(null) as Record<string, string[]>;
  for (const [k, v] of query) (out[k] ??= []).push(v);
  return out;
}

export function attachApiRoutes(app: TemplatedApp, deps: ApiRouteDeps): void {
  /** /api/prom: Prometheus's API, answered in its own shapes, errors included. Returns the status sent. */
  async function answerProm(res: HttpResponse, state: ReturnType<typeof trackAbort>, req: GatewayRequest, raw: Buffer, headers: Record<string, string>): Promise<number> {
    const ctx = { requestId: req.requestId, credential: req.credential };
    try {
      const out = await deps.query.prometheus(promRequestFromHttp(req.method, req.url, req.query, raw, req.headers), ctx);
      send(res, state, out.httpStatus, Buffer.from(out.body), { ...headers, ...out.headers, 'content-type': out.contentType });
      return out.httpStatus;
    } catch (err) {
      const [status, type] =
        err instanceof PromRouteError
          ? [err.status, err.status === 404 ? 'not_found' : 'bad_data']
          : err instanceof PromQLError
            ? [statusOf(err.errorType), err.errorType]
            : isLightwatchError(err)
              ? [err.httpStatus, err.httpStatus === 503 ? 'unavailable' : err.httpStatus < 500 ? 'bad_data' : 'internal']
              : [500, 'internal'];
      if (status >= 500) deps.logger.error({ err, requestId: req.requestId, url: req.url }, 'prometheus api request failed');
      send(res, state, status, errorBody(type, err instanceof Error ? err.message : String(err)), { ...headers, 'content-type': 'application/json' });
      return status;
    }
  }

  /** /api/am: Alertmanager's v2 API, answered in its own shapes (errors as a JSON string). Returns the status sent. */
  async function answerAm(res: HttpResponse, state: ReturnType<typeof trackAbort>, req: GatewayRequest, raw: Buffer, headers: Record<string, string>): Promise<number> {
    const ctx = { requestId: req.requestId, credential: req.credential };
    try {
      const out = await deps.query.alertmanager(amRequestFromHttp(req.method, req.url, req.query, raw, req.headers), ctx);
      send(res, state, out.httpStatus, Buffer.from(out.body), { ...headers, ...out.headers, 'content-type': out.contentType });
      return out.httpStatus;
    } catch (err) {
      const status = err instanceof AmRouteError ? err.status : isLightwatchError(err) ? err.httpStatus : 500;
      if (status >= 500) deps.logger.error({ err, requestId: req.requestId, url: req.url }, 'alertmanager api request failed');
      send(res, state, status, JSON.stringify(err instanceof Error ? err.message : String(err)), { ...headers, 'content-type': 'application/json' });
      return status;
    }
  }

  const openApiJson = JSON.stringify(deps.openApiDocument);
  const handle = (res: HttpResponse, req: GatewayRequest): Promise<void> => {
    const state = trackAbort(res);
    // Before any await: uWS drops chunks that arrive while no reader is attached (issue 17.2).
    const pending = startBody(res, deps.maxBodyBytes, req.headers['content-length']);
    const started = performance.now();
    const headers = { 'x-request-id': req.requestId, ...deps.cors.headersFor(req.headers.origin) };
    // Read now: uWS's response cannot tell its peer after the handler returned. Only a POST can be a login.
    const address = req.method === 'POST' ? deps.login.addressOf(res, req.headers['x-forwarded-for']) : '';
    if (req.method === 'OPTIONS' && deps.cors.enabled) {
      // A browser's preflight: answered here, before routing (it carries no credential).
      const answer = deps.cors.preflight(req.headers.origin);
      if (answer.status === 204) send(res, state, 204, '', { 'x-request-id': req.requestId, ...answer.headers });
      else sendJson(res, state, 403, { error: { code: 'origin_not_allowed', message: `origin ${JSON.stringify((req.headers.origin ?? '').slice(0, 100))} is not in CORS_ORIGINS`, details: [] } }, { 'x-request-id': req.requestId, ...answer.headers });
      deps.metrics.requests.inc({ route: 'api_preflight', status: String(answer.status) });
      return Promise.resolve();
    }
    const ctx = { requestId: req.requestId, credential: req.credential };
    let route = 'api_other';
    return (async () => {
      let status = 500;
      try {
        const hasBody = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
        const raw = await pending;
        // Refused like /ingest refuses it: decoding would store U+FFFD in place of what the client sent.
        const body = hasBody ? decodeUtf8(raw, 'request body') : '';
        if (state.aborted) return;
        if (req.url === PROM_BASE || req.url.startsWith(`${PROM_BASE}/`)) {
          route = 'api_prom';
          status = await answerProm(res, state, req, hasBody ? raw : Buffer.alloc(0), headers);
          return;
        }
        if (req.url === AM_BASE || req.url.startsWith(`${AM_BASE}/`)) {
          route = 'api_am';
          status = await answerAm(res, state, req, hasBody ? raw : Buffer.alloc(0), headers);
          return;
        }
        const call = apiCallFromHttp(req.method, req.url, paramsOf(req.query), body);
        route = call.type === 'events' ? `api_${call.collection}` : call.type === 'resource' ? `api_${call.request.resource}` : `api_${call.type}`;
        switch (call.type) {
          case 'openapi':
            status = 200;
            send(res, state, 200, openApiJson, { ...headers, 'content-type': 'application/json' });
            return;
          case 'events':
            status = 200;
            sendJson(res, state, 200, eventsPageToJson(await deps.query.queryEvents(call.request, ctx)), headers);
            return;
          case 'series':
            status = 200;
            sendJson(res, state, 200, seriesToJson(await deps.query.metricSeries(call.request, ctx)), headers);
            return;
          case 'resource': {
            const isLogin = call.request.resource === 'auth' && call.request.action === 'login';
            const out = isLogin ? await deps.login.run(address, body, () => deps.query.resource(call.request, ctx)) : await deps.query.resource(call.request, ctx);
            status = out.httpStatus || 200;
            send(res, state, status, out.bodyJson, { ...headers, 'content-type': 'application/json' });
            return;
          }
        }
      } catch (err) {
        status = sendError(res, state, err, headers).httpStatus;
        if (status >= 500) deps.logger.error({ err, requestId: req.requestId, url: req.url }, 'api request failed');
      } finally {
        deps.metrics.requests.inc({ route, status: String(status) });
        deps.metrics.latency.observe({ route }, (performance.now() - started) / 1000);
      }
    })();
  };
  app.any('/api/*', (res, r) => handle(res, readRequest(r)));
  app.any('/api', (res, r) => handle(res, readRequest(r)));
}
