// HTTP check: one request (redirects are not followed: a 3xx is the answer); success = an expected status
// (default 2xx/3xx), the body match (substring or /regex/flags on the linear-time pattern engine; inverted
// on request), the JSON query, and every Gatus condition. A failed condition names itself with its values.
// Through lib/net/guarded-request.ts, so the connection is held to the network guard.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { HttpCheck } from '../../../lib/api/check-settings.js';
import { firstFailed, parseCondition, type Condition } from '../../../lib/conditions/condition.js';
import type { NetworkGuard } from '../../../lib/net/guard.js';
import { guardedRequest } from '../../../lib/net/guarded-request.js';
import { compilePattern, parseSlashPattern } from '../../../lib/patterns/pattern.js';
import type { Probe } from '../probe.js';

const MAX_BODY = 256 * 1024;

export function bodyMatches(pattern: string, body: string): boolean {
  const slashed = parseSlashPattern(pattern);
  if (slashed) {
    try {
      return compilePattern(slashed.source, slashed.options).search(body);
    } catch {
      return false;
    }
  }
  return body.includes(pattern);
}

/** Conditions parsed once per settings object (validated by the API, so they parse). */
const parsed = new WeakMap<HttpCheck, Condition[]>();
function conditionsOf(check: HttpCheck): Condition[] {
  let list = parsed.get(check);
  if (list === undefined) {
    const json = check.jsonQuery === undefined ? [] : [`[BODY].${check.jsonQuery.path.replace(/^\$?\.?/, '')} == ${check.jsonQuery.expected}`];
    list = [...json, ...(check.conditions ?? [])].map(parseCondition);
    parsed.set(check, list);
  }
  return list;
}

interface Response {
  res: IncomingMessage;
  body: string;
  certificateExpirationMs?: number;
  ip?: string;
}

/** The response and up to MAX_BODY characters of its body (the rest is discarded unread). */
async function fetchOnce(check: HttpCheck, signal: AbortSignal, guard: NetworkGuard): Promise<Response> {
  const res = await guardedRequest(new URL(check.url), { method: check.method ?? 'GET', headers: { 'user-agent': 'Lightwatch-Check/1', ...check.headers }, signal }, guard);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const socket = res.socket as TLSSocket | null;
    const cert = socket && typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    const out: Omit<Response, 'body'> = { res };
    if (cert?.valid_to) out.certificateExpirationMs = Date.parse(cert.valid_to) - Date.now();
    if (socket?.remoteAddress) out.ip = socket.remoteAddress;
    res.on('data', (c: Buffer) => {
      if (size < MAX_BODY) chunks.push(c);
      size += c.length;
      if (size >= MAX_BODY) res.destroy();
    });
    const done = (): void => resolve({ ...out, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) });
    res.on('end', done);
    res.on('close', done);
    res.on('error', reject);
  });
}

export const httpProbe: Probe<HttpCheck> = {
  async attempt(check, { signal, guard }) {
    const started = performance.now();
    const r = await fetchOnce(check, signal, guard);
    const responseTimeMs = Math.round(performance.now() - started);
    const status = r.res.statusCode ?? 0;
    const statusOk = check.expectedStatus?.length ? check.expectedStatus.includes(status) : check.conditions !== undefined || (status >= 200 && status < 400);
    if (!statusOk) return { ok: false, status, error: `unexpected status ${status}` };
    const invert = check.bodyMatchInvert ?? false;
    if (check.bodyMatch !== undefined && bodyMatches(check.bodyMatch, r.body) === invert) {
      return { ok: false, status, error: invert ? 'body matched (inverted keyword)' : 'body did not match' };
    }
    const failed = firstFailed(conditionsOf(check), { status, responseTimeMs, body: r.body, certificateExpirationMs: r.certificateExpirationMs, ip: r.ip, connected: true });
    if (failed !== null) return { ok: false, status, error: `condition failed: ${failed}`.slice(0, 500) };
    return { ok: true, status };
  },
};
