// The one place that pulls the raw credential out of a request, for the HTTP gateway and the WebSocket tier
// alike (CONTRACTS.md, "Authentication"): `Authorization: Bearer <key|jwt>`, HTTP Basic with the key as the
// password (any user name; agents that fill only the user name put the key there), Elasticsearch's
// `Authorization: ApiKey <base64(id:key)>` or `ApiKey <key>` (any key: a value that does not decode to
// `id:key` is the key itself), `X-API-Key: <key>`, and `?token=` (browsers cannot set WebSocket headers).
// Pure; no I/O.

export interface CredentialSources {
  authorization?: string | undefined;
  /** The `X-API-Key` header. */
  apiKey?: string | undefined;
  /** The decoded `token` query parameter (WebSockets only). */
  token?: string | undefined;
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
  if (value.length === 0) return { ok: false, message: `Authorization ${scheme.slice(0, 20)} carries no credential` };
  switch (scheme) {
    case 'bearer':
      return { ok: true, credential: value };
    case 'basic': {
      const text = decodeBase64Text(value);
      const colon = text?.indexOf(':') ?? -1;
      if (text === undefined || colon < 0) return { ok: false, message: 'Authorization Basic is not base64 of user:password' };
      const password = text.slice(colon + 1);
      const credential = password.length > 0 ? password : text.slice(0, colon);
      return credential.length > 0 ? { ok: true, credential } : { ok: false, message: 'Authorization Basic carries no key' };
    }
    case 'apikey': {
      const text = decodeBase64Text(value);
      const colon = text?.indexOf(':') ?? -1;
      if (text !== undefined && colon > 0 && colon < text.length - 1) return { ok: true, credential: text.slice(colon + 1) };
      return { ok: true, credential: value };
    }
    default:
      return { ok: false, message: `Authorization scheme '${scheme.slice(0, 20)}' is not supported; use Bearer, Basic or ApiKey` };
  }
}

/** The credential of a request: Authorization first, then X-API-Key, then `?token=`. */
export function extractCredential(src: CredentialSources): CredentialResult {
  const authorization = src.authorization?.trim() ?? '';
  if (authorization.length > 0) return fromAuthorization(authorization);
  const apiKey = src.apiKey?.trim() ?? '';
  if (apiKey.length > 0) return { ok: true, credential: apiKey };
  const token = src.token?.trim() ?? '';
  if (token.length > 0) return { ok: true, credential: token };
  return { ok: false, message: 'missing credential: send Authorization, X-API-Key or ?token=' };
}
