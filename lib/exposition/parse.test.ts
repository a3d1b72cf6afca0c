import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toOpenMetrics } from '../promql/testing/generate.js';
import { ExpositionError, formatOfContentType, parseExposition, parseValue, typeOfSample } from './parse.js';

const text = (s: string) => parseExposition(s, 'text');
const om = (s: string) => parseExposition(s, 'openmetrics');

function failure(fn: () => unknown): ExpositionError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExpositionError) return err;
    throw err;
  }
  throw new Error('did not fail');
}

describe('Prometheus text format', () => {
  it('reads counters, gauges, untyped, labels and timestamps', () => {
    const r = text(
      [
        '# HELP http_requests_total The total number of HTTP requests.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"}    3 1395066363000',
        '',
        '# A normal comment.',
        'metric_without_timestamp_and_labels 12.47',
        '# TYPE temp gauge',
        'temp{room="a",} -3.5e2',
        'something_weird{problem="division by zero"} +Inf -3982045',
        '  indented 1',
      ].join('\n'),
    );
    expect(r.samples).toEqual([
      { name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027, ts: 1395066363000 },
      { name: 'http_requests_total', labels: { method: 'post', code: '400' }, value: 3, ts: 1395066363000 },
      { name: 'metric_without_timestamp_and_labels', labels: {}, value: 12.47, ts: null },
      { name: 'temp', labels: { room: 'a' }, value: -350, ts: null },
      { name: 'something_weird', labels: { problem: 'division by zero' }, value: Infinity, ts: -3982045 },
      { name: 'indented', labels: {}, value: 1, ts: null },
    ]);
    expect(typeOfSample('http_requests_total', r.families)).toEqual({ type: 'counter' });
    expect(typeOfSample('temp', r.families)).toEqual({ type: 'gauge' });
    expect(typeOfSample('metric_without_timestamp_and_labels', r.families)).toEqual({ type: 'untyped' });
  });

  it('undoes label value escapes and keeps unknown escapes as written', () => {
    const r = text('msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\"",odd="a\\tb"} 1.458255915e9\n');
    expect(r.samples[0]?.labels).toEqual({ path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"', odd: 'a\\tb' });
    expect(r.samples[0]?.value).toBe(1.458255915e9);
  });

  it('types histogram and summary samples by their family', () => {
    const r = text(
      [
        '# TYPE http_request_duration_seconds histogram',
        'http_request_duration_seconds_bucket{le="0.05"} 24054',
        'http_request_duration_seconds_bucket{le="+Inf"} 144320',
        'http_request_duration_seconds_sum 53423',
        'http_request_duration_seconds_count 144320',
        '# TYPE rpc_duration_seconds summary',
        'rpc_duration_seconds{quantile="0.5"} 4773',
        'rpc_duration_seconds{quantile="0.99"} NaN',
        'rpc_duration_seconds_sum 1.7560473e+07',
        'rpc_duration_seconds_count 2693',
      ].join('\n'),
    );
    expect(r.samples.map((s) => [s.name, typeOfSample(s.name, r.families).type])).toEqual([
      ['http_request_duration_seconds_bucket', 'histogram'],
      ['http_request_duration_seconds_bucket', 'histogram'],
      ['http_request_duration_seconds_sum', 'histogram'],
      ['http_request_duration_seconds_count', 'histogram'],
      ['rpc_duration_seconds', 'summary'],
      ['rpc_duration_seconds', 'summary'],
      ['rpc_duration_seconds_sum', 'summary'],
      ['rpc_duration_seconds_count', 'summary'],
    ]);
    expect(r.samples[1]?.labels).toEqual({ le: '+Inf' });
    expect(Number.isNaN(r.samples[5]?.value)).toBe(true);
  });

  it('reads CRLF line ends and a body without a final newline', () => {
    expect(text('a 1\r\nb 2').samples.map((s) => [s.name, s.value])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it.each([
    ['metric{a="b" 1', 1, "expected ',' or '}'"],
    ['ok 1\nmetric{a="b} 1', 2, 'not closed'],
    ['metric', 1, 'has no value'],
    ['metric abc', 1, 'is not a number'],
    ['metric 1 1.5', 1, 'not an integer of milliseconds'],
    ['metric 1 2 3', 1, "unexpected '3'"],
    ['metric{a="1",a="2"} 1', 1, 'label a appears twice'],
    ['metric{1a="x"} 1', 1, 'expected a label name'],
    ['0metric 1', 1, 'expected a metric name'],
    ['# TYPE m countr', 1, 'unknown metric type "countr"'],
    ['m{a="b"}x 1', 1, 'is not a number'],
  ])('refuses %j at line %i (%s)', (body, lineNo, message) => {
    const err = failure(() => text(body));
    expect(err.line).toBe(lineNo);
    expect(err.message).toContain(message);
    expect(err.reason).toBe('bad_exposition');
  });

  it('drops __proto__ and __name__ inside braces instead of corrupting the labels', () => {
    const s = text('m{__proto__="x",__name__="y",a="1"} 1').samples[0];
    expect(s?.name).toBe('m');
    expect(Object.getPrototypeOf(s?.labels)).toBe(Object.prototype);
    expect(s?.labels).toEqual({ a: '1' });
  });
});

describe('OpenMetrics', () => {
  it('reads seconds timestamps, units, _created, info, stateset and ignores exemplars', () => {
    const r = om(
      [
        '# TYPE acme_http_router_request_seconds histogram',
        '# UNIT acme_http_router_request_seconds seconds',
        '# HELP acme_http_router_request_seconds Latency though all of ACME\'s HTTP request router.',
        'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32',
        'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0',
        'acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0',
        'acme_http_router_request_seconds_bucket{path="/api/v1",method="GET",le="0.1"} 40000 1605281325.5 # {trace_id="KOO5S4vxi0o"} 0.067 1601281325.0',
        '# TYPE foo counter',
        'foo_total 17.0 1520879607.789 # {id="counter-test"} 5',
        'foo_created 1520872607.123',
        '# TYPE build info',
        'build_info{version="1.2"} 1',
        '# TYPE door stateset',
        'door{door="open"} 1',
        '# TYPE g unknown',
        'g 1',
        '# EOF',
      ].join('\n') + '\n',
    );
    expect(r.samples.map((s) => [s.name, s.value, s.ts])).toEqual([
      ['acme_http_router_request_seconds_sum', 9036.32, null],
      ['acme_http_router_request_seconds_count', 807283, null],
      ['acme_http_router_request_seconds_created', 1605281325, null],
      ['acme_http_router_request_seconds_bucket', 40000, 1605281325500],
      ['foo_total', 17, 1520879607789],
      ['foo_created', 1520872607.123, null],
      ['build_info', 1, null],
      ['door', 1, null],
      ['g', 1, null],
    ]);
    expect(typeOfSample('acme_http_router_request_seconds_bucket', r.families)).toEqual({ type: 'histogram', unit: 'seconds' });
    expect(typeOfSample('foo_total', r.families).type).toBe('counter');
    expect(typeOfSample('foo_created', r.families).type).toBe('counter');
    expect(typeOfSample('build_info', r.families).type).toBe('gauge');
    expect(typeOfSample('door', r.families).type).toBe('gauge');
    expect(typeOfSample('g', r.families).type).toBe('untyped');
  });

  it.each([
    ['a 1\n', 'does not end with # EOF'],
    ['a 1\n# EOF\nb 2\n', 'text after # EOF'],
    ['a 1\n\n# EOF\n', 'empty line'],
    ['# random comment\n# EOF\n', 'unknown comment'],
    ['a 1 # x\n# EOF\n', "expected an exemplar's labels"],
    ['a 1 1.5e\n# EOF\n', 'not a number of seconds'],
  ])('refuses %j (%s)', (body, message) => {
    expect(failure(() => om(body)).message).toContain(message);
  });

  it('reads back every sample of an exposition written by the OpenMetrics writer, property', () => {
    const labelValue = fc.string({ maxLength: 8 });
    const seriesArb = fc.record({
      name: fc.stringMatching(/^[a-z_:][a-z0-9_:]{0,10}$/),
      labels: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), labelValue, { maxKeys: 4 }),
      samples: fc.array(fc.tuple(fc.integer({ min: 0, max: 4e12 }), fc.oneof(fc.double({ noNaN: true }), fc.constant(NaN))), { minLength: 1, maxLength: 5 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(seriesArb, { selector: (s) => s.name, maxLength: 6 }), (list) => {
        const series = list.map((s) => ({ labels: { ...s.labels, __name__: s.name }, timestamps: Float64Array.from(s.samples.map(([t]) => t)), values: Float64Array.from(s.samples.map(([, v]) => v)) }));
        const r = om(toOpenMetrics(series));
        const want = list.flatMap((s) => s.samples.map(([t, v]) => ({ name: s.name, labels: s.labels, value: v, ts: t })));
        expect(r.samples.length).toBe(want.length);
        r.samples.forEach((got, i) => {
          const w = want[i] as (typeof want)[number];
          expect(got.name).toBe(w.name);
          expect(got.labels).toEqual(w.labels);
          expect(got.ts).toBe(w.ts);
          if (Number.isNaN(w.value)) expect(Number.isNaN(got.value)).toBe(true);
          else expect(got.value).toBe(w.value === 0 ? 0 : w.value);
        });
      }),
    );
  });
});

describe('values and content types', () => {
  it('reads the number forms Go writes', () => {
    expect(parseValue('1e-3')).toBe(0.001);
    expect(parseValue('.5')).toBe(0.5);
    expect(parseValue('5.')).toBe(5);
    expect(parseValue('-Inf')).toBe(-Infinity);
    expect(parseValue('+Inf')).toBe(Infinity);
    expect(Number.isNaN(parseValue('NaN'))).toBe(true);
    expect(parseValue('0x10')).toBeUndefined();
    expect(parseValue('1,5')).toBeUndefined();
    expect(parseValue('')).toBeUndefined();
  });

  it('picks the parser from the Content-Type', () => {
    expect(formatOfContentType('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe('openmetrics');
    expect(formatOfContentType('text/plain; version=0.0.4; charset=utf-8')).toBe('text');
    expect(formatOfContentType(undefined)).toBe('text');
    expect(formatOfContentType('application/json')).toBe('text');
  });
});
