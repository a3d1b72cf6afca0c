// Builds the HTTP request for one notification on one channel: a webhook's JSON body (incident, target,
// transition, evidence, links) signed with HMAC-SHA256 when the channel has a secret, a Telegram Bot API
// `sendMessage`, or a Slack incoming-webhook message.
import { createHmac } from 'node:crypto';
import type { Channel } from '../../lib/store/types.js';
import type { NotifyEffect } from '../machines/effects.js';

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface MessageOptions {
  /** Default Telegram Bot API base URL when the channel names none. */
  telegramApiBaseUrl: string;
  /** Base URL of the dashboard/API for links; empty = no links. */
  publicBaseUrl: string;
}

const EMOJI: Record<string, string> = { opened: '🔴', reopened: '🔴', reminder: '⏰', acknowledged: '👀', resolved: '✅' };

export function textOf(n: NotifyEffect): string {
  const i = n.incident;
  const head = `${EMOJI[n.transition] ?? '•'} [${n.transition.toUpperCase()}] ${i.title}`;
  return `${head}\nseverity: ${i.severity} · target: ${n.targetName} · incident: ${i.id}`;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function buildRequest(n: NotifyEffect, channel: Channel, key: string, opts: MessageOptions): OutgoingRequest {
  const cfg = channel.config;
  const json = { 'content-type': 'application/json', 'x-lightwatch-idempotency-key': key };
  switch (channel.kind) {
    case 'webhook': {
      const url = str(cfg.url);
      if (!url) throw new Error(`webhook channel ${channel.id} has no url`);
      const i = n.incident;
      const links = opts.publicBaseUrl ? { incident: `${opts.publicBaseUrl}/api/incidents/${encodeURIComponent(i.id)}` } : {};
      const body = JSON.stringify({
        idempotencyKey: key,
        transition: n.transition,
        incident: i,
        target: { id: i.targetId, name: n.targetName },
        evidence: i.timeline.at(-1)?.evidence ?? [],
        links,
      });
      const headers: Record<string, string> = { ...json };
      if (cfg.headers && typeof cfg.headers === 'object') for (const [k, v] of Object.entries(cfg.headers as Record<string, unknown>)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
      const secret = str(cfg.secret);
      if (secret) headers['x-lightwatch-signature'] = signatureOf(secret, body);
      return { url, headers, body };
    }
    case 'telegram': {
      const token = str(cfg.botToken);
      const chatId = cfg.chatId;
      if (!token || (typeof chatId !== 'string' && typeof chatId !== 'number')) throw new Error(`telegram channel ${channel.id} needs botToken and chatId`);
      const base = (str(cfg.apiBaseUrl) ?? opts.telegramApiBaseUrl).replace(/\/+$/, '');
      return { url: `${base}/bot${token}/sendMessage`, headers: json, body: JSON.stringify({ chat_id: chatId, text: textOf(n), disable_web_page_preview: true }) };
    }
    case 'slack': {
      const url = str(cfg.webhookUrl);
      if (!url) throw new Error(`slack channel ${channel.id} has no webhookUrl`);
      return { url, headers: json, body: JSON.stringify({ text: textOf(n) }) };
    }
  }
}
