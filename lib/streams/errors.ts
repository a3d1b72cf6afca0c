// The streams port's error taxonomy. Adapters map their client's failures to these once (lib/streams/redis/
// map-error.ts); callers branch on the class, never on message text. `retryable` says whether the same call may
// succeed later unchanged (a failover, a reconnect), as opposed to a state the caller must repair first.

export type StreamsErrorCode = 'no_group' | 'busy_group' | 'no_stream' | 'cluster_down' | 'read_only' | 'no_replicas' | 'unavailable' | 'closed' | 'failed';

export class StreamsError extends Error {
  readonly code: StreamsErrorCode;
  readonly retryable: boolean;
  constructor(code: StreamsErrorCode, message: string, retryable: boolean, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

/** The consumer group (or its stream) does not exist: create it (ensureGroup) and go on. */
export class NoGroup extends StreamsError {
  constructor(message: string, cause?: unknown) {
    super('no_group', message, false, cause);
  }
}

/** The consumer group exists already (ensureGroup absorbs it; seen only by raw callers). */
export class BusyGroup extends StreamsError {
  constructor(message: string, cause?: unknown) {
    super('busy_group', message, false, cause);
  }
}

/** The key does not exist where the operation needs it to. */
export class NoStream extends StreamsError {
  constructor(message: string, cause?: unknown) {
    super('no_stream', message, false, cause);
  }
}

/** The cluster cannot serve the slot now (failover in progress, slots uncovered). */
export class ClusterDown extends StreamsError {
  constructor(message: string, cause?: unknown) {
    super('cluster_down', message, true, cause);
  }
}

/** A write reached a replica (a demoted master, a stale topology): retry once the topology is refreshed. */
export class ReadOnly extends StreamsError {
  constructor(message: string, cause?: unknown) {
    super('read_only', message, true, cause);
  }
}

/** `WAIT N` did not see N replicas acknowledge the write in time: it may be lost in a failover. */
export class NoReplicas extends StreamsError {
  constructor(message: string, cause?: unknown) {
    super('no_replicas', message, true, cause);
  }
}

/** Redis unreachable (connection refused or lost, timeout, loading). */
export class Unavailable extends StreamsError {
  constructor(message: string, cause?: unknown) {
    super('unavailable', message, true, cause);
  }
}

/** The adapter or reader was closed (a blocking read interrupted by close()). */
export class Closed extends StreamsError {
  constructor(message = 'the streams connection is closed', cause?: unknown) {
    super('closed', message, false, cause);
  }
}

/** Anything else Redis refused (a bug, a wrong type): not retryable as it is. */
export class Failed extends StreamsError {
  constructor(message: string, cause?: unknown) {
    super('failed', message, false, cause);
  }
}

export function isStreamsError(err: unknown): err is StreamsError {
  return err instanceof StreamsError;
}
