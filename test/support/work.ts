// Counts the work a synchronous call does, in steps rather than time, so that tests of how parsers scale give
// the same answer on an idle machine and at load 30 (a time budget does not). Steps are counted two ways:
//  - always: one per character or element that a string, array, RegExp or JSON built-in touches on the call's
//    behalf (an indexOf the characters it scanned, a slice the ones it copied, JSON.parse its whole text,
//    charCodeAt one), so a loop that rescans its input is seen whatever its loop looks like;
//  - with `blocks`: also every execution of a block of the project's own code (V8's precise block coverage
//    counts each call and each loop iteration, however characters are read: `s[i]` too). Exact, but taking the
//    counts costs tens of milliseconds, so it suits a few large calls, not a property run's hundreds. It drives
//    the profiler that `vitest --coverage` (v8) uses too: the two do not mix.
// Not seen: the steps inside one regex match beyond the characters it scanned (backtracking), so `regexInputs`
// tells how long the texts given to regexes were.
import { Session } from 'node:inspector';

export interface Work<T> {
  steps: number;
  /** The length of every text a RegExp ran on during the call. */
  regexInputs: number[];
  /** What `fn` returned, or what it threw (a refusal is work done too; thrown errors carry no stack). */
  outcome: { ok: true; value: T } | { ok: false; error: unknown };
}

export interface WorkCounter {
  /** Runs `fn` and counts its steps. */
  count<T>(fn: () => T): Work<T>;
  close(): void;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;
type Weigh = (self: unknown, args: unknown[], result: unknown) => number;

const len = (v: unknown): number => (typeof v === 'string' || Array.isArray(v) ? v.length : 0);
const whole: Weigh = (self) => len(String(self));
const wholeArray: Weigh = (self) => (Array.isArray(self) ? self.length : 0);
const produced: Weigh = (_s, _a, result) => len(result);

// eslint-disable-next-line @typescript-eslint/unbound-method -- only ever called on a string
const stringIndexOf = String.prototype.indexOf;

/** An indexOf-like search from `from`: the characters it read up to the hit, or to the end. */
const searched: Weigh = (self, args, result) => {
  const s = String(self);
  const from = Math.max(0, Math.min(s.length, Number(args[1] ?? 0) || 0));
  const at = typeof result === 'number' ? result : result === true ? stringIndexOf.call(s, String(args[0]), from) : -1;
  return at < 0 ? s.length - from : at - from + len(String(args[0]));
};

const one: Weigh = () => 0;

const STRING_METHODS: Record<string, Weigh> = {
  charCodeAt: one,
  codePointAt: one,
  charAt: one,
  at: one,
  indexOf: searched,
  includes: searched,
  lastIndexOf: whole,
  startsWith: (_s, args) => len(String(args[0])),
  endsWith: (_s, args) => len(String(args[0])),
  slice: produced,
  substring: produced,
  substr: produced,
  split: whole,
  trim: whole,
  trimStart: whole,
  trimEnd: whole,
  toLowerCase: whole,
  toUpperCase: whole,
  normalize: whole,
  localeCompare: whole,
  padStart: produced,
  padEnd: produced,
  repeat: produced,
  concat: produced,
  replace: whole,
  replaceAll: whole,
  match: whole,
  matchAll: whole,
  search: whole,
};
const ARRAY_METHODS: Record<string, Weigh> = Object.fromEntries(
  ['indexOf', 'lastIndexOf', 'includes', 'join', 'slice', 'concat', 'some', 'every', 'find', 'findIndex', 'filter', 'map', 'forEach', 'reduce', 'fill', 'reverse', 'sort', 'splice', 'flat', 'flatMap'].map((m) => [m, wholeArray]),
);

function post<T>(session: Session, method: string, params?: object): T {
  let out: { err: Error | null; res: unknown } | undefined;
  session.post(method, params ?? {}, (err, res) => {
    out = { err, res };
  });
  // A session in the same thread answers before post returns.
  if (!out) throw new Error(`inspector did not answer ${method} synchronously`);
  if (out.err) throw out.err;
  return out.res as T;
}

interface Coverage {
  result: { url: string; functions: { ranges: { count: number }[] }[] }[];
}

/** The project's own code: what block counts are taken of. */
const projectScript = (url: string): boolean => url.includes('/') && !url.includes('/node_modules/') && !url.startsWith('node:') && !url.endsWith('/test/support/work.ts');

/** A counter of built-in work; with `blocks`, of the project's executed blocks as well (its `close()` ends that). */
export function createWorkCounter(options: { blocks?: boolean } = {}): WorkCounter {
  let session: Session | null = null;
  if (options.blocks === true) {
    session = new Session();
    session.connect();
    post(session, 'Profiler.enable');
    post(session, 'Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }
  /** Blocks executed since the last call (taking the coverage resets its counters). */
  const blocks = (): number => {
    if (!session) return 0;
    let n = 0;
    for (const script of post<Coverage>(session, 'Profiler.takePreciseCoverage').result) {
      if (!projectScript(script.url)) continue;
      for (const f of script.functions) for (const r of f.ranges) n += r.count;
    }
    return n;
  };
  return {
    count<T>(fn: () => T): Work<T> {
      blocks(); // resets the block counters, before any built-in is wrapped (the inspector's replies are JSON)
      let touched = 0;
      const regexInputs: number[] = [];
      const restore: (() => void)[] = [];
      const wrap = (proto: object, name: string, weigh: Weigh): void => {
        const original = (proto as Record<string, Method>)[name] as Method;
        (proto as Record<string, Method>)[name] = function (this: unknown, ...args: unknown[]): unknown {
          const result = original.apply(this, args);
          touched += 1 + weigh(this, args, result);
          return result;
        };
        restore.push(() => ((proto as Record<string, Method>)[name] = original));
      };
      for (const [name, weigh] of Object.entries(STRING_METHODS)) wrap(String.prototype, name, weigh);
      for (const [name, weigh] of Object.entries(ARRAY_METHODS)) wrap(Array.prototype, name, weigh);
      // RegExp's test, replace, split and match all go through exec once it is not the built-in.
      // eslint-disable-next-line @typescript-eslint/unbound-method -- only ever called on a RegExp
      const exec = RegExp.prototype.exec;
      RegExp.prototype.exec = function (this: RegExp, s: string): RegExpExecArray | null {
        const text = String(s);
        const start = this.global || this.sticky ? this.lastIndex : 0;
        const m = exec.call(this, text);
        regexInputs.push(text.length);
        touched += 1 + (m ? m.index + m[0].length - start : text.length - start);
        return m;
      };
      restore.push(() => (RegExp.prototype.exec = exec));
      const parse = JSON.parse;
      JSON.parse = (text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown): unknown => {
        touched += 1 + len(String(text));
        return parse(text, reviver);
      };
      restore.push(() => (JSON.parse = parse));
      // No stack traces meanwhile: formatting one maps it through the test runner's source maps (hundreds of
      // thousands of steps the first time), the harness's work, not the call's.
      const stackTraceLimit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      let outcome: Work<T>['outcome'];
      try {
        outcome = { ok: true, value: fn() };
      } catch (error) {
        outcome = { ok: false, error };
      } finally {
        for (let i = restore.length - 1; i >= 0; i--) (restore[i] as () => void)();
        Error.stackTraceLimit = stackTraceLimit;
      }
      return { steps: blocks() + touched, regexInputs, outcome };
    },
    close() {
      if (!session) return;
      post(session, 'Profiler.stopPreciseCoverage');
      post(session, 'Profiler.disable');
      session.disconnect();
      session = null;
    },
  };
}
