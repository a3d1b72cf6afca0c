// Field schemas shared by the request bodies (schemas.ts) and the check settings (check-settings.ts).
import { z } from 'zod';

/** Control characters, except tab and line breaks where `allowBreaks` (free text such as comments). */
export function hasControl(s: string, allowBreaks = false): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (allowBreaks && (c === 9 || c === 10 || c === 13)) continue;
    if (c < 32 || c === 127) return true;
  }
  return false;
}

export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
export const httpUrl = z.string().max(2048).refine(isHttpUrl, 'must be an absolute http:// or https:// URL');

export const headersSchema = z
  .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'not a valid HTTP header name'), z.string().max(1024).refine((s) => !hasControl(s), 'must not contain line breaks or control characters'))
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers');
