import { describe, expect, it } from 'vitest';
import { LightwatchError } from '../../lib/errors/errors.js';
import { createWorkCounter } from '../../test/support/work.js';
import { arrayLongerThan, findTooDeep, locateJsonError, parseJson, positionOf, splitLines, tryParseJson } from './json.js';

function caught(fn: () => unknown): LightwatchError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LightwatchError);
    return err as LightwatchError;
  }
  throw new Error('expected a LightwatchError');
}

describe('parseJson', () => {
  it('parses valid JSON', () => {
    expect(parseJson('{"a":[1,{"b":"]}"}]}')).toEqual({ a: [1, { b: ']}' }] });
  });

  it('reports malformed JSON with line and column', () => {
    const e = caught(() => parseJson('{\n  "a": 1,\n  "b": }\n'));
    expect(e.httpStatus).toBe(400);
    expect(e.reason).toBe('malformed_json');
    expect(e.message).toContain('line 3, column 8');
    expect(e.details[0]).toEqual({ at: 'line 3, column 8', message: expect.stringContaining('value was expected') });
  });

  it('names the problem: trailing comma, unterminated string, garbage after the value', () => {
    expect(caught(() => parseJson('[1,2,]')).message).toMatch(/column 6: unexpected ']'/);
    expect(caught(() => parseJson('{"a":"b')).message).toMatch(/unterminated string/);
    expect(caught(() => parseJson('{"a":1} x')).message).toMatch(/column 9: unexpected 'x' after the end/);
    expect(caught(() => parseJson('{"a":01}')).message).toMatch(/expected ',' or '}'/);
    expect(caught(() => parseJson('"\u0001"')).message).toMatch(/control character/);
  });

  it('rejects nesting deeper than the limit, saying where', () => {
    const deep = `${'['.repeat(40)}${']'.repeat(40)}`;
    const e = caught(() => parseJson(deep, 32));
    expect(e.reason).toBe('json_too_deep');
    expect(e.message).toContain('column 33');
    expect(parseJson(`${'['.repeat(32)}${']'.repeat(32)}`, 32)).toBeDefined();
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const s = `{"a":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`;
    expect(findTooDeep(s, 2)).toBe(-1);
    expect(findTooDeep('{"a":"\\\\"}', 1)).toBe(-1);
    expect(findTooDeep('{"a":"\\\\",  "b":[[]]}', 2)).toBe(17);
  });

  it('refuses a 5 MB bracket bomb after reading its first levels, without handing it to JSON.parse', () => {
    // Counted in steps (test/support/work.ts), not timed: a 200 ms budget failed under load. JSON.parse alone
    // reads all 5 MB (for seconds, on a bomb); the refusal reads the first 33 brackets.
    const bomb = '['.repeat(2_500_000) + ']'.repeat(2_500_000);
    const counter = createWorkCounter({ blocks: true });
    try {
      const refused = counter.count(() => tryParseJson(bomb, 32));
      expect(refused.outcome).toMatchObject({ ok: true, value: { ok: false, problem: { offset: 32 } } });
      expect(refused.steps).toBeLessThan(5_000);
      // The count sees what the refusal avoids: an unguarded parse counts every character (shown on a bomb
      // small enough to parse in a moment).
      const small = '['.repeat(50_000) + ']'.repeat(50_000);
      expect(counter.count(() => JSON.parse(small)).steps).toBeGreaterThan(small.length);
    } finally {
      counter.close();
    }
  });
});

describe('locateJsonError', () => {
  it('agrees with JSON.parse on what is valid', () => {
    const samples = ['{}', '[]', '"x"', '1e5', '-0.5', 'true', 'null', ' {"a" : [ 1 , 2 ] } ', '{', '[1,]', '{"a" 1}', "{'a':1}", '1.', '.5', '--1', '"\\x"', '"\\u12"', '', 'nul', '[1 2]'];
    for (const s of samples) {
      let valid = true;
      try {
        JSON.parse(s);
      } catch {
        valid = false;
      }
      expect(locateJsonError(s) === null, s).toBe(valid);
    }
  });
});

describe('positionOf and splitLines', () => {
  it('counts lines and columns from 1', () => {
    expect(positionOf('ab\ncd\nef', 4)).toEqual({ line: 2, column: 2 });
    expect(positionOf('abc', 0)).toEqual({ line: 1, column: 1 });
  });

  it('keeps physical line numbers, skips blank lines and strips CR', () => {
    expect(splitLines('a\r\n\n  \nb\nc', 10)).toEqual([
      { line: 0, text: 'a' },
      { line: 3, text: 'b' },
      { line: 4, text: 'c' },
    ]);
  });

  it('stops with 413 batch_too_large past the item limit', () => {
    const e = caught(() => splitLines('a\nb\nc\n', 2));
    expect(e.httpStatus).toBe(413);
    expect(e.reason).toBe('batch_too_large');
  });
});

describe('arrayLongerThan', () => {
  it('counts top-level elements without parsing, ignoring commas in strings and nested values', () => {
    const items = (n: number): string => `[${Array.from({ length: n }, (_, i) => `{"m":"a,b\\",[","v":[${i},${i}]}`).join(',')}]`;
    expect(arrayLongerThan(items(5), 5)).toBe(false);
    expect(arrayLongerThan(items(6), 5)).toBe(true);
    expect(arrayLongerThan('[1,2,3]', 3)).toBe(false);
    expect(arrayLongerThan(' [1,2,3,4]', 3)).toBe(true);
  });

  it('refuses a million-element array after reading about maxItems of it', () => {
    // Counts the characters read (a String object whose charCodeAt is counted), not wall time: a time budget
    // fails on a loaded machine, the count does not.
    let reads = 0;
    const text = Object.assign(new String(`[${'1,'.repeat(1_000_000)}1]`), {
      charCodeAt(this: string, i: number): number {
        reads++;
        return String.prototype.charCodeAt.call(this, i);
      },
    }) as unknown as string;
    expect(arrayLongerThan(text, 10_000)).toBe(true);
    expect(reads).toBeLessThanOrEqual(2 * 10_000 + 1);
  });
});
