// CORS for /api/*: off unless CORS_ORIGINS lists origins. Only an origin on the list is ever echoed in
// Access-Control-Allow-Origin (never `*`, never an arbitrary request origin), credentials are never allowed
// (the API authenticates with the Authorization header, which needs no cookies), and every answer varies on
// Origin so a cache never serves one origin's answer to another. Pure.
export const CORS_METHODS = 'GET, POST, PUT, PATCH, DELETE';
export const CORS_HEADERS = 'Authorization, Content-Type, X-API-Key, X-Request-Id, Idempotency-Key';

export interface Cors {
  /** Headers for an actual (non-preflight) answer to a request from `origin`. */
  headersFor(origin: string | undefined): Record<string, string>;
  /** The answer to a preflight `OPTIONS` from `origin`: 204 with the allowed methods and headers, or 403. */
  preflight(origin: string | undefined): { status: 204 | 403; headers: Record<string, string> };
  readonly enabled: boolean;
}

export function createCors(allowedOrigins: readonly string[]): Cors {
  const allowed = new Set(allowedOrigins);
  const enabled = allowed.size > 0;
  const isAllowed = (origin: string | undefined): origin is string => origin !== undefined && allowed.has(origin);
  const cors: Cors = {
    enabled,
    headersFor(origin): Record<string, string> {
      if (!enabled) return {};
      return isAllowed(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': 'X-Request-Id, Retry-After' } : { vary: 'Origin' };
    },
    preflight(origin): { status: 204 | 403; headers: Record<string, string> } {
      if (!isAllowed(origin)) return { status: 403, headers: { vary: 'Origin' } };
      return {
        status: 204,
        headers: {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': CORS_METHODS,
          'access-control-allow-headers': CORS_HEADERS,
          'access-control-max-age': '600',
          vary: 'Origin',
        },
      };
    },
  };
  return cors;
}
