// Pulls the raw credential out of what real agents send (CONTRACTS.md, "Authentication"):
// `Authorization: Bearer <key|jwt>`, `X-API-Key: <key>`, HTTP Basic with the key as password (any user),
// Elasticsearch's `Authorization: ApiKey <base64(id:key)>` or `ApiKey <key>`, and `?token=` for WebSockets.

export interface CredentialSources {
  authorization?: string | undefined;
  apiKey?: string | undefined;
  token?: string | undefined;
}

function decodeBase64(s: string): string | null {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(s)) return null;
  return Buffer.from(s, 'base64').toString('utf8');
}

export function extractCredential(src: CredentialSources): string | null {
  const auth = src.authorization?.trim();
  if (auth) {
    const space = auth.indexOf(' ');
    const scheme = (space < 0 ? auth : auth.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : auth.slice(space + 1).trim();
    if (scheme === 'bearer' && value) return value;
    if (scheme === 'basic' && value) {
      const decoded = decodeBase64(value);
      if (decoded === null) return null;
      const colon = decoded.indexOf(':');
      const password = colon < 0 ? decoded : decoded.slice(colon + 1);
      return password || null;
    }
    if (scheme === 'apikey' && value) {
      // Elasticsearch clients send base64(id:api_key); some send the key itself.
      if (value.startsWith('lw_')) return value;
      const decoded = decodeBase64(value);
      if (decoded !== null) {
        const colon = decoded.indexOf(':');
        const key = colon < 0 ? decoded : decoded.slice(colon + 1);
        if (key) return key;
      }
      return value;
    }
    return null;
  }
  if (src.apiKey?.trim()) return src.apiKey.trim();
  if (src.token?.trim()) return src.token.trim();
  return null;
}
