// Gotify (https://gotify.net/api-docs): POST /message with the application token in X-Gotify-Key; title,
// message (Markdown via extras client::display), priority, and a click URL.
import { z } from 'zod';
import { httpUrl } from '../../api/fields.js';
import { DEFAULT_MARKDOWN_BODY, DEFAULT_TITLE } from '../defaults.js';
import { JSON_HEADERS, trimBase, type ChannelDriver } from '../driver.js';

const config = z.strictObject({
  baseUrl: httpUrl.describe('The Gotify server, e.g. https://gotify.example.com'),
  token: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'an application token: letters, digits, . _ -').describe('Application token; write-only (masked in responses)'),
});

const PRIORITY = { critical: 8, warning: 5, info: 2 } as const;

export const gotify: ChannelDriver<z.output<typeof config>> = {
  kind: 'gotify',
  config,
  secrets: ['token'],
  endpoints: ['baseUrl'],
  defaults: { title: DEFAULT_TITLE, body: DEFAULT_MARKDOWN_BODY },
  build(n, msg, cfg) {
    const extras: Record<string, unknown> = { 'client::display': { contentType: 'text/markdown' } };
    if (n.links.incident) extras['client::notification'] = { click: { url: n.links.incident } };
    const body = { title: msg.title, message: msg.body || msg.title, priority: n.transition === 'resolved' ? 2 : PRIORITY[n.incident.severity], extras };
    return { type: 'http', method: 'POST', url: `${trimBase(cfg.baseUrl)}/message`, headers: { ...JSON_HEADERS, 'x-gotify-key': cfg.token }, body: JSON.stringify(body) };
  },
};
