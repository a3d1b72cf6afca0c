// HTTP access log lines in the NCSA common and combined formats, as nginx and Apache write them by default
// (`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "referer" "agent"`),
// Apache's vhost_combined (`host:port` first), and trailing extra fields. Hand-written scanner. Pure.
import type { JsonValue, LogLevel } from '../../../lib/events/event.js';
import { monthIndex } from '../../normalize/time.js';
import type { LineParse } from './syslog.js';

/** `10/Oct/2000:13:55:36 -0700` → epoch ms, or null. */
export function parseClfTime(s: string): number | null {
  if (s.length !== 26 || s.charCodeAt(2) !== 47 || s.charCodeAt(6) !== 47 || s.charCodeAt(11) !== 58 || s.charCodeAt(20) !== 32) return null;
  const day = num(s, 0, 2);
  const month = monthIndex(s.slice(3, 6));
  const year = num(s, 7, 4);
  const h = num(s, 12, 2);
  const m = num(s, 15, 2);
  const sec = num(s, 18, 2);
  const sign = s.charCodeAt(21);
  const oh = num(s, 22, 2);
  const om = num(s, 24, 2);
  if (day < 1 || day > 31 || month < 0 || year < 0 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60 || oh < 0 || om < 0 || (sign !== 43 && sign !== 45)) return null;
  const offset = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  return Date.UTC(year, month, day, h, m, Math.min(sec, 59)) - offset * 60_000;
}

function num(s: string, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** A `"..."` field at `i` (backslash escapes kept verbatim, as servers write them): [content, index after]. */
function quoted(line: string, i: number): [string, number] | null {
  if (line.charCodeAt(i) !== 34) return null;
  let j = i + 1;
  for (;;) {
    const q = line.indexOf('"', j);
    if (q === -1) return null;
    let k = q - 1;
    while (k > i && line.charCodeAt(k) === 92) k--;
    if ((q - 1 - k) % 2 === 0) return [line.slice(i + 1, q), q + 1];
    j = q + 1;
  }
}

export function levelFromStatus(status: number): LogLevel {
  if (status >= 500) return 'error';
  if (status >= 400) return 'warn';
  return 'info';
}

/** Common or combined log format, or null when the line is neither. */
export function parseAccessLog(line: string): LineParse | null {
  const bracket = line.indexOf(' [');
  if (bracket <= 0 || bracket > 512) return null;
  const head = line.slice(0, bracket).split(' ');
  if (head.length !== 3 && head.length !== 4) return null;
  const close = line.indexOf('] ', bracket + 2);
  if (close === -1) return null;
  const ts = parseClfTime(line.slice(bracket + 2, close));
  if (ts === null) return null;
  const req = quoted(line, close + 2);
  if (!req) return null;
  let i = req[1];
  if (line.charCodeAt(i) !== 32) return null;
  const status = num(line, i + 1, 3);
  if (status < 100 || (line.charCodeAt(i + 4) !== 32 && i + 4 < line.length)) return null;
  i += 4;
  let bytes: number | undefined;
  if (i < line.length) {
    i++;
    let end = line.indexOf(' ', i);
    if (end === -1) end = line.length;
    const b = line.slice(i, end);
    if (b !== '-') {
      const n = b.length > 0 && b.length <= 15 ? num(b, 0, b.length) : -1;
      if (n < 0) return null;
      bytes = n;
    }
    i = end;
  }
  const fields: Record<string, JsonValue> = {};
  const [first, second, third, fourth] = head as [string, string, string, string | undefined];
  let remote = first;
  let ident = second;
  let user = third;
  if (fourth !== undefined) {
    fields.vhost = first;
    remote = second;
    ident = third;
    user = fourth;
  }
  fields.remote_addr = remote;
  if (ident !== '-') fields.ident = ident;
  if (user !== '-') fields.remote_user = user;
  const request = req[0];
  const sp1 = request.indexOf(' ');
  const sp2 = sp1 === -1 ? -1 : request.indexOf(' ', sp1 + 1);
  if (sp1 > 0 && sp2 > sp1 && request.startsWith('HTTP/', sp2 + 1)) {
    fields.method = request.slice(0, sp1);
    fields.path = request.slice(sp1 + 1, sp2);
    fields.protocol = request.slice(sp2 + 1);
  } else {
    fields.request = request;
  }
  fields.status = status;
  if (bytes !== undefined) fields.bytes = bytes;
  let format = 'clf';
  if (line.charCodeAt(i) === 32 && line.charCodeAt(i + 1) === 34) {
    const referer = quoted(line, i + 1);
    if (referer && line.charCodeAt(referer[1]) === 32) {
      const agent = quoted(line, referer[1] + 1);
      if (agent) {
        if (referer[0] !== '-') fields.referer = referer[0];
        if (agent[0] !== '-') fields.user_agent = agent[0];
        format = 'combined';
        i = agent[1];
      }
    }
  }
  if (i < line.length) {
    const extra = line.slice(i).trim();
    if (extra !== '') fields.extra = extra;
  }
  return { ts, level: levelFromStatus(status), message: line, fields, format };
}
