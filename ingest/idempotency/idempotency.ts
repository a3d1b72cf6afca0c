// Idempotency-Key support: a retried request with the same key (per tenant) is answered with the stored
// response instead of being appended again. A short-lived pending marker guards the window between the
// first request's start and its answer; it expires on its own if that process dies, and event ids are
// derived from (tenant, key, index), so even a retry after such a crash writes the same ids and the store
// absorbs them.
//
// Keys: `<prefix>:idem:<tenant>:<sha256(key)>`: the raw key never lands in Redis, and one tenant's key can
// never match another's. Value: `P|<fingerprint>` while pending, `D|<fingerprint>|<response JSON>` when done.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LightwatchError } from '../../lib/errors/errors.js';
import type { StreamNames } from '../../lib/streams/partition.js';

export interface StoredResponse {
  accepted: number;
  rejected: { index: number; error: string }[];
  compatBodyJson: string;
}

export type BeginResult = { state: 'new' } | { state: 'done'; response: StoredResponse };

export interface IdempotencyStore {
  /**
   * Claims `key` for this request, or returns the earlier answer. Throws 409 `idempotency_in_progress` while
   * another request with the key is running, 422 `idempotency_key_reused` when the key came with another body.
   */
  begin(tenant: string, key: string, fingerprint: string): Promise<BeginResult>;
  complete(tenant: string, key: string, fingerprint: string, response: StoredResponse): Promise<void>;
  /** Releases the pending claim after a failure, so the client's retry is processed. */
  abort(tenant: string, key: string, fingerprint: string): Promise<void>;
}

export interface IdempotencyDeps {
  redis: Redis;
  names: StreamNames;
  /** How long a completed answer is kept (default 24 h). */
  ttlMs?: number;
  /** How long a pending claim survives a process that died mid-request (default 60 s). */
  pendingTtlMs?: number;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

// KEYS[1] the idempotency record; ARGV[1] the value it must still hold. Returns 1 when deleted, else 0.
const DELETE_IF_EQUAL = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export function createIdempotencyStore(deps: IdempotencyDeps): IdempotencyStore {
  const { redis, names } = deps;
  const ttl = deps.ttlMs ?? 24 * 60 * 60 * 1000;
  const pendingTtl = Math.min(ttl, deps.pendingTtlMs ?? 60_000);
  const redisKey = (tenant: string, key: string): string => names.key('idem', tenant, sha256Hex(key));

  function check(key: string): void {
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new LightwatchError('bad_request', `Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, {
        reason: 'invalid_idempotency_key',
        details: [{ at: 'Idempotency-Key', message: `at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` }],
      });
    }
  }

  function interpret(value: string, fingerprint: string): BeginResult {
    const [state, fp] = [value.slice(0, 1), value.slice(2, 66)];
    if (fp !== fingerprint) {
      throw new LightwatchError('unprocessable', 'this Idempotency-Key was already used with a different request body', {
        reason: 'idempotency_key_reused',
        details: [{ at: 'Idempotency-Key', message: 'use a new key for a different request' }],
      });
    }
    if (state === 'P') {
      throw new LightwatchError('conflict', 'a request with this Idempotency-Key is still being processed; retry shortly', {
        reason: 'idempotency_in_progress',
        retryAfterSec: 1,
        retryable: true,
      });
    }
    return { state: 'done', response: JSON.parse(value.slice(67)) as StoredResponse };
  }

  return {
    async begin(tenant, key, fingerprint) {
      check(key);
      const k = redisKey(tenant, key);
      // Two tries: the earlier value may expire between SET NX and GET.
      for (let attempt = 0; attempt < 2; attempt++) {
        const set = await redis.set(k, `P|${fingerprint}`, 'PX', pendingTtl, 'NX');
        if (set === 'OK') return { state: 'new' };
        const existing = await redis.get(k);
        if (existing !== null) return interpret(existing, fingerprint);
      }
      throw new LightwatchError('conflict', 'a request with this Idempotency-Key is still being processed; retry shortly', {
        reason: 'idempotency_in_progress',
        retryAfterSec: 1,
        retryable: true,
      });
    },
    async complete(tenant, key, fingerprint, response) {
      await redis.set(redisKey(tenant, key), `D|${fingerprint}|${JSON.stringify(response)}`, 'PX', ttl);
    },
    async abort(tenant, key, fingerprint) {
      // Compare-and-delete in one step: only our own pending claim, never a completed answer.
      await redis.eval(DELETE_IF_EQUAL, 1, redisKey(tenant, key), `P|${fingerprint}`);
    },
  };
}
