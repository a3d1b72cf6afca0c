// API keys: generated once, shown once, stored only as a sha256 hash (keys are 256-bit random, so a fast
// hash is safe here; passwords get a slow hash instead, see passwords.ts).
import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'lw_';

export interface GeneratedKey {
  key: string;
  hash: string;
  /** Shown in listings to tell keys apart. */
  prefix: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): GeneratedKey {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 10) };
}

export function keyFromSecret(key: string): GeneratedKey {
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 10) };
}
