// PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/overview/): trigger,
// acknowledge and resolve with dedup_key = the incident id, so PagerDuty follows our lifecycle, acks included.
import { z } from 'zod';
import { httpUrl } from '../../api/fields.js';
import { DEFAULT_BODY } from '../defaults.js';
import { cap, JSON_HEADERS, type ChannelDriver } from '../driver.js';

const config = z.strictObject({
  routingKey: z.string().regex(/^[A-Za-z0-9]{32}$/, 'a PagerDuty integration (routing) key is 32 letters and digits').describe('Events API v2 integration key; write-only (masked in responses)'),
  url: httpUrl.default('https://events.pagerduty.com/v2/enqueue').describe('Events API endpoint (EU: https://events.eu.pagerduty.com/v2/enqueue)'),
});

const ACTION: Readonly<Record<string, 'resolve' | 'acknowledge'>> = { resolved: 'resolve', acknowledged: 'acknowledge' };

export const pagerduty: ChannelDriver<z.output<typeof config>> = {
  kind: 'pagerduty',
  config,
  secrets: ['routingKey'],
  endpoints: ['url'],
  defaults: { title: '{{ incident.title }}', body: DEFAULT_BODY },
  perIncident: true,
  build(n, msg, cfg) {
    const i = n.incident;
    const action = ACTION[n.transition] ?? 'trigger';
    const event: Record<string, unknown> = { routing_key: cfg.routingKey, event_action: action, dedup_key: cap(i.id, 255) };
    if (action === 'trigger') {
      event.payload = {
        summary: cap(msg.title, 1024),
        source: cap(i.targetName, 255),
        severity: i.severity,
        timestamp: new Date(i.openedAt).toISOString(),
        component: i.targetName,
        class: i.ruleId,
        custom_details: { message: msg.body, labels: i.labels, annotations: i.annotations, ...(i.value !== undefined ? { value: i.value } : {}) },
      };
      event.client = 'Lightwatch';
      if (n.links.incident) {
        event.client_url = n.links.incident;
        event.links = [{ href: n.links.incident, text: 'Incident in Lightwatch' }];
      }
    }
    return { type: 'http', method: 'POST', url: cfg.url, headers: { ...JSON_HEADERS }, body: JSON.stringify(event) };
  },
};
