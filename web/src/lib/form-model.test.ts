// Form values by JSON pointer, and where the API's 422 details are shown.
import { describe, expect, it } from 'vitest';
import { assignErrors } from '../components/Form.js';
import { fromInput, getAt, InputError, setAt, toInput } from './form-model.js';

describe('form model', () => {
  it('reads and writes nested values by pointer', () => {
    const b = setAt(setAt({ name: 'x' }, '/http/url', 'https://a'), '/http/intervalSec', 30);
    expect(b).toEqual({ name: 'x', http: { url: 'https://a', intervalSec: 30 } });
    expect(getAt(b, '/http/url')).toBe('https://a');
    expect(getAt(b, '/nope/deeper')).toBeUndefined();
    expect(setAt(b, '/name', undefined)).toEqual({ http: { url: 'https://a', intervalSec: 30 } });
  });

  it('converts inputs both ways and refuses unparsable text', () => {
    expect(fromInput('labels', 'env=prod, team = core')).toEqual({ env: 'prod', team: 'core' });
    expect(toInput('labels', { env: 'prod' })).toBe('env=prod');
    expect(fromInput('matchers', 'env=prod\nseverity!=info\ntarget=~web-.*')).toEqual([
      { name: 'env', op: '=', value: 'prod' },
      { name: 'severity', op: '!=', value: 'info' },
      { name: 'target', op: '=~', value: 'web-.*' },
    ]);
    expect(fromInput('number', '')).toBeUndefined();
    expect(fromInput('number', '2.5')).toBe(2.5);
    expect(() => fromInput('number', 'abc')).toThrow(InputError);
    expect(() => fromInput('json', '{')).toThrow(InputError);
    expect(() => fromInput('labels', 'novalue')).toThrow(InputError);
    expect(fromInput('list', 'a, b c')).toEqual(['a', 'b', 'c']);
  });

  it('puts each 422 detail next to the field whose pointer is its longest prefix', () => {
    const out = assignErrors(
      [
        { at: '/http/url', message: 'must be an absolute URL' },
        { at: '/http/timeoutMs', message: 'too big' },
        { at: '/config/url', message: 'bad' },
        { at: '', message: 'missing body' },
      ],
      ['/name', '/http/url', '/config'],
    );
    expect(out).toEqual({ '/http/url': ['must be an absolute URL'], '': ['too big', 'missing body'], '/config': ['url: bad'] });
  });
});
