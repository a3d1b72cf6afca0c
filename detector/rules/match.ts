// Small matching helpers shared by rules and suppressions: label selectors, comparison operators,
// severity and log-level ranks. Pure functions.
import type { CompareOp } from './types.js';

/** Every selector label equals the target's (an empty selector matches everything). */
export function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

export function compare(x: number, op: CompareOp, v: number): boolean {
  switch (op) {
    case '>':
      return x > v;
    case '>=':
      return x >= v;
    case '<':
      return x < v;
    case '<=':
      return x <= v;
    case '==':
      return x === v;
    case '!=':
      return x !== v;
  }
}

export const SEVERITY_RANK: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
export const LEVEL_RANK: Record<string, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5, unknown: 0 };
