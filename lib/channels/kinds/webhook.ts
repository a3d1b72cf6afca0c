// Generic webhook: our own JSON (incident, group, target, transition, evidence, links, rendered title/body),
// signed with HMAC-SHA256 in X-Lightwatch-Signature when the channel has a secret.
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { headersSchema, httpUrl } from '../../api/fields.js';
import { DEFAULT_BODY, DEFAULT_TITLE } from '../defaults.js';
import { JSON_HEADERS, type ChannelDriver } from '../driver.js';

const config = z.strictObject({
  url: httpUrl,
  secret: z.string().min(1).max(256).optional().describe('HMAC-SHA256 signing secret; write-only (masked in responses)'),
  headers: headersSchema.optional().describe('Extra request headers; values are write-only (masked in responses)'),
});

export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export const webhook: ChannelDriver<z.output<typeof config>> = {
  kind: 'webhook',
  config,
  secrets: ['secret'],
  endpoints: ['url'],
  defaults: { title: DEFAULT_TITLE, body: DEFAULT_BODY },
  build(n, msg, cfg) {
    const i = n.incident;
    const body = JSON.stringify({
      idempotencyKey: n.key,
      transition: n.transition,
      incident: i,
      incidents: n.incidents.length > 1 ? n.incidents : undefined,
      // A route's group: its labels and which incidents fire and which resolved since the last notification.
      group: n.group ? { key: n.group.key, route: n.group.route, labels: n.group.labels, firing: n.group.firing.map((x) => x.id), resolved: n.group.resolved.map((x) => x.id) } : undefined,
      target: { id: i.targetId, name: i.targetName },
      evidence: i.evidence,
      links: n.links.incident ? { incident: n.links.incident } : {},
      title: msg.title,
      text: msg.body,
    });
    const headers: Record<string, string> = { ...JSON_HEADERS, 'x-lightwatch-idempotency-key': n.key };
    for (const [k, v] of Object.entries(cfg.headers ?? {})) headers[k.toLowerCase()] = v;
    if (cfg.secret) headers['x-lightwatch-signature'] = signatureOf(cfg.secret, body);
    return { type: 'http', method: 'POST', url: cfg.url, headers, body };
  },
};
