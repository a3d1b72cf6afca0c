// What the status board shows of its targets: the filter (search text with `label=value` terms, states),
// the sort, the grouping by a label and the counts per state. Pure, so 10,000 rows are filtered in a few
// milliseconds and the rules are tested without a browser.
import { TARGET_STATES, type TargetState } from '../../../lib/board/state.js';
import type { BoardTarget } from '../../../lib/board/wire.js';

export interface BoardQuery {
  /** Words match the name (case-insensitive substring); `key=value` terms match labels; `key=` any value. */
  text: string;
  states: ReadonlySet<TargetState>;
  sort: SortKey;
  groupBy: string;
}

export const SORT_KEYS = ['state', 'name', 'latency', 'contact'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Worst first: what needs a person comes to the top. */
export const STATE_RANK: Record<TargetState, number> = { down: 0, late: 1, silenced: 2, pending: 3, maintenance: 4, paused: 5, up: 6 };

interface Parsed {
  words: string[];
  labels: Array<[string, string | null]>;
}

export function parseFilter(text: string): Parsed {
  const words: string[] = [];
  const labels: Array<[string, string | null]> = [];
  for (const term of text.trim().split(/\s+/)) {
    if (!term) continue;
    const eq = term.indexOf('=');
    if (eq > 0) labels.push([term.slice(0, eq), eq === term.length - 1 ? null : term.slice(eq + 1)]);
    else words.push(term.toLowerCase());
  }
  return { words, labels };
}

export function matches(t: BoardTarget, p: Parsed, states: ReadonlySet<TargetState>): boolean {
  if (states.size > 0 && !states.has(t.state)) return false;
  if (p.words.length > 0) {
    const name = t.name.toLowerCase();
    for (const w of p.words) if (!name.includes(w)) return false;
  }
  for (const [k, v] of p.labels) {
    const have = t.labels[k];
    if (have === undefined || (v !== null && have !== v)) return false;
  }
  return true;
}

const lastContact = (t: BoardTarget): number => t.lastHeartbeatAt ?? t.lastCheckAt ?? -1;

export function compare(key: SortKey): (a: BoardTarget, b: BoardTarget) => number {
  const byName = (a: BoardTarget, b: BoardTarget): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  switch (key) {
    case 'name':
      return byName;
    case 'state':
      return (a, b) => STATE_RANK[a.state] - STATE_RANK[b.state] || byName(a, b);
    case 'latency':
      return (a, b) => (b.latencyMs ?? -1) - (a.latencyMs ?? -1) || byName(a, b);
    case 'contact':
      return (a, b) => lastContact(a) - lastContact(b) || byName(a, b);
  }
}

export interface Group {
  /** The label value, or '' for targets without the label. */
  key: string;
  rows: BoardTarget[];
}

/** Filters, sorts and groups; groups in value order with the unlabelled ones last. */
export function view(targets: readonly BoardTarget[], q: BoardQuery): Group[] {
  const p = parseFilter(q.text);
  return groupRows(targets.filter((t) => matches(t, p, q.states)).sort(compare(q.sort)), q.groupBy);
}

/**
 * The filtered, sorted rows of `view`, kept current under live changes: a new target list or query filters
 * and sorts all of them; otherwise only the targets changed since the last call (`touched`) are taken out
 * and merged back where they now belong, O(n + k log k) for k changes instead of a sort of all n targets.
 * Relies on the sort ending in the (unique) name, so the order is total.
 */
export class SortedRows {
  private targets: readonly BoardTarget[] | null = null;
  private key = '';
  private rows: BoardTarget[] = [];

  update(targets: readonly BoardTarget[], q: Omit<BoardQuery, 'groupBy'>, touched: ReadonlySet<BoardTarget>): BoardTarget[] {
    const key = JSON.stringify([q.text, [...q.states].sort(), q.sort]);
    const p = parseFilter(q.text);
    const cmp = compare(q.sort);
    if (targets !== this.targets || key !== this.key) {
      this.targets = targets;
      this.key = key;
      this.rows = targets.filter((t) => matches(t, p, q.states)).sort(cmp);
    } else if (touched.size > 0) {
      const add = [...touched].filter((t) => matches(t, p, q.states)).sort(cmp);
      const out: BoardTarget[] = [];
      let j = 0;
      for (const r of this.rows) {
        if (touched.has(r)) continue;
        while (j < add.length && cmp(add[j]!, r) < 0) out.push(add[j++]!);
        out.push(r);
      }
      while (j < add.length) out.push(add[j++]!);
      this.rows = out;
    }
    return this.rows;
  }
}

/** Groups sorted rows by a label's value (in value order, the unlabelled last); one group when no label. */
export function groupRows(rows: BoardTarget[], groupBy: string): Group[] {
  if (!groupBy) return [{ key: '', rows }];
  const groups = new Map<string, BoardTarget[]>();
  for (const r of rows) {
    const k = r.labels[groupBy] ?? '';
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a < b ? -1 : a > b ? 1 : 0)).map(([key, rows]) => ({ key, rows }));
}

export function countStates(targets: readonly BoardTarget[]): Record<TargetState, number> {
  const out = Object.fromEntries(TARGET_STATES.map((s) => [s, 0])) as Record<TargetState, number>;
  for (const t of targets) out[t.state]++;
  return out;
}

/** Label names in use, for the group-by choice. */
export function labelNames(targets: readonly BoardTarget[]): string[] {
  const names = new Set<string>();
  for (const t of targets) for (const k in t.labels) names.add(k);
  return [...names].sort();
}
