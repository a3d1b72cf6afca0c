// Safe JSON reading for untrusted bodies: nesting depth bounded (everything downstream recurses), malformed
// input reported with line and column, and nothing but LightwatchError ever thrown. Pure; no I/O.
import { badRequest, LightwatchError } from '../../lib/errors/errors.js';

export const DEFAULT_MAX_DEPTH = 32;

/** Where a problem is in a text: 1-based line and column (column counted in UTF-16 units). */
export interface TextPosition {
  line: number;
  column: number;
}

export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Offset of the first bracket that opens nesting level `maxDepth + 1`, or -1 when the text stays within
 * `maxDepth`. Strings are skipped (brackets inside them do not count). Linear, allocation-free.
 */
export function findTooDeep(text: string, maxDepth: number, from = 0, to = text.length): number {
  let depth = 0;
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i++);
    if (c === 34 /* " */) {
      // Jump to the closing quote; a quote preceded by an odd number of backslashes is escaped.
      for (;;) {
        const j = text.indexOf('"', i);
        if (j === -1 || j >= to) return -1; // unterminated: JSON.parse reports it
        i = j + 1;
        if (text.charCodeAt(j - 1) !== 92) break;
        let k = j - 1;
        while (text.charCodeAt(k) === 92) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) return i - 1;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return -1;
}

export interface JsonProblem {
  /** Offset in the text. */
  offset: number;
  message: string;
}

/**
 * Characters scanned for nesting before JSON.parse runs: a bracket bomb that opens at the start of a text is
 * refused without parsing it. Past them, the depth is checked on the parsed value (tooDeep), which costs a
 * tenth of a character scan: JSON.parse's time grows with the number of brackets, not with their depth (on
 * Node 20, 5 MB of nesting within the limit parses as slowly as a 5 MB bomb), so scanning every character
 * first bought no protection that the body size limit does not already give.
 */
const PRESCAN_CHARS = 4096;

/** Whether a parsed value nests objects/arrays deeper than `left` levels. Recursion is bounded by `left`. */
function tooDeep(v: object, left: number): boolean {
  if (left === 0) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      if (typeof e === 'object' && e !== null && tooDeep(e, left - 1)) return true;
    }
    return false;
  }
  for (const k in v) {
    const e: unknown = (v as Record<string, unknown>)[k];
    if (typeof e === 'object' && e !== null && tooDeep(e, left - 1)) return true;
  }
  return false;
}

const deepProblem = (offset: number, maxDepth: number): JsonProblem => ({ offset, message: `nested deeper than ${maxDepth} levels` });

/** Parses one JSON text, or returns where and why it is not valid (or too deep). Never throws. */
export function tryParseJson(text: string, maxDepth: number): { ok: true; value: unknown } | { ok: false; problem: JsonProblem } {
  const early = findTooDeep(text, maxDepth, 0, Math.min(text.length, PRESCAN_CHARS));
  if (early !== -1) return { ok: false, problem: deepProblem(early, maxDepth) };
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    // Too deep wins over malformed, wherever each is (as when the whole text was scanned first).
    const deep = text.length > PRESCAN_CHARS ? findTooDeep(text, maxDepth) : -1;
    if (deep !== -1) return { ok: false, problem: deepProblem(deep, maxDepth) };
    return { ok: false, problem: locateJsonError(text) ?? { offset: 0, message: err instanceof Error ? err.message : 'invalid JSON' } };
  }
  if (typeof value === 'object' && value !== null && tooDeep(value, maxDepth)) {
    return { ok: false, problem: deepProblem(Math.max(0, findTooDeep(text, maxDepth)), maxDepth) };
  }
  return { ok: true, value };
}

/**
 * Parses a JSON body; throws 400 `malformed_json` ("... at line 3, column 7: expected ',' or '}'") or
 * 400 `json_too_deep`. `what` names the thing in messages ("body", "line 4").
 */
export function parseJson(text: string, maxDepth: number = DEFAULT_MAX_DEPTH, what = 'body'): unknown {
  const r = tryParseJson(text, maxDepth);
  if (r.ok) return r.value;
  throw jsonError(text, r.problem, what);
}

export function jsonError(text: string, problem: JsonProblem, what: string, lineOffset = 0): LightwatchError {
  const pos = positionOf(text, problem.offset);
  const line = pos.line + lineOffset;
  const at = `line ${line}, column ${pos.column}`;
  const tooDeep = problem.message.startsWith('nested deeper');
  return badRequest(
    `${tooDeep ? 'JSON' : 'malformed JSON'} in ${what} at ${at}: ${problem.message}`,
    [{ at, message: problem.message }],
    tooDeep ? 'json_too_deep' : 'malformed_json',
  );
}

/** Human description of a problem with its 1-based line and column, for per-item errors. */
export function describeJsonProblem(text: string, problem: JsonProblem): string {
  const pos = positionOf(text, problem.offset);
  return `${problem.message.startsWith('nested deeper') ? 'JSON' : 'malformed JSON'} at column ${pos.column}${pos.line > 1 ? ` of line ${pos.line}` : ''}: ${problem.message}`;
}

/**
 * Finds the first syntax error in `text` (JSON.parse says that there is one, not reliably where).
 * Recursive descent; only called after findTooDeep passed, so recursion is bounded by the depth limit.
 */
export function locateJsonError(text: string): JsonProblem | null {
  let i = 0;
  const n = text.length;
  const fail = (message: string, at = i): JsonProblem => ({ offset: at, message });
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const describe = (): string => (i >= n ? 'end of input' : `'${text[i]}'`);

  const str = (): JsonProblem | null => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return null;
      }
      if (c < 0x20) return fail('control character in string (escape it)');
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          for (let k = 2; k < 6; k++) {
            const h = text.charCodeAt(i + k);
            const hex = (h >= 48 && h <= 57) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102);
            if (!hex) return fail('bad \\u escape in string', i);
          }
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) return fail('bad escape in string', i);
        i += 2;
        continue;
      }
      i++;
    }
    return fail('unterminated string');
  };

  const num = (): JsonProblem | null => {
    const start = i;
    if (text[i] === '-') i++;
    const digits = (): number => {
      const s = i;
      while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
      return i - s;
    };
    if (text[i] === '0') i++;
    else if (digits() === 0) return fail('invalid number', start);
    if (text[i] === '.') {
      i++;
      if (digits() === 0) return fail('invalid number: digits expected after the decimal point');
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (digits() === 0) return fail('invalid number: digits expected in the exponent');
    }
    return null;
  };

  const value = (): JsonProblem | null => {
    ws();
    if (i >= n) return fail('unexpected end of input, a value was expected');
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return null;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') return fail(`expected a property name in double quotes, found ${describe()}`);
        const e = str();
        if (e) return e;
        ws();
        if (text[i] !== ':') return fail(`expected ':' after the property name, found ${describe()}`);
        i++;
        const v = value();
        if (v) return v;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return null;
        }
        return fail(`expected ',' or '}' in object, found ${describe()}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return null;
      }
      for (;;) {
        const v = value();
        if (v) return v;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return null;
        }
        return fail(`expected ',' or ']' in array, found ${describe()}`);
      }
    }
    if (c === '"') return str();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return num();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return null;
      }
    }
    return fail(`unexpected ${describe()}, a value was expected`);
  };

  const e = value();
  if (e) return e;
  ws();
  if (i < n) return fail(`unexpected ${describe()} after the end of the JSON value`);
  return null;
}

/** One line of an NDJSON body: its 0-based physical line number and its text (without the newline). */
export interface NdjsonLine {
  line: number;
  text: string;
}

/**
 * Splits a body into non-blank lines (LF or CRLF), keeping physical line numbers so that errors and item
 * indexes can name them. Stops with 413 `batch_too_large` as soon as more than `maxItems` lines are seen.
 */
export function splitLines(text: string, maxItems: number): NdjsonLine[] {
  const out: NdjsonLine[] = [];
  let start = 0;
  let line = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--;
    if (!isBlank(text, start, stop)) {
      if (out.length >= maxItems) throw batchTooLarge(`more than ${maxItems} lines`, maxItems);
      out.push({ line, text: text.slice(start, stop) });
    }
    line++;
    start = end + 1;
  }
  return out;
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/**
 * Whether the JSON array `text` (starting, after blanks, with `[`) has more than `max` elements, read without
 * parsing: commas at depth 1 outside strings, stopping at the first one past `max`. A 1M-element array is
 * refused after reading about `max` elements instead of after JSON.parse built all of them (issue 17.9).
 * Malformed text may be miscounted; JSON.parse reports it when the count passes.
 */
export function arrayLongerThan(text: string, max: number): boolean {
  // Every element takes at least one character and a comma: a shorter text cannot hold more.
  if (text.length <= 2 * max) return false;
  let depth = 0;
  let commas = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 91 /* [ */ || c === 123 /* { */) depth++;
    else if (c === 93 /* ] */ || c === 125 /* } */) {
      if (--depth === 0) return false;
    } else if (c === 44 /* , */ && depth === 1 && ++commas >= max) return true;
  }
  return false;
}

/** 413 for a request that carries more items than allowed (the whole request is refused). */
export function batchTooLarge(what: string, maxItems: number): LightwatchError {
  return new LightwatchError('payload_too_large', `batch too large: ${what}, at most ${maxItems} items per request; split it`, {
    reason: 'batch_too_large',
    details: [{ at: 'body', message: `at most ${maxItems} items` }],
  });
}

/** First non-whitespace character code of the text, or -1 when there is none. */
export function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 0xfeff) return c;
  }
  return -1;
}
