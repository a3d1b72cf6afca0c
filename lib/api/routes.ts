// The /api route table and the one mapping from an HTTP request to a QueryService call. The gateway maps
// requests with it, the query service dispatches and authorizes with the same table, and the OpenAPI
// document is checked against it, so a route exists in all three places or in none.
import type { MetricSeriesRequest, QueryEventsRequest, ResourceRequest } from '../../proto/gen/lightwatch/v1/query.js';
import { badRequest, LightwatchError } from '../errors/errors.js';
import { EVENT_COLLECTIONS, eventsRequestFromParams, seriesRequestFromParams, type EventCollection, type QueryParams } from './params.js';

export const RESOURCES = ['targets', 'incidents', 'rules', 'channels', 'silences', 'maintenance', 'tenants', 'keys', 'users', 'auth', 'board', 'statuspages', 'public', 'setup', 'routes', 'inhibitrules'] as const;
export type ResourceName = (typeof RESOURCES)[number];
export type Verb = 'list' | 'get' | 'create' | 'update' | 'delete' | 'action';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** `read` and `admin` are key/user scopes (admin implies read); `public` needs no credential. */
export type Access = 'read' | 'admin' | 'public';

export interface ResourceRoute {
  method: HttpMethod;
  resource: ResourceName;
  verb: Verb;
  /** Whether the path carries `/{id}`. */
  withId: boolean;
  action?: string;
  access: Access;
  summary: string;
  /** A path that does not follow `/api/{resource}[/{id}[/{action}]]` (the public status JSON). */
  path?: string;
}

const crud = (resource: ResourceName, noun: string): ResourceRoute[] => [
  { method: 'GET', resource, verb: 'list', withId: false, access: 'read', summary: `List ${noun}s` },
  { method: 'POST', resource, verb: 'create', withId: false, access: 'admin', summary: `Create a ${noun}` },
  { method: 'GET', resource, verb: 'get', withId: true, access: 'read', summary: `Get a ${noun}` },
  { method: 'PATCH', resource, verb: 'update', withId: true, access: 'admin', summary: `Update a ${noun} (top-level fields given replace the stored ones; null removes an optional field)` },
  { method: 'PUT', resource, verb: 'update', withId: true, access: 'admin', summary: `Update a ${noun} (same semantics as PATCH)` },
  { method: 'DELETE', resource, verb: 'delete', withId: true, access: 'admin', summary: `Delete a ${noun}` },
];

export const RESOURCE_ROUTES: readonly ResourceRoute[] = [
  ...crud('targets', 'target'),
  { method: 'GET', resource: 'targets', verb: 'action', withId: true, action: 'uptime', access: 'read', summary: 'Uptime, downtime, incidents, MTTR and error budget of a target over a window' },
  { method: 'GET', resource: 'incidents', verb: 'list', withId: false, access: 'read', summary: 'List incidents, newest first' },
  { method: 'GET', resource: 'incidents', verb: 'get', withId: true, access: 'read', summary: 'Get an incident with its timeline and notification audit' },
  { method: 'POST', resource: 'incidents', verb: 'action', withId: true, action: 'ack', access: 'admin', summary: 'Acknowledge an incident' },
  { method: 'POST', resource: 'incidents', verb: 'action', withId: true, action: 'resolve', access: 'admin', summary: "Resolve an open or acknowledged incident by hand, where its rule allows it (params.manualResolve); 409 otherwise" },
  ...crud('rules', 'rule'),
  ...crud('channels', 'notification channel'),
  { method: 'POST', resource: 'channels', verb: 'action', withId: false, action: 'preview', access: 'read', summary: 'Render message templates for a channel kind over a sample incident or one of yours (422 names the template error\'s line and column)' },
  { method: 'POST', resource: 'channels', verb: 'action', withId: true, action: 'test', access: 'admin', summary: 'Send test notification: one real delivery through the channel (held to NOTIFY_ALLOWED_NETWORKS as every notification), answering whether the receiver accepted it' },
  ...crud('silences', 'silence'),
  ...crud('maintenance', 'maintenance window'),
  ...crud('routes', 'notification route'),
  ...crud('inhibitrules', 'inhibition rule'),
  { method: 'GET', resource: 'tenants', verb: 'list', withId: false, access: 'admin', summary: 'List tenants (all of them for admins of tenant default, else the own one)' },
  { method: 'POST', resource: 'tenants', verb: 'create', withId: false, access: 'admin', summary: 'Create a tenant and its first admin key (admins of tenant default only)' },
  { method: 'GET', resource: 'tenants', verb: 'get', withId: true, access: 'admin', summary: 'Get a tenant' },
  { method: 'GET', resource: 'keys', verb: 'list', withId: false, access: 'admin', summary: "List the tenant's API keys (prefix only, never the key or its hash)" },
  { method: 'POST', resource: 'keys', verb: 'create', withId: false, access: 'admin', summary: 'Create an API key; the key is in this response only' },
  { method: 'GET', resource: 'keys', verb: 'get', withId: true, access: 'admin', summary: 'Get an API key' },
  { method: 'POST', resource: 'keys', verb: 'action', withId: true, action: 'revoke', access: 'admin', summary: 'Revoke an API key' },
  { method: 'GET', resource: 'users', verb: 'list', withId: false, access: 'admin', summary: "List the tenant's users" },
  { method: 'POST', resource: 'users', verb: 'create', withId: false, access: 'admin', summary: 'Create a user' },
  { method: 'GET', resource: 'users', verb: 'get', withId: true, access: 'admin', summary: 'Get a user' },
  { method: 'DELETE', resource: 'users', verb: 'delete', withId: true, access: 'admin', summary: 'Delete a user' },
  { method: 'POST', resource: 'auth', verb: 'action', withId: false, action: 'login', access: 'public', summary: 'Exchange email and password for a JWT' },
  { method: 'GET', resource: 'setup', verb: 'list', withId: false, access: 'public', summary: 'Whether the installation still needs its first user (the sign-in page offers to create one)' },
  { method: 'GET', resource: 'board', verb: 'list', withId: false, access: 'read', summary: 'The status board in one call: every target with its state, 90-segment uptime strip, latency and last contact' },
  ...crud('statuspages', 'public status page'),
  { method: 'GET', resource: 'public', verb: 'action', withId: true, action: 'status', access: 'public', path: '/api/public/status/{id}', summary: 'A published status page by slug: its targets by section with state, uptime and open incidents' },
];

export const MAX_ID_LENGTH = 128;

/** The OpenAPI path template of a resource route, e.g. `/api/targets/{id}/uptime`. */
export function routePath(r: Pick<ResourceRoute, 'resource' | 'withId' | 'action' | 'path'>): string {
  if (r.path) return r.path;
  return `/api/${r.resource}${r.withId ? '/{id}' : ''}${r.action ? `/${r.action}` : ''}`;
}

/** The route a ResourceRequest names (what the service dispatches on), or undefined. */
export function findResourceRoute(resource: string, verb: string, action: string): ResourceRoute | undefined {
  // PUT and PATCH share verb `update`; either entry describes the call.
  return RESOURCE_ROUTES.find((r) => r.resource === resource && r.verb === verb && (r.action ?? '') === action);
}

function noRoute(method: string, path: string, allowed: readonly string[] = []): LightwatchError {
  const shown = path.length > 120 ? `${path.slice(0, 120)}…` : path;
  const hint = allowed.length > 0 ? `; this path accepts ${allowed.join(', ')}` : '';
  return new LightwatchError('not_found', `no API route for ${method} ${shown}${hint}`);
}

function segmentsOf(path: string): string[] {
  const trimmed = path.endsWith('/') && path.length > '/api/'.length ? path.slice(0, -1) : path;
  const rest = trimmed.slice('/api/'.length);
  return rest.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw badRequest(`malformed percent-encoding in path segment ${JSON.stringify(s.slice(0, 40))}`);
    }
  });
}

/** First value of each key, as ResourceRequest.params carries them. */
export function firstValues(params: QueryParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'string' ? v : (v[0] ?? '');
  }
  return out;
}

function isMethod(m: string): m is HttpMethod {
  return m === 'GET' || m === 'POST' || m === 'PUT' || m === 'PATCH' || m === 'DELETE';
}

/**
 * Maps `METHOD /api/{resource}[/{id}[/{action}]]` to a ResourceRequest; throws `not_found` for a path or
 * method no route accepts. `path` is the URL path without its query string.
 */
export function resourceRequestFromHttp(method: string, path: string, params: QueryParams, body: string): ResourceRequest {
  const m = method.toUpperCase();
  if (!path.startsWith('/api/')) throw noRoute(m, path);
  const segs = segmentsOf(path);
  const resource = segs[0] ?? '';
  // The one route shaped differently: /api/public/status/{slug}.
  if (resource === 'public') {
    const route = RESOURCE_ROUTES.find((r) => r.resource === 'public');
    if (!route || segs.length !== 3 || segs[1] !== 'status' || segs[2] === '') throw noRoute(m, path);
    if (m !== route.method) throw noRoute(m, path, [route.method]);
    const slug = segs[2] as string;
    if (slug.length > MAX_ID_LENGTH) throw badRequest(`id longer than ${MAX_ID_LENGTH} characters`, [{ at: 'id', message: 'too long' }]);
    return { resource, verb: route.verb, id: slug, action: 'status', params: firstValues(params), bodyJson: body };
  }
  if (!(RESOURCES as readonly string[]).includes(resource) || segs.length > 3 || segs.some((s) => s === '')) throw noRoute(m, path);
  const routes = RESOURCE_ROUTES.filter((r) => r.resource === resource);
  let candidates: ResourceRoute[];
  let id = '';
  let action = '';
  if (segs.length === 1) {
    candidates = routes.filter((r) => !r.withId && !r.action);
  } else if (segs.length === 2 && routes.some((r) => !r.withId && r.action === segs[1])) {
    action = segs[1] as string;
    candidates = routes.filter((r) => !r.withId && r.action === action);
  } else if (segs.length === 2) {
    id = segs[1] as string;
    candidates = routes.filter((r) => r.withId && !r.action);
  } else {
    id = segs[1] as string;
    action = segs[2] as string;
    candidates = routes.filter((r) => r.withId && r.action === action);
  }
  if (candidates.length === 0) throw noRoute(m, path);
  const route = isMethod(m) ? candidates.find((r) => r.method === m) : undefined;
  if (!route) throw noRoute(m, path, [...new Set(candidates.map((r) => r.method))]);
  if (id.length > MAX_ID_LENGTH) throw badRequest(`id longer than ${MAX_ID_LENGTH} characters`, [{ at: 'id', message: 'too long' }]);
  return { resource, verb: route.verb, id, action, params: firstValues(params), bodyJson: body };
}

/** Paths of the event reads: `/api/{collection}` and the series endpoint. */
export const EVENT_PATHS = Object.keys(EVENT_COLLECTIONS).map((c) => `/api/${c}`);
export const SERIES_PATH = '/api/metrics/series';
export const OPENAPI_PATH = '/api/openapi.json';

export type ApiCall =
  | { type: 'events'; collection: EventCollection; request: QueryEventsRequest }
  | { type: 'series'; request: MetricSeriesRequest }
  | { type: 'resource'; request: ResourceRequest }
  | { type: 'openapi' };

/**
 * Everything under /api in one call: event reads and the series become typed requests (400 on bad
 * parameters), the OpenAPI document is served by the caller, every other path becomes a ResourceRequest.
 */
export function apiCallFromHttp(method: string, path: string, params: QueryParams, body: string): ApiCall {
  const m = method.toUpperCase();
  const p = path.length > 5 && path.endsWith('/') ? path.slice(0, -1) : path;
  const readOnly = (): void => {
    if (m !== 'GET') throw noRoute(m, path, ['GET']);
  };
  if (p === OPENAPI_PATH) {
    readOnly();
    return { type: 'openapi' };
  }
  if (p === SERIES_PATH) {
    readOnly();
    return { type: 'series', request: seriesRequestFromParams(params) };
  }
  const collection = p.slice('/api/'.length);
  if (p.startsWith('/api/') && Object.hasOwn(EVENT_COLLECTIONS, collection)) {
    readOnly();
    const c = collection as EventCollection;
    return { type: 'events', collection: c, request: eventsRequestFromParams(EVENT_COLLECTIONS[c], params) };
  }
  return { type: 'resource', request: resourceRequestFromHttp(m, path, params, body) };
}
