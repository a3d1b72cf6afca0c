// /api/channels for the new kinds through the QueryApi: secrets write-only, the template preview (422 with
// the place), and "Send test notification" delivering to a local receiver.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServiceReceiver, type ServiceReceiver } from '../lib/channels/testing/receiver.js';
import { ntfyShape, pagerdutyShape } from '../lib/channels/testing/services.js';
import { parseNetworks, type Networks } from '../lib/net/networks.js';
import { webhookShape } from '../lib/channels/testing/services.js';
import { createFixture, type Fixture } from './test-fixture.js';

let f: Fixture;
let rx: ServiceReceiver | undefined;
beforeEach(async () => {
  f = await createFixture();
});
afterEach(async () => {
  await rx?.close();
  rx = undefined;
  await f.close();
});

const KEY = 'R0123456789abcdef0123456789abcde';

describe('/api/channels kinds, preview and test', () => {
  it('masks every secret field of a kind and keeps it when the mask comes back', async () => {
    const created = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'pd', kind: 'pagerduty', config: { routingKey: KEY } } });
    expect(created.status).toBe(201);
    expect(created.body.config).toEqual({ routingKey: '********bcde', url: 'https://events.pagerduty.com/v2/enqueue' });
    expect(created.body.health).toEqual({ failing: false, consecutiveFailures: 0 });
    const patched = await f.http(f.keys.adminA, 'PATCH', `/api/channels/${created.body.id}`, { body: { config: { routingKey: '********bcde', url: 'https://events.eu.pagerduty.com/v2/enqueue' } } });
    expect(patched.status).toBe(200);
    const mail = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'mail', kind: 'email', config: { host: 'smtp.example.com', port: 587, secure: false, username: 'u', password: 'hunter2hunter2', from: 'ops@example.com', to: ['a@example.com'] } } });
    expect(mail.body.config.password).toMatch(/^\*{8}/);
    expect(JSON.stringify(mail.body)).not.toContain('hunter2');
  });

  it('refuses a config that cannot work and a template syntax error with the place (422)', async () => {
    const bad = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'pd', kind: 'pagerduty', config: { routingKey: 'nope' } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].at).toBe('/config/routingKey');
    const tpl = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'n', kind: 'ntfy', config: { topic: 'x' }, template: { body: 'ok\n{% for x in y %}' } } });
    expect(tpl.status).toBe(422);
    expect(tpl.body.error.details[0]).toMatchObject({ at: '/template/body' });
    expect(tpl.body.error.details[0].message).toMatch(/line 2, column 1/);
  });

  it('previews templates over a sample incident', async () => {
    const res = await f.http(f.keys.readA, 'POST', '/api/channels/preview', { body: { kind: 'email', template: { title: '[{{ incident.severity | upcase }}] {{ incident.title }}', html: '<b>{{ incident.title }}</b>' } } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ title: '[INFO] Test notification from Lightwatch', body: expect.stringContaining('severity: info'), html: '<b>Test notification from Lightwatch</b>' });
    const bad = await f.http(f.keys.readA, 'POST', '/api/channels/preview', { body: { kind: 'slack', template: { title: '{{ x | nope }}' } } });
    expect(bad.status).toBe(422);
  });

  it('sends a test notification through the channel and says what the receiver answered', async () => {
    rx = await startServiceReceiver(ntfyShape);
    const ch = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'phone', kind: 'ntfy', config: { baseUrl: rx.url, topic: 'ops' } } });
    const res = await f.http(f.keys.adminA, 'POST', `/api/channels/${ch.body.id}/test`);
    expect(res.body).toMatchObject({ ok: true, status: 200, error: null });
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.body).toMatchObject({ topic: 'ops', title: '🧪 [TEST] Test notification from Lightwatch' });
    await rx.close();
    rx = await startServiceReceiver(pagerdutyShape);
    rx.status = () => 400;
    const pd = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'pd', kind: 'pagerduty', config: { routingKey: KEY, url: `${rx.url}/v2/enqueue` } } });
    const failed = await f.http(f.keys.adminA, 'POST', `/api/channels/${pd.body.id}/test`);
    expect(failed.body).toMatchObject({ ok: false, status: 400 });
    expect((await f.http(f.keys.readA, 'POST', `/api/channels/${pd.body.id}/test`)).status).toBe(403);
  });
});

describe('/api/channels under NOTIFY_ALLOWED_NETWORKS', () => {
  beforeEach(async () => {
    await f.close();
    f = await createFixture({ notifyAllowedNetworks: parseNetworks('10.0.0.0/8,2001:db8::/32') as Networks, checkAllowedNetworks: parseNetworks('192.0.2.0/24') as Networks });
  });

  it('refuses a channel URL at an IP address outside it (422 at the field), on create and update; names and addresses inside pass', async () => {
    const bad = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'hook', kind: 'webhook', config: { url: 'http://169.254.169.254/latest' } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'unprocessable', details: [{ at: '/config/url', message: 'address 169.254.169.254 is outside NOTIFY_ALLOWED_NETWORKS' }] });
    const v6 = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'gotify', kind: 'gotify', config: { baseUrl: 'http://[::1]:8080', token: 'tok' } } });
    expect(v6.body.error.details).toEqual([{ at: '/config/baseUrl', message: 'address ::1 is outside NOTIFY_ALLOWED_NETWORKS' }]);
    // CHECK_ALLOWED_NETWORKS does not apply to channels: 10.0.0.5 is outside it but inside NOTIFY_ALLOWED_NETWORKS.
    const inside = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'hook', kind: 'webhook', config: { url: 'http://10.0.0.5/hook' } } });
    expect(inside.status).toBe(201);
    const named = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'slack', kind: 'slack', config: { webhookUrl: 'https://hooks.slack.example/T0/B0/x' } } });
    expect(named.status).toBe(201);
    const moved = await f.http(f.keys.adminA, 'PATCH', `/api/channels/${inside.body.id}`, { body: { config: { url: 'http://127.0.0.1:9000/hook' } } });
    expect(moved.status).toBe(422);
    expect(moved.body.error.details).toEqual([{ at: '/config/url', message: 'address 127.0.0.1 is outside NOTIFY_ALLOWED_NETWORKS' }]);
  });

  it('holds a test notification to it: a name resolving outside is refused and the receiver gets nothing', async () => {
    rx = await startServiceReceiver(webhookShape);
    const ch = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'hook', kind: 'webhook', config: { url: rx.url.replace('127.0.0.1', 'localhost') } } });
    expect(ch.status).toBe(201);
    const res = await f.http(f.keys.adminA, 'POST', `/api/channels/${ch.body.id}/test`);
    expect(res.body).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/^address (127\.0\.0\.1|::1) of localhost is outside NOTIFY_ALLOWED_NETWORKS$/) });
    expect(rx.requests).toEqual([]);
  });
});
