// Log levels and security severities as agents spell them, mapped onto the canonical sets. One table per
// concept, looked up without per-call allocation on the common spellings. Pure; no I/O.
import type { LogLevel, Severity } from '../../lib/events/event.js';

const LEVEL_WORDS: Record<string, LogLevel> = {
  trace: 'trace',
  trc: 'trace',
  verbose: 'trace',
  debug: 'debug',
  dbg: 'debug',
  d: 'debug',
  info: 'info',
  inf: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  i: 'info',
  warn: 'warn',
  warning: 'warn',
  wrn: 'warn',
  w: 'warn',
  error: 'error',
  err: 'error',
  erro: 'error',
  eror: 'error',
  e: 'error',
  severe: 'error',
  fatal: 'fatal',
  ftl: 'fatal',
  f: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  panic: 'fatal',
  dpanic: 'fatal',
};

const levelCache = new Map<string, LogLevel | undefined>();

/** A level word in any case ("WARNING", "Err", "crit"), or undefined when it is not one. */
export function levelFromWord(word: string): LogLevel | undefined {
  const direct = LEVEL_WORDS[word];
  if (direct !== undefined) return direct;
  if (word.length > 13) return undefined;
  const cached = levelCache.get(word);
  if (cached !== undefined || levelCache.has(word)) return cached;
  const found = Object.prototype.hasOwnProperty.call(LEVEL_WORDS, word.toLowerCase()) ? LEVEL_WORDS[word.toLowerCase()] : undefined;
  if (levelCache.size < 1024) levelCache.set(word, found);
  return found;
}

/** Syslog severity (0 emerg … 7 debug) as a level. */
export function levelFromSyslogSeverity(sev: number): LogLevel {
  if (sev <= 2) return 'fatal';
  if (sev === 3) return 'error';
  if (sev === 4) return 'warn';
  if (sev <= 6) return 'info';
  return 'debug';
}

/**
 * A level as sent in a structured log: a word, a syslog severity number (0-7), or a pino/bunyan number
 * (10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal). Unrecognised values give 'unknown'.
 */
export function normalizeLevel(v: unknown): LogLevel {
  if (typeof v === 'string') {
    const w = levelFromWord(v.trim());
    if (w !== undefined) return w;
    const n = Number(v);
    return v.trim() !== '' && Number.isInteger(n) ? levelFromNumber(n) : 'unknown';
  }
  if (typeof v === 'number') return levelFromNumber(v);
  return 'unknown';
}

function levelFromNumber(n: number): LogLevel {
  if (!Number.isInteger(n) || n < 0) return 'unknown';
  if (n <= 7) return levelFromSyslogSeverity(n);
  if (n < 10) return 'unknown';
  if (n < 20) return 'trace';
  if (n < 30) return 'debug';
  if (n < 40) return 'info';
  if (n < 50) return 'warn';
  if (n < 60) return 'error';
  return 'fatal';
}

/** OTLP SeverityNumber (1-24, in groups of four) as a level; undefined for 0/unspecified. */
export function levelFromOtlpSeverity(n: number): LogLevel | undefined {
  if (!(n >= 1 && n <= 24)) return undefined;
  return (['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const)[Math.floor((n - 1) / 4)];
}

const WORD_END = (c: number): boolean => c !== c /* NaN: end */ || c === 32 || c === 58 /* : */ || c === 93 /* ] */ || c === 9 || c === 44 /* , */ || c === 124 /* | */;

/**
 * A level word at the start of a message: `ERROR something`, `[WARN] x`, `error: y`, `<warning> z`.
 * Single-letter forms (E, W) are not taken here: too many plain messages start with "A"/"I".
 */
export function levelAtStart(text: string, from = 0): LogLevel | undefined {
  let i = from;
  let c = text.charCodeAt(i);
  if (c === 91 /* [ */ || c === 60 /* < */) c = text.charCodeAt(++i);
  const start = i;
  while (i - start < 13 && ((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) c = text.charCodeAt(++i);
  if (i - start < 3 || !WORD_END(c) && c !== 62 /* > */) return undefined;
  return levelFromWord(text.slice(start, i));
}

/**
 * A level mentioned in a structured line without parsing it: `level=warn`, `"level":"error"`, `lvl=dbg`,
 * `severity: ERROR`. Cheap (indexOf), used for Loki lines that carry no level label.
 */
export function levelInLine(line: string): LogLevel | undefined {
  for (const key of ['level', 'lvl', 'severity']) {
    let at = line.indexOf(key);
    while (at !== -1) {
      let i = at + key.length;
      if (line.charCodeAt(i) === 34) i++; // closing quote of a JSON key
      const sep = line.charCodeAt(i);
      if (sep === 61 /* = */ || sep === 58 /* : */) {
        i++;
        while (line.charCodeAt(i) === 32) i++;
        if (line.charCodeAt(i) === 34) i++;
        const start = i;
        let c = line.charCodeAt(i);
        while (i - start < 13 && ((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) c = line.charCodeAt(++i);
        const found = i > start ? levelFromWord(line.slice(start, i)) : undefined;
        if (found !== undefined) return found;
      }
      at = line.indexOf(key, at + key.length);
    }
  }
  return levelNearStart(line);
}

/**
 * A level word at the start of a line or in the first bracketed word near it, as in nginx's error log
 * (`2024/01/05 10:00:01 [error] 1234#1234: ...`) or log4j (`10:00:01 [main] WARN ...` is not covered).
 */
export function levelNearStart(line: string, from = 0): LogLevel | undefined {
  const start = levelAtStart(line, from);
  if (start !== undefined) return start;
  const b = line.indexOf('[', from);
  return b !== -1 && b - from < 40 ? levelAtStart(line, b) : undefined;
}

const SEVERITY_WORDS: Record<string, Severity> = {
  info: 'info',
  informational: 'info',
  none: 'info',
  notice: 'info',
  debug: 'info',
  low: 'low',
  minor: 'low',
  warning: 'medium',
  warn: 'medium',
  medium: 'medium',
  moderate: 'medium',
  high: 'high',
  major: 'high',
  error: 'high',
  important: 'high',
  critical: 'critical',
  crit: 'critical',
  severe: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  alert: 'critical',
};

/**
 * A security severity: a word (case-insensitive), or a score 0-10 in CVSS v3 bands (0 info, <4 low,
 * <7 medium, <9 high, else critical). Undefined when it is neither.
 */
export function normalizeSeverity(v: unknown): Severity | undefined {
  if (typeof v === 'string') {
    const w = SEVERITY_WORDS[v] ?? (Object.prototype.hasOwnProperty.call(SEVERITY_WORDS, v.trim().toLowerCase()) ? SEVERITY_WORDS[v.trim().toLowerCase()] : undefined);
    if (w !== undefined) return w;
    const n = v.trim() === '' ? NaN : Number(v);
    return Number.isFinite(n) ? severityFromScore(n) : undefined;
  }
  if (typeof v === 'number') return severityFromScore(v);
  return undefined;
}

function severityFromScore(n: number): Severity | undefined {
  if (!(n >= 0 && n <= 10)) return undefined;
  if (n === 0) return 'info';
  if (n < 4) return 'low';
  if (n < 7) return 'medium';
  if (n < 9) return 'high';
  return 'critical';
}
