// The HTTP → QueryService mapping: every documented route maps to the call the service dispatches on, and
// anything else is a 404 (or a 400 for bad event-read parameters).
import { describe, expect, it } from 'vitest';
import type { LightwatchError } from '../errors/errors.js';
import { apiCallFromHttp, findResourceRoute, RESOURCE_ROUTES, resourceRequestFromHttp, routePath } from './routes.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as LightwatchError).code;
  }
  return 'none';
}

describe('resourceRequestFromHttp', () => {
  it('maps methods and path shapes to verbs', () => {
    const r = (m: string, p: string) => {
      const { resource, verb, id, action } = resourceRequestFromHttp(m, p, {}, '');
      return { resource, verb, id, action };
    };
    expect(r('GET', '/api/targets')).toEqual({ resource: 'targets', verb: 'list', id: '', action: '' });
    expect(r('POST', '/api/targets')).toEqual({ resource: 'targets', verb: 'create', id: '', action: '' });
    expect(r('GET', '/api/targets/t1')).toEqual({ resource: 'targets', verb: 'get', id: 't1', action: '' });
    expect(r('patch', '/api/targets/t1')).toEqual({ resource: 'targets', verb: 'update', id: 't1', action: '' });
    expect(r('PUT', '/api/rules/r1')).toEqual({ resource: 'rules', verb: 'update', id: 'r1', action: '' });
    expect(r('DELETE', '/api/silences/s1')).toEqual({ resource: 'silences', verb: 'delete', id: 's1', action: '' });
    expect(r('GET', '/api/targets/t1/uptime')).toEqual({ resource: 'targets', verb: 'action', id: 't1', action: 'uptime' });
    expect(r('POST', '/api/incidents/i1/ack')).toEqual({ resource: 'incidents', verb: 'action', id: 'i1', action: 'ack' });
    expect(r('POST', '/api/keys/k1/revoke')).toEqual({ resource: 'keys', verb: 'action', id: 'k1', action: 'revoke' });
    expect(r('POST', '/api/auth/login')).toEqual({ resource: 'auth', verb: 'action', id: '', action: 'login' });
    expect(r('GET', '/api/targets/')).toEqual({ resource: 'targets', verb: 'list', id: '', action: '' });
    expect(r('GET', '/api/targets/a%2Fb')).toEqual({ resource: 'targets', verb: 'get', id: 'a/b', action: '' });
  });

  it('passes the first value of each parameter and the body through', () => {
    const req = resourceRequestFromHttp('GET', '/api/incidents', { status: ['open', 'resolved'], 'target[$ne]': 'x' }, '');
    expect(req.params).toEqual({ status: 'open', 'target[$ne]': 'x' });
    expect(resourceRequestFromHttp('POST', '/api/targets', {}, '{"a":1}').bodyJson).toBe('{"a":1}');
  });

  it('answers 404 for unknown resources, actions, methods and shapes', () => {
    for (const [m, p] of [
      ['GET', '/api/nope'],
      ['GET', '/api/__proto__'],
      ['GET', '/api/constructor/x'],
      ['POST', '/api/incidents'],
      ['DELETE', '/api/incidents/i1'],
      ['GET', '/api/incidents/i1/ack'],
      ['POST', '/api/targets/t1/nope'],
      ['GET', '/api/targets/t1/uptime/x'],
      ['GET', '/api/targets//uptime'],
      ['GET', '/api/auth'],
      ['GET', '/api/auth/login'],
      ['OPTIONS', '/api/targets'],
      ['GET', '/other/targets'],
      ['DELETE', '/api/tenants/t'],
    ] as const) {
      expect(codeOf(() => resourceRequestFromHttp(m, p, {}, '')), `${m} ${p}`).toBe('not_found');
    }
  });

  it('says which methods a known path accepts', () => {
    expect(() => resourceRequestFromHttp('DELETE', '/api/incidents/i1', {}, '')).toThrow(/accepts GET/);
  });

  it('rejects bad percent-encoding and overlong ids with 400', () => {
    expect(codeOf(() => resourceRequestFromHttp('GET', '/api/targets/%E0%A4%A', {}, ''))).toBe('bad_request');
    expect(codeOf(() => resourceRequestFromHttp('GET', `/api/targets/${'x'.repeat(200)}`, {}, ''))).toBe('bad_request');
  });

  it('maps every route of the table back to itself', () => {
    for (const route of RESOURCE_ROUTES) {
      const path = routePath(route).replace('{id}', 'the-id');
      const req = resourceRequestFromHttp(route.method, path, {}, '');
      const found = findResourceRoute(req.resource, req.verb, req.action);
      expect([found?.resource, found?.verb, found?.action ?? '']).toEqual([route.resource, route.verb, route.action ?? '']);
      expect(req.id).toBe(route.withId ? 'the-id' : '');
    }
  });
});

describe('apiCallFromHttp', () => {
  it('routes event reads, the series, the OpenAPI document and resources', () => {
    expect(apiCallFromHttp('GET', '/api/logs', { level: 'error' }, '')).toMatchObject({ type: 'events', collection: 'logs', request: { kind: 'log', level: 'error' } });
    expect(apiCallFromHttp('GET', '/api/events', {}, '')).toMatchObject({ type: 'events', request: { kind: 'security' } });
    expect(apiCallFromHttp('GET', '/api/heartbeats', {}, '')).toMatchObject({ request: { kind: 'heartbeat' } });
    expect(apiCallFromHttp('GET', '/api/checks', {}, '')).toMatchObject({ request: { kind: 'check' } });
    expect(apiCallFromHttp('GET', '/api/metrics', {}, '')).toMatchObject({ request: { kind: 'metric' } });
    expect(apiCallFromHttp('GET', '/api/metrics/series', { name: 'cpu' }, '')).toMatchObject({ type: 'series', request: { name: 'cpu' } });
    expect(apiCallFromHttp('GET', '/api/openapi.json', {}, '')).toEqual({ type: 'openapi' });
    expect(apiCallFromHttp('GET', '/api/targets', {}, '')).toMatchObject({ type: 'resource', request: { resource: 'targets', verb: 'list' } });
  });

  it('refuses writes to read-only paths and bad parameters', () => {
    expect(codeOf(() => apiCallFromHttp('POST', '/api/logs', {}, ''))).toBe('not_found');
    expect(codeOf(() => apiCallFromHttp('DELETE', '/api/openapi.json', {}, ''))).toBe('not_found');
    expect(codeOf(() => apiCallFromHttp('GET', '/api/logs', { 'target[$ne]': 'x' }, ''))).toBe('bad_request');
    expect(codeOf(() => apiCallFromHttp('GET', '/api/metrics/nope', {}, ''))).toBe('not_found');
    expect(codeOf(() => apiCallFromHttp('GET', '/api/toString', {}, ''))).toBe('not_found');
  });
});
