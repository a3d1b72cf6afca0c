import { describe, expect, it } from 'vitest';
import { CompatError, compatFailure, compatSuccess, decodePingRef, encodePingRef, parseHealthchecksPing, parseKumaPush } from './compat.js';

const UUID = '5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278';
const refused = (fn: () => unknown): [number, string] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof CompatError) return [err.status, err.message];
  }
  throw new Error('not refused');
};

describe('Healthchecks ping URLs', () => {
  it('reads /ping/{uuid} with /start, /fail, /log and an exit status, and ?rid=', () => {
    expect(parseHealthchecksPing([UUID], {})).toEqual({ ref: { by: 'uuid', uuid: UUID }, suffix: '', create: false });
    expect(parseHealthchecksPing([UUID.toUpperCase(), 'start'], { rid: UUID })).toMatchObject({ ref: { uuid: UUID }, suffix: 'start', rid: UUID });
    expect(parseHealthchecksPing([UUID, 'fail'], {}).suffix).toBe('fail');
    expect(parseHealthchecksPing([UUID, 'log'], {}).suffix).toBe('log');
    expect(parseHealthchecksPing([UUID, '0'], {}).suffix).toBe('0');
    expect(parseHealthchecksPing([UUID, '255'], {}).suffix).toBe('255');
  });

  it('reads /ping/{ping-key}/{slug}[/suffix]', () => {
    expect(parseHealthchecksPing(['fqOOd6-F4MMNuCEnzTU01w', 'db-backup'], {})).toMatchObject({ ref: { by: 'slug', pingKey: 'fqOOd6-F4MMNuCEnzTU01w', slug: 'db-backup' }, suffix: '' });
    expect(parseHealthchecksPing(['fqOOd6-F4MMNuCEnzTU01w', 'db-backup', '3'], {}).suffix).toBe('3');
  });

  it('refuses as Healthchecks does: exit over 255, a bad rid, unknown shapes', () => {
    expect(refused(() => parseHealthchecksPing([UUID, '256'], {}))).toEqual([400, 'invalid url format']);
    expect(refused(() => parseHealthchecksPing([UUID], { rid: 'abc' }))).toEqual([400, 'invalid uuid format']);
    expect(refused(() => parseHealthchecksPing([UUID, 'restart'], {}))).toEqual([404, 'not found']);
    expect(refused(() => parseHealthchecksPing(['not-a-uuid'], {}))).toEqual([404, 'not found']);
    expect(refused(() => parseHealthchecksPing([], {}))).toEqual([404, 'not found']);
    expect(refused(() => parseHealthchecksPing(['fqOOd6-F4MMNuCEnzTU01w', 'Bad Slug'], {}))).toEqual([404, 'not found']);
  });

  it('answers "OK" 200, "not found" 404, "ambiguous slug" 409 as text', () => {
    expect(compatSuccess('healthchecks', false)).toEqual({ status: 200, body: 'OK', contentType: 'text/plain; charset=utf-8' });
    expect(compatFailure('healthchecks', 404, 'no active heartbeat target has this ping URL').body).toBe('not found');
    expect(compatFailure('healthchecks', 409, 'x').body).toBe('ambiguous slug');
  });
});

describe('Uptime Kuma push URL', () => {
  it('status up (default) or down, msg (default OK) as the log, ping as latency', () => {
    expect(parseKumaPush('tok12345', {})).toEqual({ ref: { by: 'push', token: 'tok12345' }, suffix: '', log: 'OK', create: false });
    expect(parseKumaPush('tok12345', { status: 'down', msg: 'disk full', ping: '12.5' })).toMatchObject({ suffix: 'fail', log: 'disk full', latencyMs: 12.5 });
    expect(refused(() => parseKumaPush('tok12345', { ping: '-1' }))).toEqual([400, 'Invalid ping value. Must be between 0 and 100000000000 ms.']);
  });

  it('answers {"ok":true}, and {"ok":false,"msg":"Monitor not found or not active."} with 404', () => {
    expect(JSON.parse(compatSuccess('kuma', false).body)).toEqual({ ok: true });
    const nf = compatFailure('kuma', 404, 'whatever');
    expect([nf.status, JSON.parse(nf.body)]).toEqual([404, { ok: false, msg: 'Monitor not found or not active.' }]);
  });
});

it('a ping reference travels as one string and back', () => {
  for (const ref of [{ by: 'uuid', uuid: UUID }, { by: 'slug', pingKey: 'key_12345', slug: 'a-b' }, { by: 'push', token: 'x/y:z' }] as const) {
    expect(decodePingRef(encodePingRef(ref))).toEqual(ref);
  }
  expect(decodePingRef('uuid:nope')).toBeNull();
  expect(decodePingRef('other')).toBeNull();
});
