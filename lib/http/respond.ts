// Small uWebSockets.js helpers every HTTP edge uses: read a bounded body, answer JSON, answer errors in the
// one JSON error shape. uWS responses must be written inside `cork` and never after `onAborted`.
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { asLightwatchError, errorHeaders, type LightwatchError, toErrorBody } from '../errors/errors.js';

export interface ResponseState {
  aborted: boolean;
  /** Set once the response was ended: nothing may be written after that. */
  answered: boolean;
}

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK', 201: '201 Created', 202: '202 Accepted', 204: '204 No Content', 400: '400 Bad Request',
  401: '401 Unauthorized', 403: '403 Forbidden', 404: '404 Not Found', 405: '405 Method Not Allowed', 409: '409 Conflict',
  413: '413 Payload Too Large', 415: '415 Unsupported Media Type', 422: '422 Unprocessable Entity', 429: '429 Too Many Requests',
  500: '500 Internal Server Error', 503: '503 Service Unavailable',
};

export function statusLine(status: number): string {
  return STATUS_TEXT[status] ?? `${status} Status`;
}

const states = new WeakMap<HttpResponse, ResponseState>();

/**
 * Marks the response aborted when the client goes away; call synchronously in the handler. uWS keeps one
 * abort handler per response, so repeated calls (the boundary guard's, then the route's) share one state.
 */
export function trackAbort(res: HttpResponse): ResponseState {
  const known = states.get(res);
  if (known) return known;
  const state: ResponseState = { aborted: false, answered: false };
  states.set(res, state);
  res.onAborted(() => {
    state.aborted = true;
  });
  return state;
}

/** Copies the request headers we need (uWS HttpRequest is only valid synchronously inside the handler). */
export function headersOf(req: HttpRequest): Record<string, string> {
  const h: Record<string, string> = {};
  req.forEach((k, v) => {
    h[k] = v;
  });
  return h;
}

export function send(res: HttpResponse, state: ResponseState, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  if (state.aborted || state.answered) return;
  state.answered = true;
  res.cork(() => {
    res.writeStatus(statusLine(status));
    for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
    res.end(body);
  });
}

export function sendJson(res: HttpResponse, state: ResponseState, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, state, status, JSON.stringify(value), { 'content-type': 'application/json', ...headers });
}

export function sendError(res: HttpResponse, state: ResponseState, err: unknown, headers: Record<string, string> = {}): LightwatchError {
  const e = asLightwatchError(err);
  sendJson(res, state, e.httpStatus, toErrorBody(e), { ...headers, ...errorHeaders(e) });
  return e;
}
