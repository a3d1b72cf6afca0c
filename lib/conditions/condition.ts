// HTTP check conditions in Gatus's language (`[STATUS] == 200`, `[BODY].data.status == UP`,
// `len([BODY].items) > 0`, `[CERTIFICATE_EXPIRATION] > 48h`, `[BODY] == pat(*ok*)`, `[STATUS] == any(200, 429)`):
// parsed once into an AST with errors that give their position, evaluated per response. `pat()` is Gatus's
// wildcard pattern (`*` any run of characters), run on the linear-time pattern engine. Pure.
import { globPattern, type Pattern } from '../patterns/pattern.js';

export const CONDITION_OPS = ['==', '!=', '<=', '>=', '<', '>'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];
export const PLACEHOLDERS = ['STATUS', 'RESPONSE_TIME', 'BODY', 'CERTIFICATE_EXPIRATION', 'IP', 'CONNECTED'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** A step of a body path: an object key or an array index. */
export type PathStep = string | number;

export type Operand =
  | { kind: 'placeholder'; name: Placeholder; path: PathStep[]; fn: 'len' | 'has' | null; text: string }
  | { kind: 'literal'; value: string }
  | { kind: 'pat'; pattern: Pattern; text: string }
  | { kind: 'any'; values: string[] };

export interface Condition {
  source: string;
  left: Operand;
  op: ConditionOp;
  right: Operand;
}

export class ConditionError extends Error {
  /** 1-based character position in the condition. */
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(`at character ${position}: ${reason}`);
    this.name = 'ConditionError';
  }
}

/** The operator outside parentheses, two-character ones first (so `<=` is not read as `<`). */
function findOperator(s: string): { op: ConditionOp; at: number } | null {
  for (const op of CONDITION_OPS) {
    let depth = 0;
    for (let i = 0; i + op.length <= s.length; i++) {
      const c = s[i];
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (depth === 0 && s.startsWith(op, i)) {
        // `<` and `>` must not be half of a two-character operator.
        if (op.length === 1 && (s[i + 1] === '=' || (i > 0 && (s[i - 1] === '<' || s[i - 1] === '>' || s[i - 1] === '=' || s[i - 1] === '!')))) continue;
        return { op, at: i };
      }
    }
  }
  return null;
}

function parsePath(rest: string, offset: number): PathStep[] {
  const steps: PathStep[] = [];
  let i = 0;
  while (i < rest.length) {
    if (rest[i] === '.') {
      const m = /^\.([^.[\]\s]+)/.exec(rest.slice(i));
      if (!m) throw new ConditionError(offset + i + 1, 'expected a key after "."');
      steps.push(m[1] as string);
      i += m[0].length;
    } else if (rest[i] === '[') {
      const m = /^\[(\d+)\]/.exec(rest.slice(i));
      if (!m) throw new ConditionError(offset + i + 1, 'expected an array index like [0]');
      steps.push(Number(m[1]));
      i += m[0].length;
    } else {
      throw new ConditionError(offset + i + 1, `unexpected ${JSON.stringify(rest[i])} in a body path`);
    }
  }
  return steps;
}

function parsePlaceholder(text: string, offset: number, fn: 'len' | 'has' | null, shown = text): Operand {
  const m = /^\[([A-Z_]+)\]/.exec(text);
  if (!m) throw new ConditionError(offset + 1, `expected a placeholder such as [STATUS] or [BODY], got ${JSON.stringify(text)}`);
  const name = m[1] as string;
  if (!(PLACEHOLDERS as readonly string[]).includes(name)) throw new ConditionError(offset + 2, `unknown placeholder [${name}] (known: ${PLACEHOLDERS.map((p) => `[${p}]`).join(', ')})`);
  const rest = text.slice(m[0].length);
  if (rest !== '' && name !== 'BODY') throw new ConditionError(offset + m[0].length + 1, `only [BODY] takes a path`);
  return { kind: 'placeholder', name: name as Placeholder, path: parsePath(rest, offset + m[0].length), fn, text: shown };
}

function parseOperand(raw: string, offset: number): Operand {
  const lead = raw.length - raw.trimStart().length;
  const text = raw.trim();
  const at = offset + lead;
  if (text === '') throw new ConditionError(at + 1, 'missing operand');
  const call = /^(len|has|pat|any)\((.*)\)$/s.exec(text);
  if (call) {
    const fn = call[1] as string;
    const inner = call[2] as string;
    const innerAt = at + fn.length + 1;
    if (fn === 'pat') {
      if (inner === '') throw new ConditionError(innerAt + 1, 'pat() needs a pattern');
      return { kind: 'pat', pattern: globPattern(inner), text };
    }
    if (fn === 'any') return { kind: 'any', values: inner.split(',').map((v) => v.trim()) };
    return parsePlaceholder(inner.trim(), innerAt + (inner.length - inner.trimStart().length), fn as 'len' | 'has', text);
  }
  if (/^[a-z]+\(/.test(text)) throw new ConditionError(at + 1, `unknown function ${text.slice(0, text.indexOf('('))}() (known: len, has, pat, any)`);
  if (text.startsWith('[') && /^\[[A-Z_]+\]/.test(text)) return parsePlaceholder(text, at, null);
  return { kind: 'literal', value: text };
}

/** Parses one condition; throws ConditionError with the position of the problem. */
export function parseCondition(source: string): Condition {
  if (source.length > 1024) throw new ConditionError(1025, 'a condition is at most 1024 characters');
  const found = findOperator(source);
  if (!found) throw new ConditionError(1, 'no comparison operator (==, !=, <, <=, >, >=)');
  const left = parseOperand(source.slice(0, found.at), 0);
  const right = parseOperand(source.slice(found.at + found.op.length), found.at + found.op.length);
  if (left.kind === 'pat' || left.kind === 'any') throw new ConditionError(1, `${left.kind}() belongs on the right-hand side`);
  if ((right.kind === 'pat' || right.kind === 'any') && found.op !== '==' && found.op !== '!=') throw new ConditionError(found.at + 1, `${right.kind}() works with == and != only`);
  return { source, left, op: found.op, right };
}

/** What a response offers the placeholders. */
export interface ConditionContext {
  status?: number;
  responseTimeMs: number;
  body?: string;
  /** Time until the server certificate expires, ms (https only). */
  certificateExpirationMs?: number;
  ip?: string;
  connected: boolean;
}

const MISSING = Symbol('missing');
type Resolved = string | typeof MISSING;

function walk(json: unknown, path: PathStep[]): unknown {
  let v = json;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(v) || step >= v.length) return MISSING;
      v = v[step] as unknown;
    } else {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, step)) return MISSING;
      v = (v as Record<string, unknown>)[step];
    }
  }
  return v;
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

class Evaluation {
  private json: unknown = MISSING;
  private parsed = false;
  constructor(private readonly ctx: ConditionContext) {}

  private bodyJson(): unknown {
    if (!this.parsed) {
      this.parsed = true;
      try {
        this.json = JSON.parse(this.ctx.body ?? '') as unknown;
      } catch {
        this.json = MISSING;
      }
    }
    return this.json;
  }

  resolve(o: Operand): Resolved {
    if (o.kind === 'literal') return o.value;
    if (o.kind !== 'placeholder') return MISSING;
    let value: unknown;
    switch (o.name) {
      case 'STATUS':
        value = this.ctx.status ?? MISSING;
        break;
      case 'RESPONSE_TIME':
        value = this.ctx.responseTimeMs;
        break;
      case 'CERTIFICATE_EXPIRATION':
        value = this.ctx.certificateExpirationMs ?? 0;
        break;
      case 'IP':
        value = this.ctx.ip ?? MISSING;
        break;
      case 'CONNECTED':
        value = this.ctx.connected;
        break;
      case 'BODY':
        value = o.path.length === 0 ? (this.ctx.body ?? '') : walk(this.bodyJson(), o.path);
        break;
    }
    if (o.fn === 'has') return String(value !== MISSING);
    if (value === MISSING) return MISSING;
    if (o.fn === 'len') return String(Array.isArray(value) ? value.length : typeof value === 'string' ? value.length : value !== null && typeof value === 'object' ? Object.keys(value).length : asText(value).length);
    return asText(value);
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A number, or a Go-style duration (`48h`, `1h30m`, `500ms`) as milliseconds; null otherwise. */
export function numberOf(text: string): number | null {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return null;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (DURATION_UNITS[p[2] as string] as number), 0);
}

function shown(o: Operand, v: Resolved): string {
  if (o.kind === 'placeholder') return `${o.text} (${v === MISSING ? 'missing' : v.length > 60 ? `${v.slice(0, 57)}...` : v})`;
  if (o.kind === 'literal') return o.value;
  if (o.kind === 'pat') return o.text;
  return `any(${o.values.join(', ')})`;
}

/** Null when the condition holds; else the condition with its resolved values, as Gatus shows it. */
function failedCondition(c: Condition, e: Evaluation): string | null {
  const l = e.resolve(c.left);
  const r = e.resolve(c.right);
  let holds: boolean;
  if (l === MISSING) holds = false;
  else if (c.op === '==' || c.op === '!=') {
    let equal: boolean;
    if (c.right.kind === 'pat') equal = c.right.pattern.fullMatch(l);
    else if (c.right.kind === 'any') equal = c.right.values.includes(l);
    else equal = r !== MISSING && l === r;
    holds = c.op === '==' ? equal : !equal;
  } else {
    const a = numberOf(l);
    const b = r === MISSING ? null : numberOf(r);
    holds = a !== null && b !== null && (c.op === '<' ? a < b : c.op === '<=' ? a <= b : c.op === '>' ? a > b : a >= b);
  }
  return holds ? null : `${shown(c.left, l)} ${c.op} ${shown(c.right, r)}`;
}

/** The first condition that does not hold, rendered with its values; null when all hold. */
export function firstFailed(conditions: readonly Condition[], ctx: ConditionContext): string | null {
  const e = new Evaluation(ctx);
  for (const c of conditions) {
    const f = failedCondition(c, e);
    if (f !== null) return f;
  }
  return null;
}
