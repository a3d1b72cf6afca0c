// The long run of the gateway fuzzer (the short one is part of `npm test`: test/gateway/fuzz.test.ts):
// `node --import tsx bench/fuzz.ts --minutes 30 [--seed N]`. Starts its own redis-server and the real gateway
// in-process, sends requests drawn over every route until the time is up, and prints how many were sent,
// the answers by status and the slowest answer; exits 1 with the shrunk counterexample on the first request
// that got a 5xx, no answer within the bound, or made a handler throw.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { startLocalRedis } from '../lib/redis/local-server.js';
import { describeRequest, fuzzRequest, problemWith, send } from '../test/support/fuzz.js';
import { startTestbed } from '../test/support/gateway.js';

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const minutes = Number(arg('--minutes') ?? '5');
const seed = arg('--seed') === undefined ? Date.now() | 0 : Number(arg('--seed'));
const ANSWER_BOUND_MS = 3_000;

const dir = mkdtempSync(join(tmpdir(), 'lw-fuzz-'));
const redis = await startLocalRedis({ dir, appendOnly: false });
const bed = await startTestbed({ redisUrl: redis.url });
const byStatus = new Map<number, number>();
let runs = 0;
let slowest = 0;
let failed = false;
try {
  await fc.assert(
    fc.asyncProperty(fuzzRequest(bed.adminKey), async (r) => {
      runs++;
      const answer = await send(bed.url, r, ANSWER_BOUND_MS * 2);
      byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
      slowest = Math.max(slowest, answer.ms);
      const problem = problemWith(answer, ANSWER_BOUND_MS) ?? (bed.handlerErrors.length > 0 ? `a handler threw: ${String(bed.handlerErrors[0])}` : null);
      if (problem) throw new Error(`${problem}\n  request: ${describeRequest(r)}`);
    }),
    { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: minutes * 60_000, markInterruptAsFailure: false },
  );
} catch (err) {
  failed = true;
  console.error(String(err));
} finally {
  const statuses = [...byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ');
  console.log(`fuzz: ${runs} requests in ${minutes} min (seed ${seed}); answers ${statuses}; slowest ${Math.round(slowest)} ms`);
  await bed.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
