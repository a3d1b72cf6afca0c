// Query-string parsing of the event reads: typed values only, every problem reported with where it is.
import { describe, expect, it } from 'vitest';
import { LightwatchError } from '../errors/errors.js';
import { eventsRequestFromParams, seriesRequestFromParams } from './params.js';
import { parseDuration, parseInstant } from './time.js';

function problemsOf(fn: () => unknown): { at?: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LightwatchError);
    expect((err as LightwatchError).code).toBe('bad_request');
    return (err as LightwatchError).details;
  }
  throw new Error('expected a 400');
}

describe('parseInstant', () => {
  it('reads RFC 3339 with any offset and fraction, and epoch ms', () => {
    expect(parseInstant('2024-05-01T12:00:00Z')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseInstant('2024-05-01T14:00:00+02:00')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseInstant('2024-05-01t12:00:00.123456789z')).toBe(Date.UTC(2024, 4, 1, 12, 0, 0, 123));
    expect(parseInstant('2024-05-01 12:00:00Z')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseInstant('1714564800000')).toBe(1714564800000);
    expect(parseInstant('0')).toBe(0);
  });
  it('rejects everything else, including dates that would roll over', () => {
    for (const s of ['', 'now', '2024-05-01', '2024-05-01T12:00:00', '2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-05-01T24:00:00Z', '-5', '1e12', '99999999999999999', '1714564800000.5']) {
      expect(parseInstant(s), s).toBeNull();
    }
    expect(parseInstant('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });
});

describe('parseDuration', () => {
  it('reads units and plain milliseconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('250')).toBe(250);
    for (const s of ['', '1.5s', '-1s', '5 m', '1w', 's']) expect(parseDuration(s), s).toBeNull();
  });
});

describe('eventsRequestFromParams', () => {
  it('fills a typed request from every accepted parameter', () => {
    const req = eventsRequestFromParams('log', {
      target: 'api',
      'label.env': 'prod',
      'label.region': 'eu',
      level: 'error',
      text: 'timeout',
      from: '2024-05-01T00:00:00Z',
      to: '1714608000000',
      limit: '50',
      order: 'asc',
      cursor: 'abc',
    });
    expect(req).toEqual({
      kind: 'log',
      target: 'api',
      labels: { env: 'prod', region: 'eu' },
      level: 'error',
      severity: '',
      category: '',
      status: '',
      name: '',
      text: 'timeout',
      from: String(Date.UTC(2024, 4, 1)),
      to: '1714608000000',
      limit: 50,
      order: 'asc',
      cursor: 'abc',
    });
  });

  it('leaves absent and empty parameters unset (the service applies defaults)', () => {
    expect(eventsRequestFromParams('metric', { target: '', name: 'cpu' })).toMatchObject({ target: '', name: 'cpu', from: '0', to: '0', limit: 0, order: '' });
  });

  it('rejects operator-shaped keys instead of passing them on', () => {
    const details = problemsOf(() => eventsRequestFromParams('log', { 'target[$ne]': 'x', 'level[$gt]': '' }));
    expect(details.map((d) => d.at)).toEqual(['target[$ne]', 'level[$gt]']);
    expect(details[0]?.message).toMatch(/unknown query parameter/);
  });

  it('rejects filters that do not apply to the kind', () => {
    expect(problemsOf(() => eventsRequestFromParams('log', { severity: 'high' }))[0]?.at).toBe('severity');
    expect(problemsOf(() => eventsRequestFromParams('metric', { level: 'error' }))[0]?.at).toBe('level');
    expect(eventsRequestFromParams('security', { severity: 'high', category: 'auth' })).toMatchObject({ severity: 'high', category: 'auth' });
    expect(eventsRequestFromParams('heartbeat', { status: 'fail' })).toMatchObject({ status: 'fail' });
  });

  it('reports every bad value at once', () => {
    const details = problemsOf(() => eventsRequestFromParams('log', { limit: '5000', order: 'sideways', from: 'yesterday', to: '2024-13-01T00:00:00Z' }));
    expect(details.map((d) => d.at).sort()).toEqual(['from', 'limit', 'order', 'to']);
  });

  it('bounds the limit to 1..1000', () => {
    for (const limit of ['0', '1001', '-1', '10.5', 'ten']) expect(problemsOf(() => eventsRequestFromParams('log', { limit }))[0]?.at, limit).toBe('limit');
    expect(eventsRequestFromParams('log', { limit: '1000' }).limit).toBe(1000);
    expect(eventsRequestFromParams('log', { limit: '1' }).limit).toBe(1);
  });

  it('rejects a reversed range and repeated keys', () => {
    expect(problemsOf(() => eventsRequestFromParams('log', { from: '10', to: '10' }))[0]?.at).toBe('from');
    expect(problemsOf(() => eventsRequestFromParams('log', { target: ['a', 'b'] }))[0]).toEqual({ at: 'target', message: 'given more than once' });
    expect(eventsRequestFromParams('log', { target: ['a'] }).target).toBe('a');
  });

  it('bounds label filters and values', () => {
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`label.k${i}`, 'v']));
    expect(problemsOf(() => eventsRequestFromParams('log', many))[0]?.message).toMatch(/at most 32/);
    expect(eventsRequestFromParams('log', Object.fromEntries(Object.entries(many).slice(0, 32))).labels).toHaveProperty('k31', 'v');
    expect(problemsOf(() => eventsRequestFromParams('log', { 'label.': 'v' }))[0]?.at).toBe('label.');
    expect(problemsOf(() => eventsRequestFromParams('log', { text: 'x'.repeat(1025) }))[0]?.at).toBe('text');
  });
});

describe('seriesRequestFromParams', () => {
  it('parses name, window and step', () => {
    expect(seriesRequestFromParams({ name: 'cpu', target: 'web', 'label.core': '0', from: '0', to: '3600000', step: '5m' })).toEqual({
      name: 'cpu',
      target: 'web',
      labels: { core: '0' },
      from: '0',
      to: '3600000',
      stepMs: '300000',
    });
    expect(seriesRequestFromParams({ name: 'cpu' }).stepMs).toBe('0');
  });
  it('requires a name and a readable step', () => {
    expect(problemsOf(() => seriesRequestFromParams({ step: '1x' })).map((d) => d.at)).toEqual(['name', 'step']);
    expect(problemsOf(() => seriesRequestFromParams({ name: 'cpu', step: '0' }))[0]?.at).toBe('step');
    expect(problemsOf(() => seriesRequestFromParams({ name: 'cpu', level: 'x' }))[0]?.at).toBe('level');
  });
});
