// Go RE2 regular expressions, fully anchored as Prometheus anchors them, compiled once per pattern.
// RE2 semantics (no backtracking, linear time) come from re2js; lib/patterns will take this over when it lands.
import { RE2JS } from 're2js';

export interface AnchoredRegex {
  /** Whether the whole string matches. */
  matches(s: string): boolean;
  /** Submatch strings of a whole-string match (index 0 the whole), undefined for a group that did not take part; null when no match. */
  exec(s: string): (string | undefined)[] | null;
  /** Named groups → index. */
  readonly names: Readonly<Record<string, number>>;
}

const cache = new Map<string, AnchoredRegex>();

/** Compiles `^(?:pattern)$`; throws Error with RE2's message on bad syntax. */
export function compileAnchored(pattern: string): AnchoredRegex {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  const re = RE2JS.compile(`^(?:${pattern})$`);
  const groups = re.groupCount();
  const compiled: AnchoredRegex = {
    matches: (s) => re.matches(s),
    exec(s) {
      const m = re.matcher(s);
      if (!m.matches()) return null;
      const out: (string | undefined)[] = [];
      for (let i = 0; i <= groups; i++) {
        const g = m.group(i);
        out.push(g === null || g === undefined ? undefined : g);
      }
      return out;
    },
    names: re.namedGroups(),
  };
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

/** Go's Regexp.Expand for `$1`, `${1}`, `$name`, `${name}` and `$$`; unknown groups expand to nothing. */
export function expandTemplate(template: string, groups: readonly (string | undefined)[], names: Readonly<Record<string, number>>): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    let name: string;
    let next = template[i + 1] as string;
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      name = close < 0 ? '' : template.slice(i + 2, close);
      if (close < 0 || !/^\w+$/.test(name)) {
        out += c;
        continue;
      }
      i = close;
    } else {
      const m = /^\w+/.exec(template.slice(i + 1));
      if (m === null) {
        out += c;
        continue;
      }
      name = m[0];
      i += name.length;
    }
    next = name;
    let idx: number | undefined;
    if (/^\d+$/.test(next)) idx = Number(next);
    else idx = names[next];
    if (idx !== undefined && idx < groups.length) out += groups[idx] ?? '';
  }
  return out;
}
