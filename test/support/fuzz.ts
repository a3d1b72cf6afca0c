// The gateway fuzzer's generators and its one check, shared by the short run in `npm test`
// (test/gateway/fuzz.test.ts) and the long run (bench/fuzz.ts). Requests are drawn over every route the
// gateway serves: path (well-formed and malformed segments), query, headers (credentials, content types and
// encodings) and body (valid payloads of each protocol, mutated ones, arbitrary bytes and JSON).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { RESOURCE_ROUTES } from '../../lib/api/routes.js';

export interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

export interface FuzzAnswer {
  status: number;
  ms: number;
  body: string;
}

const testdata = (name: string): Buffer => readFileSync(new URL(`../../ingest/parse/testdata/${name}`, import.meta.url));

/** A valid payload per ingest path (mutated below), so the fuzzer reaches the parsers' depths, not only their doors. */
const SAMPLES: Record<string, Buffer[]> = {
  '/ingest/logs': [testdata('native-logs.json'), testdata('syslog-daemons.log'), testdata('access-nginx.log')],
  '/ingest/metrics': [testdata('native-metrics.ndjson')],
  '/ingest/events': [testdata('native-events.json')],
  '/ingest/heartbeats': [testdata('native-heartbeats.json')],
  '/ingest/prometheus/write': [testdata('prometheus-write.bin')],
  '/ingest/prometheus/api/v1/write': [testdata('prometheus-write.bin')],
  '/ingest/loki/api/v1/push': [testdata('loki-push.json'), testdata('loki-push.bin')],
  '/ingest/otlp/v1/logs': [testdata('otlp-logs.json'), testdata('otlp-logs.bin')],
  '/ingest/otlp/v1/metrics': [testdata('otlp-metrics.json'), testdata('otlp-metrics.bin')],
  '/ingest/elasticsearch/_bulk': [testdata('es-bulk-filebeat.ndjson'), testdata('es-bulk-rsyslog.ndjson')],
};
const ALL_SAMPLES = Object.values(SAMPLES).flat();

const NASTY_SEGMENTS = ['%ZZ', '%', '%C0%AE%C0%AE', '%ED%A0%80', '%E0%A4%A', '..', '.', '%2e%2e', '%00', 'a%00b', '%2F', '%FF', '%F0%9F%98%80', '~', "'", '"', '$ne', '__proto__', 'constructor'];
const segment = fc.oneof(
  fc.constantFrom(...NASTY_SEGMENTS),
  fc.constantFrom('web-1', 'nightly-backup', 'start', 'fail', '0', '1', '255', '-1', 'x'.repeat(200), 'y'.repeat(600)),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9%._~-]{0,24}$/),
);

const resourcePaths = RESOURCE_ROUTES.map((r) => ({ method: r.method, template: `/api/${r.resource}${r.withId ? '/{id}' : ''}${r.action ? `/${r.action}` : ''}` }));
const FIXED: Array<{ method: string; template: string }> = [
  ...Object.keys(SAMPLES).map((p) => ({ method: 'POST', template: p })),
  { method: 'POST', template: '/ingest/elasticsearch/{id}/_bulk' },
  { method: 'GET', template: '/ingest/heartbeat/{id}' },
  { method: 'POST', template: '/ingest/heartbeat/{id}/{id}' },
  { method: 'GET', template: '/ingest/elasticsearch' },
  { method: 'HEAD', template: '/ingest/elasticsearch/' },
  ...['logs', 'metrics', 'events', 'heartbeats', 'checks', 'metrics/series'].map((c) => ({ method: 'GET', template: `/api/${c}` })),
  { method: 'GET', template: '/api/openapi.json' },
  { method: 'GET', template: '/healthz' },
  { method: 'GET', template: '/readyz' },
  { method: 'GET', template: '/metrics' },
  { method: 'GET', template: '/' },
  ...resourcePaths,
];

const INGEST = FIXED.filter((r) => r.template.startsWith('/ingest/'));
const route = fc.record({
  // Half the requests go to the ingest routes (a dozen), half to everything else (about sixty).
  known: fc.oneof(fc.constantFrom(...INGEST), fc.constantFrom(...FIXED)),
  // Mostly the route's own method and shape, sometimes another method, extra segments or a trailing slash.
  method: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') }),
  ids: fc.array(segment, { minLength: 2, maxLength: 2 }),
  extra: fc.oneof({ weight: 5, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }) }),
  trailingSlash: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

const PARAM_NAMES = ['target', 'from', 'to', 'limit', 'order', 'cursor', 'text', 'level', 'name', 'status', 'severity', 'category', 'step', 'create', 'format', 'label.env', 'label.', 'window', 'target[$ne]', '__proto__'];
const paramValue = fc.oneof(
  fc.constantFrom('', '1', '0', '-1', 'asc', 'desc', 'now', '-1h', '1e309', 'NaN', '2026-01-01T00:00:00Z', '10000000', 'error', 'x'.repeat(2000), '%ZZ', '\u0000', 'null'),
  fc.string({ maxLength: 30 }),
);
const query = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PARAM_NAMES), fc.string({ maxLength: 10 })), paramValue), { maxLength: 5 }).map((pairs) => new URLSearchParams(pairs).toString()) },
  { weight: 1, arbitrary: fc.constantFrom('%ZZ', '&&&=', 'a=%C0%AE', '=x', 'target=%00', 'limit=1&limit=2') },
);

const printable = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
const credential = (adminKey: string): fc.Arbitrary<Record<string, string>> =>
  fc.oneof(
    fc.constant({}),
    fc.constant({ authorization: `Bearer ${adminKey}` }),
    fc.constant({ 'x-api-key': adminKey }),
    fc.constant({ authorization: `Basic ${Buffer.from(`agent:${adminKey}`).toString('base64')}` }),
    fc.constant({ authorization: `ApiKey ${Buffer.from(`id:${adminKey}`).toString('base64')}` }),
    fc.constant({ authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA' }),
    printable.map((v) => ({ authorization: v })),
    printable.map((v) => ({ 'x-api-key': v })),
  );
/** Present now and then (weight 1 against `absent`): most requests look like what agents send. */
const sometimes = <T>(arb: fc.Arbitrary<T>, absent = 3): fc.Arbitrary<T | undefined> => fc.oneof({ weight: absent, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const contentHeaders = fc.record({
  'content-type': sometimes(fc.constantFrom('application/json', 'application/x-ndjson', 'text/plain', 'application/x-protobuf', 'application/json; charset=latin1', 'multipart/form-data', '', 'text/plain; charset=utf-8'), 1),
  'content-encoding': sometimes(fc.constantFrom('gzip', 'snappy', 'deflate', 'br', 'identity', 'gzip, gzip', 'zstd'), 6),
  'idempotency-key': sometimes(printable),
  'x-request-id': sometimes(printable),
  'x-custom': sometimes(printable),
});

function mutate(buf: Buffer, flips: ReadonlyArray<[number, number]>, cut: number | undefined): Buffer {
  const out = Buffer.from(cut === undefined ? buf : buf.subarray(0, Math.floor((cut / 1000) * buf.length)));
  for (const [at, byte] of flips) if (out.length > 0) out[at % out.length] = byte;
  return out;
}

const body = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...ALL_SAMPLES), fc.oneof({ weight: 2, arbitrary: fc.constant<Array<[number, number]>>([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }) }), sometimes(fc.nat(1000), 2)).map(([b, f, c]) => mutate(b, f, c)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map((j) => Buffer.from(j)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }).map((j) => gzipSync(j)) },
  { weight: 1, arbitrary: fc.constantFrom('[]', '{}', '[{}]', '{"streams":[{}]}', '{"resourceLogs":[{}]}', `[${'['.repeat(100)}`, '{"name":"x","kind":"log"}', '{"email":"a@b.c","password":"xxxxxxxxxxxx"}').map((s) => Buffer.from(s)) },
);

/** One request over every route; `adminKey` makes a share of them authenticated. */
export function fuzzRequest(adminKey: string): fc.Arbitrary<FuzzRequest> {
  return fc.record({ route, query, cred: credential(adminKey), content: contentHeaders, body, own: fc.boolean(), pick: fc.nat() }).map(({ route: r, query: q, cred, content, body: drawn, own, pick }) => {
    // Half the time an ingest route gets a valid payload of its own protocol, sent as its agents send it.
    const samples = SAMPLES[r.known.template];
    const b = own && samples ? samples[pick % samples.length] : drawn;
    let n = 0;
    let path = r.known.template.replace(/\{id\}/g, () => r.ids[n++ % 2] as string);
    if (r.extra.length > 0) path += `/${r.extra.join('/')}`;
    if (r.trailingSlash) path += '/';
    const method = r.method ?? r.known.method;
    const headers: Record<string, string> = { ...cred };
    for (const [k, v] of Object.entries(content)) if (v !== undefined) headers[k] = v;
    if (own && samples && r.known.template.includes('prometheus')) headers['content-encoding'] = 'snappy';
    return { method, path, query: q, headers, ...(b !== undefined && method !== 'GET' && method !== 'HEAD' ? { body: b } : {}) };
  });
}

/** Sends one request; the answer's time includes reading the whole body. */
export async function send(baseUrl: string, r: FuzzRequest, timeoutMs: number): Promise<FuzzAnswer> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}${r.path}${r.query ? `?${r.query}` : ''}`, { method: r.method, headers: r.headers, body: r.body, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  return { status: res.status, ms: performance.now() - started, body: text.slice(0, 300) };
}

/** What must hold for every request: an answer, in time, never a 5xx. Returns the problem or null. */
export function problemWith(a: FuzzAnswer, boundMs: number): string | null {
  if (a.status >= 500) return `answered ${a.status}: ${a.body}`;
  if (a.ms > boundMs) return `answered after ${Math.round(a.ms)} ms (bound ${boundMs} ms)`;
  return null;
}

export function describeRequest(r: FuzzRequest): string {
  const b = r.body === undefined ? 'no body' : `${r.body.byteLength}-byte body ${JSON.stringify(Buffer.from(r.body.subarray(0, 80)).toString('latin1'))}`;
  return `${r.method} ${r.path}${r.query ? `?${r.query}` : ''} ${JSON.stringify(r.headers)} ${b}`;
}
