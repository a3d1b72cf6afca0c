// Syslog lines: RFC 5424 (`<165>1 2003-10-11T22:14:15.003Z host app 123 ID47 [sd] msg`) and RFC 3164 /
// BSD syslog as daemons send it (`<34>Oct 11 22:14:15 mymachine su: ...`) and as files hold it
// (`Jan  5 10:00:01 host sshd[123]: ...`, or rsyslog's ISO-timestamped file format). Hand-written scanners,
// linear in the line, no regular expressions. Pure.
import type { JsonValue, LogLevel } from '../../../lib/events/event.js';
import { monthIndex, parseIsoDate } from '../../normalize/time.js';
import { levelAtStart, levelFromSyslogSeverity } from '../levels.js';

export interface LineParse {
  ts?: number | string;
  target?: string;
  level: LogLevel;
  message: string;
  fields: Record<string, JsonValue>;
  labels?: Record<string, string>;
  format: string;
}

export const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

/** `<PRI>` at the start: the value (0-191) and where the rest begins, or null. */
function readPri(line: string): { pri: number; end: number } | null {
  if (line.charCodeAt(0) !== 60 /* < */) return null;
  let pri = 0;
  let i = 1;
  for (; i < 5; i++) {
    const c = line.charCodeAt(i);
    if (c === 62 /* > */) break;
    if (!(c >= 48 && c <= 57)) return null;
    pri = pri * 10 + (c - 48);
  }
  if (i === 1 || line.charCodeAt(i) !== 62 || pri > 191) return null;
  return { pri, end: i + 1 };
}

function priFields(pri: number, fields: Record<string, JsonValue>): LogLevel {
  fields.facility = FACILITIES[pri >> 3] ?? String(pri >> 3);
  fields.severity = pri & 7;
  return levelFromSyslogSeverity(pri & 7);
}

/** Next space-delimited token from `i`: [token, index after the single following space]; token '' at the end. */
function token(line: string, i: number): [string, number] {
  const end = line.indexOf(' ', i);
  if (end === -1) return [line.slice(i), line.length];
  return [line.slice(i, end), end + 1];
}

const nil = (s: string): string | undefined => (s === '-' || s === '' ? undefined : s);

/** RFC 5424, or null when the line is not in that format. */
export function parseRfc5424(line: string): LineParse | null {
  const p = readPri(line);
  if (!p) return null;
  let i = p.end;
  // VERSION: 1-2 digits, then a space.
  const v0 = line.charCodeAt(i);
  if (!(v0 >= 49 && v0 <= 57)) return null;
  i++;
  if (line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
  if (line.charCodeAt(i) !== 32) return null;
  i++;
  const fields: Record<string, JsonValue> = {};
  const level = priFields(p.pri, fields);
  let ts: string | undefined;
  let tok: string;
  [tok, i] = token(line, i);
  if (tok !== '-') {
    if (parseIsoDate(tok) === null) return null;
    ts = tok;
  }
  const parts: (string | undefined)[] = [];
  for (let k = 0; k < 4; k++) {
    if (i >= line.length && k < 3) return null;
    [tok, i] = token(line, i);
    parts.push(nil(tok));
  }
  const [hostname, app, procid, msgid] = parts;
  if (hostname) fields.hostname = hostname;
  if (app) fields.appname = app;
  if (procid) fields.procid = procid;
  if (msgid) fields.msgid = msgid;
  let message = '';
  if (i < line.length) {
    if (line.charCodeAt(i) === 45 /* - */) {
      i++;
    } else if (line.charCodeAt(i) === 91 /* [ */) {
      const sd = readStructuredData(line, i);
      if (!sd) return null;
      fields.structuredData = sd.data;
      i = sd.end;
    } else {
      return null;
    }
    if (i < line.length) {
      if (line.charCodeAt(i) !== 32) return null;
      message = line.slice(i + 1);
      if (message.charCodeAt(0) === 0xfeff) message = message.slice(1);
    }
  }
  const out: LineParse = { level, message, fields, format: 'rfc5424' };
  if (ts !== undefined) out.ts = ts;
  const target = hostname ?? app;
  if (target !== undefined) out.target = target;
  if (app !== undefined) out.labels = { app };
  return out;
}

/** `[id k="v" ...][id2 ...]`: the elements as {id: {k: v}} and the index after the last `]`. */
function readStructuredData(line: string, i: number): { data: Record<string, Record<string, string>>; end: number } | null {
  const data: Record<string, Record<string, string>> = {};
  const n = line.length;
  while (i < n && line.charCodeAt(i) === 91) {
    i++;
    let start = i;
    while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 93) i++;
    const id = line.slice(start, i);
    if (id === '' || id === '__proto__') return null;
    const params: Record<string, string> = data[id] ?? {};
    data[id] = params;
    while (i < n && line.charCodeAt(i) === 32) {
      i++;
      start = i;
      while (i < n && line.charCodeAt(i) !== 61 /* = */ && line.charCodeAt(i) !== 93) i++;
      const name = line.slice(start, i);
      if (line.charCodeAt(i) !== 61 || line.charCodeAt(i + 1) !== 34 || name === '' || name === '__proto__') return null;
      i += 2;
      let value = '';
      let chunk = i;
      for (;;) {
        if (i >= n) return null;
        const c = line.charCodeAt(i);
        if (c === 92 /* \ */) {
          const e = line.charCodeAt(i + 1);
          if (e === 34 || e === 92 || e === 93) {
            value += line.slice(chunk, i);
            chunk = i + 1;
            i += 2;
            continue;
          }
        } else if (c === 34) {
          break;
        }
        i++;
      }
      value += line.slice(chunk, i);
      params[name] = value;
      i++;
    }
    if (line.charCodeAt(i) !== 93) return null;
    i++;
  }
  return { data, end: i };
}

/**
 * `Mmm dd hh:mm:ss` (day space-padded or not) at `i`: epoch ms in UTC, with the year that puts it no
 * more than a day after `now` (RFC 3164 carries no year), and the index after it. Null otherwise.
 */
export function readBsdTimestamp(line: string, i: number, now: number): { ms: number; end: number } | null {
  const month = monthIndex(line.slice(i, i + 3));
  if (month < 0 || line.charCodeAt(i + 3) !== 32) return null;
  let j = i + 4;
  if (line.charCodeAt(j) === 32) j++;
  const d0 = line.charCodeAt(j) - 48;
  if (!(d0 >= 0 && d0 <= 9)) return null;
  let day = d0;
  j++;
  const d1 = line.charCodeAt(j) - 48;
  if (d1 >= 0 && d1 <= 9) {
    day = day * 10 + d1;
    j++;
  }
  if (line.charCodeAt(j) !== 32 || day < 1 || day > 31) return null;
  j++;
  const h = two(line, j);
  const m = two(line, j + 3);
  const s = two(line, j + 6);
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60 || line.charCodeAt(j + 2) !== 58 || line.charCodeAt(j + 5) !== 58) return null;
  j += 8;
  let ms = 0;
  if (line.charCodeAt(j) === 46 /* . */) {
    const start = ++j;
    while (j < line.length && line.charCodeAt(j) >= 48 && line.charCodeAt(j) <= 57) j++;
    const digits = line.slice(start, Math.min(j, start + 3)).padEnd(3, '0');
    ms = Number(digits);
  }
  const year = new Date(now).getUTCFullYear();
  let t = Date.UTC(year, month, day, h, m, Math.min(s, 59), ms);
  if (t > now + 86_400_000) t = Date.UTC(year - 1, month, day, h, m, Math.min(s, 59), ms);
  return { ms: t, end: j };
}

function two(s: string, at: number): number {
  const a = s.charCodeAt(at) - 48;
  const b = s.charCodeAt(at + 1) - 48;
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1;
  return a * 10 + b;
}

/** Leading RFC 3339 timestamp token (rsyslog's file format): [token, index after it] or null. */
function readIsoToken(line: string, i: number): [string, number] | null {
  const c = line.charCodeAt(i);
  if (!(c >= 48 && c <= 57) || line.charCodeAt(i + 4) !== 45) return null;
  const end = line.indexOf(' ', i);
  if (end === -1 || end - i > 40) return null;
  const tok = line.slice(i, end);
  // A date alone (`2024-01-05 10:00:01,123 ERROR ...`) is an application log, not rsyslog's format.
  return tok.length <= 10 || parseIsoDate(tok) === null ? null : [tok, end];
}

/**
 * RFC 3164 with or without PRI, with a BSD or RFC 3339 timestamp, with or without HOSTNAME. Without PRI a
 * timestamp is required (that is what makes the line syslog); with PRI anything after it is accepted.
 */
export function parseRfc3164(line: string, now: number): LineParse | null {
  const p = readPri(line);
  let i = p ? p.end : 0;
  const fields: Record<string, JsonValue> = {};
  let level: LogLevel | undefined = p ? priFields(p.pri, fields) : undefined;
  let ts: number | string | undefined;
  let isoTs = false;
  const bsd = readBsdTimestamp(line, i, now);
  if (bsd) {
    ts = bsd.ms;
    i = bsd.end;
  } else {
    const iso = readIsoToken(line, i);
    if (iso) {
      ts = iso[0];
      i = iso[1];
      isoTs = true;
    } else if (!p) {
      return null;
    }
  }
  let hostname: string | undefined;
  let app: string | undefined;
  let message: string;
  if (ts === undefined) {
    message = line.slice(i);
  } else {
    if (line.charCodeAt(i) !== 32) {
      if (!p) return null;
      return { level: level ?? 'info', message: line.slice(i), fields, format: 'rfc3164', ts };
    }
    while (line.charCodeAt(i) === 32) i++;
    const tag0 = readTag(line, i);
    if (tag0) {
      // No HOSTNAME: the first word is already the tag (`<13>Oct 11 22:14:15 su: ...`).
      app = tag0.tag;
      if (tag0.pid !== undefined) fields.procid = tag0.pid;
      i = tag0.end;
    } else {
      const [host, next] = token(line, i);
      if (host === '' && !p) return null;
      hostname = host || undefined;
      i = next;
      const tag = readTag(line, i);
      if (tag) {
        app = tag.tag;
        if (tag.pid !== undefined) fields.procid = tag.pid;
        i = tag.end;
      } else if (!p && isoTs) {
        // An ISO date and a word but no `tag:`: a plain line that starts with a date, not rsyslog's format.
        return null;
      }
    }
    message = line.slice(i);
  }
  if (hostname !== undefined) fields.hostname = hostname;
  if (app !== undefined) fields.appname = app;
  level ??= levelAtStart(message) ?? 'info';
  const out: LineParse = { level, message, fields, format: 'rfc3164' };
  if (ts !== undefined) out.ts = ts;
  const target = hostname ?? app;
  if (target !== undefined) out.target = target;
  if (app !== undefined) out.labels = { app };
  return out;
}

/** `tag:` or `tag[pid]:` followed by a space or the end, at `i`; tags are up to 64 chars (postfix/smtpd too). */
function readTag(line: string, i: number): { tag: string; pid?: string; end: number } | null {
  const start = i;
  const n = line.length;
  while (i < n && i - start <= 64) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 91 /* [ */ || c === 58 /* : */) break;
    i++;
  }
  if (i === start || i - start > 64) return null;
  const tag = line.slice(start, i);
  let pid: string | undefined;
  if (line.charCodeAt(i) === 91) {
    const close = line.indexOf(']', i);
    if (close === -1 || close - i > 24) return null;
    pid = line.slice(i + 1, close);
    i = close + 1;
  }
  if (line.charCodeAt(i) !== 58) return null;
  i++;
  if (i < n && line.charCodeAt(i) !== 32) return null;
  if (i < n) i++;
  return pid === undefined ? { tag, end: i } : { tag, pid, end: i };
}
