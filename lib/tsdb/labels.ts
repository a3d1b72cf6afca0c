// Series identity and label matching: the canonical key of a label set, Prometheus's rules for label names
// and values, and matchers compiled once (regexes fully anchored, as in Prometheus). Pure; no I/O.
import { compilePattern, type Pattern } from '../patterns/pattern.js';
import type { LabelMatcher, Labels } from '../promql/querier.js';

export const METRIC_NAME = '__name__';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Keys of frozen label sets: a decoder that hands out one frozen object per series makes a key cost nothing. */
const frozenKeys = new WeakMap<Labels, string>();

/**
 * The canonical key of a label set: names sorted, `name\u0000value` pairs joined by `\u0001`. Equal label sets
 * (in any order) have equal keys, and distinct ones distinct keys (neither byte can appear in a valid name,
 * and values are checked not to hold them). Computed once per frozen label set (it cannot change after).
 */
export function seriesKey(labels: Labels): string {
  if (!Object.isFrozen(labels)) return keyOf(labels);
  let key = frozenKeys.get(labels);
  if (key === undefined) frozenKeys.set(labels, (key = keyOf(labels)));
  return key;
}

// Joined, not built with +=: that makes a rope, a string object per piece, and a key is kept for as long as its
// series is active (the WeakMap above, the store writer's series map). 100k four-label keys in a Map took ~410
// bytes each (entry included) as ropes against ~120 flat; as fast either way.
function keyOf(labels: Labels): string {
  const names = Object.keys(labels).sort();
  const pairs: string[] = new Array<string>(names.length);
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as string;
    pairs[i] = n + '\u0000' + (labels[n] as string);
  }
  return pairs.join('\u0001');
}

/** Labels from a series key (the inverse of seriesKey). */
export function labelsOfKey(key: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (key === '') return out;
  for (const pair of key.split('\u0001')) {
    const cut = pair.indexOf('\u0000');
    out[pair.slice(0, cut)] = pair.slice(cut + 1);
  }
  return out;
}

export interface LabelLimits {
  /** Labels per series, `__name__` included. */
  maxLabels: number;
  maxNameLength: number;
  maxValueLength: number;
}

export const DEFAULT_LABEL_LIMITS: LabelLimits = Object.freeze({ maxLabels: 64, maxNameLength: 256, maxValueLength: 2048 });

/**
 * Why Prometheus would refuse this label set, or null when it is acceptable. Empty values are dropped by the
 * caller before (an empty label is an absent label, as in Prometheus).
 */
export function labelProblem(labels: Labels, limits: LabelLimits = DEFAULT_LABEL_LIMITS): string | null {
  const name = labels[METRIC_NAME];
  if (name === undefined || name === '') return 'series has no metric name (__name__)';
  if (!METRIC_NAME_RE.test(name)) return `invalid metric name "${name.slice(0, 100)}"`;
  const names = Object.keys(labels);
  if (names.length > limits.maxLabels) return `series has ${names.length} labels, over the limit of ${limits.maxLabels}`;
  for (const n of names) {
    if (n.length > limits.maxNameLength) return `label name "${n.slice(0, 100)}…" is longer than ${limits.maxNameLength}`;
    if (!LABEL_NAME.test(n)) return `invalid label name "${n.slice(0, 100)}"`;
    const v = labels[n] as string;
    if (v.length > limits.maxValueLength) return `value of label "${n}" is longer than ${limits.maxValueLength}`;
    if (v.includes('\u0000') || v.includes('\u0001')) return `value of label "${n}" holds a control character`;
  }
  return null;
}

/** A matcher compiled for repeated use. */
export interface CompiledMatcher {
  readonly name: string;
  readonly matcher: LabelMatcher;
  /** Whether a label value (`''` when the label is absent) satisfies the matcher. */
  readonly matches: (value: string) => boolean;
  /** Whether the empty value satisfies it: then series without the label match too. */
  readonly matchesEmpty: boolean;
}

/** Thrown for a matcher whose regular expression does not compile. */
export class MatcherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatcherError';
  }
}

export function compileMatcher(m: LabelMatcher): CompiledMatcher {
  let matches: (v: string) => boolean;
  switch (m.type) {
    case '=':
      matches = (v) => v === m.value;
      break;
    case '!=':
      matches = (v) => v !== m.value;
      break;
    case '=~':
    case '!~': {
      let re: Pattern;
      try {
        // Prometheus (RE2) anchors the whole expression and lets `.` match a newline; linear time (lib/patterns).
        re = compilePattern(m.value, { dotAll: true });
      } catch (err) {
        throw new MatcherError(`invalid regular expression in matcher ${m.name}${m.type}"${m.value.slice(0, 100)}": ${err instanceof Error ? err.message : String(err)}`);
      }
      matches = m.type === '=~' ? (v) => re.fullMatch(v) : (v) => !re.fullMatch(v);
      break;
    }
    default:
      throw new MatcherError(`unknown matcher type "${String(m.type)}"`);
  }
  return { name: m.name, matcher: m, matches, matchesEmpty: matches('') };
}

/** Whether a label set satisfies every matcher. */
export function matchesAll(labels: Labels, matchers: readonly CompiledMatcher[]): boolean {
  for (const m of matchers) if (!m.matches(labels[m.name] ?? '')) return false;
  return true;
}
