import { describe, expect, it } from 'vitest';
import type { LightwatchError } from '../../lib/errors/errors.js';
import { parseBulk } from './elasticsearch.js';
import { buildBulkResponse, bulkOutcomes } from './responses.js';

const OPTS = { maxItems: 100, maxDepth: 32 };
const nd = (...lines: unknown[]) => `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;

describe('Elasticsearch _bulk', () => {
  it('maps ECS documents: nested or dotted host.name and log.level', () => {
    const r = parseBulk(nd({ index: {} }, { '@timestamp': '2024-01-05T10:00:00Z', message: 'm', host: { name: 'h' }, log: { level: 'WARN' } }, { create: { _index: 'i' } }, { message: 'n', 'host.name': 'h2', 'log.level': 'error' }), OPTS);
    expect(r.items.map((i) => [i.draft.target, i.draft.kind === 'log' ? i.draft.body.level : ''])).toEqual([
      ['h', 'warn'],
      ['h2', 'error'],
    ]);
    expect(r.bulk).toEqual([
      { action: 'index', index: 'lightwatch' },
      { action: 'create', index: 'i' },
    ]);
  });

  it('uses _id as a client id so that a retried bulk request is a no-op', () => {
    const r = parseBulk(nd({ index: { _index: 'logs', _id: 42, _type: 'events' } }, { message: 'x' }), OPTS);
    expect(r.items[0]?.draft.clientId).toBe('logs/42');
    expect(r.bulk[0]).toEqual({ action: 'index', index: 'logs', id: '42' });
  });

  it('answers delete and update per item, keeping the pairing of the lines after them', () => {
    const r = parseBulk(nd({ delete: { _id: '1' } }, { update: { _id: '2' } }, { doc: { a: 1 } }, { index: {} }, { message: 'kept' }), OPTS);
    expect(r.rejected.map((x) => x.index)).toEqual([0, 1]);
    expect(r.items.map((i) => i.index)).toEqual([2]);
  });

  it('counts the batch limit in actions', () => {
    const body = nd(...Array.from({ length: 3 }, () => [{ index: {} }, { message: 'x' }]).flat());
    expect(parseBulk(body, { ...OPTS, maxItems: 3 }).items).toHaveLength(3);
    expect(() => parseBulk(body, { ...OPTS, maxItems: 2 })).toThrow(/more than 2 actions/);
  });

  it('fails the whole request on a malformed action line or a missing document', () => {
    const reason = (body: string) => {
      try {
        parseBulk(body, OPTS);
      } catch (e) {
        return (e as LightwatchError).reason;
      }
      return 'none';
    };
    expect(reason(nd('{"index":', { message: 'x' }))).toBe('malformed_bulk');
    expect(reason(nd({ upsert: {} }, { message: 'x' }))).toBe('malformed_bulk');
    expect(reason(nd({ index: {}, create: {} }, { message: 'x' }))).toBe('malformed_bulk');
    expect(reason(nd({ index: {} }))).toBe('malformed_bulk');
  });

  it('builds the response clients check: errors flag, status per item, in order', () => {
    const parsed = parseBulk(nd({ index: { _index: 'a' } }, { message: 'x' }, { delete: { _index: 'a', _id: '9' } }, { create: { _index: 'a', _id: 'c1' } }, '{bad'), OPTS);
    const res = buildBulkResponse(bulkOutcomes(parsed.bulk ?? [], [{ index: 0, id: '01HK' }], parsed.rejected), 3.4);
    expect(res.took).toBe(3);
    expect(res.errors).toBe(true);
    expect(res.items).toEqual([
      { index: { _index: 'a', _id: '01HK', status: 201, _version: 1, result: 'created', _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: 0, _primary_term: 1 } },
      { delete: { _index: 'a', _id: '9', status: 400, error: { type: 'illegal_argument_exception', reason: expect.stringContaining('delete') } } },
      { create: { _index: 'a', _id: 'c1', status: 400, error: { type: 'document_parsing_exception', reason: expect.stringContaining('malformed JSON') } } },
    ]);
    expect(buildBulkResponse(bulkOutcomes([{ action: 'index', index: 'a' }], [{ index: 0, id: 'x' }], [])).errors).toBe(false);
  });
});
