// Finds the credential of a WebSocket upgrade in the forms CONTRACTS.md accepts: `Authorization: Bearer`,
// HTTP Basic with the key as password, Elasticsearch's `Authorization: ApiKey base64(id:key)` or a bare key,
// `X-API-Key`, and `?token=` (browsers cannot set headers on a WebSocket). Pure; no I/O.

export interface CredentialSources {
  authorization: string;
  xApiKey: string;
  /** The decoded `token` query parameter, or ''. */
  token: string;
}

export type CredentialResult = { ok: true; credential: string } | { ok: false; message: string };

const PRINTABLE = /^[\x20-\x7e]+$/;

function decodeBase64Text(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(value)) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  return PRINTABLE.test(text) ? text : undefined;
}

function fromAuthorization(header: string): CredentialResult {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  if (value.length === 0) return { ok: false, message: `Authorization ${scheme} carries no credential` };
  switch (scheme) {
    case 'bearer':
      return { ok: true, credential: value };
    case 'basic': {
      const text = decodeBase64Text(value);
      const colon = text?.indexOf(':') ?? -1;
      if (text === undefined || colon < 0) return { ok: false, message: 'Authorization Basic is not base64 of user:password' };
      // The key is the password (any user name); agents that only fill the user name put the key there.
      const password = text.slice(colon + 1);
      const credential = password.length > 0 ? password : text.slice(0, colon);
      return credential.length > 0 ? { ok: true, credential } : { ok: false, message: 'Authorization Basic carries no key' };
    }
    case 'apikey': {
      // Elasticsearch form base64(id:key); a value that does not decode to id:key is the key itself.
      const text = decodeBase64Text(value);
      const colon = text?.indexOf(':') ?? -1;
      if (text !== undefined && colon > 0 && colon < text.length - 1) return { ok: true, credential: text.slice(colon + 1) };
      return { ok: true, credential: value };
    }
    default:
      return { ok: false, message: `Authorization scheme '${scheme.slice(0, 20)}' is not supported; use Bearer, Basic or ApiKey` };
  }
}

export function extractCredential(src: CredentialSources): CredentialResult {
  if (src.authorization.length > 0) return fromAuthorization(src.authorization);
  if (src.xApiKey.length > 0) return { ok: true, credential: src.xApiKey.trim() };
  if (src.token.length > 0) return { ok: true, credential: src.token };
  return { ok: false, message: 'missing credential: send Authorization, X-API-Key or ?token=' };
}
