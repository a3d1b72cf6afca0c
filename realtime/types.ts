// The realtime tier's public contract: what the process wiring passes in and what it gets back.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Authenticate } from '../lib/auth/principal.js';
import type { Revocations } from '../lib/auth/revocations.js';
import type { StreamNames } from '../lib/streams/partition.js';
import type { Streams } from '../lib/streams/port.js';

export interface RealtimeConfig {
  /** Names this replica's consumer group (`realtime:<replicaId>`); stable across restarts so a restart continues. */
  replicaId: string;
  /** Per-connection bound on bytes buffered by uWS; a client over it gets `lagged` and stops receiving. */
  maxBufferBytes: number;
  /** A lagged client that has not drained within this time is closed with 1013. */
  laggedGraceMs: number;
  /** Connections this replica holds at most; more are closed with 1013. */
  maxConnections: number;
  /** Connections one tenant holds at most on this replica; more are closed with 1013. */
  maxConnectionsPerTenant: number;
  /** Largest client message; larger ones close the connection with 1009. */
  maxClientMessageBytes: number;
  /** Client messages per second per connection; excess ones are dropped with an error message. */
  clientMessagesPerSec: number;
  /** Seconds without traffic before uWS closes a connection (pings are sent automatically before that). */
  idleTimeoutSec: number;
  /**
   * While the streams keep bringing entries, the next read comes this many ms after the last one returned (the
   * consumer loop's lingerMs), so each read brings what arrived meanwhile instead of a request's worth: events
   * reach clients up to this much later under load. Default DEFAULT_REALTIME_CONFIG's (25); 0: off.
   */
  readLingerMs?: number;
}

export interface RealtimeDeps {
  /** Replay reads, consumer groups, and the blocking reader (connections of its own). */
  streams: Streams;
  names: StreamNames;
  /** Credential → Principal, or throws LightwatchError `unauthenticated`. */
  authenticate: Authenticate;
  logger: Logger;
  registry: Registry;
  config: RealtimeConfig;
  /** Epoch ms; injected so tests drive rate limits and grace periods. */
  clock?: () => number;
  /** Revocation signals: sessions of a revoked key or deleted user are closed (4401) at once. */
  revocations?: Pick<Revocations, 'subscribe'>;
  /** How often open sessions' credentials are checked again (the safety net for a lost signal); default 5000 ms. */
  authRecheckMs?: number;
}

export interface Realtime {
  /** Creates or joins this replica's consumer groups and starts reading; idempotent. */
  start(): Promise<void>;
  /** Readiness: started, not closing, and the stream reader is healthy. */
  ready(): boolean;
  /** Stops accepting, closes clients with 1001, stops reading; deletes nothing (a restart continues). Idempotent. */
  close(): Promise<void>;
  /** Current number of open WebSocket connections. */
  connections(): number;
}
