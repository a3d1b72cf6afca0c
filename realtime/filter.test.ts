// Filters: parsing with errors that name the parameter, canonical keys, and predicates over canonical events.
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../lib/events/event.js';
import { resolveChannel } from './channels.js';
import { FilterError, compileFilter, filterKey, filterParams, parseFilter } from './filter.js';

const base = { id: '01', tenant: 't', target: 'web', ts: 1, receivedAt: 1, labels: { env: 'prod', team: 'core' } };
const log = (level: string, message = 'Disk FULL'): CanonicalEvent => ({ ...base, kind: 'log', body: { level, message, fields: {}, format: 'plain' } }) as CanonicalEvent;
const metric = (name: string): CanonicalEvent => ({ ...base, kind: 'metric', body: { name, value: 1, type: 'gauge' } });
const sec = (severity: string, category: string): CanonicalEvent => ({ ...base, kind: 'security', body: { severity, category } }) as CanonicalEvent;
const hb = (status: string): CanonicalEvent => ({ ...base, kind: 'heartbeat', body: { status } }) as CanonicalEvent;
const inc = (state: string): CanonicalEvent => ({ ...base, kind: 'incident', body: { incidentId: 'i', ruleId: 'r', state, transition: 'x', title: 't', epoch: 1 } }) as CanonicalEvent;

describe('parseFilter', () => {
  it('normalizes so equal filters get equal keys', () => {
    const a = parseFilter('logs', [['level', 'warn,error,warn'], ['label.team', 'core'], ['label.env', 'prod']]);
    const b = parseFilter('logs', [['label.env', 'prod'], ['level', 'error, warn'], ['label.team', 'core']]);
    expect(filterKey(a)).toBe(filterKey(b));
    expect(a.level).toEqual(['error', 'warn']);
    expect(filterKey(parseFilter('logs', []))).not.toBe(filterKey(parseFilter('metrics', [])));
    expect(filterKey(a)).not.toBe(filterKey(parseFilter('logs', [['level', 'error']])));
    expect(filterParams(a)).toEqual({ 'label.env': 'prod', 'label.team': 'core', level: 'error,warn' });
  });

  it.each([
    ['logs', [['level', 'loud']], 'level', /level 'loud' is not one of trace, debug/],
    ['logs', [['severity', 'high']], 'severity', /unknown filter 'severity' for channel logs; filters: target, level, text, label.<name>/],
    ['logs', [['label.', 'x']], 'label.', /needs a name/],
    ['logs', [['label.env', 'a'], ['label.env', 'b']], 'label.env', /given more than once/],
    ['logs', [['target', 'a'], ['target', 'b']], 'target', /given more than once/],
    ['logs', [['level', 'error,,warn']], 'level', /empty item/],
    ['logs', [['target', '']], 'target', /target is empty/],
    ['logs', [['target', 'x'.repeat(1025)]], 'target', /longer than 1024/],
    ['logs', [['label.' + 'k'.repeat(129), 'v']], 'label.' + 'k'.repeat(129), /label name longer than 128/],
    ['logs', [['level', Array.from({ length: 17 }, (_, i) => `l${i}`).join(',')]], 'level', /more than 16/],
    ['events', [['severity', 'urgent']], 'severity', /not one of info, low/],
    ['heartbeats', [['status', 'late']], 'status', /not one of ok, start, fail/],
    ['incidents', [['status', 'closed']], 'status', /not one of pending, open, acknowledged, resolved/],
    ['targets', [['target', 'x']], 'target', /unknown filter 'target' for channel targets/],
    ['targets', [['kind', 'trace']], 'kind', /not one of metric, log/],
  ] as const)('rejects on %s %j naming %s', (channel, params, at, message) => {
    let caught: unknown;
    try {
      parseFilter(channel, params);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FilterError);
    expect((caught as FilterError).at).toBe(at);
    expect((caught as FilterError).message).toMatch(message);
  });

  it('caps label filters at 32, as /api does', () => {
    const labels = Array.from({ length: 33 }, (_, i) => [`label.k${i}`, 'v'] as [string, string]);
    expect(() => parseFilter('logs', labels)).toThrow(/at most 32 label filters/);
    expect(parseFilter('logs', labels.slice(0, 32)).labels).toHaveLength(32);
  });
});

describe('compileFilter', () => {
  it('matches each channel\'s kind and fields', () => {
    const m = (channel: Parameters<typeof parseFilter>[0], params: Array<[string, string]>, target?: string) => compileFilter(parseFilter(channel, params, target));
    expect(m('logs', [['level', 'error,fatal']])(log('error'))).toBe(true);
    expect(m('logs', [['level', 'error,fatal']])(log('info'))).toBe(false);
    expect(m('logs', [['level', 'error']])(metric('cpu'))).toBe(false);
    expect(m('logs', [['text', 'disk full']])(log('info'))).toBe(true);
    expect(m('logs', [['text', 'memory']])(log('info'))).toBe(false);
    expect(m('logs', [['label.env', 'prod'], ['label.team', 'core']])(log('info'))).toBe(true);
    expect(m('logs', [['label.env', 'prod'], ['label.team', 'edge']])(log('info'))).toBe(false);
    expect(m('logs', [['label.region', 'eu']])(log('info'))).toBe(false);
    expect(m('logs', [['target', 'web']])(log('info'))).toBe(true);
    expect(m('logs', [['target', 'db']])(log('info'))).toBe(false);
    expect(m('metrics', [['name', 'cpu,mem']])(metric('mem'))).toBe(true);
    expect(m('metrics', [['name', 'cpu']])(metric('disk'))).toBe(false);
    expect(m('events', [['severity', 'high'], ['category', 'auth']])(sec('high', 'auth'))).toBe(true);
    expect(m('events', [['severity', 'high'], ['category', 'auth']])(sec('high', 'net'))).toBe(false);
    expect(m('heartbeats', [['status', 'fail']])(hb('fail'))).toBe(true);
    expect(m('heartbeats', [['status', 'fail']])(hb('ok'))).toBe(false);
    expect(m('incidents', [['status', 'open,acknowledged']])(inc('open'))).toBe(true);
    expect(m('incidents', [['status', 'open']])(inc('resolved'))).toBe(false);
    expect(m('incidents', [])(log('info'))).toBe(false);
    expect(m('targets', [], 'web')(metric('cpu'))).toBe(true);
    expect(m('targets', [], 'db')(metric('cpu'))).toBe(false);
    expect(m('targets', [['kind', 'incident,log']], 'web')(metric('cpu'))).toBe(false);
    expect(m('targets', [['kind', 'incident,log']], 'web')(inc('open'))).toBe(true);
  });

  it('tolerates events without labels', () => {
    const e = { ...log('info'), labels: undefined } as unknown as CanonicalEvent;
    expect(compileFilter(parseFilter('logs', [['label.env', 'prod']]))(e)).toBe(false);
  });
});

describe('resolveChannel', () => {
  it('resolves channel names and target ids', () => {
    expect(resolveChannel('logs', true)).toEqual({ ok: true, channel: 'logs' });
    expect(resolveChannel(`targets/${encodeURIComponent('https://x/y?z')}`, true)).toEqual({ ok: true, channel: 'targets', target: 'https://x/y?z' });
    expect(resolveChannel('targets/https://x/y', false)).toEqual({ ok: true, channel: 'targets', target: 'https://x/y' });
    expect(resolveChannel('targets/%E0%A4%A', true)).toMatchObject({ ok: false, message: /percent-encoding/ });
    expect(resolveChannel('targets/', true)).toMatchObject({ ok: false, message: /needs a target id/ });
    expect(resolveChannel('Logs', true)).toMatchObject({ ok: false, message: /unknown channel 'Logs'/ });
  });
});
