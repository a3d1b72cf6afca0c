import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimiter', () => {
  it('lets `concurrency` in, queues the rest in order, and hands a released slot to the next waiter', async () => {
    const l = new ConcurrencyLimiter({ concurrency: 2 });
    const order: number[] = [];
    const a = await l.acquire();
    const b = await l.acquire();
    const waiting = [3, 4].map((n) => l.acquire().then((release) => (order.push(n), release)));
    await tick();
    expect([l.running, l.waiting, order]).toEqual([2, 2, []]);
    a();
    a(); // idempotent: does not free a second slot
    await tick();
    expect([l.running, l.waiting, order]).toEqual([2, 1, [3]]);
    b();
    const released = await Promise.all(waiting);
    expect(order).toEqual([3, 4]);
    for (const release of released) release();
    expect([l.running, l.waiting]).toEqual([0, 0]);
  });

  it('run releases when the work throws', async () => {
    const l = new ConcurrencyLimiter({ concurrency: 1 });
    await expect(l.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(l.running).toBe(0);
    await expect(l.run(async () => 7)).resolves.toBe(7);
  });

  it('is saturated once every slot is held and maxWaiting wait', async () => {
    const l = new ConcurrencyLimiter({ concurrency: 1, maxWaiting: 1 });
    const a = await l.acquire();
    expect(l.saturated).toBe(false);
    const next = l.acquire();
    expect(l.saturated).toBe(true);
    a();
    (await next)();
    expect(l.saturated).toBe(false);
  });
});
