// The compatibility ping URLs of Healthchecks.io (`/ping/{uuid}[/start|/fail|/log|/{exit}]`,
// `/ping/{ping-key}/{slug}[/…]`, `?rid=`) and Uptime Kuma (`/api/push/{token}?status=&msg=&ping=`). The URL's
// token is the only credential (ingest resolves it to one target); answers are those tools' own, so their
// clients and scripts see what they expect: Healthchecks "OK" / "not found" (text), Kuma {"ok":…} (JSON).
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { asLightwatchError } from '../lib/errors/errors.js';
import { CompatError, compatFailure, compatSuccess, encodePingRef, parseHealthchecksPing, parseKumaPush, type CompatAnswer, type CompatFlavor, type CompatPing } from '../lib/heartbeat/compat.js';
import { startBody } from '../lib/http/body.js';
import { send, trackAbort } from '../lib/http/respond.js';
import type { IngestApi } from '../lib/rpc/apis.js';
import type { GatewayMetrics } from './metrics.js';
import { firstParams, readRequest, type GatewayRequest } from './request.js';

export interface PingRouteDeps {
  ingest: IngestApi;
  logger: Logger;
  metrics: GatewayMetrics;
  maxBodyBytes: number;
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export function attachPingRoutes(app: TemplatedApp, deps: PingRouteDeps): void {
  const handle = (res: HttpResponse, req: GatewayRequest, flavor: CompatFlavor, parse: (query: Record<string, string>) => CompatPing): Promise<void> => {
    const state = trackAbort(res);
    const pending = startBody(res, deps.maxBodyBytes, req.headers['content-length']);
    const started = performance.now();
    const route = `ping_${flavor}`;
    const headers = { 'x-request-id': req.requestId, 'access-control-allow-origin': '*' };
    return (async () => {
      let out: CompatAnswer;
      try {
        const query = firstParams(req.query);
        const ping = parse(query);
        const body = await pending;
        if (state.aborted) return;
        const params: Record<string, string> = {};
        if (ping.rid !== undefined) params.rid = ping.rid;
        if (ping.log !== undefined) params.msg = ping.log;
        if (ping.latencyMs !== undefined) params.latencyMs = String(ping.latencyMs);
        await deps.ingest.push(
          { endpoint: 'ping', contentType: req.headers['content-type'] ?? '', contentEncoding: '', body: req.method === 'GET' || req.method === 'HEAD' ? Buffer.alloc(0) : body, params, idempotencyKey: '', target: encodePingRef(ping.ref), suffix: ping.suffix },
          { requestId: req.requestId, credential: '' },
        );
        out = compatSuccess(flavor, false);
      } catch (err) {
        if (err instanceof CompatError) out = compatFailure(flavor, err.status, err.message);
        else {
          const e = asLightwatchError(err);
          if (e.httpStatus >= 500) deps.logger.error({ err, requestId: req.requestId, route }, 'compat ping failed');
          out = compatFailure(flavor, e.httpStatus, e.message);
          if (e.retryAfterSec !== undefined) (headers as Record<string, string>)['retry-after'] = String(e.retryAfterSec);
        }
      }
      send(res, state, out.status, req.method === 'HEAD' ? '' : out.body, { ...headers, 'content-type': out.contentType });
      deps.metrics.requests.inc({ route, status: String(out.status) });
      deps.metrics.latency.observe({ route }, (performance.now() - started) / 1000);
    })();
  };

  const segments = (req: GatewayRequest): string[] | null => {
    const parts = req.url.replace(/^\/ping\/?/, '').split('/');
    if (parts.at(-1) === '') parts.pop();
    const out: string[] = [];
    for (const p of parts) {
      const d = decode(p);
      if (d === null) return null;
      out.push(d);
    }
    return out;
  };

  for (const method of ['get', 'post', 'head'] as const) {
    app[method]('/ping/*', (res, r) => {
      const req = readRequest(r);
      return handle(res, req, 'healthchecks', (query) => {
        const parts = segments(req);
        if (parts === null) throw new CompatError(404, 'not found');
        return parseHealthchecksPing(parts, query);
      });
    });
  }
  app.any('/api/push/:token', (res, r) => {
    const req = readRequest(r);
    const token = decode(r.getParameter(0) ?? '') ?? '';
    return handle(res, req, 'kuma', (query) => parseKumaPush(token, query));
  });
}
