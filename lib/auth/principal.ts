// Who is calling: resolved from an API key or a user's JWT at each boundary. Pure types.

export const SCOPES = ['ingest', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  tenant: string;
  scopes: readonly Scope[];
  /** `key:<keyId>` or `user:<userId>`; recorded as creator/actor where it matters. */
  subject: string;
}

/** Resolves a raw credential (API key or JWT, without the scheme) to a principal, or throws `unauthenticated`. */
export type Authenticate = (credential: string) => Promise<Principal>;

export function hasScope(principal: Principal, scope: Scope): boolean {
  // admin implies every other scope.
  return principal.scopes.includes(scope) || principal.scopes.includes('admin');
}
