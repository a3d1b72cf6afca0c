// An external Prometheus as the source of promql rules: POST /api/v1/query at the evaluation time, its vector
// result turned into samples. Errors keep Prometheus's errorType; an unreachable server is retryable. The URL
// is a tenant's, so the request goes through the checks' guarded client (CHECK_ALLOWED_NETWORKS, the address
// checked is the one connected to, redirects not followed): a refused address is a SourceRefusedError.
import { NotAllowedError, UNRESTRICTED, type NetworkGuard } from '../net/guard.js';
import { guardedRequest, readBody } from '../net/guarded-request.js';
import type { IncomingMessage } from 'node:http';
import { PromQLError } from '../promql/errors.js';
import type { PromErrorType } from '../promql/errors.js';
import type { RuleSource } from '../promql/alerting/source.js';

export interface HttpSourceOptions {
  /** Base URL, e.g. `http://prometheus:9090` (the API paths are appended). */
  readonly url: string;
  /** Sent as `Authorization` when set (Bearer or Basic). */
  readonly authorization?: string;
  readonly timeoutMs?: number;
  /** Where the request may connect (CHECK_ALLOWED_NETWORKS); default anywhere. */
  readonly guard?: NetworkGuard;
  /** Largest response body read; default 64 MiB. */
  readonly maxBodyBytes?: number;
}

/** A source error that says whether trying again later may help. */
export class SourceUnavailableError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceUnavailableError';
  }
}

/** The source may not be used as configured (an address outside CHECK_ALLOWED_NETWORKS, a redirect): trying again will not help. */
export class SourceRefusedError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceRefusedError';
  }
}

interface ApiResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

export function prometheusHttpSource(o: HttpSourceOptions): RuleSource {
  const base = o.url.replace(/\/+$/, '');
  const url = new URL(`${base}/api/v1/query`);
  const guard = o.guard ?? UNRESTRICTED;
  const maxBody = o.maxBodyBytes ?? 64 * 1024 * 1024;
  return {
    async instantVector(expr, timeMs, signal) {
      const timeout = AbortSignal.timeout(o.timeoutMs ?? 30_000);
      const body = new URLSearchParams({ query: expr, time: (timeMs / 1000).toFixed(3) });
      let res: IncomingMessage;
      try {
        res = await guardedRequest(
          url,
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Lightwatch-Rules/1', ...(o.authorization === undefined ? {} : { authorization: o.authorization }) },
            body: body.toString(),
            signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
          },
          guard,
        );
      } catch (err) {
        if (err instanceof NotAllowedError) throw new SourceRefusedError(`prometheus at ${base} refused: ${err.message}`, { cause: err });
        throw new SourceUnavailableError(`prometheus at ${base} unreachable: ${(err as Error).message}`, { cause: err });
      }
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        res.resume();
        const location = res.headers.location === undefined ? '' : ` to ${res.headers.location}`;
        throw new SourceRefusedError(`prometheus at ${base} answered ${status} (a redirect${location}): redirects are not followed, give the final URL`);
      }
      let json: ApiResponse;
      try {
        json = JSON.parse(await readBody(res, maxBody)) as ApiResponse;
      } catch (err) {
        throw new SourceUnavailableError(`prometheus at ${base} answered ${status} without a JSON body: ${(err as Error).message}`, { cause: err });
      }
      if (json.status !== 'success' || json.data === undefined) {
        if (status >= 500 && json.errorType !== 'execution') throw new SourceUnavailableError(`prometheus at ${base}: ${json.error ?? status}`);
        throw new PromQLError((json.errorType ?? 'execution') as PromErrorType, json.error ?? `HTTP ${status}`);
      }
      const { resultType, result } = json.data;
      if (resultType === 'scalar') {
        const [t, v] = result as [number, string];
        return [{ labels: {}, timeMs: t * 1000, value: parseValue(v) }];
      }
      if (resultType !== 'vector') throw new PromQLError('bad_data', `rule expression must be an instant vector or scalar, got ${resultType}`);
      return (result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => ({ labels: s.metric, timeMs: Math.round(s.value[0] * 1000), value: parseValue(s.value[1]) }));
    },
  };
}
