// Label-set helpers the engine uses on every series: a canonical key (for maps and duplicate checks), Prometheus's
// ordering of label sets, its text form for error messages, and the metric-name drop rule.
import type { Labels } from './querier.js';

export const METRIC_NAME = '__name__';

/** Sorted label names of a set (Prometheus keeps label sets sorted by name). */
export function sortedNames(labels: Labels): string[] {
  return Object.keys(labels).sort(compareStrings);
}

/** Byte-order comparison of two strings, as Go compares them (UTF-16 order equals it outside surrogates). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A string that identifies the label set: equal sets give equal keys. Empty values are not labels. */
export function labelsKey(labels: Labels): string {
  let key = '';
  for (const name of sortedNames(labels)) {
    const value = labels[name] as string;
    if (value === '') continue;
    key += name + '\xff' + value + '\xff';
  }
  return key;
}

/** Prometheus's labels.Compare: pairwise by name then value, a prefix sorts first. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = sortedNames(a);
  const bn = sortedNames(b);
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    const x = an[i] as string;
    const y = bn[i] as string;
    if (x !== y) return compareStrings(x, y);
    const c = compareStrings(a[x] as string, b[y] as string);
    if (c !== 0) return c;
  }
  return an.length - bn.length;
}

/** The label set without `__name__`. */
export function dropMetricName(labels: Labels): Labels {
  if (!(METRIC_NAME in labels)) return labels;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k !== METRIC_NAME) out[k] = v;
  return out;
}

/** A copy without the given names. */
export function withoutLabels(labels: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!names.includes(k)) out[k] = v;
  return out;
}

/** A copy keeping only the given names. */
export function onlyLabels(labels: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = labels[n];
    if (v !== undefined && v !== '') out[n] = v;
  }
  return out;
}

/** Prometheus's labels.String(): `{a="b", c="d"}` with Go-quoted values. */
export function labelsString(labels: Labels): string {
  return '{' + sortedNames(labels).map((n) => `${n}=${goQuote(labels[n] as string)}`).join(', ') + '}';
}

/** Go's strconv.Quote for the characters label values hold in practice. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** Label names Prometheus accepts: [a-zA-Z_][a-zA-Z0-9_]*. */
export function isValidLabelName(name: string): boolean {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name);
}
