// Maps the error taxonomy to gRPC statuses and back, once. The exact LightwatchError travels in the
// `lw-error` trailing metadata as JSON so the gateway can answer the same HTTP error a local call would.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { fromPlainError, LightwatchError, toPlainError, type ErrorCode, type PlainError } from '../errors/errors.js';

const TO_GRPC: Record<ErrorCode, status> = {
  bad_request: status.INVALID_ARGUMENT,
  unauthenticated: status.UNAUTHENTICATED,
  forbidden: status.PERMISSION_DENIED,
  not_found: status.NOT_FOUND,
  conflict: status.ALREADY_EXISTS,
  payload_too_large: status.RESOURCE_EXHAUSTED,
  unsupported_media_type: status.INVALID_ARGUMENT,
  unprocessable: status.FAILED_PRECONDITION,
  rate_limited: status.RESOURCE_EXHAUSTED,
  unavailable: status.UNAVAILABLE,
  internal: status.INTERNAL,
};

const FROM_GRPC: Partial<Record<status, ErrorCode>> = {
  [status.INVALID_ARGUMENT]: 'bad_request',
  [status.UNAUTHENTICATED]: 'unauthenticated',
  [status.PERMISSION_DENIED]: 'forbidden',
  [status.NOT_FOUND]: 'not_found',
  [status.ALREADY_EXISTS]: 'conflict',
  [status.RESOURCE_EXHAUSTED]: 'rate_limited',
  [status.FAILED_PRECONDITION]: 'unprocessable',
  [status.UNAVAILABLE]: 'unavailable',
  [status.DEADLINE_EXCEEDED]: 'unavailable',
};

const ERROR_KEY = 'lw-error';

export function toServiceError(err: unknown): Partial<ServiceError> {
  const e = toPlainError(err);
  const metadata = new Metadata();
  metadata.set(ERROR_KEY, JSON.stringify(e));
  return { code: TO_GRPC[e.code], details: e.message, metadata, name: 'LightwatchError', message: e.message };
}

export function fromServiceError(err: ServiceError): LightwatchError {
  const raw = err.metadata?.get(ERROR_KEY)[0];
  if (typeof raw === 'string') {
    try {
      return fromPlainError(JSON.parse(raw) as PlainError);
    } catch {
      // fall through to the status code
    }
  }
  const code = FROM_GRPC[err.code] ?? 'unavailable';
  const message = code === 'unavailable' ? `upstream service unavailable: ${err.details || err.message}` : err.details || err.message;
  return new LightwatchError(code, message, { cause: err, retryAfterSec: code === 'unavailable' ? 1 : undefined });
}
