// Traefik v3 router rules (Path, PathPrefix, Method, Host with &&, ||, !, parentheses), parsed and evaluated
// against a probe request, so the checks can ask which router a request would reach. Other matchers are
// reported as unsupported rather than guessed.

export type Rule =
  | { kind: 'matcher'; name: 'Path' | 'PathPrefix' | 'Method' | 'Host'; value: string }
  | { kind: 'not'; rule: Rule }
  | { kind: 'and' | 'or'; left: Rule; right: Rule };

export interface Probe {
  method: string;
  path: string;
  /** Undefined: any host (Host matchers then match, so path routing is checked independently of hosts). */
  host?: string;
}

const MATCHERS = ['Path', 'PathPrefix', 'Method', 'Host'] as const;
type MatcherName = (typeof MATCHERS)[number];

type Token = { t: 'id' | 'str'; v: string } | { t: '(' | ')' | ',' | '&&' | '||' | '!' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',' || c === '!') {
      out.push({ t: c });
      i++;
    } else if (src.startsWith('&&', i) || src.startsWith('||', i)) {
      out.push({ t: src.slice(i, i + 2) as '&&' | '||' });
      i += 2;
    } else if (c === '`' || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated string at ${i}`);
      out.push({ t: 'str', v: src.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      const m = /^[A-Za-z][A-Za-z0-9]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      throw new Error(`unexpected '${c}' at ${i}`);
    }
  }
  return out;
}

/** Parses a rule; throws an Error naming what is wrong and where. */
export function parseRule(src: string): Rule {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const expect = (t: Token['t']): Token => {
    const tok = tokens[pos];
    if (!tok || tok.t !== t) throw new Error(`expected '${t}' at token ${pos}`);
    pos++;
    return tok;
  };

  function orExpr(): Rule {
    let left = andExpr();
    while (peek()?.t === '||') {
      pos++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  }
  function andExpr(): Rule {
    let left = unary();
    while (peek()?.t === '&&') {
      pos++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  }
  function unary(): Rule {
    const tok = peek();
    if (tok?.t === '!') {
      pos++;
      return { kind: 'not', rule: unary() };
    }
    if (tok?.t === '(') {
      pos++;
      const inner = orExpr();
      expect(')');
      return inner;
    }
    if (tok?.t === 'id') {
      pos++;
      if (!(MATCHERS as readonly string[]).includes(tok.v)) throw new Error(`unsupported matcher ${tok.v}`);
      expect('(');
      const arg = expect('str') as { t: 'str'; v: string };
      if (peek()?.t === ',') throw new Error(`${tok.v} takes one value in Traefik v3`);
      expect(')');
      return { kind: 'matcher', name: tok.v as MatcherName, value: arg.v };
    }
    throw new Error(`unexpected token at ${pos}`);
  }

  const rule = orExpr();
  if (pos !== tokens.length) throw new Error(`unexpected trailing tokens at ${pos}`);
  return rule;
}

export function matches(rule: Rule, probe: Probe): boolean {
  switch (rule.kind) {
    case 'not':
      return !matches(rule.rule, probe);
    case 'and':
      return matches(rule.left, probe) && matches(rule.right, probe);
    case 'or':
      return matches(rule.left, probe) || matches(rule.right, probe);
    case 'matcher':
      switch (rule.name) {
        case 'Path':
          return probe.path === rule.value;
        case 'PathPrefix':
          return probe.path.startsWith(rule.value);
        case 'Method':
          return probe.method.toUpperCase() === rule.value.toUpperCase();
        case 'Host':
          return probe.host === undefined || probe.host.toLowerCase() === rule.value.toLowerCase();
      }
  }
}

export interface RulePath {
  value: string;
  /** PathPrefix (true) or an exact Path (false). */
  prefix: boolean;
}

/** The paths a rule names (Path and PathPrefix), outside negations. */
export function pathsOf(rule: Rule): RulePath[] {
  switch (rule.kind) {
    case 'not':
      return [];
    case 'and':
    case 'or':
      return [...pathsOf(rule.left), ...pathsOf(rule.right)];
    case 'matcher':
      return rule.name === 'Path' || rule.name === 'PathPrefix' ? [{ value: rule.value, prefix: rule.name === 'PathPrefix' }] : [];
  }
}
