import { describe, expect, it } from 'vitest';
import { parseIsoDate, toEpochMs } from './time.js';

const NOW = 1_704_448_800_000; // 2024-01-05T10:00:00Z

describe('toEpochMs', () => {
  it('tells s, ms, µs and ns apart by magnitude', () => {
    expect(toEpochMs(1704448800, NOW)).toBe(NOW);
    expect(toEpochMs(1704448800.123, NOW)).toBe(NOW + 123);
    expect(toEpochMs(1704448800123, NOW)).toBe(NOW + 123);
    expect(toEpochMs(1704448800123456, NOW)).toBe(NOW + 123);
    expect(toEpochMs(1544712660300000000, NOW)).toBe(1544712660300);
  });

  it('reads numeric strings, cutting µs/ns strings exactly', () => {
    expect(toEpochMs('1704448800', NOW)).toBe(NOW);
    expect(toEpochMs('1704448800123999999', NOW)).toBe(NOW + 123);
    expect(toEpochMs('1704448800123999', NOW)).toBe(NOW + 123);
    expect(toEpochMs(' 1704448800.5 ', NOW)).toBe(NOW + 500);
  });

  it('reads RFC 3339 and the common ISO 8601 variants', () => {
    expect(toEpochMs('2024-01-05T10:00:00Z', NOW)).toBe(NOW);
    expect(toEpochMs('2024-01-05T10:00:00.123456789Z', NOW)).toBe(NOW + 123);
    expect(toEpochMs('2024-01-05T12:00:00+02:00', NOW)).toBe(NOW);
    expect(toEpochMs('2024-01-05T05:30:00-0430', NOW)).toBe(NOW);
    expect(toEpochMs('2024-01-05 10:00:00,5', NOW)).toBe(NOW + 500);
    expect(toEpochMs('2024-01-05', NOW)).toBe(Date.UTC(2024, 0, 5));
    expect(toEpochMs('2016-12-31T23:59:60Z', NOW)).toBe(Date.UTC(2016, 11, 31, 23, 59, 59));
  });

  it('uses receivedAt when there is no time, and null when the time cannot be read', () => {
    expect(toEpochMs(undefined, NOW)).toBe(NOW);
    expect(toEpochMs('', NOW)).toBe(NOW);
    for (const bad of ['yesterday', 'March 7', '2024-02-30T00:00:00Z', '2024-01-05T24:00:00Z', '2024-01-05T10:00:00+25:00', '2024-01-05T10:00Zjunk', '-5', '1e5', 'NaN', '1.2.3']) {
      expect(toEpochMs(bad, NOW), bad).toBeNull();
    }
    expect(toEpochMs(NaN, NOW)).toBeNull();
    expect(toEpochMs(-1, NOW)).toBeNull();
    expect(toEpochMs(Infinity, NOW)).toBeNull();
  });

  it('reads leap days and years before 100 correctly', () => {
    expect(parseIsoDate('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseIsoDate('2023-02-29T00:00:00Z')).toBeNull();
    expect(parseIsoDate('0099-01-01T00:00:00Z')).toBe(new Date('0099-01-01T00:00:00Z').getTime());
  });
});
