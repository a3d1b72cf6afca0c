import { describe, expect, it } from 'vitest';
import { createMemoryStreams } from '../streams/memory/memory.js';
import type { Counters } from '../streams/port.js';
import { createLoginLimiter, type LoginLimits } from './login-limit.js';
import { createSharedLoginGate, type LoginGate } from './login-limit-shared.js';

const limits: LoginLimits = { attemptsPerMinPerAddress: 3, failuresPerMinPerAccount: 2 };

/** A gate per replica over one set of counters; `ready` and `counters` can be swapped to play an outage. */
function replicas(n: number, counters: Counters, ready: () => boolean = () => true, degraded: unknown[] = []): LoginGate[] {
  return Array.from({ length: n }, () =>
    createSharedLoginGate({ limits, shared: { counters, ready, keyPrefix: 'lw:{login}' }, local: createLoginLimiter(limits, () => 0), timeoutMs: 50, onDegraded: (e) => degraded.push(e) }),
  );
}

const verdicts = async (steps: Array<[LoginGate, string | null, string]>): Promise<string[]> => {
  const out: string[] = [];
  for (const [gate, account, address] of steps) {
    const { verdict } = await gate.admit(account, address);
    out.push(verdict.ok ? 'ok' : verdict.limit);
  }
  return out;
};

describe('login limits shared by replicas', () => {
  it('counts an address over every replica as one, with the time left of the window', async () => {
    const [a, b] = replicas(2, createMemoryStreams().counters) as [LoginGate, LoginGate];
    expect(await verdicts([[a, null, '198.51.100.1'], [b, null, '198.51.100.1'], [a, null, '198.51.100.1'], [b, null, '198.51.100.1']])).toEqual(['ok', 'ok', 'ok', 'address']);
    const refused = await a.admit(null, '198.51.100.1');
    expect(refused.verdict).toMatchObject({ ok: false, limit: 'address' });
    expect(refused.verdict.ok === false && refused.verdict.retryAfterMs > 0 && refused.verdict.retryAfterMs <= 60_000).toBe(true);
  });

  it('counts an account over every replica, and exempts on every replica an address that signed in on one', async () => {
    const [a, b] = replicas(2, createMemoryStreams().counters) as [LoginGate, LoginGate];
    expect((await a.admit('ann@example.com', '192.0.2.10')).known).toBe(false);
    await a.record('ann@example.com', '192.0.2.10', true);
    expect(await verdicts([[b, 'ann@example.com', '203.0.113.1'], [a, 'ANN@example.com ', '203.0.113.2']])).toEqual(['ok', 'account']);
    // Known through the shared mark on the replica that never saw the sign-in: not locked out.
    const again = await b.admit('ann@example.com', '192.0.2.10');
    expect(again).toEqual({ verdict: { ok: true }, known: true });
  });

  it('falls back to the local limit while Redis is not connected: never open, never everybody locked out', async () => {
    const counters = createMemoryStreams().counters;
    let up = true;
    const degraded: unknown[] = [];
    const [a, b] = replicas(2, counters, () => up, degraded) as [LoginGate, LoginGate];
    // The shared window of this address is full (through the other replica)…
    expect(await verdicts([[b, null, '198.51.100.7'], [b, null, '198.51.100.7'], [b, null, '198.51.100.7'], [a, null, '198.51.100.7']])).toEqual(['ok', 'ok', 'ok', 'address']);
    up = false;
    // …yet with Redis gone this replica's own limit answers: it saw 1 attempt, so 2 more, then 429.
    expect(await verdicts([[a, null, '198.51.100.7'], [a, null, '198.51.100.7'], [a, null, '198.51.100.7']])).toEqual(['ok', 'ok', 'address']);
    expect(degraded).toHaveLength(1);
    up = true;
    expect(await verdicts([[a, null, '198.51.100.8']])).toEqual(['ok']);
    expect(degraded).toEqual([expect.anything(), null]);
  });

  it('falls back when Redis does not answer in time, and when a call fails', async () => {
    const memory = createMemoryStreams();
    const hanging: Counters = { ...memory.counters, take: () => new Promise(() => undefined) };
    const [slow] = replicas(1, hanging) as [LoginGate];
    expect(await verdicts([[slow, null, '198.51.100.9'], [slow, null, '198.51.100.9'], [slow, null, '198.51.100.9'], [slow, null, '198.51.100.9']])).toEqual(['ok', 'ok', 'ok', 'address']);
    await memory.close();
    const [closed] = replicas(1, memory.counters) as [LoginGate];
    expect(await verdicts([[closed, 'bob@example.com', '198.51.100.10']])).toEqual(['ok']);
    await expect(closed.record('bob@example.com', '198.51.100.10', true)).resolves.toBeUndefined();
  });
});
