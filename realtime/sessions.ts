// Ends WebSocket sessions whose credential no longer holds: at once when a revocation signal names their
// subject (a revoked key, a deleted user), and by re-authenticating every open session's credential
// periodically as the safety net (a lost signal, a token that expired while the socket stayed open). Each
// distinct credential is checked once per round, whatever the number of sockets it opened.
import { isLightwatchError } from '../lib/errors/errors.js';
import type { Authenticate } from '../lib/auth/principal.js';

export interface Session {
  credential: string;
  subject: string;
  /** Closes the socket (4401); called at most once. */
  end(reason: string): void;
}

export interface SessionRegistry {
  add(session: Session): void;
  remove(session: Session): void;
  /** Ends every session of `subject` (a revocation signal). */
  revoke(subject: string): number;
  /** Re-authenticates every distinct credential; ends the sessions of those refused. */
  recheck(): Promise<number>;
  size(): number;
}

export function createSessionRegistry(authenticate: Authenticate, onError: (err: unknown) => void): SessionRegistry {
  const sessions = new Set<Session>();
  const endAll = (match: (s: Session) => boolean, reason: string): number => {
    let n = 0;
    for (const s of [...sessions]) {
      if (!match(s)) continue;
      sessions.delete(s);
      s.end(reason);
      n++;
    }
    return n;
  };
  return {
    add: (s) => void sessions.add(s),
    remove: (s) => void sessions.delete(s),
    size: () => sessions.size,
    revoke: (subject) => endAll((s) => s.subject === subject, 'credential revoked'),
    async recheck() {
      const refused = new Set<string>();
      for (const credential of new Set([...sessions].map((s) => s.credential))) {
        try {
          await authenticate(credential);
        } catch (err) {
          if (isLightwatchError(err) && err.code === 'unauthenticated') refused.add(credential);
          else onError(err); // store unreachable: keep the sessions, check again next round
        }
      }
      return refused.size === 0 ? 0 : endAll((s) => refused.has(s.credential), 'credential no longer valid');
    },
  };
}
