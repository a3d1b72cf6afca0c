// The session registry's two ways to end sessions: a revocation signal by subject, and the periodic recheck
// that re-authenticates each distinct credential once (the safety net when a signal is lost).
import { describe, expect, it } from 'vitest';
import { unauthenticated, unavailable } from '../lib/errors/errors.js';
import type { Principal } from '../lib/auth/principal.js';
import { createSessionRegistry, type Session } from './sessions.js';

function session(credential: string, subject: string, ended: string[]): Session {
  return { credential, subject, end: (reason) => ended.push(`${credential}:${reason}`) };
}

describe('session registry', () => {
  it('ends every session of a revoked subject, and only those', () => {
    const ended: string[] = [];
    const reg = createSessionRegistry(async () => ({}) as Principal, () => undefined);
    reg.add(session('a', 'key:1', ended));
    reg.add(session('a', 'key:1', ended));
    reg.add(session('b', 'key:2', ended));
    expect(reg.revoke('key:1')).toBe(2);
    expect(ended).toEqual(['a:credential revoked', 'a:credential revoked']);
    expect(reg.size()).toBe(1);
  });

  it('rechecks each credential once, ends refused ones, keeps them when the store is down', async () => {
    const ended: string[] = [];
    const checked: string[] = [];
    let storeDown = true;
    const errors: unknown[] = [];
    const reg = createSessionRegistry(async (c) => {
      checked.push(c);
      if (c === 'gone') throw storeDown ? unavailable('store down') : unauthenticated();
      return { tenant: 't', scopes: ['read'], subject: 'key:x' };
    }, (err) => errors.push(err));
    reg.add(session('ok', 'key:1', ended));
    reg.add(session('ok', 'key:1', ended));
    reg.add(session('gone', 'key:2', ended));
    expect(await reg.recheck()).toBe(0);
    expect(errors).toHaveLength(1);
    expect(checked).toEqual(['ok', 'gone']);
    storeDown = false;
    expect(await reg.recheck()).toBe(1);
    expect(ended).toEqual(['gone:credential no longer valid']);
    expect(reg.size()).toBe(2);
  });
});
