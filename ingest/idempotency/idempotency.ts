// Idempotency-Key support: a retried request with the same key (per tenant) is answered with the stored
// response instead of being appended again.
//
// The record lives for the whole TTL (24 h) from the first attempt. While that attempt runs it holds a
// short lease (a concurrent duplicate gets 409, with Retry-After saying when the lease ends), renewed while it
// runs (renew), so a crashed attempt blocks retries for at most one lease (default 10 s) whatever a request's
// normal duration; the record also keeps the attempt's receivedAt. Event ids
// are derived from (tenant, key, item index) with the event time, which is receivedAt for events that carry
// no time of their own: a retry after a crash (lease expired) or after a failed append (lease released)
// takes the record over WITH THE SAME receivedAt, so it produces the very same ids and the store absorbs
// whatever the first attempt had already appended. A request refused before anything was appended (bad
// body, 429, ...) deletes its record, so a corrected retry with the same key is processed normally.
//
// Keys: `<prefix>:idem:<tenant>:<sha256(key)>`: the raw key never lands in Redis, and one tenant's key never
// matches another's. Values: `P|<fingerprint>|<receivedAt>|<leaseUntil>|<holder>` while pending (holder: a
// token of the attempt holding the lease; records written before it existed have none),
// `D|<fingerprint>|<response JSON>` once answered.
import { createHash, randomBytes } from 'node:crypto';
import { LightwatchError } from '../../lib/errors/errors.js';
import type { StreamNames } from '../../lib/streams/partition.js';
import type { Streams } from '../../lib/streams/port.js';

export interface StoredResponse {
  accepted: number;
  rejected: { index: number; error: string }[];
  compatBodyJson: string;
}

export type BeginResult =
  /**
   * Go ahead, with this receivedAt (the first attempt's when this takes over an unfinished one); `holder`
   * identifies this attempt's lease for renew.
   */
  | { state: 'new'; receivedAt: number; holder: string }
  | { state: 'done'; response: StoredResponse };

export interface IdempotencyStore {
  /** How long an attempt's lease lasts unless renewed, ms. */
  readonly leaseMs: number;
  /**
   * Claims `key` for this request, or returns the earlier answer. Throws 409 `idempotency_in_progress` while
   * another attempt holds the lease (Retry-After: until it ends), 422 `idempotency_key_reused` when the key
   * came with another request.
   */
  begin(tenant: string, key: string, fingerprint: string, now: number): Promise<BeginResult>;
  /**
   * Extends the lease of the attempt `holder` to now + lease; false when it no longer holds it (completed,
   * released, aborted, or taken over after it lapsed). Call every leaseMs / 3 while the attempt runs.
   */
  renew(tenant: string, key: string, fingerprint: string, holder: string, now: number): Promise<boolean>;
  complete(tenant: string, key: string, fingerprint: string, response: StoredResponse): Promise<void>;
  /** The attempt may have appended events: keep the record (and its receivedAt) but let a retry take over now. */
  release(tenant: string, key: string, fingerprint: string): Promise<void>;
  /** The attempt appended nothing: forget the key. */
  abort(tenant: string, key: string, fingerprint: string): Promise<void>;
}

export interface IdempotencyDeps {
  streams: Streams;
  names: StreamNames;
  /** How long a key is remembered (default 24 h). */
  ttlMs?: number;
  /** How long an attempt holds the key, unless renewed, before a retry may take over (default 10 s). */
  leaseMs?: number;
}

export const DEFAULT_IDEMPOTENCY_LEASE_MS = 10_000;

export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** 409 for a key whose lease runs until `leaseUntil`: Retry-After is when a retry can take over if it lapses. */
const inProgress = (leaseUntil: number, now: number): LightwatchError =>
  new LightwatchError('conflict', 'a request with this Idempotency-Key is still being processed; retry shortly', {
    reason: 'idempotency_in_progress',
    retryAfterSec: Number.isFinite(leaseUntil) ? Math.max(1, Math.ceil((leaseUntil - now) / 1000)) : 1,
    retryable: true,
  });

const reused = (): LightwatchError =>
  new LightwatchError('unprocessable', 'this Idempotency-Key was already used with a different request', {
    reason: 'idempotency_key_reused',
    details: [{ at: 'Idempotency-Key', message: 'use a new key for a different request' }],
  });

export function createIdempotencyStore(deps: IdempotencyDeps): IdempotencyStore {
  const keys = deps.streams.idempotency;
  const { names } = deps;
  const ttl = deps.ttlMs ?? 24 * 60 * 60 * 1000;
  const lease = Math.min(ttl, deps.leaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS);
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
    leaseMs: lease,
    async begin(tenant, key, fingerprint, now) {
      check(key);
      const holder = randomBytes(9).toString('base64url');
      const begun = await keys.begin(recordKey(tenant, key), fingerprint, now, lease, ttl, holder);
      if (begun.state === 'new') return { state: 'new', receivedAt: begun.receivedAt, holder };
      const value = begun.value;
      const fp = value.slice(2, 2 + fingerprint.length);
      if (fp !== fingerprint || value[2 + fingerprint.length] !== '|') throw reused();
      if (value.startsWith('P|')) throw inProgress(Number(value.split('|')[3]), now);
      return { state: 'done', response: JSON.parse(value.slice(3 + fingerprint.length)) as StoredResponse };
    },
    async renew(tenant, key, fingerprint, holder, now) {
      return keys.renew(recordKey(tenant, key), fingerprint, holder, now, lease);
    },
    async complete(tenant, key, fingerprint, response) {
      await keys.complete(recordKey(tenant, key), `D|${fingerprint}|${JSON.stringify(response)}`, ttl);
    },
    async release(tenant, key, fingerprint) {
      await keys.release(recordKey(tenant, key), fingerprint);
    },
    async abort(tenant, key, fingerprint) {
      await keys.abort(recordKey(tenant, key), fingerprint);
    },
  };
}

/**
 * Keeps an attempt's lease: calls `renew` every `everyMs` until the returned function is called or a renewal
 * reports the lease lost. A failed renewal (Redis away) is retried on the next tick; if the lease lapses
 * meanwhile, a retry takes over with the same receivedAt and ids, which the store absorbs. The timer never
 * keeps the process alive.
 */
export function holdLease(renew: () => Promise<boolean>, everyMs: number): () => void {
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
  };
  const timer = setInterval(() => {
    renew().then((held) => {
      if (!held) stop();
    }, () => undefined);
  }, Math.max(1, Math.floor(everyMs)));
  timer.unref();
  return stop;
}
