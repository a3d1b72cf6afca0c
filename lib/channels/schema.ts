// The /api/channels request body: common fields, an optional Liquid `template` (checked here, so a syntax
// error is a 422 naming the field, line and column), and one strict config block per kind from its driver.
import { z } from 'zod';
import { idRef, nameSchema } from '../api/schemas.js';
import { CHANNEL_KINDS, type ChannelKind } from './driver.js';
import { DRIVERS } from './registry.js';
import { MAX_TEMPLATE_CHARS, templateProblem } from './template.js';

const DAY_SEC = 86_400;

const templateSource = z
  .string()
  .max(MAX_TEMPLATE_CHARS)
  .superRefine((s, ctx) => {
    const problem = templateProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: `template syntax error at ${problem}` });
  });

export const channelTemplateSchema = z
  .strictObject({
    title: templateSource.optional().describe('Liquid template of the title / subject / summary'),
    body: templateSource.optional().describe('Liquid template of the message text'),
    html: templateSource.optional().describe('Liquid template of the HTML body (email); every output is HTML-escaped'),
  })
  .describe('Message templates (Liquid) over incident, incidents, target, labels, annotations, value, links, transition, status, count; unset parts use the kind\'s defaults');

const repeatInterval = z.union([z.literal(0), z.number().int().min(60).max(7 * DAY_SEC)]);

function variant<K extends ChannelKind>(kind: K) {
  const d = DRIVERS[kind];
  return z.strictObject({
    name: nameSchema,
    kind: z.literal(kind),
    config: d.config,
    template: channelTemplateSchema.optional(),
    isDefault: z.boolean().default(false).describe('Gets every incident of targets and rules that name no channel'),
    repeatIntervalSec: (d.repeatIntervalSec ? repeatInterval.default(d.repeatIntervalSec) : repeatInterval.default(0)).describe(
      d.repeatIntervalSec ? 'Re-sent this often while an incident stays open (Alertmanager drops alerts not re-sent); 0 = never' : 'Reminder interval while an incident stays open; 0 = no reminders',
    ),
    rateLimitPerMin: z.number().int().min(1).max(600).default(20).describe('At most this many messages per minute to this channel'),
  });
}

const [k0, k1, ...rest] = CHANNEL_KINDS;
export const channelBody = z.discriminatedUnion('kind', [variant(k0), variant(k1), ...rest.map((k) => variant(k))]);
export type ChannelBody = z.output<typeof channelBody>;

/** Config fields holding credentials, by kind: never returned in full. */
export const SECRET_CONFIG_FIELDS: Readonly<Record<ChannelKind, readonly string[]>> = Object.fromEntries(CHANNEL_KINDS.map((k) => [k, DRIVERS[k].secrets])) as Record<ChannelKind, readonly string[]>;

/** Config fields holding a URL requests are sent to, by kind (NOTIFY_ALLOWED_NETWORKS refuses an IP outside it). */
export const ENDPOINT_CONFIG_FIELDS: Readonly<Record<ChannelKind, readonly string[]>> = Object.fromEntries(CHANNEL_KINDS.map((k) => [k, DRIVERS[k].endpoints])) as Record<ChannelKind, readonly string[]>;

/** POST /api/channels/preview */
export const channelPreviewBody = z.strictObject({
  kind: z.enum(CHANNEL_KINDS),
  template: channelTemplateSchema.optional(),
  incidentId: idRef.optional().describe('Render over this incident of the tenant; default a sample incident'),
});

/** POST /api/channels/{id}/test */
export const channelTestBody = z.strictObject({ incidentId: idRef.optional().describe('Send about this incident of the tenant; default a sample incident') });
