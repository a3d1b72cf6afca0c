// POST /api/auth/login at the edge (issue 17.5): the login limits applied to the client's address
// (TRUSTED_PROXIES decides whether X-Forwarded-For names it) and the account in the body, before the query
// service spends a password hash on it; refusals answer 429 with Retry-After. With shared counters (Redis) every
// gateway replica counts against the same limits (lib/auth/login-limit-shared.ts); without, or while Redis is
// unreachable, this replica's limiter (lib/auth/login-limit.ts) does. Attempts from
// addresses not known for their account go through one at a time (at most `strangerQueue` waiting, then 503),
// so a credential-stuffing flood from many addresses cannot fill the password-hash queue ahead of a user
// signing in from an address they used before: that user waits for one stranger's hash at most.
import type { HttpResponse } from 'uWebSockets.js';
import { createLoginLimiter, type LoginLimits } from '../lib/auth/login-limit.js';
import { createSharedLoginGate, localLoginGate, type LoginGate, type SharedLoginCounters } from '../lib/auth/login-limit-shared.js';
import { isLightwatchError, rateLimited, unavailable } from '../lib/errors/errors.js';
import { ConcurrencyLimiter } from '../lib/limits/concurrency.js';
import { clientAddress } from '../lib/net/client-address.js';
import type { Networks } from '../lib/net/networks.js';

export interface LoginGuardOptions {
  limits?: LoginLimits;
  /** Counters shared by every replica; absent: this replica's limits only. */
  shared?: SharedLoginCounters;
  /** Told when the shared counters fail and the local limits answer (err), and when they answer again (null). */
  onDegraded?: (err: unknown) => void;
  trustedProxies?: Networks | null;
  now?: () => number;
  /** Stranger attempts waiting for their turn before 503 (default 8). */
  strangerQueue?: number;
}

export interface LoginGuard {
  /** The client's address; call synchronously in the handler (uWS's response is not readable later). */
  addressOf(res: HttpResponse, forwardedFor: string | undefined): string;
  /** Runs `attempt` (the login) when the limits allow it; throws 429 `rate_limited` when they do not. */
  run<T>(address: string, bodyJson: string, attempt: () => Promise<T>): Promise<T>;
}

/** The email in a login body, or null when there is none to charge (the query service answers that 400). */
function accountOf(bodyJson: string): string | null {
  try {
    const body: unknown = JSON.parse(bodyJson);
    const email = body && typeof body === 'object' ? (body as { email?: unknown }).email : undefined;
    return typeof email === 'string' && email.trim() !== '' ? email : null;
  } catch {
    return null;
  }
}

export function createLoginGuard(o: LoginGuardOptions = {}): LoginGuard {
  const local = o.limits ? createLoginLimiter(o.limits, o.now ?? Date.now) : null;
  const gate: LoginGate | null =
    o.limits && local ? (o.shared ? createSharedLoginGate({ limits: o.limits, shared: o.shared, local, onDegraded: o.onDegraded }) : localLoginGate(local)) : null;
  const trusted = o.trustedProxies ?? null;
  const strangers = new ConcurrencyLimiter({ concurrency: 1, maxWaiting: o.strangerQueue ?? 8 });
  return {
    addressOf(res, forwardedFor) {
      return clientAddress(Buffer.from(res.getRemoteAddressAsText()).toString(), forwardedFor, trusted);
    },
    async run(address, bodyJson, attempt) {
      if (!gate) return attempt();
      const account = accountOf(bodyJson);
      const { verdict, known } = await gate.admit(account, address);
      if (!verdict.ok) {
        const sec = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
        throw rateLimited(verdict.limit === 'account' ? `too many failed logins for this account; retry in ${sec} s` : `too many login attempts from this address; retry in ${sec} s`, sec);
      }
      if (!known && strangers.saturated) throw unavailable('too many sign-ins from new addresses in progress; retry shortly', 1);
      try {
        const out = known ? await attempt() : await strangers.run(attempt);
        await gate.record(account, address, true);
        return out;
      } catch (err) {
        if (isLightwatchError(err) && err.code === 'unauthenticated') await gate.record(account, address, false);
        throw err;
      }
    },
  };
}
