// HTTP check: one request (redirects are not followed: a 3xx is the answer); success = an expected status
// (default 2xx/3xx) and, when set, a body match (substring, or /regex/flags run on the linear-time pattern
// engine). On node:http so name resolution goes through the network guard.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HttpCheck } from '../../../lib/api/check-settings.js';
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

/** The response and up to MAX_BODY characters of its body (the rest is discarded unread). */
function fetchOnce(check: HttpCheck, signal: AbortSignal, lookup: unknown): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(check.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: check.method ?? 'GET', headers: { 'user-agent': 'Lightwatch-Check/1', ...check.headers }, signal, lookup: lookup as never }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c);
        size += c.length;
        if (size >= MAX_BODY) res.destroy();
      });
      const done = (): void => resolve({ res, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) });
      res.on('end', done);
      res.on('close', done);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export const httpProbe: Probe<HttpCheck> = {
  async attempt(check, { signal, guard }) {
    if (guard.restricted) await guard.address(new URL(check.url).hostname.replace(/^\[(.*)\]$/, '$1')); // literal IPs skip lookup
    const { res, body } = await fetchOnce(check, signal, guard.lookup);
    const status = res.statusCode ?? 0;
    const statusOk = check.expectedStatus?.length ? check.expectedStatus.includes(status) : status >= 200 && status < 400;
    if (!statusOk) return { ok: false, status, error: `unexpected status ${status}` };
    if (check.bodyMatch !== undefined && !bodyMatches(check.bodyMatch, body)) return { ok: false, status, error: 'body did not match' };
    return { ok: true, status };
  },
};
