// When a heartbeat is next expected, for both ways people schedule jobs: a simple interval, or a cron
// expression in a time zone (Healthchecks.io's "cron" checks). Pure: callers pass the time. Cron arithmetic,
// time zones and DST gaps/overlaps are croner's (no dependencies, maintained, IANA zones through Intl);
// compiled expressions are cached because the detector asks on every ping of every cron target.
import { Cron } from 'croner';

export interface HeartbeatSchedule {
  /** Seconds between pings (interval schedule); ignored when `cron` is set. */
  intervalSec?: number;
  /** Five-field cron expression (minute hour day-of-month month day-of-week) or @hourly/@daily/…. */
  cron?: string;
  /** IANA time zone of `cron` (default UTC). */
  timezone?: string;
}

const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const CACHE_MAX = 10_000;
const cache = new Map<string, Cron>();

function compile(expr: string, timezone: string): Cron {
  const key = `${timezone}\u0000${expr}`;
  let c = cache.get(key);
  if (c === undefined) {
    c = new Cron(expr, { timezone, paused: true });
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(key, c);
  }
  return c;
}

/** Why `timezone` is not a usable IANA zone, or null. */
export function timezoneProblem(timezone: string): string | null {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return null;
  } catch {
    return `unknown time zone ${JSON.stringify(timezone)} (expected an IANA name such as Europe/Berlin)`;
  }
}

/**
 * Why `expr` (in `timezone`) cannot schedule heartbeats, or null: not five fields, a field out of range, or an
 * expression that never fires (`0 0 30 2 *`). `now` anchors the "never fires" search.
 */
export function cronProblem(expr: string, timezone: string, now: number): string | null {
  const trimmed = expr.trim();
  if (!NICKNAMES.has(trimmed.toLowerCase()) && trimmed.split(/\s+/).length !== 5) {
    return 'expected five fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly, @yearly';
  }
  const tz = timezoneProblem(timezone);
  if (tz) return tz;
  let next: Date | null;
  try {
    next = compile(trimmed, timezone).nextRun(new Date(now));
  } catch (err) {
    return err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err);
  }
  return next === null ? 'the expression never fires' : null;
}

/**
 * The first time a ping is expected after `after` (epoch ms): `after` + interval, or the next cron fire strictly
 * after it. Null when a cron expression never fires again.
 */
export function nextExpectedPing(s: HeartbeatSchedule, after: number): number | null {
  if (s.cron !== undefined) {
    const next = compile(s.cron.trim(), s.timezone ?? 'UTC').nextRun(new Date(after));
    return next === null ? null : next.getTime();
  }
  return after + (s.intervalSec ?? 0) * 1000;
}

/**
 * When the next ping of a heartbeat target is expected, as the API shows it: the next one after the last ping
 * or, before the first ping, after the target started being watched (`since`). Null: a cron that never fires.
 */
export function nextPingExpectedAt(s: HeartbeatSchedule, lastPingAt: number | undefined, since: number): number | null {
  return nextExpectedPing(s, lastPingAt ?? since);
}
