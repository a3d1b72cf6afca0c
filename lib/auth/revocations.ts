// Revocation signals: when a key is revoked or a user deleted, every process that caches credentials or holds
// sessions opened with them hears of it at once (the authenticators drop their caches, realtime closes the
// WebSockets of that subject). In one process this bus is enough; bridgeRevocations (revocations-redis.ts)
// carries the signals between processes over Redis pub/sub. Periodic rechecks stay as the safety net for a
// lost signal. Subjects are `key:<id>` and `user:<id>` (Principal.subject).

export type RevocationListener = (subject: string) => void;

export interface Revocations {
  /** Announces that `subject`'s credentials no longer hold: here and, when bridged, in every process. */
  publish(subject: string): void;
  /** Hears every revocation (local or from another process); returns the unsubscribe function. */
  subscribe(listener: RevocationListener): () => void;
}

export interface RevocationBus extends Revocations {
  /** Hands a signal that came from elsewhere to the local listeners only. */
  deliver(subject: string): void;
  /** Also sends every locally published signal through `send` (another process's bus). */
  forward(send: RevocationListener): void;
}

export function createRevocationBus(onListenerError: (err: unknown) => void = () => undefined): RevocationBus {
  const listeners = new Set<RevocationListener>();
  const outbound: RevocationListener[] = [];
  const deliver = (subject: string): void => {
    for (const l of listeners) {
      try {
        l(subject);
      } catch (err) {
        onListenerError(err);
      }
    }
  };
  return {
    publish(subject) {
      deliver(subject);
      for (const send of outbound) send(subject);
    },
    deliver,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    forward(send) {
      outbound.push(send);
    },
  };
}
