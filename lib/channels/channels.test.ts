import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../store/types.js';
import type { ChannelKind, HttpDelivery } from './driver.js';
import { makeNotice, sampleNotice, type Notice, type NoticeIncident, type NoticeTransition } from './notice.js';
import { prepareDeliveries } from './render.js';
import { channelBody } from './schema.js';
import { startServiceReceiver, type ServiceReceiver, type ShapeCheck } from './testing/receiver.js';
import * as shapes from './testing/services.js';
import { deliver } from './transport.js';
import { createGuard, NOTIFY_NETWORKS } from '../net/guard.js';
import { parseNetworks, type Networks } from '../net/networks.js';

const env = { telegramApiBaseUrl: 'http://127.0.0.1:1', publicBaseUrl: 'https://lw.example' };
const incident: NoticeIncident = {
  ...sampleNotice('k', 1_700_000_000_000).incident,
  id: '01JINC',
  title: 'cpu on web-1: cpu 97 > 90',
  severity: 'critical',
  targetName: 'web-1',
  targetId: 't1',
  ruleId: 'cpu-high',
  labels: { target: 'web-1', severity: 'critical', rule: 'cpu-high', cluster: 'eu' },
  annotations: { runbook: 'https://runbooks/cpu' },
  value: '97',
  url: 'https://lw.example/api/incidents/01JINC',
};
const notice = (transition: NoticeTransition, over: Partial<NoticeIncident> = {}): Notice => makeNotice(`01JINC:1:ch`, transition, [{ ...incident, ...over }], 1_700_000_100_000);

function channel(kind: ChannelKind, config: Record<string, unknown>, over: Partial<Channel> = {}): Channel {
  const parsed = channelBody.parse({ name: kind, kind, config, ...over });
  return { id: 'ch', tenant: 't', createdAt: 0, updatedAt: 0, ...parsed, config: parsed.config };
}

let rx: ServiceReceiver | undefined;
afterEach(async () => {
  await rx?.close();
  rx = undefined;
});

/** Sends `transitions` through the channel to a receiver checking `shape`; returns the captured requests. */
async function roundTrip(kind: ChannelKind, shape: ShapeCheck, config: (url: string) => Record<string, unknown>, transitions: NoticeTransition[] = ['opened', 'acknowledged', 'resolved'], okStatus = 200) {
  rx = await startServiceReceiver(shape, okStatus);
  const ch = channel(kind, config(rx.url));
  for (const t of transitions) {
    for (const d of await prepareDeliveries(ch, notice(t, t === 'resolved' ? { status: 'resolved', resolvedAt: 1_700_000_050_000 } : {}), env)) {
      const out = await deliver(d, 2_000, AbortSignal.timeout(3_000));
      expect(out, `${kind} ${t}`).toMatchObject({ ok: true });
    }
  }
  for (const r of rx.requests) expect(r.problems, `${kind} ${r.method} ${r.path}`).toEqual([]);
  return rx.requests;
}

const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';

describe('channel kinds against local receivers checking each service\'s documented request', () => {
  it('pagerduty: trigger, acknowledge, resolve with dedup_key = the incident id', async () => {
    const reqs = await roundTrip('pagerduty', shapes.pagerdutyShape, (url) => ({ routingKey: ROUTING_KEY, url: `${url}/v2/enqueue` }), ['opened', 'acknowledged', 'resolved'], 202);
    expect(reqs.map((r) => (r.body as { event_action: string }).event_action)).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect(reqs.every((r) => (r.body as { dedup_key: string }).dedup_key === '01JINC')).toBe(true);
    expect(reqs[0]!.body).toMatchObject({ routing_key: ROUTING_KEY, payload: { summary: 'cpu on web-1: cpu 97 > 90', source: 'web-1', severity: 'critical', custom_details: { value: '97' } }, links: [{ href: 'https://lw.example/api/incidents/01JINC' }] });
  });

  it('opsgenie: create with alias, acknowledge and close by alias, GenieKey auth', async () => {
    const reqs = await roundTrip('opsgenie', shapes.opsgenieShape, (url) => ({ apiKey: 'eb243592-faa2-4ba2-a551q-1afdf565c889', apiBaseUrl: url }), undefined, 202);
    expect(reqs.map((r) => r.path)).toEqual(['/v2/alerts', '/v2/alerts/01JINC/acknowledge?identifierType=alias', '/v2/alerts/01JINC/close?identifierType=alias']);
    expect(reqs[0]!.headers.authorization).toBe('GenieKey eb243592-faa2-4ba2-a551q-1afdf565c889');
    expect(reqs[0]!.body).toMatchObject({ message: 'cpu on web-1: cpu 97 > 90', alias: '01JINC', priority: 'P1', details: { cluster: 'eu', value: '97' } });
  });

  it('discord: one embed, colour by state', async () => {
    const reqs = await roundTrip('discord', shapes.discordShape, (url) => ({ webhookUrl: `${url}/api/webhooks/1/tok` }), ['opened', 'resolved'], 204);
    const embeds = reqs.map((r) => (r.body as { embeds: Array<{ title: string; color: number }> }).embeds[0]!);
    expect(embeds[0]!.title).toBe('🔴 [OPENED] cpu on web-1: cpu 97 > 90');
    expect(embeds.map((e) => e.color)).toEqual([0xd0021b, 0x2eb886]);
  });

  it('msteams: a Workflows message with one Adaptive Card', async () => {
    const reqs = await roundTrip('msteams', shapes.msteamsShape, (url) => ({ webhookUrl: `${url}/workflows/abc` }), ['opened'], 202);
    expect(JSON.stringify(reqs[0]!.body)).toContain('Open incident');
  });

  it('mattermost: Slack-compatible text with channel override', async () => {
    const reqs = await roundTrip('mattermost', shapes.mattermostShape, (url) => ({ webhookUrl: `${url}/hooks/xyz`, channel: 'ops' }), ['opened']);
    expect(reqs[0]!.body).toMatchObject({ channel: 'ops' });
    expect((reqs[0]!.body as { text: string }).text).toContain('**severity** critical');
  });

  it('ntfy: JSON publish to the root with priority, tags, click and a Bearer token', async () => {
    const reqs = await roundTrip('ntfy', shapes.ntfyShape, (url) => ({ baseUrl: url, topic: 'ops-alerts', token: 'tk_abc' }), ['opened', 'resolved']);
    expect(reqs[0]!.headers.authorization).toBe('Bearer tk_abc');
    expect(reqs.map((r) => (r.body as { priority: number }).priority)).toEqual([5, 3]);
    expect(reqs[0]!.body).toMatchObject({ topic: 'ops-alerts', click: 'https://lw.example/api/incidents/01JINC', tags: ['rotating_light'] });
  });

  it('pushover: form-encoded token, user, title, message, priority, url', async () => {
    const token = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
    const user = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';
    const reqs = await roundTrip('pushover', shapes.pushoverShape, (url) => ({ token, user, apiBaseUrl: url }), ['opened']);
    expect(reqs[0]!.body).toMatchObject({ token, user, priority: '1', url: 'https://lw.example/api/incidents/01JINC' });
  });

  it('gotify: X-Gotify-Key and Markdown extras', async () => {
    const reqs = await roundTrip('gotify', shapes.gotifyShape, (url) => ({ baseUrl: url, token: 'AbCdEf.123' }), ['opened']);
    expect(reqs[0]!.headers['x-gotify-key']).toBe('AbCdEf.123');
    expect(reqs[0]!.body).toMatchObject({ priority: 8, extras: { 'client::display': { contentType: 'text/markdown' } } });
  });

  it('matrix: PUT m.room.message with the notification key as transaction id (a retry is the same txn)', async () => {
    const reqs = await roundTrip('matrix', shapes.matrixShape, (url) => ({ homeserverUrl: url, accessToken: 'syt_token', roomId: '!room:example.org' }), ['opened']);
    expect(reqs[0]!.path).toBe('/_matrix/client/v3/rooms/!room%3Aexample.org/send/m.room.message/lw.01JINC%3A1%3Ach');
    expect((reqs[0]!.body as { formatted_body: string }).formatted_body).toContain('<b>🔴 [OPENED] cpu on web-1: cpu 97 &#62; 90</b>');
  });

  it('alertmanager: postable alerts, endsAt four repeat intervals ahead while firing, the resolution time on resolve', async () => {
    const reqs = await roundTrip('alertmanager', shapes.alertmanagerShape, (url) => ({ url }), ['opened', 'resolved']);
    const [firing, resolved] = reqs.map((r) => (r.body as Array<{ labels: Record<string, string>; endsAt: string; startsAt: string }>)[0]!);
    expect(firing!.labels).toMatchObject({ alertname: 'cpu-high', target: 'web-1', cluster: 'eu', lightwatch_incident: '01JINC' });
    expect(Date.parse(firing!.endsAt)).toBe(1_700_000_100_000 + 4 * 60_000);
    expect(resolved!.endsAt).toBe(new Date(1_700_000_050_000).toISOString());
  });

  it('telegram, slack and webhook keep their shapes', async () => {
    await roundTrip('telegram', shapes.telegramShape, (url) => ({ botToken: '1:x', chatId: '-100', apiBaseUrl: url }), ['opened']);
    await rx!.close();
    await roundTrip('slack', shapes.slackShape, (url) => ({ webhookUrl: `${url}/s` }), ['opened']);
    await rx!.close();
    await roundTrip('webhook', shapes.webhookShape, (url) => ({ url }), ['opened']);
  });

  it('a group notice goes to a per-incident service as one request per incident', async () => {
    rx = await startServiceReceiver(shapes.pagerdutyShape, 202);
    const ch = channel('pagerduty', { routingKey: ROUTING_KEY, url: `${rx.url}/v2/enqueue` });
    const group = makeNotice('g1', 'opened', [incident, { ...incident, id: '01JINC2' }], 1);
    const ds = await prepareDeliveries(ch, group, env);
    expect(ds.map((d) => JSON.parse((d as HttpDelivery).body).dedup_key)).toEqual(['01JINC', '01JINC2']);
  });
});

describe('receiver answers: 4xx permanent, 5xx and timeouts retryable', () => {
  it('maps statuses to outcomes', async () => {
    rx = await startServiceReceiver(shapes.webhookShape);
    const [d] = await prepareDeliveries(channel('webhook', { url: rx.url }), notice('opened'), env);
    rx.status = () => 404;
    expect(await deliver(d!, 1_000, AbortSignal.timeout(2_000))).toMatchObject({ ok: false, status: 404, retryable: false });
    rx.status = () => 503;
    expect(await deliver(d!, 1_000, AbortSignal.timeout(2_000))).toMatchObject({ ok: false, status: 503, retryable: true });
    rx.status = () => 429;
    expect(await deliver(d!, 1_000, AbortSignal.timeout(2_000))).toMatchObject({ ok: false, retryable: true });
    await rx.close();
    rx = undefined;
    expect(await deliver(d!, 1_000, AbortSignal.timeout(2_000))).toMatchObject({ ok: false, retryable: true });
  });
});

describe('NOTIFY_ALLOWED_NETWORKS: the guard given to deliver', () => {
  const guard = (cidrs: string) => createGuard(parseNetworks(cidrs) as Networks, NOTIFY_NETWORKS);

  it('delivers inside the networks; outside them it fails permanently naming the variable and sends nothing, also over a keep-alive socket another guard opened', async () => {
    rx = await startServiceReceiver(shapes.webhookShape);
    const [d] = await prepareDeliveries(channel('webhook', { url: rx.url }), notice('opened'), env);
    const [named] = await prepareDeliveries(channel('webhook', { url: rx.url.replace('127.0.0.1', 'localhost') }), notice('opened'), env);
    expect(await deliver(d!, 2_000, AbortSignal.timeout(3_000))).toMatchObject({ ok: true });
    expect(await deliver(named!, 2_000, AbortSignal.timeout(3_000))).toMatchObject({ ok: true });
    expect(await deliver(d!, 2_000, AbortSignal.timeout(3_000), { guard: guard('127.0.0.0/8') })).toMatchObject({ ok: true });
    expect(rx.requests).toHaveLength(3);
    // The unrestricted and the allowing guard left keep-alive sockets to the receiver (by IP and by name): none is used here.
    expect(await deliver(d!, 2_000, AbortSignal.timeout(3_000), { guard: guard('10.0.0.0/8') })).toEqual({ ok: false, error: 'address 127.0.0.1 is outside NOTIFY_ALLOWED_NETWORKS', retryable: false, retryAfterMs: 0 });
    expect(await deliver(named!, 2_000, AbortSignal.timeout(3_000), { guard: guard('10.0.0.0/8') })).toMatchObject({ ok: false, error: expect.stringMatching(/^address (127\.0\.0\.1|::1) of localhost is outside NOTIFY_ALLOWED_NETWORKS$/), retryable: false });
    expect(rx.requests).toHaveLength(3);
  });

  it('does not follow a redirect: the 3xx is the answer, a failed delivery', async () => {
    rx = await startServiceReceiver(shapes.webhookShape);
    rx.status = () => 302;
    const [d] = await prepareDeliveries(channel('webhook', { url: rx.url }), notice('opened'), env);
    expect(await deliver(d!, 2_000, AbortSignal.timeout(3_000), { guard: guard('127.0.0.0/8') })).toMatchObject({ ok: false, status: 302, retryable: false });
    expect(rx.requests).toHaveLength(1);
  });
});

describe('channel configs that cannot work are refused with the place', () => {
  const problems = (kind: string, config: unknown, extra: Record<string, unknown> = {}) => {
    const r = channelBody.safeParse({ name: 'x', kind, config, ...extra });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('names the field', () => {
    expect(problems('pagerduty', { routingKey: 'short' })[0]).toMatch(/^config\.routingKey: .*32/);
    expect(problems('email', { host: 'bad host!', from: 'a@b.c', to: ['x@y.z'] })[0]).toMatch(/^config\.host/);
    expect(problems('email', { host: 'smtp.example.com', from: 'a@b.c', to: [] })[0]).toMatch(/^config\.to/);
    expect(problems('matrix', { homeserverUrl: 'https://m.org', accessToken: 't', roomId: '#alias:m.org' })[0]).toMatch(/^config\.roomId/);
    expect(problems('webhook', { url: 'http://x' }, { template: { title: '{% if x %}never closed' } })[0]).toMatch(/^template\.title: template syntax error at line 1, column 1/);
    expect(problems('webhook', { url: 'http://x' }, { template: { body: 'ok\n{{ x | nosuchfilter }}' } })[0]).toMatch(/^template\.body: .*line 2, column 1/);
    expect(problems('email', { host: 'smtp.example.com', port: 465, secure: true, username: 'u', password: 'p', from: 'Ops <ops@example.com>', to: ['a@example.com', 'b@example.com'] })).toEqual([]);
  });
  it('alertmanager channels re-send while firing by default', () => {
    expect(channelBody.parse({ name: 'am', kind: 'alertmanager', config: { url: 'http://am:9093' } }).repeatIntervalSec).toBe(60);
  });
});

describe('email over a real SMTP server (smtp-server)', () => {
  let dir: string;
  let key: string;
  let cert: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lw-smtp-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  interface Mail {
    from: string;
    to: string[];
    raw: string;
    user?: string;
    secure: boolean;
  }
  async function smtp(secure: boolean, reject = 0): Promise<{ port: number; mails: Mail[]; close: () => Promise<void> }> {
    const mails: Mail[] = [];
    const server = new SMTPServer({
      secure,
      key,
      cert,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, _session, cb) {
        if (auth.username === 'alerts' && auth.password === 's3cret') cb(null, { user: auth.username });
        else cb(new Error('Invalid username or password'));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (reject) {
            const err = Object.assign(new Error('mailbox unavailable'), { responseCode: reject });
            return cb(err);
          }
          mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8'), user: session.user as string | undefined, secure: session.secure });
          cb();
        });
      },
      logger: false,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.server.address() as AddressInfo).port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  const emailChannel = (port: number, secure: boolean, password = 's3cret') => channel('email', { host: 'localhost', port, secure, username: 'alerts', password, from: 'Lightwatch <lw@example.com>', to: ['oncall@example.com', 'lead@example.com'] });

  for (const secure of [false, true]) {
    it(`${secure ? 'TLS from the first byte' : 'STARTTLS'} with auth: HTML and text bodies to several recipients`, async () => {
      const s = await smtp(secure);
      try {
        const [d] = await prepareDeliveries(emailChannel(s.port, secure), notice('opened', { title: 'cpu <script>alert(1)</script> on web-1' }), env);
        expect(await deliver(d!, 5_000, AbortSignal.timeout(6_000), { smtpCa: cert })).toMatchObject({ ok: true });
        expect(s.mails).toHaveLength(1);
        const m = s.mails[0]!;
        expect(m).toMatchObject({ from: 'lw@example.com', to: ['oncall@example.com', 'lead@example.com'], user: 'alerts', secure: true });
        expect(m.raw).toMatch(/Content-Type: text\/plain/);
        expect(m.raw).toMatch(/Content-Type: text\/html/);
        expect(m.raw).toContain('X-Lightwatch-Idempotency-Key: 01JINC:1:ch');
        // The HTML body escapes what the incident title carries.
        expect(m.raw).not.toContain('<script>');
        expect(m.raw).toContain('&lt;script&gt;');
      } finally {
        await s.close();
      }
    });
  }

  it('a wrong password and a 5xx reply are permanent failures; an unreachable server is retryable', async () => {
    const s = await smtp(false);
    try {
      const [bad] = await prepareDeliveries(emailChannel(s.port, false, 'wrong'), notice('opened'), env);
      expect(await deliver(bad!, 5_000, AbortSignal.timeout(6_000), { smtpCa: cert })).toMatchObject({ ok: false, status: 535, retryable: false });
    } finally {
      await s.close();
    }
    const r = await smtp(false, 550);
    try {
      const [d] = await prepareDeliveries(emailChannel(r.port, false), notice('opened'), env);
      expect(await deliver(d!, 5_000, AbortSignal.timeout(6_000), { smtpCa: cert })).toMatchObject({ ok: false, status: 550, retryable: false });
    } finally {
      await r.close();
    }
    const [d] = await prepareDeliveries(emailChannel(r.port, false), notice('opened'), env);
    expect(await deliver(d!, 2_000, AbortSignal.timeout(3_000))).toMatchObject({ ok: false, retryable: true });
  });
});
