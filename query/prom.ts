// The Prometheus HTTP API (/api/prom/api/v1/*) over the series store and the PromQL engine, one tenant (from
// the credential) at a time. Every answer, errors included, is in Prometheus's shape and status codes.
import snappy from 'snappyjs';
import type { Principal } from '../lib/auth/principal.js';
import { isLightwatchError } from '../lib/errors/errors.js';
import { validateRangeParams } from '../lib/promql/engine.js';
import type { PromQueries } from '../lib/promql-offload/offload.js';
import { PromQLError } from '../lib/promql/errors.js';
import { isStaleNaN, STALE_NAN, SampleLimitError, type LabelMatcher } from '../lib/promql/querier.js';
import { badData, checkLabelName, errorBody, MAX_TIME_MS, MIN_TIME_MS, parseDurationParam, parseMatchSets, parseTime, statusOf, successBody } from '../lib/prom/params.js';
import type { MetricsStore } from '../lib/tsdb/port.js';
import { ReadRequest, ReadRequest_ResponseType, ReadResponse } from '../proto/gen/compat/prometheus/remote.js';
import { LabelMatcher_Type } from '../proto/gen/compat/prometheus/types.js';
import type { PromRequest, PromResponse } from '../proto/gen/lightwatch/v1/query.js';

export const PROM_ENDPOINTS = ['query', 'query_range', 'series', 'labels', 'label_values', 'metadata', 'buildinfo', 'read'] as const;

/** What /status/buildinfo reports: the Prometheus version whose API and PromQL this one follows. */
export const BUILD_INFO = Object.freeze({ version: '2.42.0', revision: 'lightwatch', branch: 'lightwatch', buildUser: 'lightwatch', buildDate: '', goVersion: 'none' });

const JSON_TYPE = 'application/json';
const MAX_READ_BODY = 32 * 1024 * 1024;

function paramsOf(req: PromRequest): { one(name: string): string | undefined; all(name: string): string[] } {
  return {
    one: (name) => req.params.find((p) => p.name === name)?.value,
    all: (name) => req.params.filter((p) => p.name === name).map((p) => p.value),
  };
}

const json = (status: number, body: string): PromResponse => ({ httpStatus: status, contentType: JSON_TYPE, body: Buffer.from(body), headers: {} });
const ok = (data: unknown): PromResponse => json(200, successBody(data));

/** Prometheus's shape for any error of ours or the engine's. */
export function promError(err: unknown): PromResponse {
  if (err instanceof PromQLError) return json(statusOf(err.errorType), errorBody(err.errorType, err.message));
  if (err instanceof SampleLimitError) return json(422, errorBody('execution', 'query processing would load too many samples into memory in query execution'));
  if (isLightwatchError(err)) {
    const type = err.code === 'unauthenticated' ? 'unauthorized' : err.code === 'forbidden' ? 'forbidden' : err.code === 'unavailable' ? 'unavailable' : err.httpStatus < 500 ? 'bad_data' : 'internal';
    const res = json(err.httpStatus, errorBody(type, err.message));
    if (err.retryAfterSec !== undefined) res.headers['retry-after'] = String(err.retryAfterSec);
    return res;
  }
  return json(500, errorBody('internal', err instanceof Error ? err.message : String(err)));
}

export interface PromDeps {
  metrics: MetricsStore;
  /** Evaluates query and query_range, on the event loop or a PromQL worker thread (lib/promql-offload). */
  queries: PromQueries;
  now: () => number;
}

function range(p: ReturnType<typeof paramsOf>): { startMs: number; endMs: number } {
  const startMs = parseTime('start', p.one('start'), MIN_TIME_MS);
  const endMs = parseTime('end', p.one('end'), MAX_TIME_MS);
  if (endMs < startMs) throw badData('invalid parameter "end": end timestamp must not be before start time');
  return { startMs, endMs };
}

function timeoutOf(p: ReturnType<typeof paramsOf>): { timeoutMs?: number } {
  const raw = p.one('timeout');
  return raw === undefined || raw === '' ? {} : { timeoutMs: parseDurationParam('timeout', raw) };
}

const MATCH_TYPE: Record<LabelMatcher_Type, LabelMatcher['type']> = {
  [LabelMatcher_Type.EQ]: '=',
  [LabelMatcher_Type.NEQ]: '!=',
  [LabelMatcher_Type.RE]: '=~',
  [LabelMatcher_Type.NRE]: '!~',
  [LabelMatcher_Type.UNRECOGNIZED]: '=',
};

async function remoteRead(deps: PromDeps, tenant: string, req: PromRequest): Promise<PromResponse> {
  let decoded: ReadRequest;
  try {
    if (req.contentEncoding !== '' && req.contentEncoding.toLowerCase() !== 'snappy') throw new Error(`Content-Encoding ${req.contentEncoding} is not snappy`);
    const raw = snappy.uncompress(req.body, MAX_READ_BODY);
    decoded = ReadRequest.decode(raw);
  } catch (err) {
    return { httpStatus: 400, contentType: 'text/plain; charset=utf-8', body: Buffer.from(`bad remote_read request (snappy-compressed protobuf ReadRequest expected): ${err instanceof Error ? err.message : String(err)}`), headers: {} };
  }
  const types = decoded.acceptedResponseTypes;
  if (types.length > 0 && !types.includes(ReadRequest_ResponseType.SAMPLES)) {
    return { httpStatus: 400, contentType: 'text/plain; charset=utf-8', body: Buffer.from('only the SAMPLES response type is served; STREAMED_XOR_CHUNKS is not'), headers: {} };
  }
  const querier = deps.metrics.querier(tenant);
  const results = [];
  for (const q of decoded.queries) {
    const matchers: LabelMatcher[] = q.matchers.map((m) => ({ name: m.name, type: MATCH_TYPE[m.type], value: m.value }));
    const series = await querier.select(matchers, { startMs: Number(q.startTimestampMs), endMs: Number(q.endTimestampMs) });
    results.push({
      timeseries: series.map((s) => ({
        labels: Object.entries(s.labels)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, value]) => ({ name, value })),
        samples: Array.from(s.timestamps, (t, i) => {
          const v = s.values[i] as number;
          return { value: isStaleNaN(v) ? STALE_NAN : v, timestamp: String(t) };
        }),
        exemplars: [],
        histograms: [],
      })),
    });
  }
  const body = snappy.compress(ReadResponse.encode({ results }).finish());
  return { httpStatus: 200, contentType: 'application/x-protobuf', body: Buffer.from(body), headers: { 'content-encoding': 'snappy' } };
}

/** Answers one Prometheus API request of `principal`'s tenant. Never throws for bad input. */
export async function prometheusApi(deps: PromDeps, principal: Principal, req: PromRequest): Promise<PromResponse> {
  const p = paramsOf(req);
  const tenant = principal.tenant;
  try {
    switch (req.endpoint) {
      case 'query': {
        const query = p.one('query') ?? '';
        const timeMs = parseTime('time', p.one('time'), deps.now());
        return json(200, await deps.queries.answer(tenant, { kind: 'instant', query, timeMs }, timeoutOf(p)));
      }
      case 'query_range': {
        const startMs = parseTime('start', p.one('start'));
        const endMs = parseTime('end', p.one('end'));
        const stepMs = parseDurationParam('step', p.one('step'));
        validateRangeParams(startMs, endMs, stepMs);
        return json(200, await deps.queries.answer(tenant, { kind: 'range', query: p.one('query') ?? '', startMs, endMs, stepMs }, timeoutOf(p)));
      }
      case 'series': {
        const sets = p.all('match[]');
        if (sets.length === 0) throw badData('no match[] parameter provided');
        const r = range(p);
        return ok(await deps.metrics.querier(tenant).series(parseMatchSets(sets), r));
      }
      case 'labels': {
        const r = range(p);
        return ok(await deps.metrics.querier(tenant).labelNames(parseMatchSets(p.all('match[]')), r));
      }
      case 'label_values': {
        checkLabelName(req.labelName);
        const r = range(p);
        return ok(await deps.metrics.querier(tenant).labelValues(req.labelName, parseMatchSets(p.all('match[]')), r));
      }
      case 'metadata': {
        const limitRaw = p.one('limit');
        const limit = limitRaw === undefined || limitRaw === '' ? undefined : Number(limitRaw);
        if (limit !== undefined && !Number.isInteger(limit)) throw badData(`invalid parameter "limit": ${limitRaw}`);
        const metric = p.one('metric');
        const rows = await deps.metrics.metadata(tenant, metric === '' ? undefined : metric, limit !== undefined && limit > 0 ? limit : undefined);
        const data: Record<string, { type: string; help: string; unit: string }[]> = {};
        for (const r of rows) (data[r.name] ??= []).push({ type: r.type === 'untyped' ? 'unknown' : r.type, help: '', unit: r.unit });
        return ok(data);
      }
      case 'buildinfo':
        return ok(BUILD_INFO);
      case 'read':
        return await remoteRead(deps, tenant, req);
      default:
        return json(404, errorBody('not_found', `unknown Prometheus API endpoint "${req.endpoint.slice(0, 40)}"`));
    }
  } catch (err) {
    return promError(err);
  }
}
