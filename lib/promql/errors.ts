// The engine's errors, each carrying the errorType the Prometheus HTTP API answers with, so the API layer maps
// them once: bad_data (parse and parameter errors), execution, timeout, canceled.
export type PromErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal';

export class PromQLError extends Error {
  constructor(
    readonly errorType: PromErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'PromQLError';
  }
}

/** A query that does not parse or type-check; the message starts with `line:col: parse error: ` as Prometheus's. */
export class ParseError extends PromQLError {
  constructor(
    readonly position: { readonly line: number; readonly column: number; readonly offset: number },
    readonly detail: string,
  ) {
    super('bad_data', `${position.line}:${position.column}: parse error: ${detail}`);
    this.name = 'ParseError';
  }
}

/** Prometheus's ErrTooManySamples. */
export function tooManySamples(env = 'query execution'): PromQLError {
  return new PromQLError('execution', `query processing would load too many samples into memory in ${env}`);
}

/** Prometheus's ErrQueryTimeout. */
export function queryTimeout(env = 'expression evaluation'): PromQLError {
  return new PromQLError('timeout', `query timed out in ${env}`);
}

/** Prometheus's ErrQueryCanceled. */
export function queryCanceled(env = 'expression evaluation'): PromQLError {
  return new PromQLError('canceled', `query was canceled in ${env}`);
}

/** A runtime error of the evaluation (Prometheus's ev.errorf), answered as errorType `execution`. */
export function execError(message: string): PromQLError {
  return new PromQLError('execution', message);
}
