// The Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text, parsed into samples and family
// metadata, as Prometheus's own scrape parsers read them: label value escapes (\\ \" \n), NaN and ±Inf, optional
// timestamps (milliseconds in the text format, seconds in OpenMetrics), HELP/TYPE/UNIT lines, exemplars
// ignored, OpenMetrics' mandatory `# EOF`. `_created` samples are kept as ordinary series, as Prometheus 2.x
// stores them. The first malformed line fails the whole exposition (Prometheus fails the scrape the same way).
// Pure; no I/O.
import type { MetricType } from '../events/event.js';
import { LightwatchError } from '../errors/errors.js';

export type ExpositionFormat = 'text' | 'openmetrics';

export interface ExposedSample {
  name: string;
  /** Labels without `__name__`. */
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch when the exposition gave one. */
  ts: number | null;
}

export interface ExposedFamily {
  type: MetricType;
  unit?: string;
}

export interface Exposition {
  samples: ExposedSample[];
  /** By family name (the name in `# TYPE`). */
  families: Map<string, ExposedFamily>;
}

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** The Accept header Prometheus 2.x sends on a scrape: OpenMetrics preferred, the text format next, anything last. */
export const SCRAPE_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** The parser a response's Content-Type selects: OpenMetrics when it says so, the text format otherwise (as Prometheus falls back). */
export function formatOfContentType(contentType: string | undefined): ExpositionFormat {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  return media === 'application/openmetrics-text' ? 'openmetrics' : 'text';
}

export class ExpositionError extends LightwatchError {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super('bad_request', `line ${line}: ${message}`, { reason: 'bad_exposition', details: [{ at: `line ${line}`, message }] });
    this.name = 'ExpositionError';
  }
}

const TYPES: Record<ExpositionFormat, Record<string, MetricType>> = {
  text: { counter: 'counter', gauge: 'gauge', histogram: 'histogram', summary: 'summary', untyped: 'untyped' },
  openmetrics: { counter: 'counter', gauge: 'gauge', histogram: 'histogram', gaugehistogram: 'histogram', summary: 'summary', info: 'gauge', stateset: 'gauge', unknown: 'untyped' },
};

/** Suffixes a family's samples may carry, longest first so `_bucket` is tried before shorter ones. */
const SUFFIXES = ['_bucket', '_created', '_gcount', '_count', '_total', '_gsum', '_info', '_sum'];

/** The family a sample belongs to: the one its name names, else the one its name less a family suffix names. */
export function familyOfSample<F>(name: string, families: ReadonlyMap<string, F>): F | undefined {
  const exact = families.get(name);
  if (exact) return exact;
  for (const suffix of SUFFIXES) {
    if (name.endsWith(suffix)) {
      const f = families.get(name.slice(0, -suffix.length));
      if (f) return f;
    }
  }
  return undefined;
}

/** The metric type of a sample: its family's, else untyped. */
export function typeOfSample(name: string, families: ReadonlyMap<string, ExposedFamily>): ExposedFamily {
  return familyOfSample(name, families) ?? { type: 'untyped' };
}

const isNameStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 48 && c <= 57);
const isLabelStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isLabelChar = (c: number): boolean => isLabelStart(c) || (c >= 48 && c <= 57);
const isBlank = (c: number): boolean => c === 32 || c === 9;

const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;
const INT = /^[+-]?\d+$/;

/** A sample value as Go's ParseFloat reads the forms exporters write: decimals, exponents, NaN, ±Inf. */
export function parseValue(s: string): number | undefined {
  if (FLOAT.test(s)) return Number(s);
  switch (s.toLowerCase()) {
    case 'nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    default:
      return undefined;
  }
}

/** One line's cursor. */
class Line {
  pos = 0;
  constructor(
    readonly text: string,
    readonly no: number,
  ) {}
  fail(message: string): never {
    throw new ExpositionError(this.no, message);
  }
  peek(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }
  skipBlanks(): void {
    while (this.pos < this.text.length && isBlank(this.text.charCodeAt(this.pos))) this.pos++;
  }
  name(isStart: (c: number) => boolean, isChar: (c: number) => boolean, what: string): string {
    const start = this.pos;
    if (!isStart(this.peek())) this.fail(`expected ${what} at column ${this.pos + 1}, found ${this.found()}`);
    this.pos++;
    while (isChar(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }
  /** A quoted label value with its escapes undone (\\ \" \n; any other escape is kept as written, as Prometheus does). */
  quoted(): string {
    if (this.peek() !== 34) this.fail(`expected '"' at column ${this.pos + 1}, found ${this.found()}`);
    this.pos++;
    let out = '';
    let run = this.pos;
    for (;;) {
      if (this.pos >= this.text.length) this.fail('label value is not closed with \'"\'');
      const c = this.text.charCodeAt(this.pos);
      if (c === 34) break;
      if (c === 92) {
        out += this.text.slice(run, this.pos);
        const next = this.text.charCodeAt(this.pos + 1);
        if (next === 92) out += '\\';
        else if (next === 34) out += '"';
        else if (next === 110) out += '\n';
        else if (Number.isNaN(next)) this.fail('label value is not closed with \'"\'');
        else out += '\\' + String.fromCharCode(next);
        this.pos += 2;
        run = this.pos;
        continue;
      }
      this.pos++;
    }
    out += this.text.slice(run, this.pos);
    this.pos++;
    return out;
  }
  /** The next blank-separated token ('' at the end of the line). */
  token(): string {
    const start = this.pos;
    while (this.pos < this.text.length && !isBlank(this.text.charCodeAt(this.pos))) this.pos++;
    return this.text.slice(start, this.pos);
  }
  found(): string {
    return this.pos >= this.text.length ? 'end of line' : `'${this.text[this.pos] as string}'`;
  }
}

function labelsOf(line: Line): Record<string, string> {
  const labels: Record<string, string> = {};
  if (line.peek() !== 123) return labels;
  line.pos++;
  const seen = new Set<string>();
  for (;;) {
    line.skipBlanks();
    if (line.peek() === 125) break;
    const name = line.name(isLabelStart, isLabelChar, 'a label name');
    line.skipBlanks();
    if (line.peek() !== 61) line.fail(`expected '=' after label name ${name}, found ${line.found()}`);
    line.pos++;
    line.skipBlanks();
    const value = line.quoted();
    if (seen.has(name)) line.fail(`label ${name} appears twice`);
    seen.add(name);
    // __proto__ would set the object's prototype; remote_write drops it the same way.
    if (name !== '__proto__' && name !== '__name__') labels[name] = value;
    line.skipBlanks();
    const c = line.peek();
    if (c === 44) {
      line.pos++;
      continue;
    }
    if (c !== 125) line.fail(`expected ',' or '}' after the value of label ${name}, found ${line.found()}`);
  }
  line.pos++;
  return labels;
}

function sampleOf(line: Line, format: ExpositionFormat): ExposedSample {
  const name = line.name(isNameStart, isNameChar, 'a metric name');
  line.skipBlanks();
  const labels = labelsOf(line);
  line.skipBlanks();
  const rawValue = line.token();
  if (rawValue === '') line.fail(`metric ${name} has no value`);
  const value = parseValue(rawValue);
  if (value === undefined) line.fail(`value "${rawValue.slice(0, 40)}" of ${name} is not a number`);
  line.skipBlanks();
  let ts: number | null = null;
  if (line.pos < line.text.length && line.peek() !== 35) {
    const rawTs = line.token();
    if (format === 'text') {
      if (!INT.test(rawTs)) line.fail(`timestamp "${rawTs.slice(0, 40)}" of ${name} is not an integer of milliseconds`);
      ts = Number(rawTs);
    } else {
      const sec = FLOAT.test(rawTs) ? Number(rawTs) : NaN;
      if (!Number.isFinite(sec)) line.fail(`timestamp "${rawTs.slice(0, 40)}" of ${name} is not a number of seconds`);
      ts = Math.round(sec * 1000);
    }
    if (!Number.isSafeInteger(ts)) line.fail(`timestamp of ${name} is out of range`);
    line.skipBlanks();
  }
  if (line.pos < line.text.length) {
    // OpenMetrics exemplar (` # {trace_id="…"} 1.0 [ts]`): checked for its opening and otherwise ignored.
    if (format === 'openmetrics' && line.peek() === 35) {
      line.pos++;
      line.skipBlanks();
      if (line.peek() !== 123) line.fail(`expected an exemplar's labels after '#', found ${line.found()}`);
    } else line.fail(`unexpected ${line.found()} after the sample of ${name}`);
  }
  return { name, labels, value, ts };
}

/** `# HELP`, `# TYPE`, `# UNIT` or `# EOF`; other comments are ignored (the text format allows them). */
function commentOf(line: Line, format: ExpositionFormat, families: Map<string, ExposedFamily>): 'eof' | undefined {
  line.pos = 1;
  line.skipBlanks();
  const keyword = line.token();
  if (keyword === 'EOF' && format === 'openmetrics') {
    line.skipBlanks();
    if (line.pos < line.text.length) line.fail('unexpected text after # EOF');
    return 'eof';
  }
  if (keyword !== 'TYPE' && keyword !== 'UNIT' && keyword !== 'HELP') {
    if (format === 'openmetrics') line.fail(`unknown comment "# ${keyword.slice(0, 20)}" (OpenMetrics allows HELP, TYPE, UNIT and EOF)`);
    return undefined;
  }
  line.skipBlanks();
  const name = line.name(isNameStart, isNameChar, `a metric name after # ${keyword}`);
  if (keyword === 'HELP') return undefined;
  const sep = line.peek();
  if (sep !== -1 && !isBlank(sep)) line.fail(`unexpected ${line.found()} after the metric name in # ${keyword}`);
  line.skipBlanks();
  const word = line.token();
  line.skipBlanks();
  if (line.pos < line.text.length) line.fail(`unexpected text after # ${keyword} ${name} ${word}`);
  const family = families.get(name) ?? { type: 'untyped' };
  if (keyword === 'TYPE') {
    const type = TYPES[format][word];
    if (type === undefined) line.fail(`unknown metric type "${word.slice(0, 30)}" for ${name}`);
    families.set(name, { ...family, type });
  } else if (word !== '') families.set(name, { ...family, unit: word });
  return undefined;
}

/** Parses an exposition; throws ExpositionError naming the first malformed line. */
export function parseExposition(body: string, format: ExpositionFormat): Exposition {
  const samples: ExposedSample[] = [];
  const families = new Map<string, ExposedFamily>();
  let eof = false;
  let no = 0;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf('\n', start);
    if (end === -1) end = body.length;
    let text = body.slice(start, end);
    start = end + 1;
    no++;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (eof) throw new ExpositionError(no, 'text after # EOF');
    if (text.trim() === '') {
      if (format === 'openmetrics') throw new ExpositionError(no, 'empty line (OpenMetrics allows none)');
      continue;
    }
    const line = new Line(format === 'text' ? text.replace(/^[ \t]+/, '') : text, no);
    if (line.peek() === 35) {
      if (commentOf(line, format, families) === 'eof') eof = true;
      continue;
    }
    samples.push(sampleOf(line, format));
  }
  if (format === 'openmetrics' && !eof) throw new ExpositionError(no + 1, 'OpenMetrics exposition does not end with # EOF');
  return { samples, families };
}
