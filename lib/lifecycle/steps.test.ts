import { describe, expect, it } from 'vitest';
import { runSteps, runStepsCooperatively, type Steps } from './steps.js';

function* count(n: number, log: string[]): Steps<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += i;
    log.push(`step ${i}`);
    yield;
  }
  return sum;
}

function* spin(slices: number, ms: number): Steps<string> {
  for (let i = 0; i < slices; i++) {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // busy work standing in for a slice of mapping
    }
    yield;
  }
  return 'done';
}

describe('steps', () => {
  it('runs straight through and cooperatively to the same result in the same order', async () => {
    const a: string[] = [];
    const b: string[] = [];
    expect(runSteps(count(5, a))).toBe(10);
    expect(await runStepsCooperatively(count(5, b))).toBe(10);
    expect(b).toEqual(a);
  });

  it('lets other callbacks run between slices, not only at the end', async () => {
    let ran = false;
    setImmediate(() => {
      ran = true;
    });
    const seen: boolean[] = [];
    function* watch(): Steps<void> {
      for (let i = 0; i < 4; i++) {
        seen.push(ran);
        yield* spin(1, 3);
      }
    }
    await runStepsCooperatively(watch(), 2);
    expect(seen[seen.length - 1]).toBe(true);
    expect(seen[0]).toBe(false);
  });

  it('rejects with the error the steps throw', async () => {
    function* bad(): Steps<number> {
      yield;
      throw new Error('boom');
    }
    await expect(runStepsCooperatively(bad())).rejects.toThrow('boom');
    expect(() => runSteps(bad())).toThrow('boom');
  });
});
