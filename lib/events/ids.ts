// Time-ordered event ids (ULID: 48-bit ms time + 80 bits, Crockford base32, 26 chars, sortable as strings).
// Random ids are monotonic within a millisecond in one process; derived ids are deterministic so that a
// retried batch (same client id or idempotency key) maps to the same ids and is a no-op downstream.
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const MAX_TIME = 2 ** 48 - 1;

/** Character codes of ALPHABET. */
const CODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));

/** The 10 character codes of the 48-bit time part, most significant first. */
function timeCodes(ms: number): number[] {
  let t = Math.max(0, Math.min(MAX_TIME, Math.floor(ms)));
  const out = new Array<number>(10);
  for (let i = 9; i >= 0; i--) {
    out[i] = CODE[t % 32] as number;
    t = Math.floor(t / 32);
  }
  return out;
}

type Bytes10 = [number, number, number, number, number, number, number, number, number, number];

/**
 * The id for a time part and 80 bits (10 bytes, as 16 base32 chars): built as one flat string, since ids are
 * written out (JSON, SQLite) right away and a concatenated one would be copied flat on every write.
 */
function idOf(time: readonly number[], r: Uint8Array): string {
  const [b0, b1, b2, b3, b4, b5, b6, b7, b8, b9] = r as unknown as Bytes10;
  const c = CODE;
  // Each 5 bytes (40 bits) are 8 chars.
  return String.fromCharCode(
    time[0] as number, time[1] as number, time[2] as number, time[3] as number, time[4] as number,
    time[5] as number, time[6] as number, time[7] as number, time[8] as number, time[9] as number,
    c[b0 >> 3] as number, c[((b0 & 7) << 2) | (b1 >> 6)] as number, c[(b1 >> 1) & 31] as number, c[((b1 & 1) << 4) | (b2 >> 4)] as number,
    c[((b2 & 15) << 1) | (b3 >> 7)] as number, c[(b3 >> 2) & 31] as number, c[((b3 & 3) << 3) | (b4 >> 5)] as number, c[b4 & 31] as number,
    c[b5 >> 3] as number, c[((b5 & 7) << 2) | (b6 >> 6)] as number, c[(b6 >> 1) & 31] as number, c[((b6 & 1) << 4) | (b7 >> 4)] as number,
    c[((b7 & 15) << 1) | (b8 >> 7)] as number, c[(b8 >> 2) & 31] as number, c[((b8 & 3) << 3) | (b9 >> 5)] as number, c[b9 & 31] as number,
  );
}

export interface IdGenerator {
  /** A new id for time `ms`; strictly increasing for calls from this generator. */
  next(ms: number): string;
}

export function createIdGenerator(): IdGenerator {
  let lastMs = -1;
  let lastTime: number[] = [];
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
        return idOf(lastTime, last);
      }
      lastMs = t;
      lastTime = timeCodes(t);
      last = new Uint8Array(randomBytes(10));
      last[0] = (last[0] as number) & 0x7f; // headroom so increments never overflow in practice
      return idOf(lastTime, last);
    },
  };
}

/** Deterministic id: time part from `ms`, the rest from a hash of the parts (tenant, client id, ...). */
export function derivedId(ms: number, ...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return idOf(timeCodes(ms), h.digest().subarray(0, 10));
}

/** Epoch ms encoded in an id's time part. */
export function idTime(id: string): number {
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(id[i] ?? '0');
  return t;
}
