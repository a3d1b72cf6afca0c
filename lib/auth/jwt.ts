// User sessions as HS256 JWTs (jose). The secret is shared by every service that verifies them.
import { SignJWT, jwtVerify } from 'jose';
import { unauthenticated } from '../errors/errors.js';
import { SCOPES, type Principal, type Scope } from './principal.js';

const ISSUER = 'lightwatch';

export interface TokenSubject {
  userId: string;
  tenant: string;
  scopes: readonly Scope[];
}

export async function issueToken(subject: TokenSubject, secret: Uint8Array, ttlSec: number, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ tenant: subject.tenant, scopes: [...subject.scopes] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setSubject(subject.userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSec)
    .sign(secret);
}

export async function verifyToken(token: string, secret: Uint8Array): Promise<Principal> {
  try {
    // A token without exp would be valid forever: refused (issue 17, item 6).
    const { payload } = await jwtVerify(token, secret, { issuer: ISSUER, algorithms: ['HS256'], requiredClaims: ['exp'] });
    const scopes = Array.isArray(payload.scopes) ? payload.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s as string)) : [];
    if (typeof payload.tenant !== 'string' || typeof payload.sub !== 'string') throw new Error('claims');
    return { tenant: payload.tenant, scopes, subject: `user:${payload.sub}` };
  } catch {
    throw unauthenticated('invalid or expired token');
  }
}

export function looksLikeJwt(credential: string): boolean {
  return credential.startsWith('eyJ') && credential.split('.').length === 3;
}
