// Request bodies of the /api configuration and admin resources, as strict zod schemas. The query service
// validates with them (422 with one detail per problem) and the OpenAPI document is generated from them,
// so the documentation cannot drift from what is accepted. Unknown fields are rejected so typos surface.
import { z } from 'zod';
import { SCOPES } from '../auth/principal.js';
import { parseSlashPattern } from '../patterns/pattern.js';
import { RULE_PARAMS, checkPattern } from './rule-params.js';
import { MAX_EPOCH_MS, parseInstant } from './time.js';

export const MAX_LABELS = 32;
export const MAX_LABEL_VALUE = 256;
const DAY_SEC = 86_400;

/** Control characters, except tab and line breaks where `allowBreaks` (free text such as comments). */
function hasControl(s: string, allowBreaks = false): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (allowBreaks && (c === 9 || c === 10 || c === 13)) continue;
    if (c < 32 || c === 127) return true;
  }
  return false;
}

export const nameSchema = z.string().trim().min(1).max(200).refine((s) => !hasControl(s), 'must not contain control characters');
export const idRef = z.string().min(1).max(128);
const comment = z.string().max(1024).refine((s) => !hasControl(s, true), 'must not contain control characters');

export const labelsSchema = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.\-/]{0,127}$/, 'label names are 1-128 characters: letters, digits, _ . - / (not starting with a digit)'), z.string().max(MAX_LABEL_VALUE))
  .refine((l) => Object.keys(l).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`);

const uniqueIds = z
  .array(idRef)
  .max(50)
  .refine((a) => new Set(a).size === a.length, 'ids must not repeat');

/** An instant as RFC 3339 text or epoch milliseconds, stored as epoch ms. */
export const instantSchema = z.union([
  z.number().int().min(0).max(MAX_EPOCH_MS),
  z.string().transform((s, ctx) => {
    const ms = parseInstant(s);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: 'expected RFC 3339 (2024-05-01T12:00:00Z) or epoch milliseconds' });
      return z.NEVER;
    }
    return ms;
  }),
]);

export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
export const httpUrl = z.string().max(2048).refine(isHttpUrl, 'must be an absolute http:// or https:// URL');

export const headersSchema = z
  .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'not a valid HTTP header name'), z.string().max(1024).refine((s) => !hasControl(s), 'must not contain line breaks or control characters'))
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers');

const scopesSchema = z
  .array(z.enum(SCOPES))
  .min(1)
  .max(SCOPES.length)
  .refine((a) => new Set(a).size === a.length, 'scopes must not repeat');

// Targets ---------------------------------------------------------------------------------------------------

export const heartbeatCheckSchema = z.strictObject({
  intervalSec: z.number().int().min(1).max(366 * DAY_SEC).describe('Expected time between pings'),
  graceSec: z.number().int().min(0).max(366 * DAY_SEC).default(60).describe('Extra time after a missed ping before the target counts as down'),
  maxRunSec: z.number().int().min(1).max(366 * DAY_SEC).optional().describe('A /start not followed by a finish within this long counts as a failed run'),
});

export const httpCheckSchema = z
  .strictObject({
    url: httpUrl,
    method: z.enum(['GET', 'HEAD', 'POST']).optional(),
    intervalSec: z.number().int().min(5).max(DAY_SEC).default(60),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    retries: z.number().int().min(0).max(10).default(0).describe('Extra attempts after a failed one before the check counts as failed'),
    retryBackoffMs: z.number().int().min(0).max(60_000).default(1_000),
    expectedStatus: z.array(z.number().int().min(100).max(599)).min(1).max(20).optional().describe('Accepted statuses; default any 2xx'),
    bodyMatch: z.string().min(1).max(1024).optional().describe('Substring the body must contain, or /regex/ with optional flags i, m, s (RE2 syntax)'),
    headers: headersSchema.optional().describe('Request headers; values are write-only (masked in responses)'),
  })
  .superRefine((h, ctx) => {
    const slashed = parseSlashPattern(h.bodyMatch ?? '');
    if (slashed) checkPattern(ctx, ['bodyMatch'], slashed.source, slashed.options);
    // One check (all attempts) must finish before the next one starts.
    const worstMs = h.timeoutMs * (h.retries + 1) + h.retryBackoffMs * h.retries;
    if (worstMs > h.intervalSec * 1000) {
      ctx.addIssue({ code: 'custom', path: ['timeoutMs'], message: `timeoutMs × (retries + 1) + retryBackoffMs × retries = ${worstMs} ms exceeds intervalSec (${h.intervalSec} s)` });
    }
  });

export const TARGET_KINDS = ['heartbeat', 'http', 'metric', 'log'] as const;

export const targetBody = z
  .strictObject({
    name: nameSchema,
    kind: z.enum(TARGET_KINDS),
    labels: labelsSchema.default({}),
    heartbeat: heartbeatCheckSchema.optional(),
    http: httpCheckSchema.optional(),
    slaTarget: z.number().min(0).max(100).optional().describe('SLA target in percent (e.g. 99.9); uptime reports the error budget against it'),
    channels: uniqueIds.default([]).describe("Notification channel ids of this tenant; empty = the tenant's default channels"),
    paused: z.boolean().default(false),
  })
  .superRefine((t, ctx) => {
    for (const block of ['heartbeat', 'http'] as const) {
      if (t.kind === block && t[block] === undefined) ctx.addIssue({ code: 'custom', path: [block], message: `required for kind ${block}` });
      if (t.kind !== block && t[block] !== undefined) ctx.addIssue({ code: 'custom', path: [block], message: `only allowed for kind ${block}` });
    }
  });
export type TargetBody = z.output<typeof targetBody>;

// Rules -------------------------------------------------------------------------------------------------------

export const RULE_SEVERITIES = ['info', 'warning', 'critical'] as const;

const ruleBase = {
  name: nameSchema,
  targetId: idRef.optional().describe('The one target this rule watches (give targetId or selector; neither = every target)'),
  selector: labelsSchema.optional().describe('Every target whose labels include these'),
  severity: z.enum(RULE_SEVERITIES).default('warning'),
  channels: uniqueIds.default([]),
  enabled: z.boolean().default(true),
};

export const ruleBody = z
  .discriminatedUnion('kind', [
    z.strictObject({ ...ruleBase, kind: z.literal('heartbeat'), params: RULE_PARAMS.heartbeat.default({}) }),
    z.strictObject({ ...ruleBase, kind: z.literal('http'), params: RULE_PARAMS.http.default({}) }),
    z.strictObject({ ...ruleBase, kind: z.literal('threshold'), params: RULE_PARAMS.threshold }),
    z.strictObject({ ...ruleBase, kind: z.literal('anomaly'), params: RULE_PARAMS.anomaly }),
    z.strictObject({ ...ruleBase, kind: z.literal('log_pattern'), params: RULE_PARAMS.log_pattern }),
  ])
  .superRefine((r, ctx) => {
    if (r.targetId !== undefined && r.selector !== undefined) ctx.addIssue({ code: 'custom', path: ['selector'], message: 'give targetId or selector, not both' });
  });
export type RuleBody = z.output<typeof ruleBody>;

// Channels -----------------------------------------------------------------------------------------------------

export const webhookConfig = z.strictObject({
  url: httpUrl,
  secret: z.string().min(1).max(256).optional().describe('HMAC-SHA256 signing secret; write-only (masked in responses)'),
  headers: headersSchema.optional().describe('Extra request headers; values are write-only (masked in responses)'),
});
export const telegramConfig = z.strictObject({
  botToken: z.string().min(1).max(256).regex(/^[^\s/]+$/, 'must not contain spaces or slashes').describe('Write-only (masked in responses)'),
  chatId: z.union([z.string().min(1).max(64).regex(/^-?\d+$|^@\w{4,}$/, 'a numeric chat id or @channelname'), z.number().int().transform(String)]),
  apiBaseUrl: httpUrl.optional(),
});
export const slackConfig = z.strictObject({
  webhookUrl: httpUrl.describe('Write-only (masked in responses): the URL is the credential'),
});

const channelBase = {
  name: nameSchema,
  isDefault: z.boolean().default(false).describe('Gets every incident of targets and rules that name no channel'),
  repeatIntervalSec: z.union([z.literal(0), z.number().int().min(60).max(7 * DAY_SEC)]).default(0).describe('Reminder interval while an incident stays open; 0 = no reminders'),
  rateLimitPerMin: z.number().int().min(1).max(600).default(20).describe('At most this many messages per minute to this channel'),
};

export const channelBody = z.discriminatedUnion('kind', [
  z.strictObject({ ...channelBase, kind: z.literal('webhook'), config: webhookConfig }),
  z.strictObject({ ...channelBase, kind: z.literal('telegram'), config: telegramConfig }),
  z.strictObject({ ...channelBase, kind: z.literal('slack'), config: slackConfig }),
]);
export type ChannelBody = z.output<typeof channelBody>;

/** Config fields holding credentials: never returned in full. */
export const SECRET_CONFIG_FIELDS = { webhook: ['secret'], telegram: ['botToken'], slack: ['webhookUrl'] } as const;

// Silences and maintenance ------------------------------------------------------------------------------------

export const matcherSchema = z
  .strictObject({
    name: z.string().min(1).max(128).describe('A label name, or target, rule or severity'),
    value: z.string().max(1024),
    op: z.enum(['=', '!=', '=~', '!~']).default('='),
  })
  .superRefine((m, ctx) => {
    if (m.op === '=~' || m.op === '!~') checkPattern(ctx, ['value'], m.value);
  });

export const silenceBody = z
  .strictObject({
    matchers: z.array(matcherSchema).min(1).max(20),
    startsAt: instantSchema.optional().describe('Default: now'),
    endsAt: instantSchema,
    comment: comment.default(''),
  })
  .superRefine((s, ctx) => {
    if (s.startsAt !== undefined && s.endsAt <= s.startsAt) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
  });
export type SilenceBody = z.output<typeof silenceBody>;

export const maintenanceBody = z
  .strictObject({
    name: nameSchema,
    targetIds: uniqueIds.default([]).describe('Target ids of this tenant; with no selector either, the window covers every target'),
    selector: labelsSchema.optional(),
    startsAt: instantSchema,
    endsAt: instantSchema,
    comment: comment.default(''),
  })
  .superRefine((m, ctx) => {
    if (m.endsAt <= m.startsAt) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
  });
export type MaintenanceBody = z.output<typeof maintenanceBody>;

// Incidents ------------------------------------------------------------------------------------------------------

export const ackBody = z.strictObject({ comment: comment.optional() });

// Admin -----------------------------------------------------------------------------------------------------------

export const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const tenantBody = z.strictObject({
  id: z.string().regex(TENANT_ID, '1-63 characters: lowercase letters, digits, _ and -, starting with a letter or digit'),
  name: nameSchema,
});

export const keyBody = z.strictObject({
  name: nameSchema,
  scopes: scopesSchema,
});

export const userBody = z.strictObject({
  email: z.email().max(254).toLowerCase().describe('Unique across the installation (login is by email); stored lowercased'),
  password: z.string().min(10).max(256),
  scopes: scopesSchema.default(['read']),
});

export const loginBody = z.strictObject({
  email: z.string().max(254),
  password: z.string().max(256),
});
