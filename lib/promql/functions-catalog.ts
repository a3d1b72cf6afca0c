// The functions PromQL 2.42 knows, with their argument and return types (the parser type-checks calls with these).
import type { ValueType } from './ast.js';

export interface FunctionDef {
  readonly name: string;
  readonly argTypes: readonly ValueType[];
  /** 0: exactly argTypes; n > 0: up to n optional trailing arguments; -1: the last type repeats without limit. */
  readonly variadic: number;
  readonly returnType: ValueType;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

const defs: FunctionDef[] = [];
function def(name: string, argTypes: ValueType[], returnType: ValueType = V, variadic = 0): void {
  defs.push({ name, argTypes, variadic, returnType });
}

for (const n of ['abs', 'absent', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'ceil', 'cos', 'cosh', 'deg', 'exp', 'floor', 'ln', 'log10', 'log2', 'rad', 'sgn', 'sin', 'sinh', 'sort', 'sort_desc', 'sqrt', 'tan', 'tanh', 'timestamp']) def(n, [V]);
for (const n of ['absent_over_time', 'avg_over_time', 'changes', 'count_over_time', 'delta', 'deriv', 'idelta', 'increase', 'irate', 'last_over_time', 'max_over_time', 'min_over_time', 'present_over_time', 'rate', 'resets', 'stddev_over_time', 'stdvar_over_time', 'sum_over_time']) def(n, [M]);
for (const n of ['days_in_month', 'day_of_month', 'day_of_week', 'day_of_year', 'hour', 'minute', 'month', 'year']) def(n, [V], V, 1);
def('clamp', [V, S, S]);
def('clamp_max', [V, S]);
def('clamp_min', [V, S]);
def('histogram_count', [V]);
def('histogram_sum', [V]);
def('histogram_fraction', [S, S, V]);
def('histogram_quantile', [S, V]);
def('holt_winters', [M, S, S]);
def('label_replace', [V, STR, STR, STR, STR]);
def('label_join', [V, STR, STR, STR], V, -1);
def('pi', [], S);
def('predict_linear', [M, S]);
def('quantile_over_time', [S, M]);
def('round', [V, S], V, 1);
def('scalar', [V], S);
def('time', [], S);
def('vector', [S]);

export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map(defs.map((d) => [d.name, d]));

/** Functions whose result depends on the evaluation time even under `@` (Prometheus's AtModifierUnsafeFunctions). */
export const AT_MODIFIER_UNSAFE: ReadonlySet<string> = new Set(['days_in_month', 'day_of_month', 'day_of_week', 'day_of_year', 'hour', 'minute', 'month', 'year', 'predict_linear', 'time', 'timestamp']);
