// Attaches the realtime tier to a uWS app: `/ws` and `/ws/*` routes, authentication in the upgrade handler, close
// codes for bad requests (sent after accepting the upgrade, since browsers cannot read a refused upgrade's status),
// client messages, and the stream reader feeding the hub.
import uWS from 'uWebSockets.js';
import type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, WebSocketBehavior, us_socket_context_t } from 'uWebSockets.js';
import { hasScope } from '../lib/auth/principal.js';
import { isLightwatchError } from '../lib/errors/errors.js';
import { resolveChannel } from './channels.js';
import { DEFAULT_REALTIME_CONFIG, validateRealtimeConfig } from './config.js';
import { extractCredential } from '../lib/auth/credentials.js';
import { CursorError, decodeVector, type Vector } from './cursor.js';
import { FilterError, RESERVED_PARAMS, parseFilter, type Filter } from './filter.js';
import { Hub } from './hub.js';
import { errorMessage, parseClientMessage, pongMessage, type ClientMessage } from './messages.js';
import { createRealtimeMetrics } from './metrics.js';
import { assertNativeUws } from './native.js';
import { createSessionRegistry, type Session } from './sessions.js';
import { ensureReplicaGroups, readGroupPositions, realtimeStreams } from './groups.js';
import { createConsumerLoop } from '../lib/streams/consumer.js';
import { realtimeGroup } from '../lib/streams/partition.js';
import type { StreamEntry } from '../lib/streams/port.js';
import type { Conn } from './state.js';
import type { Realtime, RealtimeDeps } from './types.js';

/** Close codes (CONTRACTS.md, "WebSocket messages"). */
export const CLOSE = {
  goingAway: 1001,
  tooBig: 1009,
  internal: 1011,
  tryAgainLater: 1013,
  badRequest: 4400,
  unauthenticated: 4401,
  forbidden: 4403,
  notFound: 4404,
} as const;

type Preflight =
  | { ok: false; code: number; reason: string }
  | { ok: true; tenant: string; subject: string; credential: string; label: string; filter?: Filter; since?: Vector };

interface UserData {
  pre: Preflight;
  conn?: Conn;
  session?: Session;
}

let hubSeq = 0;

/** A close reason fits in 123 bytes of UTF-8 (RFC 6455); cut on a character boundary. */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= 123) return text;
  let out = text.slice(0, 123);
  while (Buffer.byteLength(out) > 120) out = out.slice(0, -1);
  return `${out}...`;
}

export function attachRealtime(app: TemplatedApp, deps: RealtimeDeps): Realtime {
  assertNativeUws();
  const config = validateRealtimeConfig(deps.config);
  const clock = deps.clock ?? Date.now;
  const log = deps.logger.child({ component: 'realtime', replica: config.replicaId });
  const metrics = createRealtimeMetrics(deps.registry);
  const streams = realtimeStreams(deps.names);
  const index = new Map(streams.map((key, p) => [key, p]));
  const hub = new Hub({
    streams: deps.streams,
    keys: streams,
    logger: log,
    metrics,
    clock,
    publish: (topic, message) => void app.publish(topic, message),
    maxBufferBytes: config.maxBufferBytes,
    laggedGraceMs: config.laggedGraceMs,
    clientMessagesPerSec: config.clientMessagesPerSec,
    topicPrefix: `lw${++hubSeq}`,
  });
  // Every replica reads every stream through a group of its own, with NOACK: no pending list, clients catch
  // up by cursor instead; a restarted replica continues where its group stands.
  const reader = createConsumerLoop({
    streams: deps.streams,
    group: realtimeGroup(config.replicaId),
    consumer: config.replicaId,
    logger: log,
    count: 64,
    blockMs: 2_000,
    ack: 'none',
    lingerMs: config.readLingerMs ?? DEFAULT_REALTIME_CONFIG.readLingerMs ?? 0,
    recreateGroup: () => ensureReplicaGroups(deps.streams, deps.names, config.replicaId),
    handler: {
      streams: () => streams,
      handle: async (batch) => {
        const indexed: Array<[number, StreamEntry[]]> = [];
        for (const [key, entries] of batch) {
          const p = index.get(key);
          if (p !== undefined && entries.length > 0) indexed.push([p, entries]);
        }
        await hub.consume(indexed);
      },
      idle: () => hub.onIdle(),
      // Other tenants' entries (and metric batches of tenants with no metrics or targets subscription) come thin:
      // dispatch passes them over, and consume re-reads one whole if such a subscriber came meanwhile.
      payloadTenants: () => hub.payloadTenants(),
      batchTenants: () => hub.batchTenants(),
    },
  });
  const sessions = createSessionRegistry(deps.authenticate, (err) => log.warn({ err }, 'rechecking websocket credentials failed'));
  const unsubscribeRevocations = deps.revocations?.subscribe((subject) => {
    const n = sessions.revoke(subject);
    if (n > 0) log.info({ subject, closed: n }, 'closed websockets of a revoked credential');
  });
  let recheckTimer: NodeJS.Timeout | undefined;
  let rechecking = false;
  let starting: Promise<void> | undefined;
  let started = false;
  let closing: Promise<void> | undefined;
  let closed = false;

  const reject = (code: number, reason: string): Preflight => ({ ok: false, code, reason });

  async function preflight(url: string, params: URLSearchParams, authorization: string, xApiKey: string): Promise<Preflight> {
    const cred = extractCredential({ authorization, apiKey: xApiKey, token: params.get('token') ?? '' });
    if (!cred.ok) return reject(CLOSE.unauthenticated, cred.message);
    let principal;
    try {
      principal = await deps.authenticate(cred.credential);
    } catch (err) {
      if (isLightwatchError(err)) {
        if (err.code === 'unauthenticated') return reject(CLOSE.unauthenticated, err.message);
        if (err.code === 'forbidden') return reject(CLOSE.forbidden, err.message);
        if (err.retryable) return reject(CLOSE.tryAgainLater, 'authentication is unavailable; try again later');
      }
      log.error({ err }, 'authentication failed unexpectedly');
      return reject(CLOSE.internal, 'authentication failed');
    }
    if (!hasScope(principal, 'read')) return reject(CLOSE.forbidden, "credential lacks the 'read' scope");
    const base = { ok: true as const, tenant: principal.tenant, subject: principal.subject, credential: cred.credential };
    const filterParams: Array<[string, string]> = [];
    for (const [k, v] of params) if (!RESERVED_PARAMS.has(k)) filterParams.push([k, v]);
    const since = params.get('since');
    if (url === '/ws' || url === '/ws/') {
      if (filterParams.length > 0 || since !== null) {
        return reject(CLOSE.badRequest, '/ws takes filters and since in subscribe messages, not in the query');
      }
      return { ...base, label: 'multi' };
    }
    const ref = resolveChannel(url.slice('/ws/'.length), true);
    if (!ref.ok) return reject(CLOSE.notFound, ref.message);
    let filter: Filter;
    try {
      filter = parseFilter(ref.channel, filterParams, ref.target);
    } catch (err) {
      if (err instanceof FilterError) return reject(CLOSE.badRequest, err.message);
      throw err;
    }
    if (since === null) return { ...base, label: ref.channel, filter };
    try {
      return { ...base, label: ref.channel, filter, since: decodeVector(since, streams.length) };
    } catch (err) {
      if (err instanceof CursorError) return reject(CLOSE.badRequest, `bad since cursor: ${err.message}`);
      throw err;
    }
  }

  function upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    // The request lives only until this function returns: read everything first.
    const url = req.getUrl();
    const query = req.getQuery() ?? '';
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const authorization = req.getHeader('authorization');
    const xApiKey = req.getHeader('x-api-key');
    if (closed) {
      res.writeStatus('503 Service Unavailable').end('realtime is shutting down');
      return;
    }
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    preflight(url, new URLSearchParams(query), authorization, xApiKey)
      .catch((err: unknown): Preflight => {
        log.error({ err }, 'websocket upgrade failed');
        return reject(CLOSE.internal, 'internal error');
      })
      .then((pre) => {
        if (aborted) return;
        res.cork(() => res.upgrade<UserData>({ pre }, key, protocol, extensions, context));
      })
      .catch((err: unknown) => log.error({ err }, 'websocket upgrade failed'));
  }

  function open(ws: WebSocket<UserData>): void {
    const ud = ws.getUserData();
    const pre = ud.pre;
    const refuse = (code: number, reason: string): void => {
      metrics.rejected.inc({ code: String(code) });
      ws.end(code, closeReason(reason));
    };
    if (!pre.ok) return refuse(pre.code, pre.reason);
    if (closed) return refuse(CLOSE.goingAway, 'server shutting down');
    // 1013 "try again later": the client may retry, ideally against another replica.
    if (hub.connectionCount() >= config.maxConnections) return refuse(CLOSE.tryAgainLater, 'server is at its connection limit; try again later');
    if (hub.tenantConnectionCount(pre.tenant) >= config.maxConnectionsPerTenant) {
      return refuse(CLOSE.tryAgainLater, 'too many connections for this tenant on this server; try again later');
    }
    const conn = hub.openConn(ws, pre.tenant, pre.label);
    ud.conn = conn;
    ud.session = { credential: pre.credential, subject: pre.subject, end: (reason) => void (conn.closed || ws.end(CLOSE.unauthenticated, reason)) };
    sessions.add(ud.session);
    if (pre.filter) hub.subscribe(conn, pre.filter, pre.since);
  }

  function reply(conn: Conn, text: string): void {
    if (!conn.closed) conn.ws.send(text);
  }

  /** Resolves a subscribe/unsubscribe message's channel and filter, or answers with an error and returns undefined. */
  function resolveSubscription(conn: Conn, m: Extract<ClientMessage, { type: 'subscribe' | 'unsubscribe' }>): Filter | undefined {
    let name = m.channel.replace(/^\/?ws\//, '');
    let pairs = m.filter;
    if (name === 'targets') {
      const t = pairs.find(([k]) => k === 'target');
      if (t) {
        name = `targets/${t[1]}`;
        pairs = pairs.filter(([k]) => k !== 'target');
      }
    }
    const ref = resolveChannel(name, false);
    if (!ref.ok) {
      reply(conn, errorMessage(ref.message, 'unknown_channel', m.id));
      return undefined;
    }
    try {
      return parseFilter(ref.channel, pairs, ref.target);
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      reply(conn, errorMessage(err.message, 'bad_filter', m.id));
      return undefined;
    }
  }

  function onClientMessage(conn: Conn, m: ClientMessage): void {
    switch (m.type) {
      case 'ping':
        reply(conn, pongMessage(m.id));
        return;
      case 'subscribe': {
        const filter = resolveSubscription(conn, m);
        if (!filter) return;
        let since: Vector | undefined;
        if (m.since !== undefined) {
          try {
            since = decodeVector(m.since, streams.length);
          } catch (err) {
            if (!(err instanceof CursorError)) throw err;
            reply(conn, errorMessage(`bad since cursor: ${err.message}`, 'bad_cursor', m.id));
            return;
          }
        }
        const r = hub.subscribe(conn, filter, since);
        if (typeof r === 'string') reply(conn, errorMessage(r, 'bad_request', m.id));
        return;
      }
      case 'unsubscribe': {
        const filter = resolveSubscription(conn, m);
        if (filter && !hub.unsubscribe(conn, filter)) reply(conn, errorMessage('not subscribed to this channel with this filter', 'not_subscribed', m.id));
        return;
      }
    }
  }

  function message(ws: WebSocket<UserData>, data: ArrayBuffer, isBinary: boolean): void {
    const conn = ws.getUserData().conn;
    if (!conn || conn.closed) return;
    if (data.byteLength > config.maxClientMessageBytes) {
      ws.end(CLOSE.tooBig, closeReason(`message of ${data.byteLength} bytes is over the limit of ${config.maxClientMessageBytes}`));
      return;
    }
    if (!conn.bucket.tryTake()) {
      metrics.messagesDropped.inc();
      const now = clock();
      if (now - conn.lastRateError >= 1000) {
        conn.lastRateError = now;
        reply(conn, errorMessage(`too many messages: at most ${config.clientMessagesPerSec} per second; this one was dropped`, 'rate_limited'));
      }
      return;
    }
    if (isBinary) {
      reply(conn, errorMessage('send JSON text messages, not binary ones', 'bad_message'));
      return;
    }
    const parsed = parseClientMessage(Buffer.from(data).toString('utf8'));
    if (!parsed.ok) {
      reply(conn, errorMessage(parsed.message, 'bad_message', parsed.id));
      return;
    }
    onClientMessage(conn, parsed.message);
  }

  const behavior: WebSocketBehavior<UserData> = {
    compression: uWS.DISABLED,
    // uWS drops larger frames without a close frame (1006); below this limit we close with 1009 ourselves.
    maxPayloadLength: Math.max(64 * 1024, config.maxClientMessageBytes * 4),
    idleTimeout: config.idleTimeoutSec,
    sendPingsAutomatically: true,
    // 0 = uWS never drops silently; the hub enforces maxBufferBytes itself, with `lagged` and resume.
    maxBackpressure: 0,
    upgrade,
    open,
    message,
    drain: (ws) => {
      const conn = ws.getUserData().conn;
      if (conn) hub.onDrain(conn);
    },
    close: (ws) => {
      const ud = ws.getUserData();
      if (ud.session) sessions.remove(ud.session);
      if (ud.conn) hub.closeConn(ud.conn);
    },
  };
  app.ws<UserData>('/ws', behavior);
  app.ws<UserData>('/ws/*', behavior);

  return {
    start() {
      if (closed) return Promise.reject(new Error('realtime is closed'));
      starting ??= (async () => {
        await ensureReplicaGroups(deps.streams, deps.names, config.replicaId);
        const positions = await readGroupPositions(deps.streams, deps.names, config.replicaId);
        hub.live.copyFrom(positions);
        reader.start();
        hub.startTimers();
        recheckTimer = setInterval(() => {
          if (rechecking) return;
          rechecking = true;
          sessions.recheck().finally(() => (rechecking = false)).catch(() => undefined);
        }, deps.authRecheckMs ?? 5_000);
        recheckTimer.unref();
        started = true;
        log.info({ streams: streams.length }, 'realtime reading');
      })();
      return starting;
    },
    ready: () => started && !closed && reader.healthy(),
    connections: () => hub.connectionCount(),
    close() {
      closing ??= (async () => {
        closed = true;
        hub.stopTimers();
        clearInterval(recheckTimer);
        unsubscribeRevocations?.();
        for (const c of hub.allConnections()) if (!c.closed) c.ws.end(CLOSE.goingAway, 'server shutting down');
        await starting?.catch(() => undefined);
        await reader.close();
      })();
      return closing;
    },
  };
}
