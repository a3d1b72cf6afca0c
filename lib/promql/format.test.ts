import { describe, expect, it } from 'vitest';
import { formatGoE, formatGoF, formatSampleValue, formatTimestamp } from './format.js';

describe('formatSampleValue (Prometheus jsonutil.MarshalValue)', () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [1e6, '1000000'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e-6, '0.000001'],
    [9.99e-7, '9.99e-07'],
    [1e-7, '1e-07'],
    [-2.5e-10, '-2.5e-10'],
    [1e20, '100000000000000000000'],
    [1e21, '1e+21'],
    [1.5e300, '1.5e+300'],
    [5e-324, '5e-324'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [123.456, '123.456'],
  ])('%s → %s', (v, s) => {
    expect(formatSampleValue(v)).toBe(s);
  });
});

describe("Go's 'e' and 'f' formats", () => {
  it('pads the exponent to two digits', () => {
    expect(formatGoE(1e5)).toBe('1e+05');
    expect(formatGoE(1.25e-100)).toBe('1.25e-100');
  });
  it("'f' never uses an exponent (count_values labels)", () => {
    expect(formatGoF(1e21)).toBe('1000000000000000000000');
    expect(formatGoF(1.2345e25)).toBe('12345000000000000000000000');
    expect(formatGoF(1e-7)).toBe('0.0000001');
    expect(formatGoF(-1.5e-8)).toBe('-0.000000015');
    expect(formatGoF(42)).toBe('42');
    expect(formatGoF(NaN)).toBe('NaN');
    expect(formatGoF(-Infinity)).toBe('-Inf');
  });
});

describe('formatTimestamp', () => {
  it('writes seconds with millisecond decimals as Prometheus does', () => {
    expect(formatTimestamp(1_500)).toBe('1.500');
    expect(formatTimestamp(1_767_225_600_000)).toBe('1767225600');
    expect(formatTimestamp(1_005)).toBe('1.005');
    expect(formatTimestamp(-1_050)).toBe('-1.050');
  });
});
