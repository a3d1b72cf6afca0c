import { describe, expect, it } from 'vitest';
import { isStaleNaN } from '../promql/querier.js';
import type { BatchSeries } from '../tsdb/batch.js';
import { parseExposition } from './parse.js';
import { instanceOf, mergeLabels, recordScrape, targetLabels, type ScrapeMemory, type ScrapeTarget } from './scrape.js';

const T: ScrapeTarget = { target: 'node-a', labels: { job: 'node', instance: '10.0.0.1:9100' }, honorLabels: false, honorTimestamps: true, sampleLimit: 100 };
const AT = 1_700_000_000_000;
const none: ScrapeMemory = new Map();

const byName = (series: BatchSeries[], name: string) => series.filter((s) => s.labels.__name__ === name);
const valueOf = (series: BatchSeries[], name: string) => byName(series, name)[0]?.values[0];

describe('target labels', () => {
  it('take host:port of the URL as instance, with the default port filled in', () => {
    expect(instanceOf('http://127.0.0.1:9100/metrics')).toBe('127.0.0.1:9100');
    expect(instanceOf('https://exporter.example/metrics')).toBe('exporter.example:443');
    expect(instanceOf('http://[::1]/metrics')).toBe('[::1]:80');
    expect(targetLabels('node', 'http://h:1/m', { env: 'prod', instance: 'h1' })).toEqual({ job: 'node', instance: 'h1', env: 'prod' });
  });

  it('keep a clashing exposed label as exported_<name>, prefixed again while taken', () => {
    expect(mergeLabels('m', { job: 'app', instance: 'x', exported_job: 'y', a: '1' }, { job: 'node', instance: 'i' }, false)).toEqual({
      __name__: 'm',
      a: '1',
      job: 'node',
      instance: 'i',
      exported_instance: 'x',
      exported_job: 'y',
      exported_exported_job: 'app',
    });
  });

  it('with honorLabels let exposed labels win and fill only the missing ones; empty values are absent', () => {
    expect(mergeLabels('m', { job: 'app', empty: '' }, { job: 'node', instance: 'i' }, true)).toEqual({ __name__: 'm', job: 'app', instance: 'i' });
  });
});

describe('recordScrape', () => {
  const expo = parseExposition(['# TYPE c counter', 'c_total{job="app"} 5', '# TYPE g gauge', '# UNIT g bytes', 'g 2', 'g 3', 'stamped 1 123000'].join('\n'), 'text');

  it('stores every exposed sample at the scrape time with the target labels, and the synthesized series', () => {
    const r = recordScrape(T, expo, AT, 0.25, none);
    expect(r.up).toBe(1);
    expect(r.error).toBeUndefined();
    const c = byName(r.series, 'c_total')[0];
    expect(c).toEqual({ target: 'node-a', labels: { __name__: 'c_total', job: 'node', instance: '10.0.0.1:9100', exported_job: 'app' }, type: 'counter', timestamps: [AT], values: [5] });
    // The second `g` of the exposition is a duplicate and dropped; the unit comes from # UNIT.
    expect(byName(r.series, 'g')).toEqual([{ target: 'node-a', labels: { __name__: 'g', job: 'node', instance: '10.0.0.1:9100' }, type: 'gauge', unit: 'bytes', timestamps: [AT], values: [2] }]);
    expect(byName(r.series, 'stamped')[0]?.timestamps).toEqual([123000]);
    expect(valueOf(r.series, 'up')).toBe(1);
    expect(valueOf(r.series, 'scrape_duration_seconds')).toBe(0.25);
    expect(valueOf(r.series, 'scrape_samples_scraped')).toBe(4);
    expect(valueOf(r.series, 'scrape_samples_post_metric_relabeling')).toBe(3);
    expect(valueOf(r.series, 'scrape_series_added')).toBe(3);
    expect(byName(r.series, 'up')[0]?.labels).toEqual({ __name__: 'up', job: 'node', instance: '10.0.0.1:9100' });
    expect(byName(r.series, 'up')[0]?.timestamps).toEqual([AT]);
  });

  it('ignores exposed timestamps without honorTimestamps', () => {
    const r = recordScrape({ ...T, honorTimestamps: false }, expo, AT, 0.1, none);
    expect(byName(r.series, 'stamped')[0]?.timestamps).toEqual([AT]);
  });

  it('counts only new series as added and marks series that went away stale', () => {
    const first = recordScrape(T, expo, AT, 0.1, none);
    const next = recordScrape(T, parseExposition('c_total{job="app"} 6\nnew_one 1\n', 'text'), AT + 15_000, 0.1, first.memory);
    expect(valueOf(next.series, 'scrape_series_added')).toBe(1);
    const g = byName(next.series, 'g')[0];
    expect(g?.timestamps).toEqual([AT + 15_000]);
    expect(isStaleNaN(g?.values[0] as number)).toBe(true);
    // A series with its own timestamp is never marked stale (as in Prometheus).
    expect(byName(next.series, 'stamped')).toEqual([]);
  });

  it('a failed scrape stores up 0 and marks every series of the last scrape stale', () => {
    const first = recordScrape(T, expo, AT, 0.1, none);
    const failed = recordScrape(T, null, AT + 15_000, 2, first.memory);
    expect(failed.up).toBe(0);
    expect(valueOf(failed.series, 'up')).toBe(0);
    expect(valueOf(failed.series, 'scrape_duration_seconds')).toBe(2);
    expect(valueOf(failed.series, 'scrape_samples_scraped')).toBe(0);
    expect(valueOf(failed.series, 'scrape_series_added')).toBe(0);
    expect(isStaleNaN(valueOf(failed.series, 'c_total') as number)).toBe(true);
    expect(isStaleNaN(valueOf(failed.series, 'g') as number)).toBe(true);
    expect(failed.memory.size).toBe(0);
    // The next good scrape counts its series as added again.
    expect(valueOf(recordScrape(T, expo, AT + 30_000, 0.1, failed.memory).series, 'scrape_series_added')).toBe(3);
  });

  it('fails the scrape over the sample limit: nothing exposed stored, the count still reported', () => {
    const first = recordScrape(T, expo, AT, 0.1, none);
    const r = recordScrape({ ...T, sampleLimit: 2 }, expo, AT + 15_000, 0.1, first.memory);
    expect(r.up).toBe(0);
    expect(r.error).toBe('sample_limit exceeded: 3 samples, the limit is 2');
    expect(valueOf(r.series, 'scrape_samples_scraped')).toBe(4);
    expect(valueOf(r.series, 'scrape_samples_post_metric_relabeling')).toBe(0);
    expect(byName(r.series, 'c_total').every((s) => isStaleNaN(s.values[0] as number))).toBe(true);
  });

  it('fails the scrape on a series over the tenant\'s labels-per-series limit', () => {
    const r = recordScrape({ ...T, maxLabels: 3 }, parseExposition('m{a="1",b="2"} 1', 'text'), AT, 0.1, none);
    expect(r.error).toBe('series has 5 labels, over the limit of 3 (series m)');
    expect(recordScrape({ ...T, maxLabels: 5 }, parseExposition('m{a="1",b="2"} 1', 'text'), AT, 0.1, none).up).toBe(1);
  });

  it('fails the scrape on a label set Prometheus would refuse', () => {
    const r = recordScrape(T, parseExposition(`m{v="${'x'.repeat(3000)}"} 1`, 'text'), AT, 0.1, none);
    expect(r.up).toBe(0);
    expect(r.error).toMatch(/value of label "v" is longer than/);
  });
});
