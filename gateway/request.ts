// What the gateway needs of an HTTP request, copied out of uWS's stack-allocated HttpRequest in the handler.
import { randomUUID } from 'node:crypto';
import type { HttpRequest } from 'uWebSockets.js';
import { extractCredential } from '../lib/auth/credentials.js';
import { headersOf } from '../lib/http/respond.js';

export interface GatewayRequest {
  method: string;
  url: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  requestId: string;
  credential: string | null;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function readRequest(req: HttpRequest): GatewayRequest {
  const headers = headersOf(req);
  const given = headers['x-request-id'];
  const query = new URLSearchParams(req.getQuery() ?? '');
  const cred = extractCredential({ authorization: headers.authorization, apiKey: headers['x-api-key'] });
  return {
    method: req.getMethod().toUpperCase(),
    url: req.getUrl(),
    query,
    headers,
    requestId: given && REQUEST_ID.test(given) ? given : randomUUID(),
    credential: cred.ok ? cred.credential : null,
  };
}

/** First value of every query parameter (repeated keys keep the first; label filters are read separately). */
export function firstParams(query: URLSearchParams): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of query) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}
