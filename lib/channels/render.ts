// Turns a notice into the deliveries of one channel: its templates (or the kind's defaults) rendered, then
// the kind's driver. A group notice for a per-incident service (PagerDuty, Opsgenie, Alertmanager) becomes
// one delivery per incident, each under its own key.
import type { Channel } from '../store/types.js';
import type { Delivery, DriverEnv, Rendered } from './driver.js';
import { makeNotice, type Notice } from './notice.js';
import { driverOf } from './registry.js';
import { renderTemplate } from './template.js';

/** Renders the channel's title, body and HTML templates (or the kind's defaults) over the notice. */
export async function renderMessage(channel: Pick<Channel, 'kind' | 'template'>, n: Notice): Promise<Rendered> {
  const d = driverOf(channel.kind);
  const t = channel.template ?? {};
  const [title, body, html] = await Promise.all([
    renderTemplate(t.title ?? d.defaults.title, n),
    renderTemplate(t.body ?? d.defaults.body, n),
    t.html !== undefined || d.defaults.html !== undefined ? renderTemplate(t.html ?? d.defaults.html ?? '', n, true) : Promise.resolve(''),
  ]);
  return { title: title.trim(), body: body.trim(), html };
}

/** Parses the stored config with the kind's schema (a config stored before a schema change fails here). */
export function configOf(channel: Pick<Channel, 'kind' | 'config' | 'id'>): Record<string, unknown> {
  const parsed = driverOf(channel.kind).config.safeParse(channel.config);
  if (!parsed.success) throw new Error(`channel ${channel.id} has an invalid ${channel.kind} config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The deliveries that carry `n` to `channel`. Throws on a broken template or config (audited as failed). */
export async function prepareDeliveries(channel: Channel, n: Notice, env: DriverEnv): Promise<Delivery[]> {
  const d = driverOf(channel.kind);
  const config = configOf(channel);
  const notices = d.perIncident && n.incidents.length > 1 ? n.incidents.map((i) => makeNotice(`${n.key}:${i.id}`, n.transition, [i], n.at)) : [n];
  const out: Delivery[] = [];
  for (const one of notices) out.push(d.build(one, await renderMessage(channel, one), config, env, { id: channel.id, repeatIntervalSec: channel.repeatIntervalSec }));
  return out;
}
