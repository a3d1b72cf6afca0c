// One error taxonomy for the whole system. Each boundary (HTTP, gRPC, WebSocket) maps it once.

export const ERROR_CODES = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetail {
  /** Where: a JSON pointer, a query parameter, a line number, an item index. */
  at?: string;
  message: string;
  index?: number;
}

export interface LightwatchErrorOptions {
  details?: ErrorDetail[];
  retryAfterSec?: number;
  cause?: unknown;
  /** A retryable error may succeed if sent again unchanged (store down, backlog full). */
  retryable?: boolean;
  /** A more specific machine-readable code for clients (e.g. `malformed_json`); defaults to the taxonomy code. */
  reason?: string;
}

export class LightwatchError extends Error {
  readonly code: ErrorCode;
  readonly reason: string;
  readonly details: ErrorDetail[];
  readonly retryAfterSec: number | undefined;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: LightwatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LightwatchError';
    this.code = code;
    this.reason = options.reason ?? code;
    this.details = options.details ?? [];
    this.retryAfterSec = options.retryAfterSec;
    this.retryable = options.retryable ?? (code === 'unavailable' || code === 'rate_limited');
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code];
  }
}

export const badRequest = (message: string, details?: ErrorDetail[], reason?: string): LightwatchError =>
  new LightwatchError('bad_request', message, { details, reason });
export const unprocessable = (message: string, details?: ErrorDetail[], reason?: string): LightwatchError =>
  new LightwatchError('unprocessable', message, { details, reason });
export const notFound = (message: string): LightwatchError => new LightwatchError('not_found', message);
export const conflict = (message: string): LightwatchError => new LightwatchError('conflict', message);
export const unauthenticated = (message = 'missing or invalid credential'): LightwatchError =>
  new LightwatchError('unauthenticated', message);
export const forbidden = (message: string): LightwatchError => new LightwatchError('forbidden', message);
export const unavailable = (message: string, retryAfterSec?: number, cause?: unknown): LightwatchError =>
  new LightwatchError('unavailable', message, { retryAfterSec, cause });
/** The store's write lock is held by someone else for longer than we wait: retry shortly (503, Retry-After). */
export const storeBusy = (cause?: unknown): LightwatchError =>
  new LightwatchError('unavailable', 'the store is busy with another write; retry shortly', { retryAfterSec: 1, cause, reason: 'store_busy' });
export const rateLimited = (message: string, retryAfterSec: number): LightwatchError =>
  new LightwatchError('rate_limited', message, { retryAfterSec });

export function isLightwatchError(err: unknown): err is LightwatchError {
  return err instanceof LightwatchError;
}

/** The JSON error body every HTTP endpoint answers with (CONTRACTS.md, "Errors"). */
export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
}

export function toErrorBody(err: LightwatchError): ErrorBody {
  return { error: { code: err.reason, message: err.message, details: err.details } };
}

/** The headers an error answer carries besides its body: Retry-After (429, 503), WWW-Authenticate (401). */
export function errorHeaders(err: LightwatchError): Record<string, string> {
  const h: Record<string, string> = {};
  if (err.retryAfterSec !== undefined) h['retry-after'] = String(Math.max(1, Math.ceil(err.retryAfterSec)));
  if (err.code === 'unauthenticated') h['www-authenticate'] = 'Bearer realm="lightwatch"';
  return h;
}

/** Anything thrown becomes a LightwatchError; unknown errors become `internal` without leaking internals. */
export function asLightwatchError(err: unknown): LightwatchError {
  if (isLightwatchError(err)) return err;
  return new LightwatchError('internal', 'internal error', { cause: err });
}

/** A LightwatchError as plain data, for crossing a process or thread boundary (gRPC metadata, worker threads). */
export interface PlainError {
  code: ErrorCode;
  reason: string;
  message: string;
  details: ErrorDetail[];
  retryAfterSec?: number;
}

export function toPlainError(err: unknown): PlainError {
  const e = asLightwatchError(err);
  return { code: e.code, reason: e.reason, message: e.message, details: e.details, retryAfterSec: e.retryAfterSec };
}

/** The same error on this side of the boundary (`cause`: what the far side knew of an internal error). */
export function fromPlainError(p: PlainError, cause?: unknown): LightwatchError {
  return new LightwatchError(p.code, p.message, { reason: p.reason, details: p.details, retryAfterSec: p.retryAfterSec, cause });
}
