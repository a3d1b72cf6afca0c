// logfmt lines (`ts=2024-01-05T10:00:01Z level=warn msg="disk almost full" used=93%`), as Go services,
// Heroku and Grafana tools write them. Hand-written scanner. Pure.
import { setField } from '../values.js';

/**
 * The pairs of a logfmt line, or null when the line does not look like logfmt: its first token must be a
 * `key=value` pair and pairs must outnumber bare words (so "user=bob logged in" stays plain text).
 * Bare words become `word: true`; values stay strings.
 */
export function parseLogfmt(line: string): Record<string, string | boolean> | null {
  const out: Record<string, string | boolean> = {};
  const n = line.length;
  let i = 0;
  let pairs = 0;
  let bare = 0;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const start = i;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c === 61 /* = */ || c === 32 || c === 34 /* " */) break;
      i++;
    }
    const key = line.slice(start, i);
    if (key === '') return null;
    if (line.charCodeAt(i) !== 61) {
      if (pairs === 0) return null;
      if (line.charCodeAt(i) === 34) return null;
      bare++;
      setField(out, key, true);
      continue;
    }
    i++;
    let value: string;
    if (line.charCodeAt(i) === 34) {
      i++;
      let chunk = i;
      value = '';
      for (;;) {
        if (i >= n) return null;
        const c = line.charCodeAt(i);
        if (c === 92 /* \ */ && i + 1 < n) {
          const e = line[i + 1] as string;
          value += line.slice(chunk, i) + (e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e);
          i += 2;
          chunk = i;
          continue;
        }
        if (c === 34) break;
        i++;
      }
      value += line.slice(chunk, i);
      i++;
    } else {
      const vs = i;
      while (i < n && line.charCodeAt(i) !== 32) i++;
      value = line.slice(vs, i);
    }
    pairs++;
    setField(out, key, value);
  }
  return pairs > 0 && pairs > bare ? out : null;
}
