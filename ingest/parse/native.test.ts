import { describe, expect, it } from 'vitest';
import { LightwatchError } from '../../lib/errors/errors.js';
import { parseNativeBody, parseNativeItem } from './native.js';
import type { NativeKind } from './native.js';

const OPTS = { maxItems: 100, maxDepth: 32 };
const parse = (kind: NativeKind, body: string, opts: { maxItems?: number; defaultTarget?: string } = {}) => parseNativeBody(kind, body, { ...OPTS, ...opts }, ['items']);
const one = (kind: NativeKind, obj: Record<string, unknown>) => {
  const r = parseNativeItem(kind, obj, 0, OPTS);
  if (typeof r === 'string') return r;
  return r.map((i) => i.draft);
};
/** The drafts of an item that must parse, loosely typed for field checks. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const drafts = (kind: NativeKind, obj: Record<string, unknown>): any[] => {
  const r = one(kind, obj);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

describe('body shapes', () => {
  it('reads a single object, an array, NDJSON and a wrapper object', () => {
    expect(parse('log', '{"message":"a"}').items).toHaveLength(1);
    expect(parse('log', ' [{"message":"a"},{"message":"b"}]').items.map((i) => i.index)).toEqual([0, 1]);
    const nd = parse('log', '{"message":"a"}\n\n{"message":"b"}\n');
    expect(nd.format).toBe('ndjson');
    expect(nd.items.map((i) => i.index)).toEqual([0, 2]);
    expect(parse('log', '{"items":[{"message":"a"},{"message":"b"}]}').items).toHaveLength(2);
  });

  it('accepts an empty body as an empty batch', () => {
    expect(parse('log', '  \n')).toEqual({ items: [], rejected: [], format: 'json' });
  });

  it('rejects a malformed NDJSON line by its line number and keeps the others', () => {
    const r = parse('log', '{"message":"a"}\n{"message":\n{"message":"c"}');
    expect(r.items.map((i) => i.index)).toEqual([0, 2]);
    expect(r.rejected).toEqual([{ index: 1, error: expect.stringMatching(/^line 2: malformed JSON at column 12/) }]);
  });

  it('fails the whole request when the body is one broken object (pretty-printed, say)', () => {
    expect(() => parse('log', '{\n "message": "a",\n}')).toThrow(/line 3, column 1/);
  });

  it('rejects a scalar body and non-object items', () => {
    expect(() => parse('log', '42')).toThrow(LightwatchError);
    expect(parse('log', '[1, null, {"message":"x"}]').rejected.map((r) => r.index)).toEqual([0, 1]);
  });

  it('refuses batches over the limit with 413, counting array items, lines and samples', () => {
    const status = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as LightwatchError).httpStatus;
      }
      return 0;
    };
    expect(status(() => parse('log', '[{"message":"a"},{"message":"b"},{"message":"c"}]', { maxItems: 2 }))).toBe(413);
    expect(status(() => parse('log', '{"message":"a"}\n{"message":"b"}\n{"message":"c"}', { maxItems: 2 }))).toBe(413);
    expect(status(() => parse('metric', '{"name":"x","samples":[[1,1],[2,2],[3,3]]}', { maxItems: 2 }))).toBe(413);
  });
});

describe('logs', () => {
  it('takes the generous spellings and keeps the rest as fields', () => {
    expect(one('log', { '@timestamp': '2024-01-05T10:00:00Z', severity: 'ERR', msg: 'boom', host: 'web-1', tags: { env: 'prod' }, user: 'bob' })).toEqual([
      { kind: 'log', ts: '2024-01-05T10:00:00Z', target: 'web-1', labels: { env: 'prod' }, body: { level: 'error', message: 'boom', fields: { user: 'bob' }, format: 'json' } },
    ]);
  });

  it('prefers the first spelling in the documented order and keeps the loser as a field', () => {
    const [d] = drafts('log', { message: 'm', ts: 1, timestamp: 2, host: 'h', service: 's' });
    expect(d.ts).toBe(1);
    expect(d.target).toBe('s');
    expect(d.body.fields).toEqual({ timestamp: 2, host: 'h' });
  });

  it('reads numeric pino levels and strips the trailing newline of docker lines', () => {
    const [d] = drafts('log', { level: 40, log: 'warned\n' });
    expect(d.body).toMatchObject({ level: 'warn', message: 'warned' });
  });

  it('says which field is wrong', () => {
    expect(one('log', {})).toBe('message is missing (also read from msg, log, line)');
    expect(one('log', { message: 'x', ts: [1] })).toMatch(/^ts must be a number/);
    expect(one('log', { message: 'x', target: {} })).toMatch(/^target must be a string/);
    expect(one('log', { message: 'x', labels: 'a' })).toMatch(/^labels must be an object/);
    expect(one('log', { message: 'x', clientId: '' })).toMatch(/clientId/);
  });

  it('takes a `fields` object as the fields themselves, top-level keys winning', () => {
    const r = parseNativeBody('log', JSON.stringify({ message: 'm', fields: { user: 'bob', code: 7 }, code: 9 }), { maxItems: 10, maxDepth: 32 }, []);
    expect(r.items[0]?.draft.body).toMatchObject({ fields: { code: 9, user: 'bob' } });
    expect((r.items[0]?.draft.body as { fields: Record<string, unknown> }).fields).not.toHaveProperty('fields');
  });

  it('does not let a __proto__ key touch the prototype of the fields', () => {
    const obj = JSON.parse('{"message":"x","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const [d] = drafts('log', obj);
    expect(Object.getPrototypeOf(d.body.fields)).toBe(Object.prototype);
    expect(Object.keys(d.body.fields)).toEqual(['__proto__']);
  });
});

describe('metrics', () => {
  it('turns extra scalars into labels (explicit labels win) and reads numeric strings', () => {
    expect(one('metric', { metric: 'reqs', value: '12', type: 'count', service: 'api', method: 'GET', labels: { method: 'POST' }, nested: { x: 1 } })).toEqual([
      { kind: 'metric', target: 'api', labels: { method: 'POST' }, body: { name: 'reqs', value: 12, type: 'counter' } },
    ]);
  });

  it('expands samples into one draft each', () => {
    const ds = drafts('metric', { name: 'q', samples: [[1704448800, 1], { timestamp: 1704448810, value: '2' }] });
    expect(ds.map((d) => [d.ts, d.body.value])).toEqual([
      [1704448800, 1],
      [1704448810, 2],
    ]);
  });

  it('rejects with the reason', () => {
    expect(one('metric', { value: 1 })).toMatch(/name is missing/);
    expect(one('metric', { name: 'x' })).toMatch(/value is missing/);
    expect(one('metric', { name: 'x', value: 'NaN' })).toMatch(/value must be a number/);
    expect(one('metric', { name: 'x', value: 1, type: 'meter' })).toMatch(/type must be one of/);
    expect(one('metric', { name: 'x', samples: [[1]] })).toMatch(/samples\[0\]/);
    expect(one('metric', { name: 'x', samples: [] })).toMatch(/samples is empty/);
  });
});

describe('security events and heartbeats', () => {
  it('maps security aliases and severities, CVSS scores included', () => {
    expect(one('security', { type: 'auth', severity: 9.8, username: 'root', source_ip: '10.0.0.1', result: 'denied', description: 'x', rule: 'r1' })).toEqual([
      { kind: 'security', labels: { rule: 'r1' }, body: { category: 'auth', severity: 'critical', actor: 'root', ip: '10.0.0.1', outcome: 'failure', message: 'x' } },
    ]);
    expect(one('security', { category: 'auth', severity: 'whatever' })).toMatch(/severity must be one of/);
  });

  it('derives a heartbeat status from an exit status and cuts long logs, flagged', () => {
    expect(one('heartbeat', { target: 'job', exitCode: 0 })).toEqual([{ kind: 'heartbeat', target: 'job', body: { status: 'ok', exitStatus: 0 } }]);
    const r = parseNativeItem('heartbeat', { target: 'job', status: 'failed', output: 'x'.repeat(20_000) }, 0, OPTS);
    if (typeof r === 'string') throw new Error(r);
    const [item] = r as unknown as [{ draft: { body: { status: string; log: string } }; flags?: string[] }];
    expect(item.draft.body.status).toBe('fail');
    expect(item.draft.body.log).toHaveLength(10 * 1024);
    expect(item.flags).toEqual(['log_truncated']);
  });

  it('needs a heartbeat target unless the request gives one', () => {
    expect(one('heartbeat', { status: 'ok' })).toMatch(/target is missing/);
    expect(parseNativeItem('heartbeat', { status: 'ok' }, 0, { ...OPTS, defaultTarget: 'cron-1' })).toEqual([{ index: 0, draft: { kind: 'heartbeat', target: 'cron-1', body: { status: 'ok' } } }]);
    expect(one('heartbeat', { target: 'x', exit_status: 300 })).toMatch(/exitStatus/);
  });
});
