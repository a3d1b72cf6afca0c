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
      const typeOnly = issue.errors.every((branch) => branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0);
      if (typeOnly) {
        // Wrong type for every member (`true` for "ms or RFC 3339"): name all the accepted types at once.
        const expected = [...new Set(issue.errors.map((branch) => (branch[0] as z.core.$ZodIssueInvalidType).expected))];
        details.push({ at: pointer(issue.path), message: `expected ${expected.join(' or ')}` });
        continue;
      }
      // Otherwise a member's own problems say more than "no member matched": report those of the closest
      // member, one whose type matched (a string failing the RFC 3339 check) before one that did not.
      const wrongType = (branch: readonly z.core.$ZodIssue[]): number => (branch.some((i) => i.code === 'invalid_type' && i.path.length === 0) ? 1 : 0);
      const closest = [...issue.errors].sort((a, b) => wrongType(a) - wrongType(b) || a.length - b.length)[0] ?? [];
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
