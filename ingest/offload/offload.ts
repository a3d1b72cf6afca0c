// Large request bodies are decoded, parsed, normalized and encoded on a small pool of worker threads instead of
// the event loop (issue 17.9): JSON.parse or a protobuf decode of the largest allowed body holds a thread for
// hundreds of ms on a loaded machine, and on the loop that is every other tenant's wait. Small bodies stay on
// the loop, where a hand-off would cost more than the parse. What is handed off at once is bounded by a byte
// budget (the bodies waiting keep their bytes, the ones running several times that in parsed objects); past it
// a request is answered 503 with Retry-After, which OTLP, Prometheus and Loki clients retry.
import { LightwatchError } from '../../lib/errors/errors.js';
import { createWorkerPool, type WorkerPool } from '../../lib/workers/pool.js';
import { decodeBody } from '../parse/index.js';
import { snappyDeclaredLength } from '../parse/decode.js';
import { fromWorker, type StageOutcome, type StageTask } from './task.js';

export interface ParseOffloadConfig {
  /** Worker threads (0: every body is parsed on the event loop). */
  workers: number;
  /** Bodies up to this size once decoded are parsed on the event loop. */
  inlineMaxBytes: number;
  /**
   * Bytes of bodies handed to the workers at once, running and waiting: a body counts its decoded size where
   * that is known before decoding (identity, snappy's declared length), else the body limit (gzip, deflate).
   */
  budgetBytes: number;
}

export const DEFAULT_PARSE_OFFLOAD: Readonly<ParseOffloadConfig> = Object.freeze({ workers: 2, inlineMaxBytes: 64 * 1024, budgetBytes: 32 * 1024 * 1024 });

export interface ParseOffload {
  /**
   * The decoded body when it is small enough to parse on the loop, else undefined (stage it on a worker).
   * Throws what decodeBody throws for a body it could decode here.
   */
  decodeInline(body: Buffer, contentEncoding: string): Buffer | undefined;
  /** Stages a body on a worker thread; 503 `ingest_busy` when the budget is spent. */
  stage(task: StageTask): Promise<StageOutcome>;
  close(): Promise<void>;
}

const ENTRY = new URL('./worker-entry.ts', import.meta.url);

const identity = (encoding: string): boolean => encoding.trim() === '' || encoding.trim().toLowerCase() === 'identity';
const snappy = (encoding: string): boolean => encoding.trim().toLowerCase() === 'snappy';

/**
 * What a staged body counts against the budget. Snappy (every remote_write) declares its decoded length up front
 * and the decoder holds it to that, so it counts exactly; counting it as the body limit let only a handful of
 * Prometheus shards in at once and answered the rest 503.
 */
function stagingCost(body: Uint8Array, contentEncoding: string, maxBodyBytes: number): number {
  if (identity(contentEncoding)) return body.byteLength;
  if (snappy(contentEncoding)) return Math.min(maxBodyBytes, snappyDeclaredLength(body) ?? body.byteLength);
  return maxBodyBytes;
}

export function createParseOffload(config: ParseOffloadConfig, maxBodyBytes: number): ParseOffload {
  const pool: WorkerPool<StageTask, StageOutcome> | undefined = config.workers > 0 ? createWorkerPool({ entry: ENTRY, size: config.workers, nice: 10, startAllOnFirstTask: true }) : undefined;
  const inlineMax = Math.min(config.inlineMaxBytes, maxBodyBytes);
  let inFlight = 0;
  return {
    decodeInline(body, contentEncoding) {
      if (!pool) return decodeBody(body, contentEncoding, maxBodyBytes);
      if (body.length > inlineMax) return undefined;
      if (identity(contentEncoding)) return body;
      // Snappy declares its decoded length: a body that will not fit goes to a worker without the throw and catch.
      const declared = snappy(contentEncoding) ? snappyDeclaredLength(body) : undefined;
      if (declared !== undefined && declared > inlineMax && inlineMax < maxBodyBytes) return undefined;
      try {
        // Inflating stops at the inline bound, so a small compressed body costs the loop at most that much.
        return decodeBody(body, contentEncoding, inlineMax);
      } catch (err) {
        if (err instanceof LightwatchError && err.reason === 'body_too_large' && inlineMax < maxBodyBytes) return undefined;
        throw err;
      }
    },
    async stage(task) {
      if (!pool) throw new Error('no parse workers');
      const cost = stagingCost(task.request.body, task.request.contentEncoding, maxBodyBytes);
      // One request is always let through, however large the body limit is against the budget.
      if (inFlight > 0 && inFlight + cost > config.budgetBytes) {
        throw new LightwatchError('unavailable', 'ingest is parsing as many large requests as it may at once; retry shortly', { retryAfterSec: 1, reason: 'ingest_busy' });
      }
      inFlight += cost;
      try {
        return fromWorker(await pool.run(task));
      } finally {
        inFlight -= cost;
      }
    },
    close: () => pool?.close() ?? Promise.resolve(),
  };
}
