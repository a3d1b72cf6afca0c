import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import type { ConfigError } from './env.js';
import { metricsLimitsOf, parseTenantLimits } from './metrics-tenants.js';

describe('per-tenant series store limits', () => {
  it('parses tenants with their own limits; others get the defaults', () => {
    const parsed = parseTenantLimits('METRICS_TENANT_LIMITS', 'acme:series=50000,labels=40,retention_days=90; trial:retention_days=0');
    expect(parsed).toEqual({ tenants: { acme: { maxSeries: 50000, maxLabelsPerSeries: 40, retentionDays: 90 }, trial: { retentionDays: 0 } } });
    const c = loadConfig({ METRICS_TENANT_LIMITS: 'acme:series=5', METRICS_MAX_SERIES: '100', RETENTION_DAYS_METRIC: '7' });
    expect(metricsLimitsOf(c.metrics, 'acme')).toEqual({ maxSeries: 5, maxLabelsPerSeries: 64, retentionDays: 7 });
    expect(metricsLimitsOf(c.metrics, 'other')).toEqual({ maxSeries: 100, maxLabelsPerSeries: 64, retentionDays: 7 });
    expect(metricsLimitsOf(c.metrics, 'toString')).toEqual(c.metrics.defaults);
  });

  it.each([
    ['acme', /names no tenant|not a known key/],
    [':series=1', /names no tenant/],
    ['acme:series=0', /series of tenant "acme" must be an integer from 1/],
    ['acme:rows=5', /"rows=5" of tenant "acme" is not a known key=value/],
    ['acme:labels=x', /labels of tenant "acme" must be an integer/],
    ['a:series=1;a:labels=2', /tenant "a" appears twice/],
  ])('refuses %s with a message naming the variable', (value, why) => {
    const p = parseTenantLimits('METRICS_TENANT_LIMITS', value);
    expect('problem' in p && p.problem).toMatch(why);
    expect('problem' in p && p.problem).toMatch(/^METRICS_TENANT_LIMITS=/);
  });

  it('a bad value fails start-up, with every bad variable named', () => {
    let problems: string[] = [];
    try {
      loadConfig({ METRICS_TENANT_LIMITS: 'acme:series=-1', INGEST_MAX_SERIES_LABELS: '0' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^METRICS_TENANT_LIMITS=/), expect.stringMatching(/^INGEST_MAX_SERIES_LABELS="0" is not valid/)]));
  });
});
