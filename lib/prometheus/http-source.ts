// An external Prometheus as the source of promql rules: GET /api/v1/query at the evaluation time, its vector
// result turned into samples. Errors keep Prometheus's errorType; an unreachable server is retryable.
import { PromQLError } from '../promql/errors.js';
import type { PromErrorType } from '../promql/errors.js';
import type { RuleSource } from '../promql/alerting/source.js';

export interface HttpSourceOptions {
  /** Base URL, e.g. `http://prometheus:9090` (the API paths are appended). */
  readonly url: string;
  /** Sent as `Authorization` when set (Bearer or Basic). */
  readonly authorization?: string;
  readonly timeoutMs?: number;
}

/** A source error that says whether trying again later may help. */
export class SourceUnavailableError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceUnavailableError';
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
  return {
    async instantVector(expr, timeMs, signal) {
      const timeout = AbortSignal.timeout(o.timeoutMs ?? 30_000);
      const body = new URLSearchParams({ query: expr, time: (timeMs / 1000).toFixed(3) });
      let res: Response;
      try {
        res = await fetch(`${base}/api/v1/query`, {
          method: 'POST',
          body,
          headers: o.authorization === undefined ? {} : { authorization: o.authorization },
          signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
        });
      } catch (err) {
        throw new SourceUnavailableError(`prometheus at ${base} unreachable: ${(err as Error).message}`, { cause: err });
      }
      let json: ApiResponse;
      try {
        json = (await res.json()) as ApiResponse;
      } catch (err) {
        throw new SourceUnavailableError(`prometheus at ${base} answered ${res.status} without a JSON body`, { cause: err });
      }
      if (json.status !== 'success' || json.data === undefined) {
        if (res.status >= 500 && json.errorType !== 'execution') throw new SourceUnavailableError(`prometheus at ${base}: ${json.error ?? res.status}`);
        throw new PromQLError((json.errorType ?? 'execution') as PromErrorType, json.error ?? `HTTP ${res.status}`);
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
