// The one way Lightwatch runs a regular expression that a user wrote (log_pattern rules, HTTP body matches,
// silence and PromQL `=~` matchers, Gatus conditions). Patterns compile with RE2 syntax (the syntax of
// Prometheus, Alertmanager and Gatus, all Go programs) on re2js, an automaton engine whose matching time is
// linear in the text: no pattern can backtrack catastrophically. What stays is the product of program size
// and text length, so both are bounded: a pattern's length and compiled size at compile time, and the text a
// single match reads (MATCH_BUDGET). Pure: no I/O.
import { RE2JS, RE2JSException, RE2JSSyntaxException } from 're2js';

/** Longest accepted pattern source, in characters. */
export const MAX_PATTERN_LENGTH = 1024;
/** Largest compiled program (RE2 instructions); `.{1000}`-style repetitions are what reach it. */
export const MAX_PROGRAM_SIZE = 2000;
/**
 * Work one match may do, in program instructions × text characters (about 1 ns each here, so ≈ 8 ms at
 * most). A text longer than `budget / programSize` characters is read up to that length: a search looks for
 * a match in that prefix, a full match of a longer text fails. Small patterns (under about 120 instructions,
 * nearly all real ones) read the longest log message (64 KiB) whole.
 */
export const MATCH_BUDGET = 8_000_000;

export interface PatternOptions {
  /** Match letters regardless of case (`(?i)`). */
  caseInsensitive?: boolean;
  /** `.` also matches a line break (`(?s)`). */
  dotAll?: boolean;
  /** `^` and `$` also match at line breaks (`(?m)`). */
  multiline?: boolean;
}

/** A pattern that cannot be used, with where in its source the problem is (0-based, null when unknown). */
export class PatternError extends Error {
  readonly position: number | null;
  readonly pattern: string;

  constructor(message: string, pattern: string, position: number | null) {
    super(message);
    this.name = 'PatternError';
    this.pattern = pattern;
    this.position = position;
  }
}

/** A compiled, linear-time pattern. */
export class Pattern {
  readonly source: string;
  readonly options: Readonly<PatternOptions>;
  /** Characters of a text that one match reads at most. */
  readonly maxText: number;
  private readonly re: RE2JS;

  /** Use compilePattern / globPattern / literalPattern. */
  private constructor(source: string, options: PatternOptions, re: RE2JS) {
    this.source = source;
    this.options = Object.freeze({ ...options });
    this.re = re;
    this.maxText = Math.max(1, Math.floor(MATCH_BUDGET / Math.max(1, re.programSize())));
  }

  /** @internal */
  static of(source: string, options: PatternOptions, re: RE2JS): Pattern {
    return new Pattern(source, options, re);
  }

  /** Does the pattern match the whole text (anchored at both ends, as PromQL and Alertmanager matchers are)? */
  fullMatch(text: string): boolean {
    if (text.length > this.maxText) return false;
    return this.re.matches(text);
  }

  /** Does the pattern match somewhere in the text (in its first `maxText` characters)? */
  search(text: string): boolean {
    return this.re.test(text.length > this.maxText ? text.slice(0, this.maxText) : text);
  }

  /** `/source/flags`, so compiled configurations compare and log by value. */
  toString(): string {
    return `/${this.source}/${flagLetters(this.options)}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

function flagLetters(o: PatternOptions): string {
  return `${o.caseInsensitive ? 'i' : ''}${o.multiline ? 'm' : ''}${o.dotAll ? 's' : ''}`;
}

/** The options as an RE2 flag group, put before the source (what re2js does with its flag bits too). */
function flagPrefix(o: PatternOptions): string {
  const letters = flagLetters(o);
  return letters === '' ? '' : `(?${letters})`;
}

/** Compiles a user's pattern, or throws a PatternError saying what is wrong and where. */
export function compilePattern(source: string, options: PatternOptions = {}): Pattern {
  if (source.length > MAX_PATTERN_LENGTH) {
    throw new PatternError(`pattern is ${source.length} characters long; at most ${MAX_PATTERN_LENGTH} are allowed`, source, MAX_PATTERN_LENGTH);
  }
  const prefix = flagPrefix(options);
  let re: RE2JS;
  try {
    re = RE2JS.compile(prefix + source);
  } catch (err) {
    throw toPatternError(err, source, prefix.length);
  }
  if (re.programSize() > MAX_PROGRAM_SIZE) {
    throw new PatternError(`pattern is too complex (${re.programSize()} instructions compiled, at most ${MAX_PROGRAM_SIZE}); use smaller repetition counts`, source, null);
  }
  return Pattern.of(source, options, re);
}

/** The problem with a pattern, or null when it compiles: for validating input without throwing. */
export function patternProblem(source: string, options: PatternOptions = {}): PatternError | null {
  try {
    compilePattern(source, options);
    return null;
  } catch (err) {
    if (err instanceof PatternError) return err;
    throw err;
  }
}

function toPatternError(err: unknown, source: string, prefixLength: number): PatternError {
  if (err instanceof RE2JSSyntaxException) {
    let fragment = err.getPattern();
    // Errors spanning the whole pattern quote it with the flag group in front.
    if (fragment !== null && prefixLength > 0 && fragment.length > source.length) fragment = fragment.slice(prefixLength);
    const found = fragment ? source.indexOf(fragment) : -1;
    const position = found >= 0 ? found : null;
    const what = unsupportedReason(fragment) ?? err.getDescription();
    const where = position === null ? '' : ` at position ${position}`;
    return new PatternError(`invalid regular expression${where}: ${what}${fragment ? ` (\`${fragment}\`)` : ''}`, source, position);
  }
  if (err instanceof RE2JSException) return new PatternError(`invalid regular expression: ${err.message}`, source, null);
  throw err;
}

/** RE2 refuses these on purpose (they need backtracking); say so rather than a bare parse error. */
function unsupportedReason(fragment: string | null): string | null {
  if (fragment === null) return null;
  if (/^\(\?<?[=!]/.test(fragment)) return 'lookahead and lookbehind are not supported (RE2 syntax)';
  if (/^\\[1-9]/.test(fragment)) return 'backreferences are not supported (RE2 syntax)';
  return null;
}

/** The regular-expression source of a literal string (every metacharacter escaped). */
export function quotePattern(literal: string): string {
  return RE2JS.quote(literal);
}

/** A glob (`*` any run of characters, `?` one character, everything else literal) matched as a pattern. */
export function globPattern(glob: string, options: PatternOptions = {}): Pattern {
  let src = '';
  let literal = '';
  const flush = (): void => {
    if (literal !== '') src += RE2JS.quote(literal);
    literal = '';
  };
  for (const ch of glob) {
    if (ch === '*' || ch === '?') {
      flush();
      src += ch === '*' ? '(?s:.*)' : '(?s:.)';
    } else literal += ch;
  }
  flush();
  return compilePattern(src, options);
}

/**
 * Reads the `/source/flags` form (flags among `i`, `m`, `s`) users write where a value may be either a plain
 * string or a pattern (HTTP body matches). Null when the value is not in that form.
 */
export function parseSlashPattern(value: string): { source: string; options: PatternOptions } | null {
  const m = /^\/(.+)\/([ims]*)$/s.exec(value);
  if (!m) return null;
  const flags = m[2] as string;
  return { source: m[1] as string, options: { caseInsensitive: flags.includes('i'), multiline: flags.includes('m'), dotAll: flags.includes('s') } };
}
