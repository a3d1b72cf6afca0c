// Time-ordered event ids (ULID: 48-bit ms time + 80 bits, Crockford base32, 26 chars, sortable as strings).
// Random ids are monotonic within a millisecond in one process; derived ids are deterministic so that a
// retried batch (same client id or idempotency key) maps to the same ids and is a no-op downstream.
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const MAX_TIME = 2 ** 48 - 1;

function encodeTime(ms: number): string {
  let t = Math.max(0, Math.min(MAX_TIME, Math.floor(ms)));
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** 80 bits (10 bytes) as 16 base32 chars. */
function encodeRandom(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

export interface IdGenerator {
  /** A new id for time `ms`; strictly increasing for calls from this generator. */
  next(ms: number): string;
}

export function createIdGenerator(): IdGenerator {
  let lastMs = -1;
  let lastTime = '';
  let last = new Uint8Array(10);
  return {
    next(ms: number): string {
      const t = Math.floor(ms);
      if (t <= lastMs) {
        // Same (or earlier) millisecond: increment the random part so ids stay strictly increasing.
        for (let i = last.length - 1; i >= 0; i--) {
          const v = (last[i] as number) + 1;
          last[i] = v & 0xff;
          if (v <= 0xff) break;
        }
        return lastTime + encodeRandom(last);
      }
      lastMs = t;
      lastTime = encodeTime(t);
      last = new Uint8Array(randomBytes(10));
      last[0] = (last[0] as number) & 0x7f; // headroom so increments never overflow in practice
      return lastTime + encodeRandom(last);
    },
  };
}

/** Deterministic id: time part from `ms`, the rest from a hash of the parts (tenant, client id, ...). */
export function derivedId(ms: number, ...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return encodeTime(ms) + encodeRandom(h.digest().subarray(0, 10));
}

/** Epoch ms encoded in an id's time part. */
export function idTime(id: string): number {
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(id[i] ?? '0');
  return t;
}
