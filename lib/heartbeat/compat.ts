// The ping URLs of Healthchecks.io and Uptime Kuma, so existing cron lines and scripts keep working after a
// base-URL change: `/ping/{uuid}[/start|/fail|/log|/{exit}]`, `/ping/{ping-key}/{slug}[/…]` and
// `/api/push/{token}?status=up|down&msg=&ping=`. The URL's secret (uuid, ping key, push token) is the only
// credential and names one target's pings: it gives no API access. Pure: turns a request into the ping it
// means, and an outcome into the answer each tool gives (Healthchecks: text "OK", "not found", …; Kuma:
// `{"ok":true}` / `{"ok":false,"msg":…}`).

/** Which target a compat URL names. Travels to the ingest service in PushRequest.target (endpoint `ping`). */
export type PingRef = { by: 'uuid'; uuid: string } | { by: 'slug'; pingKey: string; slug: string } | { by: 'push'; token: string };

/** What the ping says about the run, in the terms of the native heartbeat endpoint. */
export interface CompatPing {
  ref: PingRef;
  /** '' | start | fail | log | an exit status 0-255, as `/ingest/heartbeat/{target}/{suffix}`. */
  suffix: string;
  rid?: string;
  /** Kuma's msg: kept as the ping's log. */
  log?: string;
  /** Kuma's ping: the latency the job measured, ms. */
  latencyMs?: number;
  /** Healthchecks' `?create=1` on a slug URL. */
  create: boolean;
}

export type CompatFlavor = 'healthchecks' | 'kuma';

/** A compat request refused before any lookup, with the tool's own wording. */
export class CompatError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z0-9_-]{1,100}$/;
const PING_KEY = /^[A-Za-z0-9_-]{8,64}$/;
const SUFFIXES = new Set(['start', 'fail', 'log']);
/** Kuma refuses pings outside this range (ms). */
const KUMA_MAX_PING = 100_000_000_000;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

function suffixOf(s: string): string | null {
  if (SUFFIXES.has(s)) return s;
  if (/^\d{1,3}$/.test(s) && Number(s) <= 255) return String(Number(s));
  return null;
}

/**
 * A Healthchecks URL below `/ping/` (already split on `/`, percent-decoded) with its query. Throws CompatError
 * with Healthchecks' answer for URLs it would refuse: an exit status over 255 ("invalid url format"), a
 * malformed rid ("invalid uuid format"), anything else not one of its shapes ("not found").
 */
export function parseHealthchecksPing(segments: readonly string[], query: Record<string, string | undefined>): CompatPing {
  const [first = '', second, third, ...rest] = segments;
  if (rest.length > 0 || first === '') throw new CompatError(404, 'not found');
  let ref: PingRef;
  let suffix = '';
  let tail: string | undefined;
  if (isUuid(first)) {
    ref = { by: 'uuid', uuid: first.toLowerCase() };
    if (third !== undefined) throw new CompatError(404, 'not found');
    tail = second;
  } else {
    if (second === undefined || !PING_KEY.test(first) || !SLUG.test(second)) throw new CompatError(404, 'not found');
    ref = { by: 'slug', pingKey: first, slug: second };
    tail = third;
  }
  if (tail !== undefined && tail !== '') {
    const s = suffixOf(tail);
    if (s === null) throw new CompatError(/^\d+$/.test(tail) ? 400 : 404, /^\d+$/.test(tail) ? 'invalid url format' : 'not found');
    suffix = s;
  }
  const ping: CompatPing = { ref, suffix, create: ref.by === 'slug' && query.create === '1' };
  const rid = query.rid;
  if (rid !== undefined && rid !== '') {
    if (!UUID.test(rid)) throw new CompatError(400, 'invalid uuid format');
    ping.rid = rid.toLowerCase();
  }
  return ping;
}

/**
 * Kuma's `/api/push/{token}?status=up|down&msg=&ping=`: status defaults to up (anything else is down), msg to
 * "OK"; a ping outside 0-100000000000 ms is refused as Kuma refuses it.
 */
export function parseKumaPush(token: string, query: Record<string, string | undefined>): CompatPing {
  if (token === '' || token.length > 256) throw new CompatError(404, 'Monitor not found or not active.');
  const status = query.status ?? 'up';
  const ping: CompatPing = { ref: { by: 'push', token }, suffix: status === 'up' ? '' : 'fail', log: query.msg || 'OK', create: false };
  const raw = query.ping;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || n > KUMA_MAX_PING) throw new CompatError(400, 'Invalid ping value. Must be between 0 and 100000000000 ms.');
    ping.latencyMs = n;
  }
  return ping;
}

/** PingRef as one string (PushRequest.target of endpoint `ping`) and back. */
export function encodePingRef(ref: PingRef): string {
  switch (ref.by) {
    case 'uuid':
      return `uuid:${ref.uuid}`;
    case 'slug':
      return `slug:${ref.pingKey}/${ref.slug}`;
    case 'push':
      return `push:${ref.token}`;
  }
}

export function decodePingRef(s: string): PingRef | null {
  const colon = s.indexOf(':');
  const by = s.slice(0, colon);
  const rest = s.slice(colon + 1);
  if (colon < 0 || rest === '') return null;
  if (by === 'uuid') return isUuid(rest) ? { by, uuid: rest.toLowerCase() } : null;
  if (by === 'push') return { by, token: rest };
  if (by === 'slug') {
    const slash = rest.indexOf('/');
    return slash > 0 ? { by, pingKey: rest.slice(0, slash), slug: rest.slice(slash + 1) } : null;
  }
  return null;
}

export interface CompatAnswer {
  status: number;
  body: string;
  contentType: string;
}

/** A stored ping, as the tool answers it (Healthchecks: "Created" 201 when `?create=1` made the check). */
export function compatSuccess(flavor: CompatFlavor, created: boolean): CompatAnswer {
  if (flavor === 'kuma') return { status: 200, body: '{"ok":true}', contentType: 'application/json; charset=utf-8' };
  return created ? { status: 201, body: 'Created', contentType: 'text/plain; charset=utf-8' } : { status: 200, body: 'OK', contentType: 'text/plain; charset=utf-8' };
}

/** A refused ping: Healthchecks' short texts, Kuma's `{"ok":false,"msg":…}` (404 for an unknown token). */
export function compatFailure(flavor: CompatFlavor, status: number, message: string): CompatAnswer {
  if (flavor === 'kuma') {
    const msg = status === 404 ? 'Monitor not found or not active.' : message;
    return { status, body: JSON.stringify({ ok: false, msg }), contentType: 'application/json; charset=utf-8' };
  }
  const text = status === 404 ? 'not found' : status === 409 ? 'ambiguous slug' : status === 429 ? 'rate limited' : message;
  return { status, body: text, contentType: 'text/plain; charset=utf-8' };
}
