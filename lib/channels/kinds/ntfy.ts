// ntfy publish as JSON (https://docs.ntfy.sh/publish/#publish-as-json): POST to the server root with topic,
// title, message, priority 1-5, tags and click; access token as Bearer, or user and password as Basic.
import { z } from 'zod';
import { httpUrl } from '../../api/fields.js';
import { DEFAULT_BODY, DEFAULT_TITLE } from '../defaults.js';
import { cap, JSON_HEADERS, trimBase, type ChannelDriver } from '../driver.js';

const config = z
  .strictObject({
    baseUrl: httpUrl.default('https://ntfy.sh'),
    topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, '1-64 letters, digits, - and _'),
    token: z.string().min(1).max(256).optional().describe('Access token; write-only (masked in responses)'),
    username: z.string().min(1).max(128).optional(),
    password: z.string().min(1).max(256).optional().describe('Write-only (masked in responses)'),
  })
  .refine((c) => !(c.token && c.username), { message: 'give token or username/password, not both', path: ['token'] })
  .refine((c) => (c.username === undefined) === (c.password === undefined), { message: 'username and password go together', path: ['password'] });

const PRIORITY = { critical: 5, warning: 4, info: 3 } as const;

export const ntfy: ChannelDriver<z.output<typeof config>> = {
  kind: 'ntfy',
  config,
  secrets: ['token', 'password'],
  endpoints: ['baseUrl'],
  defaults: { title: DEFAULT_TITLE, body: DEFAULT_BODY },
  build(n, msg, cfg) {
    const resolved = n.transition === 'resolved';
    const body = {
      topic: cfg.topic,
      title: cap(msg.title, 250),
      message: cap(msg.body, 4096),
      priority: resolved ? 3 : PRIORITY[n.incident.severity],
      tags: [resolved ? 'white_check_mark' : n.transition === 'acknowledged' ? 'eyes' : 'rotating_light'],
      ...(n.links.incident ? { click: n.links.incident } : {}),
    };
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (cfg.token) headers.authorization = `Bearer ${cfg.token}`;
    else if (cfg.username && cfg.password) headers.authorization = `Basic ${Buffer.from(`${cfg.username}:${cfg.password}`).toString('base64')}`;
    return { type: 'http', method: 'POST', url: `${trimBase(cfg.baseUrl)}/`, headers, body: JSON.stringify(body) };
  },
};
