// Label matchers as predicates: =, !=, and fully anchored RE2 =~ / !~; a missing label matches as "".
import type { LabelMatcher, Labels } from './querier.js';
import { compileAnchored } from './regex.js';

export type LabelPredicate = (value: string) => boolean;

/** A predicate for one matcher's label value; throws on a bad regular expression. */
export function compileMatcher(m: LabelMatcher): LabelPredicate {
  switch (m.type) {
    case '=':
      return (v) => v === m.value;
    case '!=':
      return (v) => v !== m.value;
    case '=~': {
      const re = compileAnchored(m.value);
      return (v) => re.matches(v);
    }
    case '!~': {
      const re = compileAnchored(m.value);
      return (v) => !re.matches(v);
    }
  }
}

/** Whether a label set satisfies every matcher. */
export function compileSelector(matchers: readonly LabelMatcher[]): (labels: Labels) => boolean {
  const preds = matchers.map((m) => [m.name, compileMatcher(m)] as const);
  return (labels) => preds.every(([name, p]) => p(labels[name] ?? ''));
}
