// Request bodies of the /api configuration and admin resources, as strict zod schemas. The query service
// validates with them (422 with one detail per problem) and the OpenAPI document is generated from them,
// so the documentation cannot drift from what is accepted. Unknown fields are rejected so typos surface.
import { z } from 'zod';
import { SCOPES } from '../auth/principal.js';
import { CHECK_SETTINGS } from './check-settings.js';
import { CHECK_KINDS, TARGET_KINDS, type CheckKind } from './kinds.js';
import { hasControl } from './fields.js';
import { targetNameProblem } from './target-name.js';
import { RULE_PARAMS, checkPattern } from './rule-params.js';
import { MAX_EPOCH_MS, parseInstant } from './time.js';
import { cronProblem, timezoneProblem } from '../schedule/heartbeat-schedule.js';

export const MAX_LABELS = 32;
export const MAX_LABEL_VALUE = 256;
const DAY_SEC = 86_400;

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

export { hasControl, headersSchema, httpUrl, isHttpUrl } from './fields.js';

const scopesSchema = z
  .array(z.enum(SCOPES))
  .min(1)
  .max(SCOPES.length)
  .refine((a) => new Set(a).size === a.length, 'scopes must not repeat');

// Targets ---------------------------------------------------------------------------------------------------

export const heartbeatCheckSchema = z
  .strictObject({
    intervalSec: z.number().int().min(1).max(366 * DAY_SEC).optional().describe('Expected time between pings (give intervalSec or cron)'),
    cron: z.string().min(1).max(200).optional().describe('Cron expression of the job (five fields, e.g. `0 3 * * *`, or @daily): a ping is expected at each of its times (give intervalSec or cron)'),
    timezone: z.string().min(1).max(64).optional().describe('IANA time zone of cron (e.g. Europe/Berlin); default UTC'),
    graceSec: z.number().int().min(0).max(366 * DAY_SEC).default(60).describe('Extra time after a missed ping before the target counts as down (late until then)'),
    maxRunSec: z.number().int().min(1).max(366 * DAY_SEC).optional().describe('A /start not followed by a finish within this long counts as a failed run'),
    uuid: z.uuid().optional().describe('Ping URL /ping/{uuid} (Healthchecks); generated when absent. Set it to keep an existing Healthchecks URL working'),
    pingKey: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8-64 letters, digits, _ or -').optional().describe('Ping URL /ping/{pingKey}/{slug} (Healthchecks): a key the targets of one project share'),
    slug: z.string().regex(/^[a-z0-9_-]{1,100}$/, '1-100 lowercase letters, digits, _ or -').optional().describe("The target's slug in /ping/{pingKey}/{slug}; default: its name"),
    pushToken: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8-64 letters, digits, _ or -').optional().describe('Push URL /api/push/{pushToken} (Uptime Kuma); generated when absent'),
  })
  .superRefine((h, ctx) => {
    if ((h.intervalSec === undefined) === (h.cron === undefined)) ctx.addIssue({ code: 'custom', path: ['intervalSec'], message: 'give exactly one of intervalSec or cron' });
    if (h.timezone !== undefined && h.cron === undefined) ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'only with cron' });
    if (h.timezone !== undefined) {
      const tz = timezoneProblem(h.timezone);
      if (tz) ctx.addIssue({ code: 'custom', path: ['timezone'], message: tz });
    }
    if (h.cron !== undefined) {
      const problem = cronProblem(h.cron, h.timezone ?? 'UTC', Date.now());
      if (problem && !problem.startsWith('unknown time zone')) ctx.addIssue({ code: 'custom', path: ['cron'], message: problem });
    }
  });

export { httpCheckSchema } from './check-settings.js';

/** Kinds with a settings block named after them: required for that kind, refused for any other. */
const BLOCK_KINDS = ['heartbeat', ...CHECK_KINDS] as const;

const checkBlocks = Object.fromEntries(CHECK_KINDS.map((k) => [k, CHECK_SETTINGS[k].optional().describe(`Settings of a ${k} check (kind ${k} only)`)])) as {
  [K in CheckKind]: z.ZodOptional<(typeof CHECK_SETTINGS)[K]>;
};

export const targetBody = z
  .strictObject({
    name: nameSchema.refine((n) => targetNameProblem(n) === null, { error: (issue) => targetNameProblem(String(issue.input)) ?? 'invalid target name' }),
    kind: z.enum(TARGET_KINDS),
    labels: labelsSchema.default({}),
    heartbeat: heartbeatCheckSchema.optional().describe('Settings of a heartbeat target (kind heartbeat only)'),
    ...checkBlocks,
    slaTarget: z.number().min(0).max(100).optional().describe('SLA target in percent (e.g. 99.9); uptime reports the error budget against it'),
    channels: uniqueIds.default([]).describe("Notification channel ids of this tenant; empty = the tenant's default channels"),
    dependsOn: uniqueIds.default([]).describe("Target ids this target depends on: while one of them (or their own parents) is down, this target's incidents are recorded but not notified, with the reason on the timeline; resolutions of notified incidents always go out"),
    paused: z.boolean().default(false),
  })
  .superRefine((t, ctx) => {
    for (const block of BLOCK_KINDS) {
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
    z.strictObject({ ...ruleBase, kind: z.literal('heartbeat'), params: RULE_PARAMS.heartbeat.prefault({}) }),
    z.strictObject({ ...ruleBase, kind: z.literal('http'), params: RULE_PARAMS.http.prefault({}) }),
    z.strictObject({ ...ruleBase, kind: z.literal('threshold'), params: RULE_PARAMS.threshold }),
    z.strictObject({ ...ruleBase, kind: z.literal('anomaly'), params: RULE_PARAMS.anomaly }),
    z.strictObject({ ...ruleBase, kind: z.literal('log_pattern'), params: RULE_PARAMS.log_pattern }),
    z.strictObject({ ...ruleBase, kind: z.literal('promql'), params: RULE_PARAMS.promql }),
  ])
  .superRefine((r, ctx) => {
    if (r.targetId !== undefined && r.selector !== undefined) ctx.addIssue({ code: 'custom', path: ['selector'], message: 'give targetId or selector, not both' });
  });
export type RuleBody = z.output<typeof ruleBody>;

// Channels: lib/channels/schema.ts (one config schema per channel kind, next to its driver).

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

// Routes and inhibition rules (Alertmanager-style routing) ----------------------------------------------------

const routingLabel = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.\-/]{0,127}$/, 'a label name (letters, digits, _ . - /, not starting with a digit), or target, rule or severity');
const labelList = z
  .array(routingLabel)
  .max(MAX_LABELS)
  .refine((a) => new Set(a).size === a.length, 'labels must not repeat');

export const routeBody = z.strictObject({
  name: nameSchema,
  channelId: idRef.describe('The channel (receiver) the route notifies'),
  matchers: z.array(matcherSchema).max(20).default([]).describe('Every matcher must match the incident (its labels plus target, rule and severity); none = every incident'),
  groupBy: z
    .array(z.union([z.literal('...'), routingLabel]))
    .max(MAX_LABELS)
    .default(['target', 'rule'])
    .refine((a) => !a.includes('...') || a.length === 1, '"..." stands alone (every incident is its own group)')
    .refine((a) => new Set(a).size === a.length, 'labels must not repeat')
    .describe('Labels whose values form a group; ["..."] = no grouping; [] = one group for the whole route'),
  groupWaitSec: z.number().int().min(0).max(DAY_SEC).default(30).describe('How long a new group waits for more incidents before its first notification'),
  groupIntervalSec: z.number().int().min(1).max(DAY_SEC).default(300).describe('Least time between notifications of a changed group'),
  repeatIntervalSec: z.number().int().min(0).max(30 * DAY_SEC).default(14_400).describe('Re-send of an unchanged group that still fires; 0 = never'),
});
export type RouteBody = z.output<typeof routeBody>;

export const inhibitRuleBody = z.strictObject({
  name: nameSchema,
  source: z.array(matcherSchema).min(1).max(20).describe('An open incident matching all of these inhibits…'),
  target: z.array(matcherSchema).min(1).max(20).describe('…notifications of incidents matching all of these…'),
  equal: labelList.default([]).describe('…when both have equal values of these labels'),
});
export type InhibitRuleBody = z.output<typeof inhibitRuleBody>;

// Incidents ------------------------------------------------------------------------------------------------------

export const ackBody = z.strictObject({ comment: comment.optional() });
/** A manual resolve takes the same optional comment. */
export const resolveBody = ackBody;

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
