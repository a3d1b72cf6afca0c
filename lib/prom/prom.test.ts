import { describe, expect, it } from 'vitest';
import { PromQLError } from '../promql/errors.js';
import { parseDurationParam, parseSelector, parseTime } from './params.js';
import { promRequestFromHttp, PromRouteError } from './routes.js';

describe('Prometheus API parameters', () => {
  it('reads times as unix seconds or RFC 3339, and names a bad one as Prometheus does', () => {
    expect(parseTime('time', '1700000000.5')).toBe(1_700_000_000_500);
    expect(parseTime('time', '2023-11-14T22:13:20Z')).toBe(1_700_000_000_000);
    expect(parseTime('time', '2023-11-14T23:13:20.25+01:00')).toBe(1_700_000_000_250);
    expect(parseTime('time', undefined, 42)).toBe(42);
    expect(() => parseTime('start', 'yesterday')).toThrow('invalid parameter "start": cannot parse "yesterday" to a valid timestamp');
    expect(() => parseTime('start', undefined)).toThrow(PromQLError);
  });

  it('reads steps as durations or seconds', () => {
    expect(parseDurationParam('step', '15s')).toBe(15_000);
    expect(parseDurationParam('step', '1m30s')).toBe(90_000);
    expect(parseDurationParam('step', '0.5')).toBe(500);
    expect(() => parseDurationParam('step', '5 minutes')).toThrow('invalid parameter "step": cannot parse "5 minutes" to a valid duration');
  });

  it('parses series selectors into matchers, the metric name included', () => {
    expect(parseSelector('up{job=~"a.*",env!="dev"}')).toHaveLength(3);
    expect(parseSelector('up{job=~"a.*",env!="dev"}')).toEqual(expect.arrayContaining([
      { name: '__name__', type: '=', value: 'up' },
      { name: 'job', type: '=~', value: 'a.*' },
      { name: 'env', type: '!=', value: 'dev' },
    ]));
    expect(() => parseSelector('sum(up)')).toThrow(/series selector/);
    expect(() => parseSelector('up{')).toThrow(PromQLError);
  });
});

describe('Prometheus API routes', () => {
  const none = Buffer.alloc(0);
  it('maps paths to endpoints and takes form bodies on POST', () => {
    const r = promRequestFromHttp('POST', '/api/prom/api/v1/query_range', new URLSearchParams('a=1'), Buffer.from('query=up&step=15s'), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.endpoint).toBe('query_range');
    expect(r.params).toEqual([
      { name: 'a', value: '1' },
      { name: 'query', value: 'up' },
      { name: 'step', value: '15s' },
    ]);
    expect(promRequestFromHttp('GET', '/api/prom/api/v1/label/job%5Fname/values', new URLSearchParams(), none, {})).toMatchObject({ endpoint: 'label_values', labelName: 'job_name' });
    const read = promRequestFromHttp('POST', '/api/prom/api/v1/read', new URLSearchParams(), Buffer.from([1, 2]), { 'content-encoding': 'snappy' });
    expect(read).toMatchObject({ endpoint: 'read', contentEncoding: 'snappy' });
    expect([...read.body]).toEqual([1, 2]);
  });

  it('answers 404 for unknown paths and 405 for a wrong method', () => {
    expect(() => promRequestFromHttp('GET', '/api/prom/api/v1/nope', new URLSearchParams(), none, {})).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => promRequestFromHttp('GET', '/api/prom/api/v1/read', new URLSearchParams(), none, {})).toThrow(PromRouteError);
    expect(() => promRequestFromHttp('POST', '/api/prom/api/v1/query', new URLSearchParams(), Buffer.from('{}'), { 'content-type': 'application/json' })).toThrow(/form-urlencoded/);
  });
});
