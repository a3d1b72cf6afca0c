import { describe, expect, it } from 'vitest';
import { LightwatchError } from '../../lib/errors/errors.js';
import { ACCEPTED_CONTENT_TYPES, INGEST_ENDPOINTS, parsePayload } from './index.js';
import type { IngestEndpoint, ParseResult } from './index.js';

const LIMITS = { maxItems: 100, maxDepth: 32, maxLineBytes: 4096 };
const parse = (endpoint: IngestEndpoint, contentType: string, body: string | Buffer, params: Record<string, string> = {}, extra: Partial<{ target: string; suffix: string; method: string }> = {}): ParseResult =>
  parsePayload({ endpoint, contentType, body: Buffer.isBuffer(body) ? body : Buffer.from(body), params, now: Date.UTC(2024, 0, 5), ...extra }, LIMITS);
const error = (fn: () => unknown): LightwatchError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LightwatchError);
    return e as LightwatchError;
  }
  throw new Error('expected an error');
};

describe('content types', () => {
  it('accepts what real clients send: charsets, vendor types, a missing header, curl -d', () => {
    expect(parse('logs', 'application/json; charset=UTF-8', '{"message":"a"}').items).toHaveLength(1);
    expect(parse('metrics', '', '{"name":"x","value":1}').items).toHaveLength(1);
    expect(parse('events', 'application/x-www-form-urlencoded', '{"category":"auth"}').items).toHaveLength(1);
    expect(parse('elasticsearch', 'application/vnd.elasticsearch+x-ndjson; compatible-with=8', '{"index":{}}\n{"message":"x"}\n').items).toHaveLength(1);
  });

  it('sniffs logs without a content type: JSON when it looks like JSON, text otherwise', () => {
    expect(parse('logs', '', '[{"message":"a"}]').format).toBe('json');
    expect(parse('logs', '', 'Jan  5 10:00:01 h app: x').format).toBe('text');
    expect(parse('logs', '', '{"message":"a"}', { format: 'json' }).format).toBe('json');
  });

  it('answers 415 naming the accepted types, for each endpoint', () => {
    const e = error(() => parse('metrics', 'text/plain', 'x'));
    expect(e.httpStatus).toBe(415);
    expect(e.message).toContain('application/json, application/x-ndjson');
    expect(error(() => parse('otlp_logs', 'text/plain', 'x')).httpStatus).toBe(415);
    expect(error(() => parse('prometheus', 'application/json', '{}')).httpStatus).toBe(415);
    expect(error(() => parse('logs', 'application/xml', '<a/>')).httpStatus).toBe(415);
    expect(error(() => parse('logs', 'text/plain; charset=iso-8859-1', 'x')).reason).toBe('unsupported_charset');
  });

  it('refuses remote_write 2.0 with 415 so that Prometheus can fall back to 1.0', () => {
    const e = error(() => parse('prometheus', 'application/x-protobuf;proto=io.prometheus.write.v2.Request', Buffer.alloc(0)));
    expect(e.httpStatus).toBe(415);
    expect(e.message).toContain('prometheus.WriteRequest');
  });

  it('lists accepted types for every endpoint', () => {
    for (const e of INGEST_ENDPOINTS) expect(ACCEPTED_CONTENT_TYPES[e].length).toBeGreaterThan(0);
  });
});

describe('routing', () => {
  it('turns a heartbeat ping into one item whatever the content type', () => {
    const r = parse('heartbeat', 'application/octet-stream', 'done', {}, { target: 'backup', suffix: '3', method: 'POST' });
    expect(r).toEqual({ items: [{ index: 0, draft: { kind: 'heartbeat', target: 'backup', body: { status: 'fail', exitStatus: 3, log: 'done' } } }], rejected: [], format: 'heartbeat_ping' });
  });

  it('uses the target parameter as the default target', () => {
    expect(parse('logs', 'text/plain', 'hello', { target: 'box-1' }).items[0]?.draft.target).toBe('box-1');
    expect(parse('metrics', 'application/json', '{"name":"x","value":1}', { target: 'box-1' }).items[0]?.draft.target).toBe('box-1');
  });

  it('answers 400 invalid_utf8 for text bodies with bad bytes, with the offset', () => {
    const e = error(() => parse('logs', 'text/plain', Buffer.from([0x61, 0x62, 0xff])));
    expect(e.reason).toBe('invalid_utf8');
    expect(e.message).toContain('offset 2');
  });

  it('sniffs OTLP and Loki bodies without a content type', () => {
    expect(parse('otlp_logs', '', '{"resourceLogs":[]}').format).toBe('otlp_json');
    expect(parse('otlp_logs', '', Buffer.alloc(0))).toEqual({ items: [], rejected: [], format: 'empty' });
    expect(parse('loki', '', Buffer.from([0x0a, 0x00])).format).toBe('loki_protobuf');
  });

  it('rejects an unknown endpoint with 400', () => {
    expect(error(() => parse('nope' as IngestEndpoint, '', '{}')).reason).toBe('unknown_endpoint');
  });
});
