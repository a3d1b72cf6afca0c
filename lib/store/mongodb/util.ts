// Small helpers shared by the MongoDB store parts: duplicate-key handling, typed equality filters, and label
// and text filters built from checked values only (never from a caller's object).
import { MongoBulkWriteError, type Document } from 'mongodb';
import { conflict, type LightwatchError } from '../../errors/errors.js';

export const DUPLICATE_KEY = 11000;

export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === DUPLICATE_KEY;
}

/** The unique index a duplicate-key error hit, from the server's `keyPattern` (e.g. `{tenant: 1, name: 1}`). */
export function duplicateKeyFields(err: unknown): string[] {
  const pattern = (err as { keyPattern?: unknown } | null)?.keyPattern;
  return pattern && typeof pattern === 'object' ? Object.keys(pattern) : [];
}

export function conflictFrom(err: unknown, message: string): LightwatchError {
  const e = conflict(message);
  (e as { cause?: unknown }).cause = err;
  return e;
}

/**
 * For an unordered bulk write whose only failures are duplicate keys (a replay), the number of writes that
 * took effect; anything else is rethrown.
 */
export function countIgnoringDuplicates(err: unknown, count: (e: MongoBulkWriteError) => number): number {
  if (!(err instanceof MongoBulkWriteError)) throw err;
  const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  if (errors.length === 0 || errors.some((w) => w.code !== DUPLICATE_KEY)) throw err;
  return count(err);
}

/** `{$eq: value}` on a string: a value is compared, never interpreted as an operator. */
export const eqString = (value: string): Document => ({ $eq: String(value) });

/** Prometheus-style names can go into a dotted path; anything else is read with $getField. */
const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Label equality on the labels object at `path` (`labels` or `meta.labels`), for any key. */
export function labelCondition(path: string, key: string, value: string): Document {
  if (SIMPLE_KEY.test(key)) return { [`${path}.${key}`]: eqString(value) };
  // Keys with dots or a leading `$` cannot be written as a path: read them with $getField, both sides literal.
  return { $expr: { $eq: [{ $getField: { field: { $literal: String(key) }, input: `$${path}` } }, { $literal: String(value) }] } };
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Case-insensitive substring match of an escaped needle. */
export const containsCondition = (path: string, needle: string): Document => ({ [path]: { $regex: escapeRegex(String(needle)), $options: 'i' } });
