// Which series a set of matchers selects, planned over an inverted index: matchers that do not match the
// empty value narrow the candidates through postings (label value → series ids), the smallest first; the rest
// (`!=`, `!~`, regexes matching "") are checked on the candidates' labels. A set of only empty-matching
// matchers scans the tenant's series. Pure: the adapter supplies the postings.
import type { LabelMatcher, Labels } from '../promql/querier.js';
import { compileMatcher, matchesAll, type CompiledMatcher } from './labels.js';

export interface PostingsSource {
  /** Series ids having label `name` with a value for which `accept` holds (`exact` when there is one value). */
  postings(name: string, accept: (value: string) => boolean, exact?: string): Promise<number[]>;
  /** Every series id of the tenant. */
  all(): Promise<number[]>;
  /** Labels of series ids (missing ids are left out). */
  labels(ids: readonly number[]): Promise<Map<number, Labels>>;
}

/** Series ids and labels matching every matcher, ascending by id. */
export async function selectSeries(src: PostingsSource, matchers: readonly LabelMatcher[]): Promise<{ id: number; labels: Labels }[]> {
  const compiled = matchers.map(compileMatcher);
  const narrowing = compiled.filter((m) => !m.matchesEmpty);
  let ids: number[];
  if (narrowing.length === 0) {
    ids = await src.all();
  } else {
    // Equality first: its postings are one value's, the cheapest to read and usually the smallest.
    narrowing.sort((a, b) => rank(a) - rank(b));
    let set: Set<number> | undefined;
    for (const m of narrowing) {
      const list = await src.postings(m.name, m.matches, m.matcher.type === '=' ? m.matcher.value : undefined);
      if (set === undefined) set = new Set(list);
      else {
        const next = new Set<number>();
        for (const id of list) if (set.has(id)) next.add(id);
        set = next;
      }
      if (set.size === 0) return [];
    }
    ids = [...(set ?? [])];
  }
  ids.sort((a, b) => a - b);
  const labels = await src.labels(ids);
  const out: { id: number; labels: Labels }[] = [];
  for (const id of ids) {
    const l = labels.get(id);
    if (l && matchesAll(l, compiled)) out.push({ id, labels: l });
  }
  return out;
}

const rank = (m: CompiledMatcher): number => (m.matcher.type === '=' ? 0 : 1);
