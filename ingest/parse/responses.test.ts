import { describe, expect, it } from 'vitest';
import { LightwatchError } from '../../lib/errors/errors.js';
import { ExportLogsServiceResponse } from '../../proto/gen/compat/opentelemetry/proto/collector/logs/v1/logs_service.js';
import { ExportMetricsServiceResponse } from '../../proto/gen/compat/opentelemetry/proto/collector/metrics/v1/metrics_service.js';
import { elasticsearchRootInfo, lokiPushResponse, otlpErrorResponse, otlpExportResponse, prometheusWriteResponse, summarize } from './responses.js';

describe('OTLP responses', () => {
  it('answers full success with an empty message in the request encoding', () => {
    expect(otlpExportResponse('logs', 'application/json', [])).toEqual({ status: 200, contentType: 'application/json', body: '{}' });
    const proto = otlpExportResponse('logs', 'application/x-protobuf', []);
    expect(proto.contentType).toBe('application/x-protobuf');
    expect((proto.body as Uint8Array).length).toBe(0);
  });

  it('reports partial success with the count of rejected records (distinct items) as an int64 string', () => {
    const rejected = [
      { index: 2, error: 'bad' },
      { index: 2, error: 'worse' },
      { index: 5, error: 'no' },
    ];
    const json = otlpExportResponse('metrics', 'application/json', rejected);
    expect(JSON.parse(json.body as string)).toEqual({ partialSuccess: { rejectedDataPoints: '2', errorMessage: 'item 2: bad\nitem 2: worse\nitem 5: no' } });
    const proto = otlpExportResponse('metrics', 'application/x-protobuf', rejected);
    expect(ExportMetricsServiceResponse.decode(proto.body as Uint8Array).partialSuccess?.rejectedDataPoints).toBe('2');
    const logs = otlpExportResponse('logs', 'application/x-protobuf; charset=binary', rejected);
    expect(ExportLogsServiceResponse.decode(logs.body as Uint8Array).partialSuccess?.rejectedLogRecords).toBe('2');
  });

  it('encodes errors as google.rpc.Status with the HTTP status of the error', () => {
    const err = new LightwatchError('payload_too_large', 'too big', { reason: 'batch_too_large' });
    expect(otlpErrorResponse(err, 'application/json')).toEqual({ status: 413, contentType: 'application/json', body: JSON.stringify({ code: 3, message: 'too big' }) });
    const proto = otlpErrorResponse(err, 'application/x-protobuf').body as Uint8Array;
    expect(Buffer.from(proto).toString('hex')).toBe(`0803${'12'}07${Buffer.from('too big').toString('hex')}`);
  });
});

describe('Loki, Prometheus and Elasticsearch answers', () => {
  it('204 with no body when everything was accepted, 400 naming the rejections otherwise', () => {
    expect(lokiPushResponse([])).toEqual({ status: 204, body: '' });
    expect(prometheusWriteResponse([])).toEqual({ status: 204, body: '' });
    expect(lokiPushResponse([{ index: 1, error: 'x' }])).toMatchObject({ status: 400, body: 'item 1: x' });
    expect(prometheusWriteResponse([{ index: 3, error: 'y' }]).status).toBe(400);
  });

  it('summarizes long rejection lists', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ index: i, error: 'e' }));
    expect(summarize(many).split('\n')).toHaveLength(11);
    expect(summarize(many)).toMatch(/and 2 more$/);
  });

  it('tells Beats which Elasticsearch version it is talking to', () => {
    expect(elasticsearchRootInfo()).toMatchObject({ version: { number: expect.stringMatching(/^8\./) as string, build_flavor: 'default' } });
  });
});
