// How agents spell metric types, heartbeat statuses and security outcomes, mapped onto the canonical sets
// (levels and severities live in levels.ts). Pure.
import type { HeartbeatStatus, MetricType } from '../../lib/events/event.js';

export const METRIC_TYPE_WORDS: Record<string, MetricType> = {
  gauge: 'gauge',
  g: 'gauge',
  counter: 'counter',
  count: 'counter',
  c: 'counter',
  sum: 'counter',
  histogram: 'histogram',
  h: 'histogram',
  timer: 'histogram',
  ms: 'histogram',
  distribution: 'histogram',
  summary: 'summary',
  untyped: 'untyped',
  unknown: 'untyped',
};

export const HEARTBEAT_WORDS: Record<string, HeartbeatStatus> = {
  ok: 'ok',
  up: 'ok',
  success: 'ok',
  succeeded: 'ok',
  pass: 'ok',
  passed: 'ok',
  done: 'ok',
  start: 'start',
  started: 'start',
  running: 'start',
  run: 'start',
  fail: 'fail',
  failed: 'fail',
  failure: 'fail',
  error: 'fail',
  down: 'fail',
};

export const OUTCOME_WORDS: Record<string, 'success' | 'failure' | 'unknown'> = {
  success: 'success',
  succeeded: 'success',
  successful: 'success',
  ok: 'success',
  allowed: 'success',
  allow: 'success',
  accepted: 'success',
  accept: 'success',
  pass: 'success',
  true: 'success',
  failure: 'failure',
  failed: 'failure',
  fail: 'failure',
  denied: 'failure',
  deny: 'failure',
  blocked: 'failure',
  block: 'failure',
  rejected: 'failure',
  reject: 'failure',
  error: 'failure',
  false: 'failure',
  unknown: 'unknown',
};

/** `table[v]`, else `table[v.trim().toLowerCase()]`; own keys only. */
export function lookup<T>(table: Record<string, T>, v: string): T | undefined {
  if (Object.prototype.hasOwnProperty.call(table, v)) return table[v];
  const l = v.trim().toLowerCase();
  return Object.prototype.hasOwnProperty.call(table, l) ? table[l] : undefined;
}
