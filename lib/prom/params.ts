// Parameters of the Prometheus HTTP API as Prometheus parses them: timestamps as unix seconds (float) or
// RFC 3339, durations as Prometheus durations or float seconds, series selectors (`match[]`) through the
// PromQL parser, and the error every parameter problem becomes (errorType bad_data, HTTP 400). Pure.
import type { LabelMatcher } from '../promql/querier.js';
import { PromQLError } from '../promql/errors.js';
import { parseDuration } from '../promql/lex.js';
import { parseExpr } from '../promql/parse.js';

/** Prometheus's minimum and maximum API times (ms), used when start or end is absent. */
export const MIN_TIME_MS = -9_223_372_036_854;
export const MAX_TIME_MS = 9_223_372_036_854;

export const badData = (message: string): PromQLError => new PromQLError('bad_data', message);

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** A time parameter in ms; `fallback` when absent (undefined fallback: required). */
export function parseTime(name: string, raw: string | undefined, fallback?: number): number {
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    throw badData(`invalid parameter "${name}": cannot parse "" to a valid timestamp`);
  }
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(raw)) {
    const s = Number(raw);
    if (Number.isFinite(s)) return Math.round(s * 1000);
  }
  if (RFC3339.test(raw)) {
    const ms = Date.parse(raw);
    if (Number.isFinite(ms)) return ms;
  }
  throw badData(`invalid parameter "${name}": cannot parse "${raw}" to a valid timestamp`);
}

/** A duration parameter (`step`, `timeout`) in ms: a float of seconds or a Prometheus duration. */
export function parseDurationParam(name: string, raw: string | undefined): number {
  if (raw !== undefined && raw !== '') {
    if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(raw)) {
      const s = Number(raw);
      if (Number.isFinite(s) && Math.abs(s * 1000) < MAX_TIME_MS) return Math.round(s * 1000);
    } else {
      try {
        return parseDuration(raw);
      } catch {
        // falls through to the error below
      }
    }
  }
  throw badData(`invalid parameter "${name}": cannot parse "${raw ?? ''}" to a valid duration`);
}

/** The matchers of one series selector (`up`, `{job="api"}`, `up{job=~"a.*"}`). */
export function parseSelector(raw: string): LabelMatcher[] {
  let expr;
  try {
    expr = parseExpr(raw);
  } catch (err) {
    throw badData(err instanceof Error ? err.message : String(err));
  }
  if (expr.kind !== 'vectorSelector') throw badData(`invalid parameter "match[]": 1:1: parse error: expected a series selector, got ${expr.kind}`);
  const matchers = [...expr.matchers];
  if (expr.name !== null && !matchers.some((m) => m.name === '__name__')) matchers.unshift({ name: '__name__', type: '=', value: expr.name });
  return matchers;
}

/** All `match[]` selectors. */
export function parseMatchSets(values: readonly string[]): LabelMatcher[][] {
  return values.map(parseSelector);
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function checkLabelName(name: string): void {
  if (!LABEL_NAME.test(name)) throw badData(`invalid label name: "${name}"`);
}

/** HTTP status of a Prometheus errorType, as the Prometheus API answers. */
export function statusOf(errorType: string): number {
  switch (errorType) {
    case 'bad_data':
      return 400;
    case 'execution':
      return 422;
    case 'canceled':
    case 'timeout':
    case 'unavailable':
      return 503;
    case 'not_found':
      return 404;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    default:
      return 500;
  }
}

/** Prometheus's error body. */
export function errorBody(errorType: string, error: string): string {
  return JSON.stringify({ status: 'error', errorType, error });
}

export function successBody(data: unknown): string {
  return JSON.stringify({ status: 'success', data });
}
