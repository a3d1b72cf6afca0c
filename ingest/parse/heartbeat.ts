// Cron-job pings in the style of Healthchecks.io: `GET|POST /ingest/heartbeat/{target}[/start|/fail|/log|/{exit}][?rid=]`.
// One ping is one heartbeat event; a POST body (the job's output) is kept as its log, up to 10 KB. Pure.
import type { DraftEvent } from '../../lib/events/event.js';
import { badRequest } from '../../lib/errors/errors.js';
import { HEARTBEAT_LOG_MAX_BYTES } from './native.js';
import type { ParsedItem } from './values.js';

export interface HeartbeatPing {
  target: string;
  /** '' | 'start' | 'fail' | an exit status 0-255. */
  suffix: string;
  method: string;
  body: Buffer;
  /** Run id (`?rid=`) pairing a start with its finish. */
  rid?: string;
  /** A message to keep as the log when the body has none (Kuma's msg). */
  message?: string;
  /** Latency the job reported (Kuma's ping), ms. */
  latencyMs?: number;
}

const RID = /^[A-Za-z0-9_-]{1,64}$/;

/** The ping as one parsed item (index 0); flags `log_truncated` when the body was longer than 10 KB. */
export function parseHeartbeatPing(ping: HeartbeatPing): ParsedItem {
  const target = ping.target.trim();
  if (target === '') throw badRequest('heartbeat target is missing: ping /ingest/heartbeat/{target}', [{ at: 'target', message: 'required' }], 'bad_heartbeat');
  const suffix = ping.suffix.trim().toLowerCase();
  let body: Extract<DraftEvent, { kind: 'heartbeat' }>['body'];
  if (suffix === '' || suffix === 'ok') body = { status: 'ok' };
  else if (suffix === 'start') body = { status: 'start' };
  else if (suffix === 'fail') body = { status: 'fail' };
  else if (suffix === 'log') body = { status: 'log' };
  else if (/^\d{1,3}$/.test(suffix) && Number(suffix) <= 255) {
    const exitStatus = Number(suffix);
    body = { status: exitStatus === 0 ? 'ok' : 'fail', exitStatus };
  } else {
    throw badRequest(
      `unknown heartbeat suffix "${ping.suffix.slice(0, 40)}": use /start, /fail, /log, or an exit status 0-255`,
      [{ at: 'suffix', message: 'start | fail | log | 0-255' }],
      'bad_heartbeat',
    );
  }
  let truncated = false;
  if (ping.method.toUpperCase() !== 'GET' && ping.body.length > 0) {
    let end = ping.body.length;
    if (end > HEARTBEAT_LOG_MAX_BYTES) {
      truncated = true;
      end = HEARTBEAT_LOG_MAX_BYTES;
      // Back up to a character boundary rather than leave half a UTF-8 sequence.
      while (end > 0 && ((ping.body[end] as number) & 0xc0) === 0x80) end--;
    }
    // A job's output may be in any encoding: invalid bytes become U+FFFD rather than failing the ping.
    body.log = ping.body.toString('utf8', 0, end);
  }
  if (ping.rid !== undefined && ping.rid !== '') {
    if (!RID.test(ping.rid)) throw badRequest('rid must be 1-64 letters, digits, _ or - (a UUID fits)', [{ at: 'rid', message: 'invalid run id' }], 'bad_heartbeat');
    body.rid = ping.rid;
  }
  if (body.log === undefined && ping.message !== undefined && ping.message !== '') body.log = ping.message.slice(0, HEARTBEAT_LOG_MAX_BYTES);
  if (ping.latencyMs !== undefined) body.latencyMs = ping.latencyMs;
  const draft: DraftEvent = { kind: 'heartbeat', target, body };
  return truncated ? { index: 0, draft, flags: ['log_truncated'] } : { index: 0, draft };
}
