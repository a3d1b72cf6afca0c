// Board filtering, sorting, grouping and counting, as the status board applies them to its rows.
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkCounter } from '../../../test/support/work.js';
import type { BoardTarget } from '../../../lib/board/wire.js';
import { countStates, labelNames, parseFilter, SortedRows, view } from './board-model.js';

const t = (name: string, state: BoardTarget['state'], labels: Record<string, string> = {}, extra: Partial<BoardTarget> = {}): BoardTarget => ({ id: name, name, kind: 'heartbeat', labels, paused: false, state, strip: { from: 0, down: [] }, ...extra });
const rows = [t('web-1', 'up', { env: 'prod', team: 'web' }, { latencyMs: 120 }), t('web-2', 'down', { env: 'prod', team: 'web' }, { latencyMs: 900 }), t('db-1', 'late', { env: 'prod' }), t('batch', 'paused', { env: 'dev' }), t('Web-Admin', 'silenced', { env: 'dev', team: 'web' })];
const q = { text: '', states: new Set<BoardTarget['state']>(), sort: 'state' as const, groupBy: '' };
const names = (g: ReturnType<typeof view>): string[][] => g.map((x) => x.rows.map((r) => r.name));

describe('board filter', () => {
  // Started before any test runs: block counts come only from code compiled after the coverage began.
  const counter = createWorkCounter({ blocks: true });
  afterAll(() => counter.close());
  it('parses words and label terms', () => {
    expect(parseFilter('  Web  env=prod team= ')).toEqual({ words: ['web'], labels: [['env', 'prod'], ['team', null]] });
  });

  it('matches names case-insensitively, labels exactly, and the chosen states', () => {
    expect(names(view(rows, { ...q, text: 'web', sort: 'name' }))).toEqual([['Web-Admin', 'web-1', 'web-2']]);
    expect(names(view(rows, { ...q, text: 'env=prod', sort: 'name' }))).toEqual([['db-1', 'web-1', 'web-2']]);
    expect(names(view(rows, { ...q, text: 'team=', sort: 'name' }))).toEqual([['Web-Admin', 'web-1', 'web-2']]);
    expect(names(view(rows, { ...q, text: 'web env=dev' }))).toEqual([['Web-Admin']]);
    expect(names(view(rows, { ...q, states: new Set(['down', 'late'] as const) }))).toEqual([['web-2', 'db-1']]);
    expect(names(view(rows, { ...q, text: 'nothing-matches' }))).toEqual([[]]);
  });

  it('sorts worst first, by latency, and groups by a label with the unlabelled last', () => {
    expect(names(view(rows, q))[0]).toEqual(['web-2', 'db-1', 'Web-Admin', 'batch', 'web-1']);
    expect(names(view(rows, { ...q, sort: 'latency' }))[0]?.slice(0, 2)).toEqual(['web-2', 'web-1']);
    const grouped = view(rows, { ...q, groupBy: 'team', sort: 'name' });
    expect(grouped.map((g) => g.key)).toEqual(['web', '']);
    expect(names(grouped)).toEqual([['Web-Admin', 'web-1', 'web-2'], ['batch', 'db-1']]);
  });

  it('counts every state and lists label names', () => {
    expect(countStates(rows)).toEqual({ up: 1, down: 1, late: 1, pending: 0, paused: 1, maintenance: 0, silenced: 1 });
    expect(labelNames(rows)).toEqual(['env', 'team']);
  });

  // Counted in steps, not timed (its speed is a benchmark's business): filtering and sorting on every keystroke
  // must grow with the rows about linearly (n log n for the sort), never quadratically.
  it('filters 10,000 rows in work that grows about linearly with the rows', () => {
    const rowsOf = (n: number): BoardTarget[] => Array.from({ length: n }, (_, i) => t(`svc-${i}`, (['up', 'down', 'late'] as const)[i % 3] as BoardTarget['state'], { env: i % 2 ? 'prod' : 'dev' }));
    const filter = (rows: BoardTarget[]) => counter.count(() => view(rows, { ...q, text: 'svc-1 env=prod' }));
    const small = filter(rowsOf(1_000));
    const large = filter(rowsOf(10_000));
    expect(large.outcome.ok && large.outcome.value[0]?.rows.length).toBeGreaterThan(0);
    expect(large.steps).toBeGreaterThan(small.steps * 5);
    expect(large.steps).toBeLessThan(small.steps * 20);
  });

  it('re-places only the touched targets under live changes, in the order a full sort gives', () => {
    const states = ['up', 'down', 'late', 'pending', 'silenced'] as const;
    const many = Array.from({ length: 500 }, (_, i) => t(`svc-${String(i).padStart(3, '0')}`, states[i % 5]!, { env: i % 2 ? 'prod' : 'dev' }, { lastHeartbeatAt: i * 7 }));
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648), seed % n);
    for (const query of [q, { ...q, text: 'env=prod' }, { ...q, states: new Set(['down', 'late'] as const) }, { ...q, sort: 'contact' as const }]) {
      const sorted = new SortedRows();
      sorted.update(many, query, new Set());
      for (let round = 0; round < 20; round++) {
        const touched = new Set<BoardTarget>();
        for (let k = 0; k < 25; k++) {
          const one = many[rnd(many.length)]!;
          one.state = states[rnd(states.length)]!;
          one.lastHeartbeatAt = rnd(10_000);
          touched.add(one);
        }
        expect(sorted.update(many, query, touched).map((r) => r.name)).toEqual(view(many, query)[0]!.rows.map((r) => r.name));
      }
    }
  });
});
