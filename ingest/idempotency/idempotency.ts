// Idempotency-Key support: a retried request with the same key (per tenant) is answered with the stored
// response instead of being appended again.
//
// The record lives for the whole TTL (24 h) from the first attempt. While that attempt runs it holds a
// short lease (a concurrent duplicate gets 409); the record also keeps the attempt's receivedAt. Event ids
// are derived from (tenant, key, item index) with the event time, which is receivedAt for events that carry
// no time of their own: a retry after a crash (lease expired) or after a failed append (lease released)
// takes the record over WITH THE SAME receivedAt, so it produces the very same ids and the store absorbs
// whatever the first attempt had already appended. A request refused before anything was appended (bad
// body, 429, ...) deletes its record, so a corrected retry with the same key is processed normally.
//
// Keys: `<prefix>:idem:<tenant>:<sha256(key)>`: the raw key never lands in Redis, and one tenant's key never
// matches another's. Values: `P|<fingerprint>|<receivedAt>|<leaseUntil>` while pending,
// `D|<fingerprint>|<response JSON>` once answered.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LightwatchError } from '../../lib/errors/errors.js';
import type { StreamNames } from '../../lib/streams/partition.js';

export interface StoredResponse {
  accepted: number;
  rejected: { index: number; error: string }[];
  compatBodyJson: string;
}

export type BeginResult =
  /** Go ahead, with this receivedAt (the first attempt's when this takes over an unfinished one). */
  | { state: 'new'; receivedAt: number }
  | { state: 'done'; response: StoredResponse };

export interface IdempotencyStore {
  /**
   * Claims `key` for this request, or returns the earlier answer. Throws 409 `idempotency_in_progress` while
   * another attempt holds the lease, 422 `idempotency_key_reused` when the key came with another request.
   */
  begin(tenant: string, key: string, fingerprint: string, now: number): Promise<BeginResult>;
  complete(tenant: string, key: string, fingerprint: string, response: StoredResponse): Promise<void>;
  /** The attempt may have appended events: keep the record (and its receivedAt) but let a retry take over now. */
  release(tenant: string, key: string, fingerprint: string): Promise<void>;
  /** The attempt appended nothing: forget the key. */
  abort(tenant: string, key: string, fingerprint: string): Promise<void>;
}

export interface IdempotencyDeps {
  redis: Redis;
  names: StreamNames;
  /** How long a key is remembered (default 24 h). */
  ttlMs?: number;
  /** How long an attempt holds the key before a retry may take over (default 60 s). */
  leaseMs?: number;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

// KEYS[1] the record; ARGV[1] fingerprint, ARGV[2] now (ms), ARGV[3] lease (ms), ARGV[4] TTL (ms).
// Returns {'new', receivedAt} when the caller may proceed (fresh, or taking over an expired/released
// lease of the same request), else {'existing', value}.
const BEGIN = `
local v = redis.call('GET', KEYS[1])
local now = tonumber(ARGV[2])
local leaseUntil = tostring(now + tonumber(ARGV[3]))
if not v then
  redis.call('SET', KEYS[1], 'P|' .. ARGV[1] .. '|' .. ARGV[2] .. '|' .. leaseUntil, 'PX', ARGV[4])
  return {'new', ARGV[2]}
end
if string.sub(v, 1, 2) == 'P|' then
  local fp, recv, lease = string.match(v, '^P|([^|]*)|([^|]*)|([^|]*)$')
  if fp == ARGV[1] and tonumber(lease) <= now then
    redis.call('SET', KEYS[1], 'P|' .. fp .. '|' .. recv .. '|' .. leaseUntil, 'KEEPTTL')
    return {'new', recv}
  end
end
return {'existing', v}`;

// KEYS[1] the record; ARGV[1] 'P|<fingerprint>|'. Sets the lease of our pending record to 0 (KEEPTTL).
const RELEASE = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then
  local recv = string.match(string.sub(v, #ARGV[1] + 1), '^([^|]*)')
  redis.call('SET', KEYS[1], ARGV[1] .. recv .. '|0', 'KEEPTTL')
  return 1
end
return 0`;

// KEYS[1] the record; ARGV[1] 'P|<fingerprint>|'. Deletes our pending record, never a completed answer.
const ABORT = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const inProgress = (): LightwatchError =>
  new LightwatchError('conflict', 'a request with this Idempotency-Key is still being processed; retry shortly', {
    reason: 'idempotency_in_progress',
    retryAfterSec: 1,
    retryable: true,
  });

const reused = (): LightwatchError =>
  new LightwatchError('unprocessable', 'this Idempotency-Key was already used with a different request', {
    reason: 'idempotency_key_reused',
    details: [{ at: 'Idempotency-Key', message: 'use a new key for a different request' }],
  });

export function createIdempotencyStore(deps: IdempotencyDeps): IdempotencyStore {
  const { redis, names } = deps;
  const ttl = deps.ttlMs ?? 24 * 60 * 60 * 1000;
  const lease = Math.min(ttl, deps.leaseMs ?? 60_000);
  const recordKey = (tenant: string, key: string): string => names.key('idem', tenant, sha256Hex(key));

  function check(key: string): void {
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new LightwatchError('bad_request', `Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, {
        reason: 'invalid_idempotency_key',
        details: [{ at: 'Idempotency-Key', message: `at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` }],
      });
    }
  }

  return {
    async begin(tenant, key, fingerprint, now) {
      check(key);
      const [state, value] = (await redis.eval(BEGIN, 1, recordKey(tenant, key), fingerprint, String(now), String(lease), String(ttl))) as [string, string];
      if (state === 'new') return { state: 'new', receivedAt: Number(value) };
      const fp = value.slice(2, 2 + fingerprint.length);
      if (fp !== fingerprint || value[2 + fingerprint.length] !== '|') throw reused();
      if (value.startsWith('P|')) throw inProgress();
      return { state: 'done', response: JSON.parse(value.slice(3 + fingerprint.length)) as StoredResponse };
    },
    async complete(tenant, key, fingerprint, response) {
      await redis.set(recordKey(tenant, key), `D|${fingerprint}|${JSON.stringify(response)}`, 'PX', ttl);
    },
    async release(tenant, key, fingerprint) {
      await redis.eval(RELEASE, 1, recordKey(tenant, key), `P|${fingerprint}|`);
    },
    async abort(tenant, key, fingerprint) {
      await redis.eval(ABORT, 1, recordKey(tenant, key), `P|${fingerprint}|`);
    },
  };
}
