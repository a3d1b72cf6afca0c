// One small interface per channel kind: the config it accepts (a strict zod schema, so a config that cannot
// work is a 422 naming the field), which of its fields are secrets (write-only), its default title/body
// templates, and how it turns a rendered notice into the request the service documents. Drivers are pure:
// transport.ts does the I/O.
import type { z } from 'zod';
import type { Notice } from './notice.js';

export { CHANNEL_KINDS, type ChannelKind } from '../api/kinds.js';
import type { ChannelKind } from '../api/kinds.js';

export interface HttpDelivery {
  type: 'http';
  method: 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface SmtpDelivery {
  type: 'smtp';
  host: string;
  port: number;
  /** TLS from the first byte (465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  auth?: { user: string; pass: string };
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Message-ID-like header so a retried message is recognisable. */
  idempotencyKey: string;
}

export type Delivery = HttpDelivery | SmtpDelivery;

/** The channel's templates rendered over the notice. */
export interface Rendered {
  title: string;
  body: string;
  /** HTML body (e-mail), rendered with every output escaped. */
  html: string;
}

export interface DriverEnv {
  /** Default Telegram Bot API base URL when a channel names none. */
  telegramApiBaseUrl: string;
  publicBaseUrl: string;
}

/** What a driver may know of the channel besides its config. */
export interface ChannelFacts {
  id: string;
  repeatIntervalSec: number;
}

export interface ChannelDriver<C = Record<string, unknown>> {
  kind: ChannelKind;
  config: z.ZodType<C>;
  /** Config fields holding credentials: masked in every response. */
  secrets: readonly string[];
  /** Config fields holding a URL the channel's requests go to: held to NOTIFY_ALLOWED_NETWORKS when saved. */
  endpoints: readonly string[];
  /** Liquid templates used when the channel sets none. */
  defaults: { title: string; body: string; html?: string };
  /** Default reminder interval in seconds (Alertmanager needs alerts re-sent while firing). */
  repeatIntervalSec?: number;
  /** The service tracks each incident on its own (dedup key, alias, fingerprint): a group goes out as one request per incident. */
  perIncident?: boolean;
  build(n: Notice, msg: Rendered, config: C, env: DriverEnv, channel: ChannelFacts): Delivery;
}

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** A base URL without its trailing slashes. */
export const trimBase = (u: string): string => u.replace(/\/+$/, '');

/** Cuts `s` to `max` characters (a service's documented field limit), marking the cut. */
export function cap(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
