// HTTP check: one request; success = an expected status (default 2xx/3xx) and, when set, a body match
// (substring, or /regex/flags run on the linear-time pattern engine).
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

export const httpProbe: Probe<HttpCheck> = {
  async attempt(check, { signal }) {
    const res = await fetch(check.url, { method: check.method ?? 'GET', headers: check.headers, redirect: 'manual', signal });
    const text = check.bodyMatch !== undefined && check.method !== 'HEAD' ? (await res.text()).slice(0, MAX_BODY) : (await res.arrayBuffer(), '');
    const statusOk = check.expectedStatus?.length ? check.expectedStatus.includes(res.status) : res.status >= 200 && res.status < 400;
    if (!statusOk) return { ok: false, status: res.status, error: `unexpected status ${res.status}` };
    if (check.bodyMatch !== undefined && !bodyMatches(check.bodyMatch, text)) return { ok: false, status: res.status, error: 'body did not match' };
    return { ok: true, status: res.status };
  },
};
