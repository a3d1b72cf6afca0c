// Plain text lines: whatever no structured format claimed. A leading ISO timestamp (`2024-01-05 10:00:01,123`,
// `2024-01-05T10:00:01Z`) is taken as the event time and a level word right after it, at the start or in
// the first brackets (`ERROR ...`, `[WARN] ...`, `error: ...`, `... [error] ...`) as the level; the line
// itself stays the message. Pure.
import { parseIsoDate } from '../../normalize/time.js';
import { levelNearStart } from '../levels.js';
import type { LineParse } from './syslog.js';

/** A leading ISO date-time: its epoch ms and the index after it (and the following spaces), or null. */
export function leadingTimestamp(line: string): { ms: number; end: number } | null {
  const c = line.charCodeAt(0);
  if (!(c >= 48 && c <= 57) || line.charCodeAt(4) !== 45 || line.charCodeAt(7) !== 45) return null;
  let end = line.indexOf(' ', 10);
  if (end === -1) end = line.length;
  let candidate = line.slice(0, Math.min(end, 40));
  let stop = end;
  // `2024-01-05 10:00:01,123`: the date and the time are two tokens.
  if (end === 10) {
    let t = line.indexOf(' ', 11);
    if (t === -1) t = line.length;
    if (t - 11 >= 5 && t - 11 <= 30) {
      candidate = line.slice(0, t);
      stop = t;
    }
  }
  // Trailing `]` or `:` of `[2024-01-05T10:00:01Z]`-less forms such as `2024-01-05T10:00:01Z:`.
  const last = candidate.charCodeAt(candidate.length - 1);
  if (last === 58 || last === 44) candidate = candidate.slice(0, -1);
  const ms = parseIsoDate(candidate);
  if (ms === null) return null;
  while (line.charCodeAt(stop) === 32) stop++;
  return { ms, end: stop };
}

export function parsePlain(line: string): LineParse {
  const ts = leadingTimestamp(line);
  const level = levelNearStart(line, ts ? ts.end : 0) ?? 'info';
  const out: LineParse = { level, message: line, fields: {}, format: 'plain' };
  if (ts) out.ts = ts.ms;
  return out;
}
