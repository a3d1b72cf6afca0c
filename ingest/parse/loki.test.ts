import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { PushRequest } from '../../proto/gen/compat/loki/push.js';
import { parseLabelSet, parseLokiJson, parseLokiProtobuf } from './loki.js';

const OPTS = { maxItems: 100, maxDepth: 32, maxBodyBytes: 1e6 };

describe('Loki push', () => {
  it('reads the JSON push from the Loki docs', () => {
    const r = parseLokiJson('{"streams": [{ "stream": { "foo": "bar2" }, "values": [ [ "1570818238000000000", "fizzbuzz" ] ] }]}', OPTS);
    expect(r.items).toEqual([{ index: 0, draft: { kind: 'log', ts: '1570818238000000000', labels: { foo: 'bar2' }, body: { level: 'info', message: 'fizzbuzz', fields: {}, format: 'loki' } } }]);
  });

  it('takes the level from a label, else from the line', () => {
    const r = parseLokiJson('{"streams":[{"stream":{"app":"a"},"values":[["1","level=error boom"],["2","{\\"level\\":\\"warn\\"}"],["3","plain"]]},{"stream":{"detected_level":"debug"},"values":[["4","level=error x"]]}]}', OPTS);
    expect(r.items.map((i) => (i.draft.kind === 'log' ? i.draft.body.level : ''))).toEqual(['error', 'warn', 'info', 'debug']);
    expect(r.items[0]?.draft.target).toBe('a');
  });

  it('reads the legacy labels/entries form', () => {
    const r = parseLokiJson('{"streams":[{"labels":"{job=\\"x\\"}","entries":[{"ts":"2018-12-18T08:28:06.801064-04:00","line":"hi"}]}]}', OPTS);
    expect(r.items[0]?.draft).toMatchObject({ ts: '2018-12-18T08:28:06.801064-04:00', labels: { job: 'x' }, target: 'x' });
  });

  it('rejects bad entries by index and a body without streams as a whole', () => {
    const r = parseLokiJson('{"streams":[{"stream":{},"values":[["1","a"],"bad",["x","b"]]},7]}', OPTS);
    expect(r.items.map((i) => i.index)).toEqual([0]);
    expect(r.rejected.map((x) => x.index)).toEqual([1, 2, 3]);
    expect(() => parseLokiJson('{"stream":[]}', OPTS)).toThrow(/streams/);
  });

  it('reads snappy-compressed protobuf sent without Content-Encoding, and uncompressed protobuf', () => {
    const msg = PushRequest.encode({
      format: '',
      streams: [{ labels: '{job="a", host="h"}', hash: '0', entries: [{ timestamp: new Date(1704448800123), line: 'x', structuredMetadata: [{ name: 'trace_id', value: 't' }], parsed: [] }] }],
    }).finish();
    const expected = [{ index: 0, draft: { kind: 'log', ts: 1704448800123, target: 'a', labels: { job: 'a', host: 'h' }, body: { level: 'info', message: 'x', fields: { trace_id: 't' }, format: 'loki' } } }];
    expect(parseLokiProtobuf(Buffer.from(snappy.compress(Buffer.from(msg))), OPTS).items).toEqual(expected);
    expect(parseLokiProtobuf(Buffer.from(msg), OPTS).items).toEqual(expected);
  });

  it('parses Prometheus-style label sets with escapes, and says what is wrong', () => {
    expect(parseLabelSet('{a="1", b="x\\"y\\\\z", c="\\n"}')).toEqual({ a: '1', b: 'x"y\\z', c: '\n' });
    expect(parseLabelSet('{}')).toEqual({});
    expect(parseLabelSet('{a=1}')).toMatch(/expected '"'/);
    expect(parseLabelSet('a="1"')).toMatch(/expected '\{'/);
    expect(parseLabelSet('{a="1"')).toMatch(/expected ',' or '}'/);
  });
});
