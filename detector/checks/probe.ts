// Runs one HTTP check: each attempt with its own timeout (AbortController), retries with exponential backoff,
// success = an expected status (default 2xx/3xx) and, when set, a body match (substring, or /regex/flags run
// on the linear-time pattern engine).
import type { CheckBody } from '../../lib/events/event.js';
import { compilePattern, parseSlashPattern } from '../../lib/patterns/pattern.js';
import type { HttpCheck } from '../../lib/store/types.js';

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

export async function probe(check: HttpCheck, stop: AbortSignal): Promise<CheckBody> {
  const attempts = Math.max(0, check.retries) + 1;
  let result: CheckBody = { ok: false, latencyMs: 0, attempts: 0, error: 'not run' };
  for (let i = 0; i < attempts && !stop.aborted; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, check.retryBackoffMs * 2 ** (i - 1)));
    const started = performance.now();
    try {
      const res = await fetch(check.url, {
        method: check.method ?? 'GET',
        headers: check.headers,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(check.timeoutMs), stop]),
      });
      const text = check.bodyMatch !== undefined && check.method !== 'HEAD' ? (await res.text()).slice(0, MAX_BODY) : (await res.arrayBuffer(), '');
      const latencyMs = Math.round(performance.now() - started);
      const statusOk = check.expectedStatus?.length ? check.expectedStatus.includes(res.status) : res.status >= 200 && res.status < 400;
      const bodyOk = check.bodyMatch === undefined || bodyMatches(check.bodyMatch, text);
      result = {
        ok: statusOk && bodyOk,
        status: res.status,
        latencyMs,
        attempts: i + 1,
        ...(statusOk ? (bodyOk ? {} : { error: 'body did not match' }) : { error: `unexpected status ${res.status}` }),
      };
    } catch (err) {
      const e = err as Error;
      const latencyMs = Math.round(performance.now() - started);
      result = { ok: false, latencyMs, attempts: i + 1, error: e.name === 'TimeoutError' ? `timeout after ${check.timeoutMs} ms` : (e.cause as Error | undefined)?.message ?? e.message };
    }
    if (result.ok) return result;
  }
  return result;
}
