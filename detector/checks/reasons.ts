// Turns the errors of sockets, resolvers, TLS and client libraries into the short reasons a check result
// carries ("connection refused", "NXDOMAIN", "certificate has expired"), so people read one vocabulary
// whatever the kind. Pure.

const BY_CODE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EPIPE: 'connection closed by peer',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'NXDOMAIN',
  ENODATA: 'no records of that type',
  ESERVFAIL: 'resolver answered SERVFAIL',
  EREFUSED: 'resolver refused the query',
  ECONNREFUSED_DNS: 'resolver refused the connection',
  EBADRESP: 'bad answer from resolver',
  ETIMEOUT: 'resolver timed out',
  EAI_AGAIN: 'name resolution failed temporarily',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the certificate chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate issuer unknown',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the host name',
  ERR_SSL_WRONG_VERSION_NUMBER: 'not a TLS server (wrong version number)',
  EPROTO: 'TLS handshake failed',
};

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && e.code in BY_CODE) return e.code;
  if (e.cause !== undefined && e.cause !== err) return codeOf(e.cause);
  return typeof e.code === 'string' ? e.code : undefined;
}

function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return messageOf(err.errors[0]);
  if (err instanceof Error) {
    const cause = err.cause;
    if (err.message === 'fetch failed' && cause !== undefined) return messageOf(cause);
    return err.message;
  }
  return String(err);
}

/** A short, precise reason for a failed attempt. */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describeError(err.errors[0]);
  const code = codeOf(err);
  const known = code === undefined ? undefined : BY_CODE[code];
  if (known !== undefined) return known;
  const msg = messageOf(err).replace(/\s+/g, ' ').trim();
  if (/wrong version number/i.test(msg)) return BY_CODE.ERR_SSL_WRONG_VERSION_NUMBER as string;
  return (msg === '' ? (code ?? 'failed') : msg).slice(0, 300);
}
