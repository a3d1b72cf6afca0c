// Turns a request body (JSON text) into a validated value: malformed JSON is a 400 `malformed_json`, a body
// that is not an object or fails its schema is a 422 with one detail per problem, located by JSON pointer
// (`/heartbeat/intervalSec`). Pure.
import type { z } from 'zod';
import { badRequest, unprocessable, type ErrorDetail } from '../lib/errors/errors.js';

export type JsonObject = Record<string, unknown>;

function pointer(path: readonly PropertyKey[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function issuesToDetails(issues: readonly z.core.$ZodIssue[]): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) details.push({ at: pointer([...issue.path, key]), message: 'unknown field' });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // A union member's own problems say more than "no member matched": report the closest member's.
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      details.push(...issuesToDetails(closest.map((i) => ({ ...i, path: [...issue.path, ...i.path] }))));
    } else {
      details.push({ at: pointer(issue.path), message: issue.message });
    }
  }
  return details;
}

/** Parses JSON text that must be an object. An empty body is `{}` when `optional`, else a 422. */
export function parseJsonObject(bodyJson: string, optional = false): JsonObject {
  if (bodyJson.trim() === '') {
    if (optional) return {};
    throw unprocessable('request body is required: a JSON object', [{ at: '', message: 'missing body' }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(bodyJson);
  } catch (err) {
    throw badRequest(`request body is not valid JSON: ${(err as Error).message}`, [{ at: 'body', message: (err as Error).message }], 'malformed_json');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw unprocessable('request body must be a JSON object', [{ at: '', message: `expected an object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` }]);
  }
  return value as JsonObject;
}

export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const details = issuesToDetails(res.error.issues);
  const first = details[0];
  throw unprocessable(`invalid ${what}${first ? `: ${first.at || '(body)'} ${first.message}` : ''}`, details);
}

export function parseBody<S extends z.ZodType>(schema: S, bodyJson: string, what: string, optional = false): z.output<S> {
  return validate(schema, parseJsonObject(bodyJson, optional), what);
}

/**
 * The body of an update: the stored editable fields with the given top-level fields replacing them, `null`
 * removing an optional one. The result is validated as a whole, so an update cannot produce what a create
 * would refuse.
 */
export function mergeForUpdate(stored: JsonObject, patch: JsonObject): JsonObject {
  const merged: JsonObject = { ...stored };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}
