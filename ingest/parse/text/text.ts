// `text/plain` bodies on /ingest/logs: one log per line, the format detected per line (JSON, logfmt, RFC 5424
// and RFC 3164 syslog, nginx/Apache access logs, else plain text) or forced with `?format=`. Pure.
import type { DraftEvent } from '../../../lib/events/event.js';
import { badRequest } from '../../../lib/errors/errors.js';
import { describeJsonProblem, splitLines, tryParseJson } from '../json.js';
import { parseNativeItem } from '../native.js';
import { isObject, typeName } from '../values.js';
import type { JsonObject, ParsedItem, Rejection } from '../values.js';
import { parseAccessLog } from './access.js';
import { parseLogfmt } from './logfmt.js';
import { parsePlain } from './plain.js';
import { parseRfc3164, parseRfc5424 } from './syslog.js';
import type { LineParse } from './syslog.js';

export const TEXT_FORMATS = ['auto', 'json', 'logfmt', 'rfc5424', 'rfc3164', 'syslog', 'clf', 'combined', 'plain'] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];

export interface TextOptions {
  /** `?format=`; absent or 'auto' detects per line. */
  format?: string;
  maxItems: number;
  maxDepth: number;
  maxLineBytes: number;
  /** Injected clock: RFC 3164 timestamps carry no year. */
  now: number;
  defaultTarget?: string;
}

export interface TextResult {
  items: ParsedItem[];
  rejected: Rejection[];
  format: string;
}

export function textFormatOf(format: string | undefined): TextFormat {
  if (format === undefined || format === '') return 'auto';
  const f = format.toLowerCase();
  if ((TEXT_FORMATS as readonly string[]).includes(f)) return f as TextFormat;
  throw badRequest(`unknown format "${format.slice(0, 40)}"; use one of ${TEXT_FORMATS.join(', ')}`, [{ at: 'format', message: `one of ${TEXT_FORMATS.join(', ')}` }], 'unknown_format');
}

/** Item index = 0-based physical line number, so that rejections name lines the sender can find. */
export function parseTextBody(text: string, opts: TextOptions): TextResult {
  const format = textFormatOf(opts.format);
  const items: ParsedItem[] = [];
  const rejected: Rejection[] = [];
  const lines = splitLines(text, opts.maxItems);
  const ctx = { maxItems: opts.maxItems, maxDepth: opts.maxDepth, defaultTarget: opts.defaultTarget };
  for (const { line, text: lineText } of lines) {
    if (lineText.length > opts.maxLineBytes || (lineText.length * 3 > opts.maxLineBytes && Buffer.byteLength(lineText) > opts.maxLineBytes)) {
      rejected.push({ index: line, error: `line ${line + 1} is longer than ${opts.maxLineBytes} bytes` });
      continue;
    }
    const r = format === 'auto' ? detectLine(lineText, opts.now, opts.maxDepth) : forcedLine(format, lineText, opts.now, opts.maxDepth);
    if (typeof r === 'string') {
      rejected.push({ index: line, error: `line ${line + 1}: ${r}` });
    } else if ('message' in r) {
      items.push({ index: line, draft: draftOf(r, opts.defaultTarget) });
    } else {
      const parsed = parseNativeItem('log', r.obj, line, ctx);
      if (typeof parsed === 'string') {
        rejected.push({ index: line, error: `line ${line + 1}: ${parsed}` });
        continue;
      }
      for (const p of parsed) {
        if (p.draft.kind === 'log') p.draft.body.format = r.format;
        items.push(p);
      }
    }
  }
  return { items, rejected, format: format === 'auto' ? 'text' : format };
}

/** A line that is an object (JSON or logfmt), to be read like a native log item. */
interface ObjectLine {
  obj: JsonObject;
  format: 'json' | 'logfmt';
}

function draftOf(p: LineParse, defaultTarget: string | undefined): DraftEvent {
  const draft: DraftEvent = { kind: 'log', body: { level: p.level, message: p.message, fields: p.fields, format: p.format } };
  if (p.ts !== undefined) draft.ts = p.ts;
  const target = p.target ?? defaultTarget;
  if (target !== undefined) draft.target = target;
  if (p.labels !== undefined) draft.labels = p.labels;
  return draft;
}

function jsonLine(line: string, maxDepth: number): ObjectLine | string {
  const r = tryParseJson(line, maxDepth);
  if (!r.ok) return describeJsonProblem(line, r.problem);
  if (!isObject(r.value)) return `a JSON log line must be an object, not ${typeName(r.value)}`;
  return { obj: r.value, format: 'json' };
}

function logfmtLine(line: string): ObjectLine | null {
  const pairs = parseLogfmt(line);
  return pairs ? { obj: pairs, format: 'logfmt' } : null;
}

/** Auto-detection: cheap first-character tests pick the one or two parsers worth trying. */
export function detectLine(line: string, now: number, maxDepth = 32): LineParse | ObjectLine {
  const c = line.charCodeAt(0);
  if (c === 123 /* { */) {
    const j = jsonLine(line, maxDepth);
    if (typeof j !== 'string') return j;
    return parsePlain(line);
  }
  if (c === 60 /* < */) {
    const s = parseRfc5424(line) ?? parseRfc3164(line, now);
    if (s) return s;
  } else if (c >= 65 && c <= 83 /* A-S: month names */) {
    const s = parseRfc3164(line, now);
    if (s) return s;
  } else if (c >= 48 && c <= 57 && line.charCodeAt(4) === 45) {
    return parseRfc3164(line, now) ?? parsePlain(line);
  }
  const bracket = line.indexOf(' [');
  if (bracket > 0 && bracket < 512) {
    const a = parseAccessLog(line);
    if (a) return a;
  }
  const eq = line.indexOf('=');
  if (eq > 0) {
    const sp = line.indexOf(' ');
    if (sp === -1 || eq < sp) {
      const l = logfmtLine(line);
      if (l) return l;
    }
  }
  return parsePlain(line);
}

function forcedLine(format: Exclude<TextFormat, 'auto'>, line: string, now: number, maxDepth: number): LineParse | ObjectLine | string {
  switch (format) {
    case 'json':
      return jsonLine(line, maxDepth);
    case 'logfmt':
      return logfmtLine(line) ?? 'not logfmt (key=value pairs expected)';
    case 'rfc5424':
      return parseRfc5424(line) ?? 'not RFC 5424 syslog (expected <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG)';
    case 'rfc3164':
      return parseRfc3164(line, now) ?? 'not RFC 3164 syslog (expected [<PRI>]Mmm dd hh:mm:ss HOST TAG: MSG)';
    case 'syslog':
      return parseRfc5424(line) ?? parseRfc3164(line, now) ?? 'not syslog (RFC 5424 or RFC 3164)';
    case 'clf':
    case 'combined':
      return parseAccessLog(line) ?? 'not an access log line (common or combined log format)';
    case 'plain':
      return parsePlain(line);
  }
}
