// The login limits of every gateway replica counted as one (issue 17.5): the per-address and per-account
// attempts and the "signed in from this address" exemptions live in Redis (fixed one-minute windows and 30-day
// marks through the streams port's counters), so N replicas allow what one does, not N times that.
//
// Redis is not trusted to be there: while the port is not ready, or a call fails or takes longer than
// `timeoutMs`, the attempt is judged by this replica's own limiter (lib/auth/login-limit.ts), which sees every
// attempt and sign-in all along so that its counts and exemptions are warm when it is needed. Never open, never everybody
// locked out: an outage degrades the limit to per replica, as it was before.
import { createHash } from 'node:crypto';
import type { Counters, WindowCheck } from '../streams/port.js';
import { accountKey, type LoginLimiter, type LoginLimits, type LoginVerdict } from './login-limit.js';

/** What a login guard asks before and tells after the password check. */
export interface LoginGate {
  /** May this attempt go ahead (charged when it may), and is the address known for the account? */
  admit(account: string | null, address: string): Promise<{ verdict: LoginVerdict; known: boolean }>;
  record(account: string | null, address: string, ok: boolean): Promise<void>;
}

export interface SharedLoginCounters {
  counters: Counters;
  /** Connected now (no round trip): when false the local limiter answers at once. */
  ready(): boolean;
  /** Key prefix holding one hash tag (every key of one take must share a slot on a Redis Cluster), e.g. `lw:{login}`. */
  keyPrefix: string;
}

export interface SharedLoginGateOptions {
  limits: LoginLimits;
  shared: SharedLoginCounters;
  /** This replica's limiter: the fallback. */
  local: LoginLimiter;
  /** Longest wait for Redis before falling back (default 250 ms). */
  timeoutMs?: number;
  /** Called when the gate falls back to the local limiter (and with null once Redis answers again). */
  onDegraded?: (err: unknown) => void;
}

const WINDOW_MS = 60_000;
const DEFAULT_KNOWN_FOR_MS = 30 * 86_400_000;

/** A gate on the local limiter alone (one replica, or no Redis configured). */
export function localLoginGate(local: LoginLimiter): LoginGate {
  return {
    admit: (account, address) => Promise.resolve({ verdict: local.admit(account, address), known: local.known(account, address) }),
    record(account, address, ok) {
      local.record(account, address, ok);
      return Promise.resolve();
    },
  };
}

/** Short, fixed-length and not reversible at a glance: emails and addresses do not appear in key names. */
const digest = (text: string): string => createHash('sha256').update(text).digest('base64url').slice(0, 22);

class TimedOut extends Error {}

export function createSharedLoginGate(o: SharedLoginGateOptions): LoginGate {
  const { counters, keyPrefix } = o.shared;
  const ready = (): boolean => o.shared.ready();
  const { local } = o;
  const timeoutMs = o.timeoutMs ?? 250;
  const knownForMs = o.limits.knownForMs ?? DEFAULT_KNOWN_FOR_MS;
  const perAddress = o.limits.attemptsPerMinPerAddress;
  const perAccount = o.limits.failuresPerMinPerAccount;
  const addressKey = (address: string): string => `${keyPrefix}:address:${digest(address)}`;
  const accountCounter = (account: string): string => `${keyPrefix}:account:${digest(accountKey(account))}`;
  const knownKey = (account: string, address: string): string => `${keyPrefix}:known:${digest(`${accountKey(account)}\n${address}`)}`;
  let degraded = false;

  /** `call` within the time bound, or a rejection that sends the caller to the local limiter. */
  async function bounded<T>(call: () => Promise<T>): Promise<T> {
    if (!ready()) throw new TimedOut('Redis is not connected');
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TimedOut(`Redis gave no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  const fellBack = (err: unknown): void => {
    if (!degraded) o.onDegraded?.(err);
    degraded = true;
  };
  const recovered = (): void => {
    if (degraded) o.onDegraded?.(null);
    degraded = false;
  };

  return {
    async admit(account, address) {
      // This replica's buckets count its attempts all along, so they are warm when they have to answer.
      const localVerdict = local.admit(account, address);
      try {
        const known = account !== null && (await bounded(() => counters.isMarked(knownKey(account, address))));
        const windows: WindowCheck[] = [];
        if (account !== null && !known && perAccount > 0) windows.push({ key: accountCounter(account), limit: perAccount, windowMs: WINDOW_MS, charge: true });
        const addressAt = windows.length;
        if (perAddress > 0) windows.push({ key: addressKey(address), limit: perAddress, windowMs: WINDOW_MS, charge: true });
        const v = await bounded(() => counters.take(windows));
        recovered();
        const verdict: LoginVerdict = v.ok ? { ok: true } : { ok: false, retryAfterMs: v.retryAfterMs, limit: v.index === addressAt ? 'address' : 'account' };
        return { verdict, known };
      } catch (err) {
        fellBack(err);
        return { verdict: localVerdict, known: local.known(account, address) };
      }
    },

    async record(account, address, ok) {
      // The local limiter learns every outcome, so its exemptions are warm for an outage.
      local.record(account, address, ok);
      if (account === null) return;
      try {
        if (ok) await bounded(() => counters.mark(knownKey(account, address), knownForMs));
        else if (perAccount > 0 && (await bounded(() => counters.isMarked(knownKey(account, address))))) {
          // A failure from a known address was not charged when admitted; attempts from others were.
          await bounded(() => counters.add(accountCounter(account), WINDOW_MS));
        }
      } catch (err) {
        fellBack(err);
      }
    },
  };
}
