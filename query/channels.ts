// /api/channels: notification channels of every kind (lib/channels). Credentials in their config are
// write-only: masked in every response, kept when an update sends the mask back. Two actions: a template
// preview (POST /api/channels/preview) and "Send test notification" (POST /api/channels/{id}/test). A URL the
// channel sends to at an IP address outside NOTIFY_ALLOWED_NETWORKS is a 422 at its field; test notifications
// are held to it as the notifier's are.
import { makeNotice, noticeIncidentOf, sampleNotice, type Notice } from '../lib/channels/notice.js';
import { prepareDeliveries, renderMessage } from '../lib/channels/render.js';
import { channelBody, channelPreviewBody, channelTestBody, ENDPOINT_CONFIG_FIELDS, SECRET_CONFIG_FIELDS } from '../lib/channels/schema.js';
import { TemplateError } from '../lib/channels/template.js';
import { deliver } from '../lib/channels/transport.js';
import { unprocessable } from '../lib/errors/errors.js';
import type { Channel } from '../lib/store/types.js';
import { hostOf, NOTIFY_NETWORKS } from '../lib/net/guard.js';
import { missing, refuseOutsideNetworks, type HandlerTable, type ServiceContext } from './context.js';
import { crudHandlers, pick } from './crud.js';
import { isMaskOf, maskHeaders, maskSecret, restoreHeaders } from './secrets.js';
import { parseBody } from './validation.js';

const EDITABLE = ['name', 'kind', 'config', 'template', 'isDefault', 'repeatIntervalSec', 'rateLimitPerMin'] as const satisfies readonly (keyof Channel)[];
const TEST_TIMEOUT_MS = 10_000;

export function presentChannel(c: Channel): Channel {
  const config: Record<string, unknown> = { ...c.config };
  for (const field of SECRET_CONFIG_FIELDS[c.kind]) {
    if (typeof config[field] === 'string') config[field] = maskSecret(config[field]);
  }
  if (config.headers) config.headers = maskHeaders(config.headers as Record<string, string>);
  return { ...c, config, health: c.health ?? { failing: false, consecutiveFailures: 0 } };
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

/** The notice of one of the tenant's incidents, or the sample one. */
async function noticeFor(ctx: ServiceContext, tenant: string, incidentId: string | undefined, key: string): Promise<Notice> {
  const now = ctx.now();
  if (incidentId === undefined) return sampleNotice(key, now);
  const incident = await ctx.store.getIncident(tenant, incidentId);
  if (!incident) throw missing('incident', incidentId);
  const target = await ctx.store.targets.get(tenant, incident.targetId);
  const ni = noticeIncidentOf(incident, { targetName: target?.name ?? incident.targetId, targetLabels: target?.labels ?? {}, publicBaseUrl: '' });
  return makeNotice(key, 'test', [ni], now);
}

function templateFailure(err: unknown): never {
  if (err instanceof TemplateError) {
    const at = err.line !== undefined ? ` at line ${err.line}, column ${err.column}` : '';
    throw unprocessable(`template failed to render${at}: ${err.message}`, [{ at: '/template', message: err.message }]);
  }
  throw err;
}

export const channelHandlers: HandlerTable = {
  ...crudHandlers({
    resource: 'channels',
    noun: 'channel',
    collection: (store) => store.channels,
    schema: channelBody,
    editable: (c: Channel) => pick(c, EDITABLE),
    beforeUpdate: restoreSecrets,
    build: async (ctx, call, body, stored) => {
      // Every delivery to an IP address outside NOTIFY_ALLOWED_NETWORKS would fail: refused now (a name is held
      // to the notifier's guard when it sends).
      const config: Record<string, unknown> = body.config;
      for (const field of ENDPOINT_CONFIG_FIELDS[body.kind]) {
        const url = config[field];
        if (typeof url === 'string') refuseOutsideNetworks(ctx.notifyNetworks, hostOf(url), `/config/${field}`, 'channel body', NOTIFY_NETWORKS);
      }
      const now = ctx.now();
      return {
        id: stored?.id ?? ctx.newId(),
        tenant: call.principal.tenant,
        name: body.name,
        kind: body.kind,
        config: body.config,
        ...(body.template ? { template: body.template } : {}),
        isDefault: body.isDefault,
        repeatIntervalSec: body.repeatIntervalSec,
        rateLimitPerMin: body.rateLimitPerMin,
        // Delivery health is the notifier's: a config edit keeps it.
        ...(stored?.health ? { health: stored.health } : {}),
        createdAt: stored?.createdAt ?? now,
        updatedAt: now,
      };
    },
    present: presentChannel,
    nameOf: (c) => c.name,
    blockDelete: async (ctx, call, c) => {
      const tenant = call.principal.tenant;
      const [targets, rules, routes] = await Promise.all([ctx.store.targets.list(tenant), ctx.store.rules.list(tenant), ctx.store.routes.list(tenant)]);
      const users = [
        ...targets.filter((t) => t.channels.includes(c.id)).map((t) => `target ${JSON.stringify(t.name)}`),
        ...rules.filter((r) => r.channels.includes(c.id)).map((r) => `rule ${JSON.stringify(r.name)}`),
        ...routes.filter((r) => r.channelId === c.id).map((r) => `route ${JSON.stringify(r.name)}`),
      ];
      return users.length > 0 ? `channel is used by ${users.join(', ')}: remove it from them first` : null;
    },
  }),
  'channels:action:preview': {
    run: async (ctx, call) => {
      const body = parseBody(channelPreviewBody, call.bodyJson, 'preview body');
      const notice = await noticeFor(ctx, call.principal.tenant, body.incidentId, 'preview');
      const msg = await renderMessage({ kind: body.kind, ...(body.template ? { template: body.template } : {}) }, notice).catch(templateFailure);
      return { body: msg };
    },
  },
  'channels:action:test': {
    run: async (ctx, call) => {
      const tenant = call.principal.tenant;
      const channel = await ctx.store.channels.get(tenant, call.id);
      if (!channel) throw missing('channel', call.id);
      const body = parseBody(channelTestBody, call.bodyJson, 'test body', true);
      const notice = await noticeFor(ctx, tenant, body.incidentId, `test:${ctx.newId()}:${channel.id}`);
      const deliveries = await prepareDeliveries(channel, notice, { telegramApiBaseUrl: 'https://api.telegram.org', publicBaseUrl: '' }).catch(templateFailure);
      const started = Date.now();
      const outcomes = await Promise.all(deliveries.map((d) => deliver(d, TEST_TIMEOUT_MS, AbortSignal.timeout(TEST_TIMEOUT_MS + 1_000), { guard: ctx.notifyGuard })));
      const failed = outcomes.find((o) => !o.ok);
      ctx.logger.info({ requestId: call.requestId, tenant, channelId: channel.id, ok: !failed }, 'test notification sent');
      return { body: { ok: !failed, status: (failed ?? outcomes[0])?.status ?? null, error: failed?.error ?? null, durationMs: Date.now() - started } };
    },
  },
};
