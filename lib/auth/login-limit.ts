// Login attempts limited per client address and per account (issue 17.5), on the shared token buckets. Pure:
// the clock is injected, no I/O.
//
// - Every attempt takes a token from its address's bucket: one address cannot flood the password hash.
// - Attempts on an account take a token from the account's bucket when they are admitted (so eight guesses
//   sent at once cannot all pass before the first has failed), and so guessing one account's password from
//   many addresses is slowed too. While it is empty, attempts on that account are refused before the password
//   is checked, except from an address that signed in to that account before (within `knownForMs`): an attacker
//   can slow a real user's first sign-in from a new address, but never lock them out of one they used.
//   The buckets refill continuously and a refused attempt takes nothing, so a refusal ends after its
//   Retry-After whatever the attacker keeps sending.
import { perMinute, TokenBuckets } from '../limits/token-bucket.js';

export interface LoginLimits {
  /** Attempts per minute from one client address (burst of the same size); 0: unlimited. */
  attemptsPerMinPerAddress: number;
  /** Attempts per minute on one account from addresses that never signed in to it (burst of the same size); 0: unlimited. */
  failuresPerMinPerAccount: number;
  /** How long an address that signed in to an account stays exempt from that account's limit. */
  knownForMs?: number;
  /** Most addresses, accounts and known pairs remembered each (memory stays bounded under a spoofing flood). */
  maxKeys?: number;
}

export type LoginVerdict = { ok: true } | { ok: false; retryAfterMs: number; limit: 'address' | 'account' };

export interface LoginLimiter {
  /** Before checking the password: may this attempt go ahead? Takes the address's token when it may. */
  admit(account: string | null, address: string): LoginVerdict;
  /** Whether `address` signed in to `account` within `knownForMs` (its attempts are exempt from the account's limit). */
  known(account: string | null, address: string): boolean;
  /** After the password was checked: `ok` true remembers the address for the account; a failure from a remembered address is charged to the account. */
  record(account: string | null, address: string, ok: boolean): void;
}

/** Accounts are emails, compared as the store compares them: case and surrounding spaces do not matter. */
export const accountKey = (account: string): string => account.trim().toLowerCase().slice(0, 320);

export function createLoginLimiter(limits: LoginLimits, now: () => number = Date.now): LoginLimiter {
  const maxKeys = limits.maxKeys ?? 100_000;
  const knownForMs = limits.knownForMs ?? 30 * 86_400_000;
  const perAddress = perMinute(limits.attemptsPerMinPerAddress);
  const perAccount = perMinute(limits.failuresPerMinPerAccount);
  const addresses = new TokenBuckets({ now, maxKeys });
  const accounts = new TokenBuckets({ now, maxKeys });
  /** `account\naddress` → until when that address is exempt from the account's limit (insertion-ordered). */
  const known = new Map<string, number>();
  const knownKey = (account: string, address: string): string => `${accountKey(account)}\n${address}`;
  const isKnown = (account: string, address: string): boolean => (known.get(knownKey(account, address)) ?? 0) > now();

  return {
    known: (account, address) => account !== null && isKnown(account, address),
    admit(account, address) {
      const charged = account !== null && !isKnown(account, address);
      if (charged) {
        const wait = accounts.wait(accountKey(account), perAccount);
        if (wait > 0) return { ok: false, retryAfterMs: wait, limit: 'account' };
      }
      const wait = addresses.take(address, perAddress);
      if (wait > 0) return { ok: false, retryAfterMs: wait, limit: 'address' };
      if (charged) accounts.take(accountKey(account), perAccount);
      return { ok: true };
    },
    record(account, address, ok) {
      if (account === null) return;
      if (!ok) {
        // Attempts from other addresses were charged when admitted.
        if (isKnown(account, address)) accounts.take(accountKey(account), perAccount);
        return;
      }
      const key = knownKey(account, address);
      known.delete(key);
      if (known.size >= maxKeys) {
        const oldest = known.keys().next();
        if (!oldest.done) known.delete(oldest.value);
      }
      known.set(key, now() + knownForMs);
    },
  };
}
