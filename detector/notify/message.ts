// A NotifyEffect as a Notice (lib/channels): the incident with its target's labels and a link, under the
// delivery's idempotency key. What each channel kind sends is built from the notice by its driver.
import type { NoticeIncident, NoticeTransition, Notice } from '../../lib/channels/notice.js';
import { makeNotice, noticeIncidentOf } from '../../lib/channels/notice.js';
import type { NotifyEffect } from '../machines/effects.js';

export interface MessageOptions {
  /** Default Telegram Bot API base URL when the channel names none. */
  telegramApiBaseUrl: string;
  /** Base URL of the dashboard/API for links; empty = no links. */
  publicBaseUrl: string;
}

const TRANSITIONS: ReadonlySet<string> = new Set<NoticeTransition>(['opened', 'reopened', 'acknowledged', 'resolved', 'reminder', 'test']);

export function noticeOf(n: NotifyEffect, key: string, at: number, opts: MessageOptions, targetLabels: Readonly<Record<string, string>> = {}): Notice {
  const incident = noticeIncidentOf(n.incident, { targetName: n.targetName, targetLabels, publicBaseUrl: opts.publicBaseUrl });
  const transition = (TRANSITIONS.has(n.transition) ? n.transition : 'opened') as NoticeTransition;
  return makeNotice(key, transition, [incident], at);
}

/**
 * The notice as sent under fencing epoch `epoch`: each incident it carries says the epoch of the send holding it
 * (the domain builds incidents without one; a claim taken over is sent under its new holder's).
 */
export function noticeUnderEpoch(n: Notice, epoch: number): Notice {
  const stamp = (i: NoticeIncident): NoticeIncident => (i.epoch !== undefined && i.epoch >= epoch ? i : { ...i, epoch });
  const out: Notice = { ...n, incident: stamp(n.incident), incidents: n.incidents.map(stamp) };
  if (n.group) out.group = { ...n.group, firing: n.group.firing.map(stamp), resolved: n.group.resolved.map(stamp) };
  return out;
}
