// The dashboard: one static page (no build step) that reads /api and subscribes to /ws with the user's key.
import { readFileSync } from 'node:fs';
import type { TemplatedApp } from 'uWebSockets.js';
import { send, trackAbort } from '../lib/http/respond.js';

const PAGE = readFileSync(new URL('./dashboard/index.html', import.meta.url));

export function attachDashboard(app: TemplatedApp): void {
  app.get('/', (res) => {
    const state = trackAbort(res);
    send(res, state, 200, PAGE, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:",
      'x-content-type-options': 'nosniff',
    });
  });
}
