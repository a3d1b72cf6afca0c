import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRestarter, doubling } from './restarter.js';

describe('restarter', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('tries again after doubling waits until a start succeeds', async () => {
    const log: string[] = [];
    let fails = 3;
    const r = createRestarter({
      start: async () => {
        if (fails-- > 0) throw new Error('busy');
        return 'up';
      },
      started: (v, attempt) => void log.push(`${v}@${attempt}`),
      failed: (_e, attempt, retryInMs) => void log.push(`failed@${attempt}, next in ${retryInMs}`),
      discard: async () => undefined,
      backoffMs: doubling(100, 300),
    });
    const done = r.restart();
    // A second call while the loop runs shares it.
    expect(r.restart()).toBe(done);
    await vi.advanceTimersByTimeAsync(99);
    expect(log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1 + 200 + 300 + 300);
    await done;
    expect(log).toEqual(['failed@1, next in 200', 'failed@2, next in 300', 'failed@3, next in 300', 'up@4']);
  });

  it('stop() cuts the wait short, and what a start in flight returns is discarded', async () => {
    const discarded: string[] = [];
    let release!: () => void;
    const r = createRestarter({
      start: () => new Promise<string>((resolve) => (release = () => resolve('late'))),
      started: () => {
        throw new Error('must not count as started');
      },
      failed: () => undefined,
      discard: async (v) => void discarded.push(v),
      backoffMs: () => 1_000,
    });
    const waiting = createRestarter({ start: async () => 1, started: () => undefined, failed: () => undefined, discard: async () => undefined, backoffMs: () => 60_000 });
    void waiting.restart();
    await waiting.stop(); // resolves without the minute passing
    expect(waiting.stopped).toBe(true);

    void r.restart();
    await vi.advanceTimersByTimeAsync(1_000);
    const stopping = r.stop();
    release();
    await stopping;
    expect(discarded).toEqual(['late']);
  });
});
