// The dashboard at `/`: the Vite build of web/ served from memory. Hashed assets under /assets/ are cached for
// a year (a new build has new names); index.html is never cached and answers every client route (SPA
// fallback), so a reload anywhere in the app works. Scripts only from this origin: no inline script, no CDN.
import { fileURLToPath } from 'node:url';
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { send, trackAbort } from '../lib/http/respond.js';
import { loadAssets, type Asset } from './web-assets.js';

export const WEB_DIST = fileURLToPath(new URL('../web/dist', import.meta.url));

/** Client-side routes of the app (web/src/routes.ts); `/metrics` and `/status/*` belong to the server. */
export const CLIENT_ROUTES = ['/', '/signin', '/setup', '/targets', '/targets/*', '/incidents', '/incidents/*', '/live', '/explore', '/settings', '/settings/*'] as const;

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // uPlot and the virtualized lists position elements with style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const NOT_BUILT = Buffer.from(
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lightwatch</title></head><body><h1>Lightwatch</h1>' +
    '<p>The dashboard has not been built. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it first).</p></body></html>',
);

function sendAsset(res: HttpResponse, acceptEncoding: string, asset: Asset, cache: string): void {
  const state = trackAbort(res);
  const gz = asset.gzip !== null && /\bgzip\b/.test(acceptEncoding);
  send(res, state, 200, gz ? (asset.gzip as Buffer) : asset.body, {
    'content-type': asset.type,
    'cache-control': cache,
    vary: 'accept-encoding',
    ...(gz ? { 'content-encoding': 'gzip' } : {}),
    ...SECURITY_HEADERS,
    ...(asset.type.startsWith('text/html') ? { 'content-security-policy': DASHBOARD_CSP } : {}),
  });
}

export function attachDashboard(app: TemplatedApp, dir: string = WEB_DIST): void {
  const assets = loadAssets(dir);
  const index = assets.get('/index.html') ?? { body: NOT_BUILT, gzip: null, type: 'text/html; charset=utf-8' };
  const page = (res: HttpResponse, req: { getHeader(name: string): string }): void => sendAsset(res, req.getHeader('accept-encoding'), index, 'no-cache');
  for (const route of CLIENT_ROUTES) app.get(route, page);
  app.get('/assets/*', (res, req) => {
    const asset = assets.get(req.getUrl());
    if (!asset) {
      const state = trackAbort(res);
      send(res, state, 404, 'not found', { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', ...SECURITY_HEADERS });
      return;
    }
    sendAsset(res, req.getHeader('accept-encoding'), asset, 'public, max-age=31536000, immutable');
  });
}
