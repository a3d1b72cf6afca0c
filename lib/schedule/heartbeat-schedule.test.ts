import { describe, expect, it } from 'vitest';
import { cronProblem, nextExpectedPing, nextPingExpectedAt, timezoneProblem } from './heartbeat-schedule.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

describe('heartbeat schedule', () => {
  it('an interval schedule expects the next ping one interval after the last', () => {
    expect(nextExpectedPing({ intervalSec: 60 }, 1_000)).toBe(61_000);
    expect(nextPingExpectedAt({ intervalSec: 60 }, undefined, 5_000)).toBe(65_000);
  });

  it('0 3 * * * in Europe/Berlin fires at 03:00 local time on both sides of the spring DST change', () => {
    const s = { cron: '0 3 * * *', timezone: 'Europe/Berlin' };
    // 28 March 2026 03:00 CET = 02:00Z; 29 March (CEST from 02:00 local) 03:00 = 01:00Z: a 23-hour day.
    expect(iso(nextExpectedPing(s, at('2026-03-27T02:00:05Z')))).toBe('2026-03-28T02:00:00.000Z');
    expect(iso(nextExpectedPing(s, at('2026-03-28T02:00:05Z')))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(nextExpectedPing(s, at('2026-03-29T01:00:05Z')))).toBe('2026-03-30T01:00:00.000Z');
  });

  it('across the autumn DST change: a 25-hour day, and a time in the repeated hour is expected once', () => {
    const s = { cron: '0 3 * * *', timezone: 'Europe/Berlin' };
    expect(iso(nextExpectedPing(s, at('2026-10-24T01:00:05Z')))).toBe('2026-10-25T02:00:00.000Z');
    const twice = { cron: '30 2 * * *', timezone: 'Europe/Berlin' };
    expect(iso(nextExpectedPing(twice, at('2026-10-24T12:00:00Z')))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(nextExpectedPing(twice, at('2026-10-25T00:30:05Z')))).toBe('2026-10-26T01:30:00.000Z');
  });

  it('a time skipped by the spring change is expected at the end of the gap', () => {
    expect(iso(nextExpectedPing({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }, at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('the next expected ping is strictly after the last one, also when it came exactly on time', () => {
    expect(iso(nextExpectedPing({ cron: '*/15 * * * *' }, at('2026-01-01T00:15:00Z')))).toBe('2026-01-01T00:30:00.000Z');
    expect(iso(nextExpectedPing({ cron: '@hourly' }, at('2026-01-01T00:59:59Z')))).toBe('2026-01-01T01:00:00.000Z');
  });

  it('UTC is the default time zone', () => {
    expect(iso(nextExpectedPing({ cron: '0 3 * * *' }, at('2026-06-01T00:00:00Z')))).toBe('2026-06-01T03:00:00.000Z');
  });

  it('names what is wrong with a bad expression or zone', () => {
    const now = at('2026-01-01T00:00:00Z');
    expect(cronProblem('0 3 * * *', 'Europe/Berlin', now)).toBeNull();
    expect(cronProblem('@daily', 'UTC', now)).toBeNull();
    expect(cronProblem('0 0 30 2 *', 'UTC', now)).toBe('the expression never fires');
    expect(cronProblem('61 3 * * *', 'UTC', now)).toMatch(/minute/);
    expect(cronProblem('0 3 * *', 'UTC', now)).toMatch(/five fields/);
    expect(cronProblem('0 0 3 * * *', 'UTC', now)).toMatch(/five fields/);
    expect(cronProblem('0 3 * * *', 'Mars/Olympus', now)).toMatch(/unknown time zone "Mars\/Olympus"/);
    expect(timezoneProblem('America/New_York')).toBeNull();
  });
});
