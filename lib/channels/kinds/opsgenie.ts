// Opsgenie Alert API (https://docs.opsgenie.com/docs/alert-api): create with alias = the incident id, then
// acknowledge and close by alias (identifierType=alias). `Authorization: GenieKey <key>`.
import { z } from 'zod';
import { httpUrl } from '../../api/fields.js';
import { DEFAULT_BODY } from '../defaults.js';
import { cap, JSON_HEADERS, trimBase, type ChannelDriver } from '../driver.js';

const config = z.strictObject({
  apiKey: z.string().min(8).max(128).regex(/^[A-Za-z0-9-]+$/, 'an Opsgenie API key is letters, digits and dashes').describe('API integration key; write-only (masked in responses)'),
  apiBaseUrl: httpUrl.default('https://api.opsgenie.com').describe('EU accounts: https://api.eu.opsgenie.com'),
  tags: z.array(z.string().min(1).max(50)).max(20).optional(),
});

const PRIORITY = { critical: 'P1', warning: 'P3', info: 'P5' } as const;

export const opsgenie: ChannelDriver<z.output<typeof config>> = {
  kind: 'opsgenie',
  config,
  secrets: ['apiKey'],
  endpoints: ['apiBaseUrl'],
  defaults: { title: '{{ incident.title }}', body: DEFAULT_BODY },
  perIncident: true,
  build(n, msg, cfg) {
    const i = n.incident;
    const base = `${trimBase(cfg.apiBaseUrl)}/v2/alerts`;
    const headers = { ...JSON_HEADERS, authorization: `GenieKey ${cfg.apiKey}` };
    const alias = encodeURIComponent(cap(i.id, 512));
    if (n.transition === 'acknowledged' || n.transition === 'resolved') {
      const verb = n.transition === 'acknowledged' ? 'acknowledge' : 'close';
      const body = { source: 'Lightwatch', ...(i.acknowledgedBy && verb === 'acknowledge' ? { user: cap(i.acknowledgedBy, 100) } : {}), note: cap(msg.title, 25_000) };
      return { type: 'http', method: 'POST', url: `${base}/${alias}/${verb}?identifierType=alias`, headers, body: JSON.stringify(body) };
    }
    const details: Record<string, string> = { target: i.targetName, severity: i.severity, ...i.labels };
    if (i.value !== undefined) details.value = i.value;
    if (n.links.incident) details.link = n.links.incident;
    const body = {
      message: cap(msg.title, 130),
      alias: cap(i.id, 512),
      description: cap(msg.body, 15_000),
      details,
      entity: cap(i.targetName, 512),
      source: 'Lightwatch',
      priority: PRIORITY[i.severity],
      ...(cfg.tags ? { tags: cfg.tags } : {}),
    };
    return { type: 'http', method: 'POST', url: base, headers, body: JSON.stringify(body) };
  },
};
