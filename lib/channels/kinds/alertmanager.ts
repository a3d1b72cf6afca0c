// Forwards incidents to a real Alertmanager (POST {url}/api/v2/alerts, an array of postable alerts). As
// Prometheus does, a firing alert is re-sent while it fires (the channel's reminders, every
// repeatIntervalSec) with endsAt four intervals ahead, so Alertmanager keeps it; the resolved notice sends
// endsAt = the resolution time.
import { z } from 'zod';
import { httpUrl } from '../../api/fields.js';
import { DEFAULT_BODY } from '../defaults.js';
import { JSON_HEADERS, trimBase, type ChannelDriver } from '../driver.js';

const config = z
  .strictObject({
    url: httpUrl.describe('Alertmanager base URL, e.g. http://alertmanager:9093 (with its route prefix, if any)'),
    username: z.string().min(1).max(128).optional(),
    password: z.string().min(1).max(256).optional().describe('Basic auth; write-only (masked in responses)'),
  })
  .refine((c) => (c.username === undefined) === (c.password === undefined), { message: 'username and password go together', path: ['password'] });

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const alertmanager: ChannelDriver<z.output<typeof config>> = {
  kind: 'alertmanager',
  config,
  secrets: ['password'],
  endpoints: ['url'],
  defaults: { title: '{{ incident.title }}', body: DEFAULT_BODY },
  repeatIntervalSec: 60,
  perIncident: true,
  build(n, msg, cfg, _env, channel) {
    const i = n.incident;
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(i.labels)) if (LABEL_NAME.test(k) && v !== '') labels[k] = v;
    Object.assign(labels, { alertname: i.labels.alertname || i.ruleId, target: i.targetName, severity: i.severity, lightwatch_incident: i.id });
    const resolved = n.transition === 'resolved';
    const resendMs = Math.max(60, channel.repeatIntervalSec || 60) * 1000;
    const alert = {
      labels,
      annotations: { ...i.annotations, summary: msg.title, description: msg.body },
      startsAt: new Date(i.openedAt).toISOString(),
      endsAt: new Date(resolved ? (i.resolvedAt ?? n.at) : n.at + 4 * resendMs).toISOString(),
      ...(n.links.incident ? { generatorURL: n.links.incident } : {}),
    };
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (cfg.username && cfg.password) headers.authorization = `Basic ${Buffer.from(`${cfg.username}:${cfg.password}`).toString('base64')}`;
    return { type: 'http', method: 'POST', url: `${trimBase(cfg.url)}/api/v2/alerts`, headers, body: JSON.stringify([alert]) };
  },
};
