import { describe, expect, it } from 'vitest';
import type { DraftEvent as ProtoDraft } from '../proto/gen/lightwatch/v1/event.js';
import { draftsFromProto } from './grpc-drafts.js';

const base = { kind: '', target: 'web', ts: '0', labels: {}, clientId: '' };

describe('draftsFromProto', () => {
  it('maps each body, fills defaults, and treats ts 0 and empty strings as absent', () => {
    const input: ProtoDraft[] = [
      { ...base, ts: '1700000000000', clientId: 'c1', body: { $case: 'metric', value: { name: 'cpu', value: 0.5, type: '' } } },
      { ...base, kind: 'log', labels: { env: 'prod' }, body: { $case: 'log', value: { level: 'WARN', message: 'disk', fieldsJson: '{"a":{"b":1}}', format: '' } } },
      { ...base, body: { $case: 'security', value: { category: 'auth', severity: 'high', actor: 'bob', ip: '', outcome: 'failure' } } },
      { ...base, target: '', body: { $case: 'heartbeat', value: { status: '', exitStatus: 2 } } },
    ];
    const { items, rejected } = draftsFromProto(input, 1000);
    expect(rejected).toEqual([]);
    expect(items.map((i) => i.draft)).toEqual([
      { kind: 'metric', target: 'web', ts: 1700000000000, labels: {}, clientId: 'c1', body: { name: 'cpu', value: 0.5, type: 'untyped' } },
      { kind: 'log', target: 'web', ts: undefined, labels: { env: 'prod' }, clientId: undefined, body: { level: 'warn', message: 'disk', fields: { a: { b: 1 } }, format: 'grpc' } },
      { kind: 'security', target: 'web', ts: undefined, labels: {}, clientId: undefined, body: { category: 'auth', severity: 'high', actor: 'bob', outcome: 'failure' } },
      { kind: 'heartbeat', target: undefined, ts: undefined, labels: {}, clientId: undefined, body: { status: 'ok', exitStatus: 2 } },
    ]);
  });

  it('rejects bad items by index and keeps the good ones', () => {
    const input: ProtoDraft[] = [
      { ...base, body: { $case: 'log', value: { level: 'info', message: 'ok', fieldsJson: '', format: 'json' } } },
      { ...base }, // no body
      { ...base, kind: 'metric', body: { $case: 'log', value: { level: 'info', message: 'x', fieldsJson: '', format: '' } } },
      { ...base, body: { $case: 'log', value: { level: 'loud', message: 'x', fieldsJson: '', format: '' } } },
      { ...base, body: { $case: 'log', value: { level: 'info', message: 'x', fieldsJson: '{bad', format: '' } } },
      { ...base, body: { $case: 'log', value: { level: 'info', message: 'x', fieldsJson: '[1]', format: '' } } },
      { ...base, body: { $case: 'log', value: { level: 'info', message: 'x', fieldsJson: `{"a":"${'x'.repeat(100)}"}`, format: '' } } },
      { ...base, ts: 'soon', body: { $case: 'heartbeat', value: { status: 'ok' } } },
      { ...base, body: { $case: 'metric', value: { name: 'm', value: 1, type: 'weird' } } },
    ];
    const { items, rejected } = draftsFromProto(input, 50);
    expect(items.map((i) => i.index)).toEqual([0]);
    expect(rejected.map((r) => r.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(rejected[0]?.error).toMatch(/no body/);
    expect(rejected[1]?.error).toMatch(/does not match/);
    expect(rejected[2]?.error).toMatch(/log.level "loud"/);
    expect(rejected[3]?.error).toMatch(/not valid JSON/);
    expect(rejected[4]?.error).toMatch(/JSON object/);
    expect(rejected[5]?.error).toMatch(/more than 50/);
    expect(rejected[6]?.error).toMatch(/ts "soon"/);
    expect(rejected[7]?.error).toMatch(/metric.type/);
  });
});
