// Carries out a Delivery (HTTP or SMTP) and says what happened in one shape the notifier audits and retries
// on: 2xx sent; 4xx (but 408/429) permanent; 5xx, 408, 429, timeouts and network errors retryable. SMTP:
// 5yz replies permanent, 4yz and connection problems retryable. An HTTP address outside NOTIFY_ALLOWED_NETWORKS
// (the guard in DeliverOptions) is permanent.
import nodemailer from 'nodemailer';
import type { Delivery, SmtpDelivery } from './driver.js';
import { NotAllowedError, type NetworkGuard } from '../net/guard.js';
import { request } from './http.js';

export interface Outcome {
  ok: boolean;
  /** HTTP status or SMTP reply code. */
  status?: number;
  error?: string;
  retryable: boolean;
  /** Retry-After asked by the receiver (429), ms. */
  retryAfterMs: number;
}

export interface DeliverOptions {
  /** Extra trusted CA for SMTP TLS (a private mail relay's own CA; tests). */
  smtpCa?: string;
  /** Where HTTP requests may connect (NOTIFY_ALLOWED_NETWORKS); default anywhere. */
  guard?: NetworkGuard;
}

async function sendMail(d: SmtpDelivery, timeoutMs: number, opts: DeliverOptions): Promise<Outcome> {
  const transport = nodemailer.createTransport({
    host: d.host,
    port: d.port,
    secure: d.secure,
    ...(d.auth ? { auth: d.auth } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
    ...(opts.smtpCa ? { tls: { ca: opts.smtpCa } } : {}),
  });
  try {
    await transport.sendMail({ from: d.from, to: d.to, subject: d.subject, text: d.text, html: d.html, headers: { 'X-Lightwatch-Idempotency-Key': d.idempotencyKey } });
    return { ok: true, status: 250, retryable: false, retryAfterMs: 0 };
  } catch (err) {
    const code = (err as { responseCode?: number }).responseCode;
    const msg = ((err as Error).message ?? String(err)).slice(0, 300);
    return { ok: false, ...(code !== undefined ? { status: code } : {}), error: msg, retryable: code === undefined || code < 500, retryAfterMs: 0 };
  } finally {
    transport.close();
  }
}

export async function deliver(d: Delivery, timeoutMs: number, signal: AbortSignal, opts: DeliverOptions = {}): Promise<Outcome> {
  if (d.type === 'smtp') return sendMail(d, timeoutMs, opts);
  try {
    const res = await request(d.method, d.url, d.headers, d.body, timeoutMs, signal, opts.guard);
    const ok = res.status >= 200 && res.status < 300;
    const retryable = !ok && (res.status >= 500 || res.status === 429 || res.status === 408);
    const error = ok ? undefined : `HTTP ${res.status}${res.body ? `: ${res.body.slice(0, 200)}` : ''}`;
    return { ok, status: res.status, ...(error ? { error } : {}), retryable, retryAfterMs: res.status === 429 ? res.retryAfterMs : 0 };
  } catch (err) {
    // An address outside the allowed networks stays outside: a permanent failure, not retried.
    return { ok: false, error: (err as Error).message, retryable: !(err instanceof NotAllowedError), retryAfterMs: 0 };
  }
}
