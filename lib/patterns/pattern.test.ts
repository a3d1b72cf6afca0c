import { describe, expect, it } from 'vitest';
import { MATCH_BUDGET, MAX_PATTERN_LENGTH, PatternError, compilePattern, globPattern, parseSlashPattern, patternProblem, quotePattern } from './pattern.js';

describe('compilePattern', () => {
  it('full-matches anchored and searches unanchored', () => {
    const p = compilePattern('api-[0-9]+');
    expect(p.fullMatch('api-12')).toBe(true);
    expect(p.fullMatch('x api-12')).toBe(false);
    expect(p.fullMatch('api-12 x')).toBe(false);
    expect(p.search('x api-12 x')).toBe(true);
    expect(p.search('api-')).toBe(false);
  });

  it('full match of an alternation is anchored as a whole, as in PromQL', () => {
    const p = compilePattern('a|b');
    expect(p.fullMatch('a')).toBe(true);
    expect(p.fullMatch('ab')).toBe(false);
  });

  it('matches case-insensitively when asked', () => {
    expect(compilePattern('error').search('An ERROR here')).toBe(false);
    expect(compilePattern('error', { caseInsensitive: true }).search('An ERROR here')).toBe(true);
    expect(compilePattern('straße', { caseInsensitive: true }).fullMatch('STRAẞE')).toBe(true);
  });

  it('dotAll and multiline', () => {
    expect(compilePattern('a.c').fullMatch('a\nc')).toBe(false);
    expect(compilePattern('a.c', { dotAll: true }).fullMatch('a\nc')).toBe(true);
    expect(compilePattern('^b$').search('a\nb\nc')).toBe(false);
    expect(compilePattern('^b$', { multiline: true }).search('a\nb\nc')).toBe(true);
  });

  it('runs catastrophic backtracking patterns in linear time', () => {
    // Not timed: a backtracking engine needs seconds for the first of these and would not answer the second
    // within the test's timeout.
    const p = compilePattern('^(a+)+$');
    expect(p.search(`${'a'.repeat(28)}!`)).toBe(false);
    expect(p.search(`${'a'.repeat(10_000)}!`)).toBe(false);
    expect(p.fullMatch(`${'a'.repeat(10_000)}!`)).toBe(false);
    expect(compilePattern('(x+x+)+y').search('x'.repeat(64 * 1024))).toBe(false);
  });

  it('reads at most maxText characters of a text, sized by the program', () => {
    const small = compilePattern('needle');
    expect(small.maxText).toBeGreaterThanOrEqual(64 * 1024);
    const big = compilePattern('x.{1000}y');
    expect(big.maxText).toBeLessThan(MATCH_BUDGET / 1000);
    const text = `${'a'.repeat(big.maxText)}x${'b'.repeat(1000)}y`;
    expect(big.search(text)).toBe(false);
    expect(big.search(text.slice(big.maxText))).toBe(true);
    expect(big.fullMatch(text.slice(big.maxText))).toBe(true);
  });

  it('refuses invalid patterns with the position and the reason', () => {
    const e = patternProblem('ab(cd');
    expect(e).toBeInstanceOf(PatternError);
    expect(e?.message).toMatch(/missing closing \)/);
    expect(e?.position).toBe(0);
    const star = patternProblem('abc**');
    expect(star?.message).toMatch(/invalid nested repetition operator/);
    expect(star?.position).toBe(3);
  });

  it('names unsupported backtracking-only syntax', () => {
    expect(patternProblem('foo(?=bar)')?.message).toMatch(/lookahead and lookbehind are not supported/);
    expect(patternProblem('foo(?=bar)')?.position).toBe(3);
    expect(patternProblem('(?<!x)y')?.message).toMatch(/lookahead and lookbehind are not supported/);
    expect(patternProblem('(a)\\1')?.message).toMatch(/backreferences are not supported/);
    expect(patternProblem('(a)\\1')?.position).toBe(3);
  });

  it('bounds the pattern length and the compiled size', () => {
    expect(patternProblem('a'.repeat(MAX_PATTERN_LENGTH))).toBeNull();
    expect(patternProblem('a'.repeat(MAX_PATTERN_LENGTH + 1))?.message).toMatch(/at most 1024/);
    expect(patternProblem('(a{1000}){1000}')?.message).toMatch(/invalid repeat count/);
    expect(patternProblem('.{999}x.{999}y.{999}')?.message).toMatch(/too complex/);
  });

  it('prints as /source/flags for comparing compiled configurations', () => {
    expect(JSON.stringify({ p: compilePattern('a+', { caseInsensitive: true }) })).toBe('{"p":"/a+/i"}');
  });
});

describe('globPattern', () => {
  it('treats * and ? as wildcards and everything else literally', () => {
    const g = globPattern('db-*.log');
    expect(g.fullMatch('db-main.log')).toBe(true);
    expect(g.fullMatch('db-mainXlog')).toBe(false);
    expect(globPattern('a?c').fullMatch('abc')).toBe(true);
    expect(globPattern('a?c').fullMatch('xabc')).toBe(false);
    expect(globPattern('(a+)[b]\\E').fullMatch('(a+)[b]\\E')).toBe(true);
    expect(globPattern('*fail*').fullMatch('line one\nfailed')).toBe(true);
  });
});

describe('quotePattern and parseSlashPattern', () => {
  it('quotes literals', () => {
    expect(compilePattern(quotePattern('a.b*')).fullMatch('a.b*')).toBe(true);
    expect(compilePattern(quotePattern('a.b*')).fullMatch('axb')).toBe(false);
  });

  it('reads /source/flags', () => {
    expect(parseSlashPattern('/STATUS.*OK/i')).toEqual({ source: 'STATUS.*OK', options: { caseInsensitive: true, multiline: false, dotAll: false } });
    expect(parseSlashPattern('plain')).toBeNull();
    expect(parseSlashPattern('/x/g')).toBeNull();
  });
});

describe('errors under options', () => {
  it('report positions in the user source, not in the flag group', () => {
    expect(patternProblem('(unclosed', { caseInsensitive: true })?.message).toBe('invalid regular expression at position 0: missing closing ) (`(unclosed`)');
    expect(patternProblem('ab(?=c)', { caseInsensitive: true, dotAll: true })?.position).toBe(2);
  });
});
