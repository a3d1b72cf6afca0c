// Prometheus's alerting-rule state machine, driven evaluation by evaluation with explicit times.
import { describe, expect, it } from 'vitest';
import type { InstantSample } from '../result.js';
import type { PromqlRule, RuleState } from './rule.js';
import { DuplicateAlertError, RESOLVED_RETENTION_MS, alertTarget, evaluateRule } from './rule.js';

const rule: PromqlRule = {
  name: 'HighLatency',
  expr: 'latency_seconds > 1',
  forMs: 60_000,
  keepFiringForMs: 0,
  labels: { severity: 'page', team: '{{ $labels.job }}' },
  annotations: { summary: '{{ $labels.instance }} latency {{ $value }}s' },
};

const sample = (instance: string, value: number): InstantSample => ({ labels: { __name__: 'latency_seconds', job: 'api', instance }, timeMs: 0, value });

function run(r: PromqlRule, state: RuleState, t: number, samples: InstantSample[]): string[] {
  return evaluateRule(r, state, samples, t).map((x) => `${x.alert.labels.instance}:${x.from ?? 'new'}→${x.to}`);
}

describe('promql alerting rule', () => {
  it('goes pending, then firing after `for`, then inactive when the series is gone', () => {
    const state: RuleState = { active: [] };
    expect(run(rule, state, 0, [sample('a', 2)])).toEqual(['a:new→pending']);
    expect(run(rule, state, 30_000, [sample('a', 3)])).toEqual([]);
    expect(run(rule, state, 60_000, [sample('a', 4)])).toEqual(['a:pending→firing']);
    const alert = state.active[0];
    expect(alert).toMatchObject({
      state: 'firing',
      activeAtMs: 0,
      firedAtMs: 60_000,
      value: 4,
      labels: { alertname: 'HighLatency', severity: 'page', team: 'api', instance: 'a', job: 'api' },
      annotations: { summary: 'a latency 4s' },
    });
    expect(alert?.labels.__name__).toBeUndefined();
    expect(run(rule, state, 90_000, [])).toEqual(['a:firing→inactive']);
    expect(state.active[0]).toMatchObject({ state: 'inactive', resolvedAtMs: 90_000 });
  });

  it('drops a pending alert whose series disappears before `for`', () => {
    const state: RuleState = { active: [] };
    run(rule, state, 0, [sample('a', 2)]);
    expect(run(rule, state, 30_000, [])).toEqual(['a:pending→inactive']);
    expect(state.active).toEqual([]);
  });

  it('fires at once with for 0', () => {
    const state: RuleState = { active: [] };
    expect(run({ ...rule, forMs: 0 }, state, 0, [sample('a', 2)])).toEqual(['a:new→pending', 'a:pending→firing']);
  });

  it('keeps firing for keepFiringFor after the condition clears', () => {
    const r = { ...rule, forMs: 0, keepFiringForMs: 120_000 };
    const state: RuleState = { active: [] };
    run(r, state, 0, [sample('a', 2)]);
    expect(run(r, state, 60_000, [])).toEqual([]);
    expect(state.active[0]).toMatchObject({ state: 'firing', keepFiringSinceMs: 60_000 });
    expect(run(r, state, 120_000, [sample('a', 5)])).toEqual([]);
    expect(state.active[0]?.keepFiringSinceMs).toBeNull();
    expect(run(r, state, 180_000, [])).toEqual([]);
    expect(run(r, state, 299_999, [])).toEqual([]);
    expect(run(r, state, 300_000, [])).toEqual(['a:firing→inactive']);
  });

  it('starts a new pending alert when a resolved one comes back, and forgets resolved ones after 15 minutes', () => {
    const state: RuleState = { active: [] };
    run(rule, state, 0, [sample('a', 2)]);
    run(rule, state, 60_000, [sample('a', 2)]);
    run(rule, state, 120_000, []);
    expect(run(rule, state, 180_000, [sample('a', 2)])).toEqual(['a:inactive→pending']);
    expect(state.active[0]).toMatchObject({ state: 'pending', activeAtMs: 180_000 });
    const other: RuleState = { active: [] };
    run(rule, other, 0, [sample('b', 2)]);
    run(rule, other, 60_000, [sample('b', 2)]);
    run(rule, other, 120_000, []);
    run(rule, other, 120_000 + RESOLVED_RETENTION_MS, []);
    expect(other.active).toHaveLength(1);
    run(rule, other, 120_001 + RESOLVED_RETENTION_MS, []);
    expect(other.active).toEqual([]);
  });

  it('refuses two samples that become one alert', () => {
    const r = { ...rule, labels: { instance: 'same' } };
    expect(() => evaluateRule(r, { active: [] }, [sample('a', 2), sample('b', 3)], 0)).toThrow(DuplicateAlertError);
  });

  it('names the incident target by `target`, else `instance`, or the labels the rule configures', () => {
    const state: RuleState = { active: [] };
    run({ ...rule, forMs: 0 }, state, 0, [sample('a', 2)]);
    const alert = state.active[0];
    if (alert === undefined) throw new Error('no alert');
    expect(alertTarget(rule, alert)).toBe('a');
    expect(alertTarget(rule, { ...alert, labels: { ...alert.labels, target: 'db' } })).toBe('db');
    expect(alertTarget({ ...rule, targetLabels: ['job'] }, alert)).toBe('api');
    expect(alertTarget({ ...rule, targetLabels: ['nothing'] }, alert)).toBeNull();
  });
});
