// Password hashing with scrypt (a slow, memory-hard hash from node:crypto; no native add-on needed).
// Stored form: `scrypt$N$r$p$<salt b64>$<hash b64>` so parameters can be raised later. scrypt runs on libuv's
// thread pool, off the event loop, but each hash takes a core for tens of ms: at most one runs at a time, so a
// login flood leaves the other core to everyone else, and at most 32 wait; more get 503 + Retry-After.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { unavailable } from '../errors/errors.js';
import { ConcurrencyLimiter } from '../limits/concurrency.js';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

// At most one hash at a time, at most 32 waiting; more are refused at once.
const slots = new ConcurrencyLimiter({ concurrency: 1, maxWaiting: 32 });

/** Runs `work` when a hashing slot is free; refuses at once when too many already wait. */
function inSlot<T>(work: () => Promise<T>): Promise<T> {
  if (slots.saturated) return Promise.reject(unavailable('too many password checks in progress; retry shortly', 1));
  return slots.run(work);
}

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return inSlot(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password, salt, KEYLEN, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
