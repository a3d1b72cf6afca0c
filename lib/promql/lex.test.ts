import { describe, expect, it } from 'vitest';
import { parseDuration, parseGoFloat, unquote } from './lex.js';

describe('unquote (Go strconv.Unquote)', () => {
  it('reads the three quote forms and Go escapes', () => {
    expect(unquote('"a\\nb\\t\\"c\\\\"')).toBe('a\nb\t"c\\');
    expect(unquote("'it\\'s'")).toBe("it's");
    expect(unquote('`raw \\n`')).toBe('raw \\n');
    expect(unquote('"\\x41\\u00e9\\U0001F600\\101"')).toBe('Aé😀A');
  });
  it('rejects what Go rejects', () => {
    expect(() => unquote('"\\q"')).toThrow('invalid syntax');
    expect(() => unquote("'a\\\"'")).toThrow('invalid syntax');
    expect(() => unquote('"\\x4"')).toThrow('invalid syntax');
    expect(() => unquote('"a')).toThrow('invalid syntax');
  });
});

describe('parseDuration (model.ParseDuration)', () => {
  it('sums units in their order', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1y')).toBe(365 * 86_400_000);
    expect(parseDuration('2w1d')).toBe(15 * 86_400_000);
    expect(parseDuration('1s500ms')).toBe(1_500);
    expect(parseDuration('0')).toBe(0);
  });
  it('rejects out-of-order or unknown units', () => {
    expect(() => parseDuration('30m1h')).toThrow('not a valid duration string: "30m1h"');
    expect(() => parseDuration('5x')).toThrow('not a valid duration string');
    expect(() => parseDuration('')).toThrow('not a valid duration string');
  });
});

describe('parseGoFloat (strconv.ParseFloat)', () => {
  it('reads decimal, exponent, hex, Inf and NaN forms', () => {
    expect(parseGoFloat('1e3')).toBe(1000);
    expect(parseGoFloat('.5')).toBe(0.5);
    expect(parseGoFloat('0x1F')).toBe(31);
    expect(parseGoFloat('+Inf')).toBe(Infinity);
    expect(parseGoFloat('-inf')).toBe(-Infinity);
    expect(parseGoFloat('NaN')).toBeNaN();
    expect(parseGoFloat('0x1p-2')).toBe(0.25);
  });
  it('returns null for what Go rejects', () => {
    expect(parseGoFloat('1.2.3')).toBeNull();
    expect(parseGoFloat('abc')).toBeNull();
    expect(parseGoFloat('')).toBeNull();
  });
});
