// Which Prometheus API call an HTTP request under /api/prom is: the path names the endpoint (and the label of
// /label/{name}/values), GET takes the URL's parameters, POST also its form body (Grafana posts queries as
// application/x-www-form-urlencoded), and /read takes its body as bytes. Pure.
import type { PromRequest } from '../../proto/gen/lightwatch/v1/query.js';
import { badData } from './params.js';

export const PROM_BASE = '/api/prom';

/** Path (after PROM_BASE) → endpoint, and the methods it accepts. */
const FIXED: Record<string, { endpoint: string; methods: readonly string[] }> = {
  '/api/v1/query': { endpoint: 'query', methods: ['GET', 'POST'] },
  '/api/v1/query_range': { endpoint: 'query_range', methods: ['GET', 'POST'] },
  '/api/v1/series': { endpoint: 'series', methods: ['GET', 'POST'] },
  '/api/v1/labels': { endpoint: 'labels', methods: ['GET', 'POST'] },
  '/api/v1/metadata': { endpoint: 'metadata', methods: ['GET'] },
  '/api/v1/status/buildinfo': { endpoint: 'buildinfo', methods: ['GET'] },
  '/api/v1/read': { endpoint: 'read', methods: ['POST'] },
};

/** The OpenAPI path templates served, with their methods. */
export const PROM_PATHS: readonly { path: string; methods: readonly string[]; endpoint: string }[] = [
  ...Object.entries(FIXED).map(([p, v]) => ({ path: PROM_BASE + p, methods: v.methods, endpoint: v.endpoint })),
  { path: `${PROM_BASE}/api/v1/label/{name}/values`, methods: ['GET'], endpoint: 'label_values' },
];

export class PromRouteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The PromRequest for a request, or a PromRouteError (404 unknown path, 405 wrong method) / bad_data. */
export function promRequestFromHttp(method: string, path: string, query: URLSearchParams, body: Buffer, headers: Record<string, string>): PromRequest {
  const m = method.toUpperCase();
  const rest = path.slice(PROM_BASE.length).replace(/\/+$/, '');
  let endpoint: string;
  let labelName = '';
  let methods: readonly string[];
  const fixed = Object.hasOwn(FIXED, rest) ? FIXED[rest] : undefined;
  const label = /^\/api\/v1\/label\/([^/]+)\/values$/.exec(rest);
  if (fixed) {
    endpoint = fixed.endpoint;
    methods = fixed.methods;
  } else if (label) {
    endpoint = 'label_values';
    methods = ['GET'];
    try {
      labelName = decodeURIComponent(label[1] as string);
    } catch {
      throw badData(`invalid label name: "${label[1]}"`);
    }
  } else {
    throw new PromRouteError(404, `no Prometheus API endpoint at ${path.slice(0, 120)}`);
  }
  if (!methods.includes(m)) throw new PromRouteError(405, `${m} is not allowed on ${path.slice(0, 120)}; use ${methods.join(' or ')}`);
  const params: { name: string; value: string }[] = [];
  for (const [name, value] of query) params.push({ name, value });
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (m === 'POST' && endpoint !== 'read') {
    if (type === 'application/x-www-form-urlencoded' || (type === '' && body.length > 0)) {
      for (const [name, value] of new URLSearchParams(body.toString('utf8'))) params.push({ name, value });
    } else if (body.length > 0) {
      throw badData(`POST bodies must be application/x-www-form-urlencoded, not ${type}`);
    }
  }
  return {
    endpoint,
    params,
    labelName,
    body: endpoint === 'read' ? body : Buffer.alloc(0),
    contentEncoding: headers['content-encoding'] ?? '',
    contentType: headers['content-type'] ?? '',
  };
}
