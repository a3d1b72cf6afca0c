// The one place where Redis and ioredis failures are recognised (by reply prefix, error code or class) and turned
// into the streams port's typed errors. Everything above the adapter branches on those classes.
import { BusyGroup, ClusterDown, Failed, NoGroup, NoReplicas, NoStream, ReadOnly, StreamsError, Unavailable } from '../errors.js';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Maps any failure of a Redis call to a StreamsError (an existing one is returned as it is). */
export function mapRedisError(err: unknown, what: string): StreamsError {
  if (err instanceof StreamsError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const msg = e.message;
  const code = (e as { code?: unknown }).code;
  const text = `${what}: ${msg}`;
  if (msg.startsWith('NOGROUP')) return new NoGroup(text, e);
  if (msg.startsWith('BUSYGROUP')) return new BusyGroup(text, e);
  if (msg.startsWith('CLUSTERDOWN') || msg.startsWith('TRYAGAIN') || msg.startsWith('MASTERDOWN') || /refresh slots cache|None of startup nodes|Cluster isn't ready/i.test(msg)) {
    return new ClusterDown(text, e);
  }
  if (msg.startsWith('READONLY') || msg.startsWith('MOVED') || msg.startsWith('ASK')) return new ReadOnly(text, e);
  if (msg.startsWith('NOREPLICAS')) return new NoReplicas(text, e);
  if (/^ERR no such key|requires the key to exist/i.test(msg)) return new NoStream(text, e);
  if (msg.startsWith('LOADING') || (typeof code === 'string' && CONNECTION_CODES.has(code)) || e.name === 'MaxRetriesPerRequestError') {
    return new Unavailable(text, e);
  }
  if (/Connection is closed|Stream isn't writeable|connect ETIMEDOUT|Command timed out|Reached the max retries|write EPIPE|Socket closed/i.test(msg)) {
    return new Unavailable(text, e);
  }
  return new Failed(text, e);
}

/** Redis does not have the script of an EVALSHA (restarted, or its script cache flushed): send its text instead. */
export function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}
