// A runner for PromQL test scripts in Prometheus's `load` / `eval` format (our own cases live in ../testdata):
//
//   load 5m                                   series sampled every 5m from t=0
//     http_requests{job="api"} 0+10x10 _ stale 1x3
//   eval instant at 50m sum(http_requests)    expected samples follow, one a line, in any order
//     {} 100
//   eval_ordered instant at 50m sort(x)       …in exactly this order
//   eval_fail instant at 50m x + on() y       the query must fail; an indented `error: text` pins the message
//   eval range from 0 to 10m step 1m rate(x[5m])   expected series as value sequences (`_` = no point)
//     {job="api"} 0.1x10
//   clear                                     drops everything loaded
//
// Values: `a+bxN` (N+1 values a, a+b, …), `axN`, `_` / `_xN` (gaps), `stale` (a stale marker), numbers, Inf, NaN.
import type { Labels } from '../querier.js';
import { STALE_NAN, setStaleNaN } from '../querier.js';
import type { Engine, EngineOptions } from '../engine.js';
import { createEngine } from '../engine.js';
import { createMemoryQuerier } from '../memory-querier.js';
import type { MemorySeries } from '../memory-querier.js';
import { parseExpr } from '../parse.js';
import { parseDuration, parseGoFloat } from '../lex.js';
import { labelsKey, labelsString } from '../labels.js';
import { formatSampleValue } from '../format.js';
import type { QueryResult } from '../result.js';
import { PromQLError } from '../errors.js';

export interface ScriptCase {
  /** 1-based line of the eval command. */
  readonly line: number;
  readonly title: string;
  /** Resolves when the case holds; rejects with a message saying what differs. */
  run(): Promise<void>;
}

/** A sample value or a gap (undefined) per step. */
type Sequence = (number | undefined)[];

interface Expectation {
  readonly labels: Labels | null; // null: a scalar
  readonly values: Sequence;
}

/** Parses a script into cases; each case evaluates against the samples loaded before it. */
export function parseScript(text: string, options: EngineOptions = {}): ScriptCase[] {
  const engine = createEngine(options);
  const lines = text.split('\n');
  let loaded: MemorySeries[] = [];
  const cases: ScriptCase[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const body: { line: number; text: string }[] = [];
    while (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1] as string) && !(lines[i + 1] as string).trim().startsWith('#')) {
      body.push({ line: i + 2, text: (lines[++i] as string).trim() });
    }
    const at = i + 1 - body.length;
    if (line === 'clear') {
      loaded = [];
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^load\s+(\S+)$/.exec(line)) !== null) {
      loaded = [...loaded, ...parseLoad(parseDuration(m[1] as string), body)];
      continue;
    }
    if ((m = /^(eval|eval_ordered|eval_fail)\s+instant\s+at\s+(\S+)\s+(.+)$/.exec(line)) !== null) {
      cases.push(instantCase(engine, [...loaded], at, m[1] as string, parseTime(m[2] as string), m[3] as string, body));
      continue;
    }
    if ((m = /^(eval|eval_fail)\s+range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.+)$/.exec(line)) !== null) {
      const range = { start: parseTime(m[2] as string), end: parseTime(m[3] as string), step: parseDuration(m[4] as string) };
      cases.push(rangeCase(engine, [...loaded], at, m[1] as string, range, m[5] as string, body));
      continue;
    }
    throw new Error(`line ${at}: cannot read "${line}"`);
  }
  return cases;
}

function parseTime(s: string): number {
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  return parseDuration(s);
}

function splitSeriesLine(text: string): [string, string] {
  // The metric part ends at the closing brace, or at the first space when there are no braces.
  const brace = text.indexOf('{');
  const space = text.search(/\s/);
  if (brace >= 0 && (space < 0 || brace < space)) {
    const close = text.indexOf('}', brace);
    return [text.slice(0, close + 1), text.slice(close + 1).trim()];
  }
  if (space < 0) return [text, ''];
  return [text.slice(0, space), text.slice(space + 1).trim()];
}

function parseLabels(desc: string): Labels | null {
  if (/^[-+0-9.]|^(Inf|NaN|-Inf|\+Inf)$/i.test(desc)) return null;
  if (desc === '{}') return {};
  const e = parseExpr(desc);
  if (e.kind !== 'vectorSelector') throw new Error(`not a series description: ${desc}`);
  const out: Record<string, string> = {};
  for (const m of e.matchers) out[m.name] = m.value;
  return out;
}

/** Expands a value sequence like `0+10x3 _ stale 1x2`. */
export function parseSequence(text: string): Sequence {
  const out: Sequence = [];
  for (const tok of text.split(/\s+/).filter((t) => t !== '')) {
    let m: RegExpExecArray | null;
    if (tok === '_') out.push(undefined);
    else if ((m = /^_x(\d+)$/.exec(tok)) !== null) for (let i = 0; i < Number(m[1]); i++) out.push(undefined);
    else if (tok === 'stale') out.push(STALE_NAN);
    else if ((m = /^(.+?)([+-][^x]+)x(\d+)$/.exec(tok)) !== null && num(m[1] as string) !== null && num(m[2] as string) !== null) {
      const start = num(m[1] as string) as number;
      const inc = num(m[2] as string) as number;
      for (let i = 0; i <= Number(m[3]); i++) out.push(start + i * inc);
    } else if ((m = /^(.+)x(\d+)$/.exec(tok)) !== null && num(m[1] as string) !== null) {
      for (let i = 0; i <= Number(m[2]); i++) out.push(num(m[1] as string) as number);
    } else {
      const v = num(tok);
      if (v === null) throw new Error(`bad value "${tok}"`);
      out.push(v);
    }
  }
  return out;
}

/** Steps of a sequence that are stale markers (their NaN payload cannot survive a plain array). */
function staleSteps(text: string): Set<number> {
  const out = new Set<number>();
  let step = 0;
  for (const tok of text.split(/\s+/).filter((t) => t !== '')) {
    if (tok === 'stale') out.add(step);
    step += parseSequence(tok).length;
  }
  return out;
}

function num(s: string): number | null {
  return parseGoFloat(s);
}

function parseLoad(stepMs: number, body: readonly { line: number; text: string }[]): MemorySeries[] {
  return body.map(({ line, text }) => {
    const [desc, values] = splitSeriesLine(text);
    const labels = parseLabels(desc);
    if (labels === null) throw new Error(`line ${line}: a series needs a name or labels`);
    const seq = parseSequence(values);
    const stale = staleSteps(values);
    const n = seq.filter((v) => v !== undefined).length;
    const timestamps = new Float64Array(n);
    const vals = new Float64Array(n);
    let j = 0;
    seq.forEach((v, i) => {
      if (v === undefined) return;
      timestamps[j] = i * stepMs;
      if (Object.is(v, STALE_NAN) && stale.has(i)) setStaleNaN(vals, j);
      else vals[j] = v;
      j++;
    });
    return { labels, timestamps, values: vals };
  });
}

function parseExpectations(body: readonly { line: number; text: string }[]): { expected: Expectation[]; error: string | null } {
  const expected: Expectation[] = [];
  let error: string | null = null;
  for (const { text } of body) {
    if (text.startsWith('error:')) {
      error = text.slice('error:'.length).trim();
      continue;
    }
    const [desc, values] = splitSeriesLine(text);
    const labels = parseLabels(desc);
    expected.push(labels === null ? { labels: null, values: parseSequence(text) } : { labels, values: parseSequence(values) });
  }
  return { expected, error };
}

/** Prometheus's test comparison: equal, both NaN, or within 1e-6 relative. */
function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || diff < Number.MIN_VALUE) return diff < 1e-6 * Number.MIN_VALUE;
  return diff / (Math.abs(a) + Math.abs(b)) < 1e-6;
}

function show(labels: Labels | null, seq: Sequence): string {
  return `${labels === null ? 'scalar' : labelsString(labels)} ${seq.map((v) => (v === undefined ? '_' : formatSampleValue(v))).join(' ')}`;
}

async function expectFailure(run: () => Promise<QueryResult>, error: string | null): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof PromQLError)) throw err;
    if (error !== null && err.message !== error) throw new Error(`expected error "${error}", got "${err.message}"`, { cause: err });
    return;
  }
  throw new Error('expected the query to fail, it succeeded');
}

function instantCase(engine: Engine, series: MemorySeries[], line: number, kind: string, timeMs: number, query: string, body: { line: number; text: string }[]): ScriptCase {
  return {
    line,
    title: `line ${line}: ${kind} instant at ${timeMs / 1000}s ${query}`,
    async run() {
      const querier = createMemoryQuerier(series);
      const { expected, error } = parseExpectations(body);
      if (kind === 'eval_fail') return expectFailure(() => engine.instantQuery(querier, query, timeMs), error);
      const res = await engine.instantQuery(querier, query, timeMs);
      let got: Expectation[];
      if (res.resultType === 'scalar') got = [{ labels: null, values: [res.result.value] }];
      else if (res.resultType === 'vector') got = res.result.map((s) => ({ labels: s.labels, values: [s.value] }));
      else if (res.resultType === 'matrix') got = res.result.map((s) => ({ labels: s.labels, values: Array.from(s.values) }));
      else throw new Error(`string results are not compared (got "${res.result.value}")`);
      compare(expected, got, kind === 'eval_ordered', res.resultType === 'matrix');
    },
  };
}

function rangeCase(engine: Engine, series: MemorySeries[], line: number, kind: string, r: { start: number; end: number; step: number }, query: string, body: { line: number; text: string }[]): ScriptCase {
  return {
    line,
    title: `line ${line}: ${kind} range ${r.start / 1000}s..${r.end / 1000}s step ${r.step / 1000}s ${query}`,
    async run() {
      const querier = createMemoryQuerier(series);
      const { expected, error } = parseExpectations(body);
      if (kind === 'eval_fail') return expectFailure(() => engine.rangeQuery(querier, query, r.start, r.end, r.step), error);
      const res = await engine.rangeQuery(querier, query, r.start, r.end, r.step);
      if (res.resultType !== 'matrix') throw new Error(`expected a matrix, got ${res.resultType}`);
      const steps = Math.floor((r.end - r.start) / r.step) + 1;
      const got = res.result.map((s) => {
        const seq: Sequence = new Array<number | undefined>(steps).fill(undefined);
        s.timestampsMs.forEach((t, i) => {
          seq[(t - r.start) / r.step] = s.values[i];
        });
        return { labels: s.labels, values: seq };
      });
      const padded = expected.map((e) => ({ labels: e.labels ?? {}, values: [...e.values, ...new Array<undefined>(Math.max(0, steps - e.values.length)).fill(undefined)] }));
      compare(padded, got, false, false);
    },
  };
}

function compare(expected: readonly Expectation[], got: readonly Expectation[], ordered: boolean, exactPoints: boolean): void {
  const problems: string[] = [];
  const key = (l: Labels | null): string => (l === null ? '<scalar>' : labelsKey(l));
  const byKey = new Map(got.map((g, i) => [key(g.labels), { g, i }]));
  expected.forEach((e, idx) => {
    const hit = byKey.get(key(e.labels));
    if (hit === undefined) {
      problems.push(`missing ${show(e.labels, e.values)}`);
      return;
    }
    byKey.delete(key(e.labels));
    if (ordered && hit.i !== idx) problems.push(`${show(e.labels, e.values)} expected at position ${idx}, got ${hit.i}`);
    const a = e.values;
    const b = hit.g.values;
    const n = exactPoints ? Math.max(a.length, b.length) : a.length;
    let same = a.length === b.length || !exactPoints;
    for (let i = 0; i < n && same; i++) {
      const x = a[i];
      const y = b[i];
      if (x === undefined || y === undefined) same = x === y;
      else same = almostEqual(x, y);
    }
    if (!same) problems.push(`expected ${show(e.labels, a)}, got ${show(hit.g.labels, b)}`);
  });
  for (const { g } of byKey.values()) problems.push(`unexpected ${show(g.labels, g.values)}`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
}
