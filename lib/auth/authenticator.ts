// Turns a credential into a Principal: JWTs are verified with the shared secret (and must carry `exp`), and
// their user must still exist; API keys are looked up by hash in the store. Lookups are cached briefly
// (bounded), so a hot ingest path costs no store round trip per request, while a revoked key or a deleted
// user stops working within the TTL, or at once when `forget` is called (a revocation signal, see
// revocations.ts).
import { unauthenticated } from '../errors/errors.js';
import type { Store } from '../store/port.js';
import { hashApiKey } from './keys.js';
import { looksLikeJwt, verifyToken } from './jwt.js';
import type { Authenticate, Principal } from './principal.js';

/** What the authenticator reads from the store. */
export type AuthStore = Pick<Store, 'findApiKeyByHash' | 'listUsers'>;

export interface AuthenticatorDeps {
  store: AuthStore;
  jwtSecret: Uint8Array;
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
  now?: () => number;
}

/** Authenticate, plus `forget()`: drops every cached answer, so the next use of a revoked credential goes to the store. */
export type Authenticator = Authenticate & { forget(): void };

interface Cached {
  principal: Principal | null;
  expiresAt: number;
}

export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  const ttl = deps.cacheTtlMs ?? 5_000;
  const max = deps.cacheMaxEntries ?? 10_000;
  const now = deps.now ?? Date.now;
  const cache = new Map<string, Cached>();
  // The hash of each API key seen lately: a key is hashed on every request otherwise, twice in the all-in-one
  // (gateway and ingest), and sha256 through OpenSSL 3 showed as ~0.1 µs per remote_write sample on the HTTP
  // thread. A credential's hash never changes, so this needs no TTL; `forget` leaves it. Bounded like the cache.
  const hashes = new Map<string, string>();
  const hashOf = (credential: string): string => {
    let hash = hashes.get(credential);
    if (hash === undefined) {
      if (hashes.size >= max) hashes.clear();
      hashes.set(credential, (hash = hashApiKey(credential)));
    }
    return hash;
  };

  /** The cached answer for `id`, or the one `load` gives (kept for the TTL; a refusal for at most 1 s). */
  async function cached(id: string, load: () => Promise<Principal | null>): Promise<Principal | null> {
    const hit = cache.get(id);
    const t = now();
    if (hit && hit.expiresAt > t) return hit.principal;
    const principal = await load();
    if (cache.size >= max) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(id, { principal, expiresAt: t + (principal ? ttl : Math.min(ttl, 1_000)) });
    return principal;
  }

  async function authenticate(credential: string): Promise<Principal> {
    if (!credential) throw unauthenticated();
    if (looksLikeJwt(credential)) {
      const claimed = await verifyToken(credential, deps.jwtSecret);
      const userId = claimed.subject.slice('user:'.length);
      const user = await cached(`user:${claimed.tenant}:${userId}`, async () => {
        const found = (await deps.store.listUsers(claimed.tenant)).some((u) => u.id === userId);
        return found ? claimed : null;
      });
      if (!user) throw unauthenticated('invalid or expired token');
      return claimed;
    }
    const hash = hashOf(credential);
    const principal = await cached(`key:${hash}`, async () => {
      const key = await deps.store.findApiKeyByHash(hash);
      return key && key.revokedAt === undefined ? { tenant: key.tenant, scopes: key.scopes, subject: `key:${key.id}` } : null;
    });
    if (!principal) throw unauthenticated('invalid API key');
    return principal;
  }

  return Object.assign(authenticate, { forget: () => cache.clear() });
}
