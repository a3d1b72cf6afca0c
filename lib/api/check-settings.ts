// The settings of every active check kind, one schema per kind, each in a block named after the kind
// (`{"kind":"http","http":{…}}`). The API validates target bodies with these and the detector runs checks on
// their output types, so the two cannot drift. Every kind shares the scheduling settings (interval, timeout,
// retries, backoff); one check, all attempts included, must finish before the next one starts.
import { z } from 'zod';
import { headersSchema, httpUrl } from './fields.js';
import { parseSlashPattern } from '../patterns/pattern.js';
import { checkPattern } from './rule-params.js';

const DAY_SEC = 86_400;

/** Scheduling settings every check kind has. */
export const checkCommon = {
  intervalSec: z.number().int().min(5).max(DAY_SEC).default(60).describe('Time between checks'),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('One attempt fails after this long'),
  retries: z.number().int().min(0).max(10).default(0).describe('Extra attempts after a failed one before the check counts as failed'),
  retryBackoffMs: z.number().int().min(0).max(60_000).default(1_000).describe('Wait before the first retry; doubles for each further one'),
};

type Common = { intervalSec: number; timeoutMs: number; retries: number; retryBackoffMs: number };

/** A check's worst case (every attempt timing out) must fit in its interval. */
function fitsInterval(c: Common, ctx: z.RefinementCtx): void {
  const worstMs = c.timeoutMs * (c.retries + 1) + c.retryBackoffMs * (2 ** c.retries - 1);
  if (worstMs > c.intervalSec * 1000) {
    ctx.addIssue({ code: 'custom', path: ['timeoutMs'], message: `timeoutMs × (retries + 1) + the retry backoffs = ${worstMs} ms exceeds intervalSec (${c.intervalSec} s)` });
  }
}

function checkSlashPattern(s: string | undefined, path: string, ctx: z.RefinementCtx): void {
  const slashed = s === undefined ? null : parseSlashPattern(s);
  if (slashed) checkPattern(ctx, [path], slashed.source, slashed.options);
}

export const httpCheckSchema = z
  .strictObject({
    ...checkCommon,
    url: httpUrl.describe('What to request'),
    method: z.enum(['GET', 'HEAD', 'POST']).optional().describe('Request method; default GET'),
    expectedStatus: z.array(z.number().int().min(100).max(599)).min(1).max(20).optional().describe('Accepted statuses; default any 2xx or 3xx'),
    bodyMatch: z.string().min(1).max(1024).optional().describe('Substring the body must contain, or /regex/ with optional flags i, m, s (RE2 syntax)'),
    headers: headersSchema.optional().describe('Request headers; values are write-only (masked in responses)'),
  })
  .superRefine((h, ctx) => {
    checkSlashPattern(h.bodyMatch, 'bodyMatch', ctx);
    fitsInterval(h, ctx);
  });

/** Every active check kind and its settings block. */
export const CHECK_SETTINGS = {
  http: httpCheckSchema,
} as const;

export type CheckKind = keyof typeof CHECK_SETTINGS;
export const CHECK_KINDS = Object.keys(CHECK_SETTINGS) as CheckKind[];
export type CheckSettingsOf = { [K in CheckKind]: z.output<(typeof CHECK_SETTINGS)[K]> };
export type HttpCheck = CheckSettingsOf['http'];

/** A target's active check: its kind and that kind's settings. */
export type ActiveCheck = { [K in CheckKind]: { kind: K; settings: CheckSettingsOf[K] } }[CheckKind];

export function isCheckKind(kind: string): kind is CheckKind {
  return Object.hasOwn(CHECK_SETTINGS, kind);
}
