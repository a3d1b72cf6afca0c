// Which Alertmanager v2 API operation an HTTP request under /api/am is (Prometheus's `path_prefix: /api/am`,
// amtool's `--alertmanager.url=…/api/am`): the path and method name the operation, /silence/{id} carries the
// id, POST bodies travel as bytes. Pure; the query service answers the operation (query/alertmanager.ts).
import type { PromRequest } from '../../proto/gen/lightwatch/v1/query.js';

export const AM_BASE = '/api/am';

export const AM_OPERATIONS = [
  'status',
  'receivers',
  'alerts.get',
  'alerts.post',
  'alertgroups.get',
  'silences.get',
  'silences.post',
  'silence.get',
  'silence.delete',
  'healthy',
  'ready',
] as const;
export type AmOperation = (typeof AM_OPERATIONS)[number];

/** Which scope each operation needs: reads `read`, writes `admin`, the probes none (as Alertmanager's). */
export const AM_SCOPE: Record<AmOperation, 'public' | 'read' | 'admin' | 'ingest'> = {
  status: 'read',
  receivers: 'read',
  'alerts.get': 'read',
  // Prometheus pushes alerts with an ingest key, as it pushes remote_write.
  'alerts.post': 'ingest',
  'alertgroups.get': 'read',
  'silences.get': 'read',
  'silences.post': 'admin',
  'silence.get': 'read',
  'silence.delete': 'admin',
  healthy: 'public',
  ready: 'public',
};

/** Path (after AM_BASE) → operation by method. */
const FIXED: Record<string, Record<string, AmOperation>> = {
  '/api/v2/status': { GET: 'status' },
  '/api/v2/receivers': { GET: 'receivers' },
  '/api/v2/alerts': { GET: 'alerts.get', POST: 'alerts.post' },
  '/api/v2/alerts/groups': { GET: 'alertgroups.get' },
  '/api/v2/silences': { GET: 'silences.get', POST: 'silences.post' },
  '/-/healthy': { GET: 'healthy', HEAD: 'healthy' },
  '/-/ready': { GET: 'ready', HEAD: 'ready' },
};

/** The OpenAPI path templates served, with their operations. */
export const AM_PATHS: readonly { path: string; method: string; operation: AmOperation }[] = [
  ...Object.entries(FIXED).flatMap(([p, ops]) => Object.entries(ops).filter(([m]) => m !== 'HEAD').map(([method, operation]) => ({ path: AM_BASE + p, method, operation }))),
  { path: `${AM_BASE}/api/v2/silence/{silenceID}`, method: 'GET', operation: 'silence.get' },
  { path: `${AM_BASE}/api/v2/silence/{silenceID}`, method: 'DELETE', operation: 'silence.delete' },
];

export class AmRouteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request envelope for the query service, or an AmRouteError (404 unknown path, 405 wrong method). */
export function amRequestFromHttp(method: string, path: string, query: URLSearchParams, body: Buffer, headers: Record<string, string>): PromRequest {
  const m = method.toUpperCase();
  const rest = path.slice(AM_BASE.length).replace(/\/+$/, '');
  let operation: AmOperation | undefined;
  let id = '';
  let allowed: string[];
  const fixed = Object.hasOwn(FIXED, rest) ? FIXED[rest] : undefined;
  const silence = /^\/api\/v2\/silence\/([^/]+)$/.exec(rest);
  if (fixed) {
    operation = Object.hasOwn(fixed, m) ? fixed[m] : undefined;
    allowed = Object.keys(fixed);
  } else if (silence) {
    operation = m === 'GET' ? 'silence.get' : m === 'DELETE' ? 'silence.delete' : undefined;
    allowed = ['GET', 'DELETE'];
    try {
      id = decodeURIComponent(silence[1] as string);
    } catch {
      throw new AmRouteError(400, `invalid silence id ${JSON.stringify((silence[1] as string).slice(0, 60))}`);
    }
  } else {
    throw new AmRouteError(404, `path ${path.slice(0, 120)} was not found`);
  }
  if (operation === undefined) throw new AmRouteError(405, `method ${m} is not allowed on ${path.slice(0, 120)}; use ${allowed.join(' or ')}`);
  const params: { name: string; value: string }[] = [];
  for (const [name, value] of query) params.push({ name, value });
  return {
    endpoint: operation,
    params,
    labelName: id,
    body: operation.endsWith('.post') ? body : Buffer.alloc(0),
    contentEncoding: headers['content-encoding'] ?? '',
    contentType: headers['content-type'] ?? '',
  };
}
