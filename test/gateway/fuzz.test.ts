// The gateway fuzzed at its public surface (issue 17: make each class of defect impossible to come back):
// requests drawn over every route's path, query, headers and body against the real gateway in-process must
// each get an answer within a bound, never a 5xx, never a handler error, and the process keeps serving.
// A short budget here; `node --import tsx bench/fuzz.ts --minutes N` runs the same property for longer.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRequest, fuzzRequest, problemWith, send } from '../support/fuzz.js';
import { startTestbed, type Testbed } from '../support/gateway.js';

const BUDGET_MS = 20_000;
const ANSWER_BOUND_MS = 3_000;

describe('gateway fuzz', () => {
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('answers every request in time, never with a 5xx, and stays alive', { timeout: BUDGET_MS + 15_000 }, async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fuzzRequest(bed.adminKey), async (r) => {
        runs++;
        const answer = await send(bed.url, r, ANSWER_BOUND_MS * 2);
        const problem = problemWith(answer, ANSWER_BOUND_MS);
        if (problem) throw new Error(`${problem}\n  request: ${describeRequest(r)}`);
        if (bed.handlerErrors.length > 0) throw new Error(`a handler threw: ${String(bed.handlerErrors[0])}\n  request: ${describeRequest(r)}`);
      }),
      { numRuns: 100_000, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false },
    );
    expect(runs).toBeGreaterThan(100);
    console.log(`gateway fuzz: ${runs} requests`);
    expect((await fetch(`${bed.url}/healthz`)).status).toBe(200);
  });
});
