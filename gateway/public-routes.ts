// Public status pages and badges, without credentials: GET /status/{slug} (HTML), its stylesheet, and
// GET /badge/{slug}/{target}/status.svg and /badge/{slug}/{target}/uptime/{window}.svg. All read the published
// page through the query service's public route, so a target that is not on a published page (another
// tenant's included) answers 404 exactly like a missing one.
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { PublicStatus, PublicTarget } from '../lib/board/wire.js';
import { isLightwatchError } from '../lib/errors/errors.js';
import { send, trackAbort } from '../lib/http/respond.js';
import { badgeSvg, formatPercent, stateColor, uptimeColor } from '../lib/public/badge.js';
import { renderStatusPage, STATUS_PAGE_CSS } from '../lib/public/status-html.js';
import type { QueryApi } from '../lib/rpc/apis.js';

export interface PublicRouteDeps {
  query: QueryApi;
  logger: Logger;
}

const CSS_PATH = '/status/_/status.css';
const WINDOWS = ['24h', '7d', '30d', '90d'] as const;
const HTML_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const SVG_HEADERS = { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'public, max-age=60', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'", 'x-content-type-options': 'nosniff' };

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export function attachPublicRoutes(app: TemplatedApp, deps: PublicRouteDeps): void {
  const load = async (slug: string, requestId: string): Promise<PublicStatus | null> => {
    try {
      const out = await deps.query.resource({ resource: 'public', verb: 'action', id: slug, action: 'status', params: {}, bodyJson: '' }, { requestId, credential: null });
      return JSON.parse(out.bodyJson) as PublicStatus;
    } catch (err) {
      if (isLightwatchError(err) && (err.code === 'not_found' || err.httpStatus === 400 || err.httpStatus === 404)) return null;
      throw err;
    }
  };

  const respond = (res: HttpResponse, work: (requestId: string) => Promise<{ status: number; body: string; headers: Record<string, string> }>): void => {
    const state = trackAbort(res);
    const requestId = crypto.randomUUID();
    void work(requestId)
      .then((r) => send(res, state, r.status, r.body, { ...r.headers, 'x-request-id': requestId }))
      .catch((err: unknown) => {
        deps.logger.error({ err, requestId }, 'public page failed');
        send(res, state, 503, 'temporarily unavailable', { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5', 'x-request-id': requestId });
      });
  };

  const badge = (res: HttpResponse, slugRaw: string, targetRaw: string, render: (t: PublicTarget) => string): void => {
    respond(res, async (requestId) => {
      const slug = decode(slugRaw);
      const name = decode(targetRaw);
      const page = slug && name ? await load(slug, requestId) : null;
      const target = page?.sections.flatMap((s) => s.targets).find((t) => t.name === name);
      if (!target) return { status: 404, body: badgeSvg('status', 'not found', 'grey'), headers: SVG_HEADERS };
      return { status: 200, body: render(target), headers: SVG_HEADERS };
    });
  };

  app.get(CSS_PATH, (res) => {
    const state = trackAbort(res);
    send(res, state, 200, STATUS_PAGE_CSS, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' });
  });

  app.get('/status/:slug', (res, req) => {
    const slugRaw = req.getParameter(0) ?? '';
    respond(res, async (requestId) => {
      const slug = decode(slugRaw);
      const page = slug ? await load(slug, requestId) : null;
      const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'content-security-policy': HTML_CSP, 'x-content-type-options': 'nosniff' };
      if (!page) return { status: 404, body: '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title></head><body><h1>No such status page</h1></body></html>', headers };
      return { status: 200, body: renderStatusPage(page, CSS_PATH), headers };
    });
  });

  app.get('/badge/:slug/:target/status.svg', (res, req) => {
    badge(res, req.getParameter(0) ?? '', req.getParameter(1) ?? '', (t) => badgeSvg(t.name, t.state, stateColor(t.state)));
  });

  app.get('/badge/:slug/:target/uptime/:file', (res, req) => {
    const file = req.getParameter(2) ?? '';
    const window = WINDOWS.find((w) => file === `${w}.svg`);
    if (!window) {
      const state = trackAbort(res);
      send(res, state, 404, badgeSvg('uptime', `windows: ${WINDOWS.join(' ')}`, 'grey'), SVG_HEADERS);
      return;
    }
    badge(res, req.getParameter(0) ?? '', req.getParameter(1) ?? '', (t) => badgeSvg(`uptime ${window}`, formatPercent(t.uptime[window]), uptimeColor(t.uptime[window])));
  });
}
