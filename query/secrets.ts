// Write-only values (channel tokens, signing secrets, webhook URLs, request header values): responses show a
// mask with at most the last four characters, and an update that sends the mask back unchanged keeps the
// stored value, so a client can GET, edit one field and PUT the object back. Pure.

const MASK = '********';

export function maskSecret(value: string): string {
  // Short secrets show nothing: four characters of an eight-character token is half of it.
  return value.length >= 16 ? `${MASK}${value.slice(-4)}` : MASK;
}

export function isMaskOf(candidate: unknown, stored: unknown): boolean {
  return typeof candidate === 'string' && typeof stored === 'string' && candidate === maskSecret(stored);
}

export function maskHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!headers) return undefined;
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, maskSecret(v)]));
}

/** Header values sent back as their mask become the stored value again. */
export function restoreHeaders(incoming: unknown, stored: Record<string, string> | undefined): unknown {
  if (!stored || incoming === null || typeof incoming !== 'object' || Array.isArray(incoming)) return incoming;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(incoming as Record<string, unknown>)) out[k] = isMaskOf(v, stored[k]) ? stored[k] : v;
  return out;
}

/** A connection URL with its password masked (`postgres://app:********@db/x`); unchanged without one. */
export function maskUrlPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = MASK;
    return u.toString();
  } catch {
    return url;
  }
}

/** A URL sent back with the masked password of the stored one gets the stored password again. */
export function restoreUrlPassword(incoming: unknown, stored: string | undefined): unknown {
  if (typeof incoming !== 'string' || stored === undefined) return incoming;
  try {
    const u = new URL(incoming);
    const s = new URL(stored);
    if (u.password !== MASK || s.password === '') return incoming;
    u.password = s.password;
    return u.toString();
  } catch {
    return incoming;
  }
}
