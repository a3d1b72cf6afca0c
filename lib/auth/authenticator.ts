// Turns a credential into a Principal: JWTs are verified with the shared secret, API keys are looked up by
// hash in the store. Key lookups are cached briefly (bounded), so a hot ingest path costs no store round
// trip per request while a revoked key stops working within the TTL.
import { unauthenticated } from '../errors/errors.js';
import type { Store } from '../store/port.js';
import { hashApiKey } from './keys.js';
import { looksLikeJwt, verifyToken } from './jwt.js';
import type { Authenticate, Principal } from './principal.js';

export interface AuthenticatorDeps {
  store: Pick<Store, 'findApiKeyByHash'>;
  jwtSecret: Uint8Array;
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
  now?: () => number;
}

interface Cached {
  principal: Principal | null;
  expiresAt: number;
}

export function createAuthenticator(deps: AuthenticatorDeps): Authenticate {
  const ttl = deps.cacheTtlMs ?? 5_000;
  const max = deps.cacheMaxEntries ?? 10_000;
  const now = deps.now ?? Date.now;
  const cache = new Map<string, Cached>();

  return async function authenticate(credential: string): Promise<Principal> {
    if (!credential) throw unauthenticated();
    if (looksLikeJwt(credential)) return verifyToken(credential, deps.jwtSecret);
    const hash = hashApiKey(credential);
    const hit = cache.get(hash);
    const t = now();
    if (hit && hit.expiresAt > t) {
      if (!hit.principal) throw unauthenticated('invalid API key');
      return hit.principal;
    }
    const key = await deps.store.findApiKeyByHash(hash);
    const principal: Principal | null =
      key && key.revokedAt === undefined ? { tenant: key.tenant, scopes: key.scopes, subject: `key:${key.id}` } : null;
    if (cache.size >= max) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(hash, { principal, expiresAt: t + (principal ? ttl : Math.min(ttl, 1_000)) });
    if (!principal) throw unauthenticated('invalid API key');
    return principal;
  };
}
