import { describe, expect, it } from 'vitest';
import { parseNetworks, type Networks } from '../net/networks.js';
import { clientAddress } from '../net/client-address.js';
import { createLoginLimiter } from './login-limit.js';

describe('login limiter', () => {
  const limits = { attemptsPerMinPerAddress: 10, failuresPerMinPerAccount: 5 };

  it('refuses an address past its attempts with the wait until its next token, then lets it try again', () => {
    let now = 0;
    const l = createLoginLimiter(limits, () => now);
    for (let i = 0; i < 10; i++) expect(l.admit(null, '198.51.100.7')).toEqual({ ok: true });
    expect(l.admit(null, '198.51.100.7')).toEqual({ ok: false, retryAfterMs: 6000, limit: 'address' });
    expect(l.admit(null, '198.51.100.8')).toEqual({ ok: true });
    // Refused attempts take nothing: hammering does not push the end of the refusal further.
    for (let i = 0; i < 100; i++) l.admit(null, '198.51.100.7');
    now = 6000;
    expect(l.admit(null, '198.51.100.7')).toEqual({ ok: true });
  });

  it('refuses an account after its failures from any addresses, whatever the case of the email', () => {
    let now = 0;
    const l = createLoginLimiter(limits, () => now);
    for (let i = 0; i < 5; i++) {
      expect(l.admit('Ann@example.com', `203.0.113.${i}`).ok).toBe(true);
      l.record('Ann@example.com', `203.0.113.${i}`, false);
    }
    expect(l.admit(' ann@EXAMPLE.com', '203.0.113.99')).toEqual({ ok: false, retryAfterMs: 12_000, limit: 'account' });
    expect(l.admit('bob@example.com', '203.0.113.99').ok).toBe(true);
    now = 12_000;
    expect(l.admit('ann@example.com', '203.0.113.99').ok).toBe(true);
  });

  it('charges an account when an attempt is admitted, so guesses sent at once cannot all pass before the first fails', () => {
    const l = createLoginLimiter(limits, () => 0);
    const admitted = Array.from({ length: 8 }, (_, i) => l.admit('ann@example.com', `203.0.113.${i}`).ok);
    expect(admitted).toEqual([true, true, true, true, true, false, false, false]);
  });

  it('an attacker cannot lock a user out of an address the user signed in from', () => {
    let now = 0;
    const l = createLoginLimiter(limits, () => now);
    expect(l.admit('ann@example.com', '192.0.2.10').ok).toBe(true);
    l.record('ann@example.com', '192.0.2.10', true);
    for (let t = 0; t < 600; t++) {
      now = t * 1000;
      const attacker = `203.0.113.${t % 200}`;
      if (l.admit('ann@example.com', attacker).ok) l.record('ann@example.com', attacker, false);
      if (t % 60 === 30) expect(l.admit('ann@example.com', '192.0.2.10')).toEqual({ ok: true });
    }
    expect(l.admit('ann@example.com', '203.0.113.250').ok).toBe(false);
  });

  it('0 means unlimited', () => {
    const l = createLoginLimiter({ attemptsPerMinPerAddress: 0, failuresPerMinPerAccount: 0 }, () => 0);
    for (let i = 0; i < 1000; i++) {
      expect(l.admit('a@example.com', '192.0.2.1').ok).toBe(true);
      l.record('a@example.com', '192.0.2.1', false);
    }
  });
});

describe('client address', () => {
  const proxies = parseNetworks('10.0.0.0/8,fd00::/8') as Networks;

  it('is the peer unless the peer is a trusted proxy', () => {
    expect(clientAddress('198.51.100.7', '1.2.3.4', proxies)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.2', '1.2.3.4', null)).toBe('10.0.0.2');
    expect(clientAddress('::ffff:10.0.0.2', undefined, proxies)).toBe('10.0.0.2');
  });

  it('behind trusted proxies is the rightmost untrusted X-Forwarded-For entry; what the client wrote left of it is ignored', () => {
    expect(clientAddress('::ffff:10.0.0.2', '198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.1.1.1', proxies)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.2', 'garbage, 198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.2', '198.51.100.7, not-an-ip', proxies)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', '10.9.9.9', proxies)).toBe('10.9.9.9');
    expect(clientAddress('fd00::1', '2001:DB8::5', proxies)).toBe('2001:db8::5');
  });
});
