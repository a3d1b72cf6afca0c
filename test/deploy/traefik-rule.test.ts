// The rule evaluator the deployment checks route probe requests with: it must agree with Traefik's
// semantics on the matchers we use.
import { describe, expect, it } from 'vitest';
import { matches, parseRule, pathsOf } from './traefik-rule.js';

describe('traefik rules', () => {
  it('evaluates PathPrefix as a raw prefix, Path exactly, Method case-insensitively', () => {
    const r = parseRule('PathPrefix(`/api`)');
    expect(matches(r, { method: 'GET', path: '/api/logs' })).toBe(true);
    expect(matches(r, { method: 'GET', path: '/apis' })).toBe(true);
    expect(matches(r, { method: 'GET', path: '/ap' })).toBe(false);
    expect(matches(parseRule('Path(`/x`)'), { method: 'GET', path: '/x/' })).toBe(false);
    expect(matches(parseRule('Method(`get`)'), { method: 'GET', path: '/' })).toBe(true);
  });

  it('honours precedence: && binds tighter than ||, parentheses and ! group', () => {
    const r = parseRule('PathPrefix(`/api`) && (Method(`GET`) || Method(`HEAD`))');
    expect(matches(r, { method: 'HEAD', path: '/api/x' })).toBe(true);
    expect(matches(r, { method: 'POST', path: '/api/x' })).toBe(false);
    const loose = parseRule('PathPrefix(`/api`) && Method(`GET`) || Method(`HEAD`)');
    expect(matches(loose, { method: 'HEAD', path: '/elsewhere' })).toBe(true);
    const neg = parseRule('PathPrefix(`/`) && !Path(`/metrics`)');
    expect(matches(neg, { method: 'GET', path: '/metrics' })).toBe(false);
    expect(matches(neg, { method: 'GET', path: '/metricsx' })).toBe(true);
  });

  it('matches any host when the probe names none, and exactly otherwise', () => {
    const r = parseRule('Host(`{{ env "LIGHTWATCH_DOMAIN" }}`) && PathPrefix(`/ws`)');
    expect(matches(r, { method: 'GET', path: '/ws/logs' })).toBe(true);
    expect(matches(r, { method: 'GET', path: '/ws/logs', host: 'other.example' })).toBe(false);
    expect(pathsOf(r)).toEqual([{ value: '/ws', prefix: true }]);
    expect(pathsOf(parseRule('Path(`/`) || !PathPrefix(`/x`)'))).toEqual([{ value: '/', prefix: false }]);
  });

  it('rejects what it cannot evaluate, saying what', () => {
    expect(() => parseRule('HeaderRegexp(`X`, `.*`)')).toThrow(/unsupported matcher HeaderRegexp/);
    expect(() => parseRule('Method(`GET`, `HEAD`)')).toThrow(/one value/);
    expect(() => parseRule('PathPrefix(`/a`')).toThrow(/expected '\)'/);
    expect(() => parseRule('PathPrefix(`/a`) &&')).toThrow(/unexpected token/);
  });
});
