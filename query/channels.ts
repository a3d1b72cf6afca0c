// /api/channels: notification channels (webhook, telegram, slack). Credentials in their config are
// write-only: masked in every response, kept when an update sends the mask back.
import { channelBody, SECRET_CONFIG_FIELDS } from '../lib/api/schemas.js';
import type { Channel } from '../lib/store/types.js';
import type { HandlerTable } from './context.js';
import { crudHandlers, pick } from './crud.js';
import { isMaskOf, maskHeaders, maskSecret, restoreHeaders } from './secrets.js';

const EDITABLE = ['name', 'kind', 'config', 'isDefault', 'repeatIntervalSec', 'rateLimitPerMin'] as const satisfies readonly (keyof Channel)[];

export function presentChannel(c: Channel): Channel {
  const config: Record<string, unknown> = { ...c.config };
  for (const field of SECRET_CONFIG_FIELDS[c.kind]) {
    if (typeof config[field] === 'string') config[field] = maskSecret(config[field]);
  }
  if (config.headers) config.headers = maskHeaders(config.headers as Record<string, string>);
  return { ...c, config };
}

function restoreSecrets(merged: Record<string, unknown>, stored: Channel): Record<string, unknown> {
  const config = merged.config;
  if (merged.kind !== stored.kind || config === null || typeof config !== 'object' || Array.isArray(config)) return merged;
  const out: Record<string, unknown> = { ...(config as Record<string, unknown>) };
  for (const field of SECRET_CONFIG_FIELDS[stored.kind]) {
    if (isMaskOf(out[field], stored.config[field])) out[field] = stored.config[field];
  }
  if ('headers' in out) out.headers = restoreHeaders(out.headers, stored.config.headers as Record<string, string> | undefined);
  return { ...merged, config: out };
}

export const channelHandlers: HandlerTable = crudHandlers({
  resource: 'channels',
  noun: 'channel',
  collection: (store) => store.channels,
  schema: channelBody,
  editable: (c: Channel) => pick(c, EDITABLE),
  beforeUpdate: restoreSecrets,
  build: async (ctx, call, body, stored) => {
    const now = ctx.now();
    return {
      id: stored?.id ?? ctx.newId(),
      tenant: call.principal.tenant,
      name: body.name,
      kind: body.kind,
      config: body.config,
      isDefault: body.isDefault,
      repeatIntervalSec: body.repeatIntervalSec,
      rateLimitPerMin: body.rateLimitPerMin,
      createdAt: stored?.createdAt ?? now,
      updatedAt: now,
    };
  },
  present: presentChannel,
  nameOf: (c) => c.name,
  blockDelete: async (ctx, call, c) => {
    const tenant = call.principal.tenant;
    const [targets, rules] = await Promise.all([ctx.store.targets.list(tenant), ctx.store.rules.list(tenant)]);
    const users = [...targets.filter((t) => t.channels.includes(c.id)).map((t) => `target ${JSON.stringify(t.name)}`), ...rules.filter((r) => r.channels.includes(c.id)).map((r) => `rule ${JSON.stringify(r.name)}`)];
    return users.length > 0 ? `channel is used by ${users.join(', ')}: remove it from them first` : null;
  },
});
