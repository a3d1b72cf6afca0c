import { describe, expect, it } from 'vitest';
import type { Silence } from '../store/types.js';
import { fromAmMatcher, labelsMatchFilter, parseFilterMatcher, parsePostableSilence, silenceMatchesFilter, sortSilences, toAmMatcher, toGettableSilence } from './wire.js';
import { amRequestFromHttp, AmRouteError } from './routes.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const silence = (over: Partial<Silence>): Silence => ({ id: 's', tenant: 't', matchers: [{ name: 'env', value: 'prod', op: '=' }], startsAt: NOW - 1000, endsAt: NOW + 1000, comment: '', creator: 'key:k', createdAt: NOW - 1000, ...over });
const body = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('Alertmanager wire shapes', () => {
  it('maps AM matchers to ours and back, all four kinds', () => {
    for (const op of ['=', '!=', '=~', '!~'] as const) expect(fromAmMatcher(toAmMatcher({ name: 'a', value: 'b', op }))).toEqual({ name: 'a', value: 'b', op });
    expect(fromAmMatcher({ name: 'a', value: 'b', isRegex: false })).toEqual({ name: 'a', value: 'b', op: '=' });
  });

  it('gives a silence its state and lists silences in Alertmanager order', () => {
    const active = silence({ id: 'active' });
    const pending = silence({ id: 'pending', startsAt: NOW + 10, endsAt: NOW + 20 });
    const expired = silence({ id: 'expired', endsAt: NOW });
    expect(toGettableSilence(active, NOW)).toEqual({ id: 'active', status: { state: 'active' }, updatedAt: '2026-12-06T11:59:59.000Z', matchers: [{ name: 'env', value: 'prod', isRegex: false, isEqual: true }], startsAt: '2026-12-06T11:59:59.000Z', endsAt: '2026-12-06T12:00:01.000Z', createdBy: 'key:k', comment: '' });
    expect(sortSilences([expired, pending, active], NOW).map((s) => toGettableSilence(s, NOW).status)).toEqual([{ state: 'active' }, { state: 'pending' }, { state: 'expired' }]);
  });

  it('reads a postable silence and refuses bad ones as Alertmanager does', () => {
    const ok = { matchers: [{ name: 'job', value: 'a.*', isRegex: true }], startsAt: '2026-12-06T12:00:00Z', endsAt: '2026-12-06T13:00:00Z', createdBy: 'ann', comment: 'deploy' };
    expect(parsePostableSilence(body(ok), NOW)).toEqual({ matchers: [{ name: 'job', value: 'a.*', op: '=~' }], startsAt: NOW, endsAt: NOW + 3_600_000, createdBy: 'ann', comment: 'deploy' });
    expect(parsePostableSilence(Buffer.from('{'), NOW)).toMatchObject({ status: 400, body: { code: 400 } });
    expect(parsePostableSilence(body({ ...ok, matchers: undefined }), NOW)).toEqual({ status: 422, body: { code: 602, message: 'silence.matchers in body is required' } });
    expect(parsePostableSilence(body({ ...ok, matchers: [] }), NOW)).toMatchObject({ status: 422 });
    expect(parsePostableSilence(body({ ...ok, endsAt: ok.startsAt }), NOW)).toEqual({ status: 400, body: 'Failed to create silence: start time must be before end time' });
    expect(parsePostableSilence(body({ ...ok, startsAt: '2026-12-06T10:00:00Z', endsAt: '2026-12-06T11:00:00Z' }), NOW)).toEqual({ status: 400, body: "Failed to create silence: end time can't be in the past" });
    expect(parsePostableSilence(body({ ...ok, matchers: [{ name: 'job', value: '(', isRegex: true }] }), NOW)).toMatchObject({ status: 400, body: expect.stringMatching(/^failed to convert API silence/) });
  });

  it('parses filter matchers as ParseMatcher does and applies them to labels and silences', () => {
    expect(parseFilterMatcher('alertname="Disk \\"full\\""')).toMatchObject({ name: 'alertname', op: '=', value: 'Disk "full"' });
    expect(parseFilterMatcher(' job =~ web.* ')).toMatchObject({ name: 'job', op: '=~', value: 'web.*' });
    expect(() => parseFilterMatcher('no operator')).toThrow('bad matcher format');
    const f = [parseFilterMatcher('job=~"web.*"'), parseFilterMatcher('env!=dev')];
    expect(labelsMatchFilter({ job: 'web-1', env: 'prod' }, f)).toBe(true);
    expect(labelsMatchFilter({ job: 'db', env: 'prod' }, f)).toBe(false);
    expect(labelsMatchFilter({ job: 'web-1', env: 'dev' }, f)).toBe(false);
    expect(silenceMatchesFilter(silence({}), [parseFilterMatcher('env=prod')])).toBe(true);
    expect(silenceMatchesFilter(silence({}), [parseFilterMatcher('job=x')])).toBe(false);
  });

  it('maps paths and methods to operations under /api/am', () => {
    const q = new URLSearchParams('filter=a%3D%22b%22&filter=c%3Dd');
    expect(amRequestFromHttp('GET', '/api/am/api/v2/silences', q, Buffer.alloc(0), {})).toMatchObject({ endpoint: 'silences.get', params: [{ name: 'filter', value: 'a="b"' }, { name: 'filter', value: 'c=d' }] });
    expect(amRequestFromHttp('DELETE', '/api/am/api/v2/silence/01ABC', new URLSearchParams(), Buffer.alloc(0), {})).toMatchObject({ endpoint: 'silence.delete', labelName: '01ABC' });
    expect(amRequestFromHttp('GET', '/api/am/-/healthy', new URLSearchParams(), Buffer.alloc(0), {}).endpoint).toBe('healthy');
    expect(amRequestFromHttp('GET', '/api/am/api/v2/alerts/groups/', new URLSearchParams(), Buffer.alloc(0), {}).endpoint).toBe('alertgroups.get');
    expect(() => amRequestFromHttp('PUT', '/api/am/api/v2/silences', new URLSearchParams(), Buffer.alloc(0), {})).toThrow(expect.objectContaining({ status: 405 }));
    expect(() => amRequestFromHttp('GET', '/api/am/api/v1/alerts', new URLSearchParams(), Buffer.alloc(0), {})).toThrow(AmRouteError);
  });
});
