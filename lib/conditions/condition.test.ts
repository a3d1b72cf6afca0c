// Gatus's documented condition examples (README, "Conditions"), written as our own cases: passing and
// failing values for each, plus the parse errors with their positions.
import { describe, expect, it } from 'vitest';
import { ConditionError, firstFailed, numberOf, parseCondition, type ConditionContext } from './condition.js';

const ctx = (over: Partial<ConditionContext> = {}): ConditionContext => ({ status: 200, responseTimeMs: 120, body: '', connected: true, ...over });
const holds = (cond: string, over: Partial<ConditionContext> = {}): boolean => firstFailed([parseCondition(cond)], ctx(over)) === null;

describe('Gatus conditions', () => {
  it.each([
    ['[STATUS] == 200', [200], [201, 404]],
    ['[STATUS] < 300', [200, 201, 299], [301, 302]],
    ['[STATUS] <= 299', [200, 299], [300, 301]],
    ['[STATUS] > 400', [401, 404], [400, 200]],
    ['[STATUS] >= 400', [400, 500], [399]],
    ['[STATUS] != 500', [200], [500]],
    ['[STATUS] == any(200, 429)', [200, 429], [201, 400]],
  ] as const)('%s', (cond, pass, fail) => {
    for (const s of pass) expect(holds(cond, { status: s })).toBe(true);
    for (const s of fail) expect(holds(cond, { status: s })).toBe(false);
  });

  it('response time, connection, IP', () => {
    expect(holds('[RESPONSE_TIME] < 500', { responseTimeMs: 300 })).toBe(true);
    expect(holds('[RESPONSE_TIME] < 500', { responseTimeMs: 500 })).toBe(false);
    expect(holds('[CONNECTED] == true')).toBe(true);
    expect(holds('[IP] == 127.0.0.1', { ip: '127.0.0.1' })).toBe(true);
  });

  it('body, JSON paths, len, has, pat', () => {
    const body = JSON.stringify({ user: { name: 'john', id: 1, age: 1 }, data: [{ id: 1 }, { id: 2 }], status: 'UP', errors: null, name: 'john-doe' });
    expect(holds('[BODY] == 1', { body: '1' })).toBe(true);
    expect(holds('[BODY].user.name == john', { body })).toBe(true);
    expect(holds('[BODY].user.name == jane', { body })).toBe(false);
    expect(holds('[BODY].data[0].id == 1', { body })).toBe(true);
    expect(holds('[BODY].data[1].id == 1', { body })).toBe(false);
    expect(holds('[BODY].user.age == [BODY].user.id', { body })).toBe(true);
    expect(holds('len([BODY].data) < 5', { body })).toBe(true);
    expect(holds('len([BODY].data) > 2', { body })).toBe(false);
    expect(holds('len([BODY].name) == 8', { body })).toBe(true);
    expect(holds('has([BODY].errors) == true', { body })).toBe(true);
    expect(holds('has([BODY].missing) == false', { body })).toBe(true);
    expect(holds('[BODY].missing == x', { body })).toBe(false);
    expect(holds('[BODY] == pat(*<div id="user">*)', { body: '<html><div id="user">john</div>' })).toBe(true);
    expect(holds('[BODY] == pat(*<div id="user">*)', { body: '<html></html>' })).toBe(false);
    expect(holds('[BODY].name == pat(john*)', { body })).toBe(true);
    expect(holds('[BODY].name != pat(jane*)', { body })).toBe(true);
  });

  it('certificate expiration against durations', () => {
    const day = 86_400_000;
    expect(holds('[CERTIFICATE_EXPIRATION] > 48h', { certificateExpirationMs: 3 * day })).toBe(true);
    expect(holds('[CERTIFICATE_EXPIRATION] > 48h', { certificateExpirationMs: day })).toBe(false);
    expect(holds('[CERTIFICATE_EXPIRATION] > 48h')).toBe(false); // plain http: no certificate
    expect([numberOf('48h'), numberOf('1h30m'), numberOf('500ms'), numberOf('12'), numberOf('abc')]).toEqual([172_800_000, 5_400_000, 500, 12, null]);
  });

  it('a failed condition names itself with the values it saw', () => {
    expect(firstFailed(['[STATUS] == 200', '[BODY].status == UP'].map(parseCondition), ctx({ body: '{"status":"DOWN"}' }))).toBe('[BODY].status (DOWN) == UP');
    expect(firstFailed([parseCondition('[STATUS] < 300')], ctx({ status: 503 }))).toBe('[STATUS] (503) < 300');
  });

  it.each([
    ['[STATUS] 200', 1, 'no comparison operator'],
    ['[STATUS] == ', 13, 'missing operand'],
    ['[STATU] == 200', 2, 'unknown placeholder [STATU]'],
    ['[BODY].data[x] == 1', 12, 'expected an array index'],
    ['[STATUS].x == 1', 9, 'only [BODY] takes a path'],
    ['[STATUS] < any(1, 2)', 10, 'any() works with == and != only'],
    ['foo([BODY]) == 1', 1, 'unknown function foo()'],
  ])('refuses %j at character %i', (cond, position, reason) => {
    try {
      parseCondition(cond);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConditionError);
      expect((err as ConditionError).position).toBe(position);
      expect((err as ConditionError).reason).toContain(reason);
    }
  });
});
