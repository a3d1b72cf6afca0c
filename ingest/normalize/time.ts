// Event timestamps in every unit agents use, to epoch milliseconds: numbers in s/ms/µs/ns told apart by
// magnitude, numeric strings likewise, RFC 3339 / ISO 8601 strings parsed by hand (Date.parse accepts
// far too much: "1" is the year 2001 to it). Pure; no I/O.

/** Below this a number is seconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_BELOW = 1e11;
/** Below this, milliseconds (1e14 ms is the year 5138). */
const MILLIS_BELOW = 1e14;
/** Below this, microseconds; above, nanoseconds. */
const MICROS_BELOW = 1e17;

/**
 * Epoch ms of a timestamp: `undefined`/`null`/'' → `receivedAt`; a number or numeric string by magnitude
 * (s, ms, µs, ns; fractions kept to the ms); an RFC 3339 / ISO 8601 string (`2024-01-05T10:00:01.123Z`,
 * `2024-01-05 10:00:01+02:00`; without a zone it is UTC). Null when it cannot be read.
 */
export function toEpochMs(ts: number | string | undefined | null, receivedAt: number): number | null {
  if (ts === undefined || ts === null) return receivedAt;
  if (typeof ts === 'number') return numberToMs(ts);
  if (typeof ts !== 'string') return null;
  const s = ts.length > 0 && (ts.charCodeAt(0) === 32 || ts.charCodeAt(ts.length - 1) === 32) ? ts.trim() : ts;
  if (s === '') return receivedAt;
  if (s.length > 64) return null;
  const c0 = s.charCodeAt(0);
  // 4 digits then '-': a date. Otherwise a plain number.
  if (s.length >= 10 && s.charCodeAt(4) === 45 && c0 >= 48 && c0 <= 57) return parseIsoDate(s);
  if (!isNumeric(s)) return null;
  const n = Number(s);
  // Integer µs/ns strings (OTLP, Loki) are cut exactly: past 2^53 a double would round them.
  if (n >= MILLIS_BELOW && s.indexOf('.') === -1) return Number(s.slice(0, n < MICROS_BELOW ? -3 : -6));
  return numberToMs(n);
}

function numberToMs(n: number): number | null {
  if (!Number.isFinite(n) || n < 0) return null;
  if (n < SECONDS_BELOW) return Math.round(n * 1000);
  if (n < MILLIS_BELOW) return Math.floor(n);
  // A µs/ns double is already rounded to its nearest representable value: round to the nearest ms rather
  // than floor, so that 1544712660300000000 is never read as ...299 ms.
  if (n < MICROS_BELOW) return Math.round(n / 1000);
  return Math.round(n / 1e6);
}

function isNumeric(s: string): boolean {
  let i = 0;
  let digits = 0;
  let dot = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return false;
  }
  return digits > 0;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digitsAt(s: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.fraction]]`, optionally followed by
 * `Z`, `±HH:MM`, `±HHMM` or `±HH`. Null when anything is out of range or left over.
 */
export function parseIsoDate(s: string): number | null {
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || s.charCodeAt(7) !== 45) return null;
  if (day > (DAYS_IN_MONTH[month - 1] as number) || (month === 2 && day === 29 && !isLeap(year))) return null;
  let i = 10;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let ms = 0;
  if (i < s.length) {
    const sep = s.charCodeAt(i);
    if (sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== 32) return null;
    h = digitsAt(s, i + 1, 2);
    mi = digitsAt(s, i + 4, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s.charCodeAt(i + 3) !== 58) return null;
    i += 6;
    if (s.charCodeAt(i) === 58) {
      sec = digitsAt(s, i + 1, 2);
      if (sec < 0 || sec > 60) return null;
      if (sec === 60) sec = 59; // leap second: the best a ms clock can say
      i += 3;
      const fc = s.charCodeAt(i);
      if (fc === 46 /* . */ || fc === 44 /* , */) {
        i++;
        const start = i;
        while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
        const n = i - start;
        if (n === 0 || n > 12) return null;
        ms = digitsAt(s, start, Math.min(3, n)) * (n === 1 ? 100 : n === 2 ? 10 : 1);
      }
    }
  }
  let offsetMin = 0;
  if (i < s.length) {
    const z = s.charCodeAt(i);
    if (z === 90 /* Z */ || z === 122 /* z */) {
      i++;
    } else if (z === 43 /* + */ || z === 45 /* - */) {
      const oh = digitsAt(s, i + 1, 2);
      if (oh < 0 || oh > 23) return null;
      i += 3;
      let om = 0;
      if (s.charCodeAt(i) === 58) {
        om = digitsAt(s, i + 1, 2);
        i += 3;
      } else if (i < s.length) {
        om = digitsAt(s, i, 2);
        i += 2;
      }
      if (om < 0 || om > 59) return null;
      offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
    } else {
      return null;
    }
  }
  if (i !== s.length) return null;
  // Date.UTC reads years 0-99 as 1900-1999; shift by one 400-year Gregorian cycle (146097 days) instead.
  const shift = year < 100 ? 146097 * 86_400_000 : 0;
  return Date.UTC(year < 100 ? year + 400 : year, month - 1, day, h, mi, sec, ms) - shift - offsetMin * 60_000;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTHS = new Map(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, i) => [m, i]));

/** 0-based month of a three-letter English month name (`Jan`…`Dec`, exact case), or -1. */
export function monthIndex(name: string): number {
  return MONTHS.get(name) ?? -1;
}
