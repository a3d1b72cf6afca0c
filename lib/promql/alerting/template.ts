// Alert label and annotation templates: the subset of Go text/template that alerting rules use in practice,
// with Prometheus's data ($labels, $value, $externalLabels, .Labels, .Value) and formatting ({{ $value }}
// prints as Go's %v: 1e+06, 0.5). A missing label expands to "" (Prometheus sets missingkey=zero); anything we
// cannot read expands to Prometheus's "<error expanding template: …>".
import type { Labels } from '../querier.js';
import { formatGoE, formatGoF } from '../format.js';

export interface TemplateData {
  readonly labels: Labels;
  readonly externalLabels: Labels;
  readonly value: number;
}

/** Go's fmt %v of a float64: shortest digits, exponent form below 1e-4 and from 1e21… and from 1e6 (eprec 6). */
export function formatGoV(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  // log10 can be off by one at powers of ten; the exponent of the shortest form decides.
  const e = Number(/e([+-]\d+)$/.exec(v.toExponential())?.[1] ?? exp);
  return e < -4 || e >= 6 ? formatGoE(v) : formatGoF(v);
}

/** Prometheus's humanize: SI prefixes with 4 significant digits. */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return formatGoV(v);
  const abs = Math.abs(v);
  const big = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
  const small = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
  let x = v;
  let prefix: string;
  if (abs >= 1) {
    let i = 0;
    while (Math.abs(x) >= 1000 && i < big.length - 1) {
      x /= 1000;
      i++;
    }
    prefix = big[i] as string;
  } else {
    let i = 0;
    while (Math.abs(x) < 1 && i < small.length - 1) {
      x *= 1000;
      i++;
    }
    prefix = small[i] as string;
  }
  return `${goPrintfG4(x)}${prefix}`;
}

/** Go's %.4g. */
function goPrintfG4(x: number): string {
  const s = x.toPrecision(4);
  if (s.includes('e')) {
    const [m = '', ex = ''] = s.split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const n = Number(ex);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/g;

/** Expands `text` with the data; never throws. */
export function expandTemplate(text: string, data: TemplateData): string {
  try {
    return text.replace(ACTION, (_m, body: string) => evalAction(body.trim(), data));
  } catch (err) {
    return `<error expanding template: ${(err as Error).message}>`;
  }
}

function evalAction(body: string, data: TemplateData): string {
  // Pipelines: `x | f | g` applies f then g to x.
  const parts = body.split('|').map((p) => p.trim());
  let value = term(parts[0] as string, data);
  for (const fn of parts.slice(1)) value = apply(fn, [value]);
  return typeof value === 'number' ? formatGoV(value) : value;
}

function term(t: string, data: TemplateData): string | number {
  if (t === '$value' || t === '.Value') return data.value;
  let m: RegExpExecArray | null;
  if ((m = /^(?:\$labels|\.Labels)\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(t)) !== null) return data.labels[m[1] as string] ?? '';
  if ((m = /^(?:\$externalLabels|\.ExternalLabels)\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(t)) !== null) return data.externalLabels[m[1] as string] ?? '';
  if (/^(?:\$labels|\.Labels)$/.test(t)) return goMap(data.labels);
  if ((m = /^"((?:[^"\\]|\\.)*)"$/.exec(t)) !== null) return JSON.parse(`"${m[1]}"`) as string;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  const words = t.split(/\s+/);
  if (words.length > 1) return apply(words[0] as string, words.slice(1).map((w) => term(w, data)));
  throw new Error(`unsupported template expression "${t}"`);
}

function apply(fn: string, args: (string | number)[]): string | number {
  const num = (x: string | number | undefined): number => (typeof x === 'number' ? x : Number(x));
  switch (fn) {
    case 'humanize':
      return humanize(num(args[0]));
    case 'humanizePercentage':
      return `${goPrintfG4(num(args[0]) * 100)}%`;
    case 'toUpper':
      return String(args[0]).toUpperCase();
    case 'toLower':
      return String(args[0]).toLowerCase();
    case 'printf': {
      const [format, ...rest] = args;
      let i = 0;
      return String(format).replace(/%(\.(\d+))?([vdfgs%])/g, (all, _p, prec: string | undefined, verb: string) => {
        if (verb === '%') return '%';
        const a = rest[i++];
        if (verb === 'f') return num(a).toFixed(prec === undefined ? 6 : Number(prec));
        if (verb === 'd') return String(Math.trunc(num(a)));
        if (verb === 'g' && prec !== undefined) return goPrintfG4(num(a));
        return typeof a === 'number' ? formatGoV(a) : String(a ?? all);
      });
    }
    default:
      throw new Error(`function "${fn}" not defined`);
  }
}

function goMap(labels: Labels): string {
  return `map[${Object.keys(labels)
    .sort()
    .map((k) => `${k}:${labels[k]}`)
    .join(' ')}]`;
}
