// PromQL text → our typed AST, using the official lezer grammar of Prometheus 2.42, then Prometheus's own semantic
// checks (checkAST): function arity and argument types, operand types, vector matching rules. Errors read as
// Prometheus's: `line:col: parse error: message`, the position that of the offending node.
import { parser as lezer } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import type { AggregateOp, AtModifier, BinaryOp, Expr, PosRange, SubqueryExpr, ValueType, VectorMatching, VectorSelector } from './ast.js';
import { documentedType, typeOf } from './ast.js';
import { ParseError } from './errors.js';
import { FUNCTIONS } from './functions-catalog.js';
import { parseDuration, parseGoFloat, unquote } from './lex.js';
import type { LabelMatcher, MatchType } from './querier.js';
import { compileAnchored } from './regex.js';

const MAX_QUERY_LENGTH = 64 * 1024;

/** Parses and type-checks a PromQL expression; throws ParseError. */
export function parseExpr(input: string): Expr {
  if (input.length > MAX_QUERY_LENGTH) throw new ParseError(positionOf(input, 0), `query is too long (at most ${MAX_QUERY_LENGTH} characters)`);
  const p: Converter = new Converter(input);
  const tree = lezer.parse(input);
  const top = tree.topNode;
  p.checkSyntax(top);
  const first = top.firstChild;
  if (first === null) p.fail(0, input.trim() === '' ? 'no expression found in input' : 'unexpected end of input');
  const expr = p.expr(first);
  if (first.nextSibling !== null) p.fail(first.nextSibling.from, `unexpected ${describeToken(input.slice(first.nextSibling.from, first.nextSibling.to))}`);
  p.check(expr);
  return expr;
}

/** Go's fmt %f: six decimals, the exact decimal expansion for large values. */
function goFormatF6(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (Math.abs(v) >= 1e21) return `${BigInt(v).toString()}.000000`;
  return v.toFixed(6);
}

function positionOf(input: string, offset: number): { line: number; column: number; offset: number } {
  // Go counts bytes; the column is the byte offset after the last line break, starting at 1.
  const before = Buffer.from(input.slice(0, offset), 'utf8');
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < before.length; i++) {
    if (before[i] === 0x0a) {
      line++;
      lastBreak = i;
    }
  }
  return { line, column: before.length - lastBreak, offset };
}

function describeToken(text: string): string {
  const t = text.trim();
  if (t === '') return 'end of input';
  if (/^[0-9.]/.test(t)) return `number "${t}"`;
  if (/^["'`]/.test(t)) return `string ${JSON.stringify(t)}`;
  if (/^[a-zA-Z_:]/.test(t)) return `identifier "${t.split(/[^a-zA-Z0-9_:]/)[0]}"`;
  const first = t[0] as string;
  if ('(){}[],'.includes(first)) return JSON.stringify(first);
  return `character ${JSON.stringify(first)}`;
}

const AGG_OPS = new Set<AggregateOp>(['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values']);
const BIN_OPS: Record<string, BinaryOp> = {
  Add: '+', Sub: '-', Mul: '*', Div: '/', Mod: '%', Pow: '^', Atan2: 'atan2',
  Eql: '==', Neq: '!=', Gtr: '>', Lss: '<', Gte: '>=', Lte: '<=', And: 'and', Or: 'or', Unless: 'unless',
};
const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

/** Mutable working copies while the modifiers (offset, @) are attached. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

class Converter {
  constructor(private readonly input: string) {}

  fail(offset: number, message: string): never {
    throw new ParseError(positionOf(this.input, offset), message);
  }

  text(n: SyntaxNode): string {
    return this.input.slice(n.from, n.to);
  }

  /** The first error node of the tree, or Prometheus's lexer error when that comes first, as Prometheus words it. */
  checkSyntax(top: SyntaxNode): void {
    let err: SyntaxNode | null = null;
    const cursor = top.cursor();
    do {
      if (cursor.type.isError) {
        err = cursor.node;
        break;
      }
    } while (cursor.next());
    const lexErr = lexerError(this.input);
    if (lexErr !== null && (err === null || err.from >= (lexErr.token ?? lexErr.offset))) this.fail(lexErr.offset, lexErr.message);
    if (err === null) return;
    const prev = err.prevSibling;
    const errText = this.text(err);
    if (prev !== null && prev.name === 'Identifier' && err.parent?.name === 'VectorSelector' && errText.startsWith('(')) {
      if (lexErr !== null) this.fail(lexErr.offset, lexErr.message);
      const name = this.text(prev);
      if (['atan2', 'and', 'or', 'unless'].includes(name.toLowerCase())) this.fail(prev.from, `unexpected <op:${name}>`);
      this.fail(prev.from, `unknown function with name "${name}"`);
    }
    if (err.from >= this.input.trimEnd().length) this.fail(this.input.length, 'unexpected end of input');
    const inBraces = err.parent?.name === 'LabelMatchers';
    if (inBraces) this.fail(err.from, `unexpected ${describeToken(errText)} in label matching, expected string`.replace('identifier', 'identifier'));
    this.fail(err.from, `unexpected ${describeToken(errText === '' ? this.input.slice(err.from) : errText)}`);
  }

  pos(n: SyntaxNode): PosRange {
    return { start: n.from, end: n.to };
  }

  children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c !== null; c = c.nextSibling) out.push(c);
    return out;
  }

  expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'NumberLiteral': {
        // The lezer grammar folds a sign into the literal; Prometheus reads it as a unary operator.
        const text = this.text(n);
        const sign = /^[+-]/.exec(text)?.[0];
        const digits = sign === undefined ? text : text.slice(1).trimStart();
        const v = parseGoFloat(digits);
        if (v === null) this.fail(n.from, `bad number or duration syntax: "${text}"`);
        const num: Expr = { kind: 'number', value: v, pos: { start: n.to - digits.length, end: n.to } };
        if (sign === undefined) return num;
        return { kind: 'unary', op: sign === '-' ? '-' : '+', expr: num, pos: this.pos(n) };
      }
      case 'StringLiteral':
        return { kind: 'string', value: this.unquote(n), pos: this.pos(n) };
      case 'ParenExpr': {
        const inner = n.firstChild;
        if (inner === null) this.fail(n.from, 'unexpected ")"');
        return { kind: 'paren', expr: this.expr(inner), pos: this.pos(n) };
      }
      case 'UnaryExpr': {
        const [op, inner] = this.children(n);
        if (op === undefined || inner === undefined) this.fail(n.from, 'unexpected end of input');
        return { kind: 'unary', op: this.text(op) === '-' ? '-' : '+', expr: this.expr(inner), pos: this.pos(n) };
      }
      case 'VectorSelector':
        return this.vectorSelector(n);
      case 'MatrixSelector':
        return this.matrixSelector(n);
      case 'SubqueryExpr':
        return this.subquery(n);
      case 'OffsetExpr':
        return this.offset(n);
      case 'StepInvariantExpr':
        return this.at(n);
      case 'FunctionCall':
        return this.call(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'BinaryExpr':
        return this.binary(n);
      default:
        return this.fail(n.from, `unexpected ${describeToken(this.text(n))}`);
    }
  }

  unquote(n: SyntaxNode): string {
    try {
      return unquote(this.text(n));
    } catch (err) {
      return this.fail(n.from, `error unquoting string ${JSON.stringify(this.text(n))}: ${(err as Error).message}`);
    }
  }

  duration(n: SyntaxNode): number {
    let ms: number;
    try {
      ms = parseDuration(this.text(n));
    } catch (err) {
      return this.fail(n.from, (err as Error).message);
    }
    if (ms === 0) this.fail(n.from, 'duration must be greater than 0');
    return ms;
  }

  vectorSelector(n: SyntaxNode): VectorSelector {
    let name: string | null = null;
    const matchers: LabelMatcher[] = [];
    for (const c of this.children(n)) {
      if (c.name === 'Identifier' || c.name === 'MetricName') name = this.text(c);
      else if (c.name === 'LabelMatchers') {
        for (const m of c.getChildren('LabelMatcher')) matchers.push(this.matcher(m));
      }
    }
    if (name !== null) {
      for (const m of matchers) {
        if (m.name === '__name__') this.fail(n.from, `metric name must not be set twice: "${name}" or "${m.value}"`);
      }
      matchers.push({ name: '__name__', type: '=', value: name });
    } else if (!matchers.some((m) => !matcherMatchesEmpty(m))) {
      this.fail(n.from, 'vector selector must contain at least one non-empty matcher');
    }
    return { kind: 'vectorSelector', name, matchers, offsetMs: 0, at: null, pos: this.pos(n) };
  }

  matcher(n: SyntaxNode): LabelMatcher {
    const nameNode = n.getChild('LabelName');
    const opNode = n.getChild('MatchOp');
    const valNode = n.getChild('StringLiteral');
    if (nameNode === null || opNode === null || valNode === null) return this.fail(n.from, 'unexpected end of input inside braces');
    const opName = opNode.firstChild?.name ?? '';
    const type = MATCH_OPS[opName];
    if (type === undefined) return this.fail(opNode.from, `unexpected ${this.text(opNode)} in label matching, expected label matching operator`);
    const value = this.unquote(valNode);
    if (type === '=~' || type === '!~') {
      try {
        compileAnchored(value);
      } catch (err) {
        this.fail(nameNode.from, (err as Error).message);
      }
    }
    return { name: this.text(nameNode), type, value };
  }

  matrixSelector(n: SyntaxNode): Expr {
    const [inner, dur] = this.children(n);
    if (inner === undefined || dur === undefined) return this.fail(n.from, 'unexpected end of input');
    const sel = this.expr(inner);
    if (sel.kind !== 'vectorSelector') {
      if (sel.kind === 'paren' || sel.kind === 'call' || sel.kind === 'aggregate' || sel.kind === 'binary') {
        return this.fail(n.from, 'ranges only allowed for vector selectors');
      }
      return this.fail(n.from, 'ranges only allowed for vector selectors');
    }
    if (sel.offsetMs !== 0) this.fail(inner.from, 'no offset modifiers allowed before range');
    if (sel.at !== null) this.fail(inner.from, 'no @ modifiers allowed before range');
    return { kind: 'matrixSelector', selector: sel, rangeMs: this.duration(dur), pos: this.pos(n) };
  }

  subquery(n: SyntaxNode): SubqueryExpr {
    const kids = this.children(n);
    const inner = kids[0];
    const durs = kids.filter((k) => k.name === 'Duration');
    if (inner === undefined || durs[0] === undefined) return this.fail(n.from, 'unexpected end of input');
    return {
      kind: 'subquery',
      expr: this.expr(inner),
      rangeMs: this.duration(durs[0]),
      stepMs: durs[1] === undefined ? 0 : this.duration(durs[1]),
      offsetMs: 0,
      at: null,
      pos: this.pos(n),
    };
  }

  /** `expr offset [-]duration`: attached to the selector or subquery underneath. */
  offset(n: SyntaxNode): Expr {
    const kids = this.children(n);
    const inner = kids[0];
    const dur = kids.find((k) => k.name === 'Duration');
    if (inner === undefined || dur === undefined) return this.fail(n.from, 'unexpected end of input');
    const negative = kids.some((k) => k.name === 'Sub');
    const ms = this.duration(dur) * (negative ? -1 : 1);
    const target = this.expr(inner);
    const end = { start: target.pos.start, end: n.to };
    if (target.kind === 'vectorSelector') {
      if (target.offsetMs !== 0) this.fail(n.from, 'offset may not be set multiple times');
      return { ...target, offsetMs: ms, pos: end };
    }
    if (target.kind === 'matrixSelector') {
      if (target.selector.offsetMs !== 0) this.fail(n.from, 'offset may not be set multiple times');
      return { ...target, selector: { ...target.selector, offsetMs: ms }, pos: end };
    }
    if (target.kind === 'subquery') {
      if (target.offsetMs !== 0) this.fail(n.from, 'offset may not be set multiple times');
      return { ...target, offsetMs: ms, pos: end };
    }
    return this.fail(n.from, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
  }

  /** `expr @ time|start()|end()` (the grammar calls the node StepInvariantExpr). */
  at(n: SyntaxNode): Expr {
    const kids = this.children(n);
    const inner = kids[0];
    const num = kids.find((k) => k.name === 'NumberLiteral');
    const pre = kids.find((k) => k.name === 'AtModifierPreprocessors');
    if (inner === undefined || (num === undefined && pre === undefined)) return this.fail(n.from, 'unexpected end of input');
    let at: AtModifier;
    if (num !== undefined) {
      const v = parseGoFloat(this.text(num));
      if (v === null) return this.fail(num.from, `bad number or duration syntax: "${this.text(num)}"`);
      if (!Number.isFinite(v) || Math.abs(v) >= 9.223372036854776e18) {
        return this.fail(n.from, `timestamp out of bounds for @ modifier: ${goFormatF6(v)}`);
      }
      // Prometheus's timestamp.FromFloatSeconds: int64(math.Round(ts * 1000)).
      at = { kind: 'time', ms: Math.round(v * 1000) + 0 };
    } else {
      at = { kind: pre?.firstChild?.name === 'Start' ? 'start' : 'end' };
    }
    const target = this.expr(inner);
    const end = { start: target.pos.start, end: n.to };
    const twice = (): never => this.fail(n.from, '@ <timestamp> may not be set multiple times');
    if (target.kind === 'vectorSelector') {
      if (target.at !== null) twice();
      return { ...target, at, pos: end };
    }
    if (target.kind === 'matrixSelector') {
      if (target.selector.at !== null) twice();
      return { ...target, selector: { ...target.selector, at }, pos: end };
    }
    if (target.kind === 'subquery') {
      if (target.at !== null) twice();
      return { ...target, at, pos: end };
    }
    return this.fail(n.from, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
  }

  call(n: SyntaxNode): Expr {
    const id = n.getChild('FunctionIdentifier');
    const body = n.getChild('FunctionCallBody');
    if (id === null || body === null) return this.fail(n.from, 'unexpected end of input');
    const name = this.text(id);
    const func = FUNCTIONS.get(name);
    if (func === undefined) return this.fail(id.from, `unknown function with name "${name}"`);
    const args = this.children(body).map((a) => this.expr(a));
    return { kind: 'call', func, args, pos: { start: n.from, end: n.to } };
  }

  aggregate(n: SyntaxNode): Expr {
    const opNode = n.getChild('AggregateOp');
    const body = n.getChild('FunctionCallBody');
    if (opNode === null || body === null) return this.fail(n.from, 'unexpected end of input');
    const op = this.text(opNode).toLowerCase() as AggregateOp;
    if (!AGG_OPS.has(op)) return this.fail(opNode.from, `unknown aggregation ${this.text(opNode)}`);
    const mod = n.getChild('AggregateModifier');
    let grouping: string[] = [];
    let without = false;
    if (mod !== null) {
      without = mod.getChild('Without') !== null;
      const gl = mod.getChild('GroupingLabels');
      grouping = gl === null ? [] : gl.getChildren('LabelName').map((l) => this.text(l));
    }
    const args = this.children(body);
    const needsParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
    if (args.length === 0) return this.fail(body.to, 'no arguments for aggregate expression provided');
    if (needsParam && args.length !== 2) return this.fail(body.from, `wrong number of arguments for aggregate expression provided, expected 2, got ${args.length}`);
    if (!needsParam && args.length !== 1) return this.fail(body.from, `wrong number of arguments for aggregate expression provided, expected 1, got ${args.length}`);
    const param = needsParam ? this.expr(args[0] as SyntaxNode) : null;
    const expr = this.expr(args[needsParam ? 1 : 0] as SyntaxNode);
    return { kind: 'aggregate', op, expr, param, grouping, without, pos: this.pos(n) };
  }

  binary(n: SyntaxNode): Expr {
    const kids = this.children(n);
    const lhsNode = kids[0];
    const rhsNode = kids[kids.length - 1];
    const opNode = kids[1];
    if (lhsNode === undefined || rhsNode === undefined || opNode === undefined || kids.length < 3) return this.fail(n.to, 'unexpected end of input');
    const op = BIN_OPS[opNode.name];
    if (op === undefined) return this.fail(opNode.from, `unexpected ${describeToken(this.text(opNode))}`);
    const returnBool = kids.some((k) => k.name === 'BoolModifier');
    const mm = kids.find((k) => k.name === 'MatchingModifierClause');
    let matching: Mutable<VectorMatching> = { card: 'one-to-one', on: false, labels: [], include: [] };
    if (mm !== null && mm !== undefined) {
      const lists = mm.getChildren('GroupingLabels').map((g) => g.getChildren('LabelName').map((l) => this.text(l)));
      matching = {
        card: mm.getChild('GroupLeft') !== null ? 'many-to-one' : mm.getChild('GroupRight') !== null ? 'one-to-many' : 'one-to-one',
        on: mm.getChild('On') !== null,
        labels: lists[0] ?? [],
        include: lists[1] ?? [],
      };
    }
    let lhs = this.expr(lhsNode);
    const rhs = this.expr(rhsNode);
    const opRange = { start: opNode.from, end: opNode.to };
    if (op === '^' && lhs.kind === 'unary' && lhsNode.name === 'NumberLiteral') {
      // `-2 ^ 2` is -(2 ^ 2) in Prometheus: the sign lezer put into the literal binds looser than ^.
      const unary = lhs;
      lhs = unary.expr;
      const inner: Expr = { kind: 'binary', op, lhs, rhs, returnBool, matching, pos: { start: lhs.pos.start, end: n.to, opStart: opRange.start } as PosRange };
      return { kind: 'unary', op: unary.op, expr: inner, pos: { start: n.from, end: n.to } };
    }
    return { kind: 'binary', op, lhs, rhs, returnBool, matching, pos: { start: n.from, end: n.to, opStart: opRange.start } as PosRange };
  }

  // ---- Prometheus's checkAST -------------------------------------------------------------------------------------

  expectType(e: Expr, want: ValueType, context: string): void {
    this.check(e);
    const got = typeOf(e);
    if (got !== want) this.fail(e.pos.start, `expected type ${documentedType(want)} in ${context}, got ${documentedType(got)}`);
  }

  check(e: Expr): void {
    switch (e.kind) {
      case 'number':
      case 'string':
      case 'vectorSelector':
        return;
      case 'matrixSelector':
        return;
      case 'paren':
      case 'stepInvariant':
        this.check(e.expr);
        return;
      case 'unary': {
        this.check(e.expr);
        const t = typeOf(e.expr);
        if (t !== 'scalar' && t !== 'vector') this.fail(e.pos.start, `unary expression only allowed on expressions of type scalar or instant vector, got "${documentedType(t)}"`);
        return;
      }
      case 'subquery': {
        this.check(e.expr);
        const t = typeOf(e.expr);
        if (t !== 'vector') this.fail(e.pos.start, `subquery is only allowed on instant vector, got ${t} instead`);
        return;
      }
      case 'aggregate':
        this.expectType(e.expr, 'vector', 'aggregation expression');
        if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'quantile') this.expectType(e.param as Expr, 'scalar', 'aggregation parameter');
        if (e.op === 'count_values') this.expectType(e.param as Expr, 'string', 'aggregation parameter');
        return;
      case 'call': {
        const f = e.func;
        const nargs = f.argTypes.length;
        if (f.variadic === 0) {
          if (nargs !== e.args.length) this.fail(e.pos.start, `expected ${nargs} argument(s) in call to "${f.name}", got ${e.args.length}`);
        } else {
          const na = nargs - 1;
          if (na > e.args.length) this.fail(e.pos.start, `expected at least ${na} argument(s) in call to "${f.name}", got ${e.args.length}`);
          const max = na + f.variadic;
          if (f.variadic > 0 && max < e.args.length) this.fail(e.pos.start, `expected at most ${max} argument(s) in call to "${f.name}", got ${e.args.length}`);
        }
        e.args.forEach((arg, i) => {
          const idx = i >= nargs ? nargs - 1 : i;
          if (i >= nargs && f.variadic === 0) return;
          this.expectType(arg, f.argTypes[idx] as ValueType, `call to function "${f.name}"`);
        });
        return;
      }
      case 'binary': {
        this.check(e.lhs);
        this.check(e.rhs);
        const lt = typeOf(e.lhs);
        const rt = typeOf(e.rhs);
        const opStart = (e.pos as PosRange & { opStart?: number }).opStart ?? e.pos.start;
        const isComparison = ['==', '!=', '>', '<', '>=', '<='].includes(e.op);
        const isSet = e.op === 'and' || e.op === 'or' || e.op === 'unless';
        if (e.returnBool && !isComparison) this.fail(opStart, 'bool modifier can only be used on comparison operators');
        if (isComparison && !e.returnBool && lt === 'scalar' && rt === 'scalar') this.fail(opStart, 'comparisons between scalars must use BOOL modifier');
        const m = e.matching as Mutable<VectorMatching>;
        if (isSet && m.card === 'one-to-one') m.card = 'many-to-many';
        if (m.on) {
          for (const l of m.labels) if (m.include.includes(l)) this.fail(opStart, `label "${l}" must not occur in ON and GROUP clause at once`);
        }
        if (lt !== 'scalar' && lt !== 'vector') this.fail(e.lhs.pos.start, 'binary expression must contain only scalar and instant vector types');
        if (rt !== 'scalar' && rt !== 'vector') this.fail(e.rhs.pos.start, 'binary expression must contain only scalar and instant vector types');
        if (lt !== 'vector' || rt !== 'vector') {
          if (m.labels.length > 0) this.fail(e.pos.start, 'vector matching only allowed between instant vectors');
          (e as Mutable<typeof e>).matching = null;
        } else if (isSet) {
          if (m.card === 'one-to-many' || m.card === 'many-to-one') this.fail(e.pos.start, `no grouping allowed for "${e.op}" operation`);
        }
        if ((lt === 'scalar' || rt === 'scalar') && isSet) this.fail(e.pos.start, `set operator "${e.op}" not allowed in binary scalar expression`);
        return;
      }
    }
  }
}

/** The errors Prometheus's lexer reports on its own: unbalanced parentheses, brackets and braces. */
function lexerError(input: string): { offset: number; token?: number; message: string } | null {
  let paren = 0;
  let bracket = false;
  let brace = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < input.length && input[j] !== c) j += c !== '`' && input[j] === '\\' ? 2 : 1;
      if (j >= input.length) return { offset: i, message: c === '`' ? 'unterminated raw string' : 'unterminated quoted string' };
      i = j;
      continue;
    }
    if (c === '#') {
      while (i < input.length && input[i] !== '\n') i++;
      continue;
    }
    if (brace) {
      if (c === '}') brace = false;
      continue;
    }
    if (c === '(') paren++;
    else if (c === ')') {
      // Prometheus's lexer reports this one after consuming the parenthesis.
      if (--paren < 0) return { offset: i + 1, token: i, message: "unexpected right parenthesis ')'" };
    } else if (c === '[') {
      if (bracket) return { offset: i, message: "unexpected left bracket '['" };
      bracket = true;
    } else if (c === ']') {
      if (!bracket) return { offset: i, message: "unexpected right bracket ']'" };
      bracket = false;
    } else if (c === '{') brace = true;
  }
  if (brace) return { offset: input.length, message: 'unexpected end of input inside braces' };
  if (paren > 0) return { offset: input.length, message: 'unclosed left parenthesis' };
  if (bracket) return { offset: input.length, message: 'unclosed left bracket' };
  return null;
}

function matcherMatchesEmpty(m: LabelMatcher): boolean {
  switch (m.type) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
      return compileAnchored(m.value).matches('');
    case '!~':
      return !compileAnchored(m.value).matches('');
  }
}
