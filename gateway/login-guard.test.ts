import { describe, expect, it } from 'vitest';
import { createLoginGuard } from './login-guard.js';

const body = (email: string): string => JSON.stringify({ email, password: 'x' });

describe('login guard', () => {
  it('lets a user at a known address pass a queue of strangers; past the queue strangers get 503', async () => {
    const guard = createLoginGuard({ limits: { attemptsPerMinPerAddress: 0, failuresPerMinPerAccount: 0 }, now: () => 0, strangerQueue: 2 });
    await guard.run('192.0.2.10', body('ann@example.com'), () => Promise.resolve('ok')); // ann's address is known now
    const order: string[] = [];
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((r) => (release = r));
    const stranger = (n: number): Promise<unknown> =>
      guard
        .run(`203.0.113.${n}`, body(`user${n}@example.com`), async () => {
          order.push(`stranger ${n}`);
          await blocked;
        })
        .catch((err: unknown) => order.push(`stranger ${n}: ${(err as { httpStatus: number }).httpStatus}`));
    const strangers = [stranger(1), stranger(2), stranger(3), stranger(4)];
    await new Promise((r) => setTimeout(r, 0));
    await guard.run('192.0.2.10', body('ann@example.com'), () => Promise.resolve(order.push('ann')));
    release();
    await Promise.all(strangers);
    // One stranger hashes, two wait, the fourth is refused; ann does not wait for any of the queue.
    expect(order).toEqual(['stranger 1', 'stranger 4: 503', 'ann', 'stranger 2', 'stranger 3']);
  });
});
