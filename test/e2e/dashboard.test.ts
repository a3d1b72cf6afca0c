// The dashboard in a real browser (Debian's Chromium via playwright-core) against the real all-in-one on free
// ports with its own data dir: first-run admin creation, sign in, a heartbeat target created in the UI going
// down and up live on the board, acknowledge and silence with the notification audit, resolve by hand, the live tail with
// pause, reconnection after a server restart with catch-up, and public status pages and badges. Every page is
// screenshotted under .tmp/screenshots/. Waits are bounded polls of the page, never fixed sleeps.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, chromiumMissing, launchBrowser } from '../support/browser.js';
import { startSystem, type RunningSystem } from '../support/system.js';

const missing = chromiumMissing();
const EMAIL = 'oncall@example.com';
const PASSWORD = 'correct horse battery staple';

describe.skipIf(missing !== null)(`dashboard in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let sys: RunningSystem;
  let browser: Browser;
  let page: Page;
  let hooks: Server;
  const received: Array<Record<string, unknown>> = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'lw-dash-'));
  let targetId = '';

  const ingest = async (path: string, body?: unknown): Promise<void> => {
    const r = await fetch(`${sys.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${sys.apiKey}`, 'content-type': 'application/json' }, body: body === undefined ? '' : JSON.stringify(body) });
    expect(r.status, await r.text()).toBeLessThan(300);
  };
  const boardRow = (name: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
  const shot = (name: string) => page.screenshot({ path: artifact(`${name}.png`), fullPage: true });

  beforeAll(async () => {
    hooks = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        try {
          received.push(JSON.parse(body) as Record<string, unknown>);
        } catch {
          received.push({ raw: body });
        }
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    sys = await startSystem({ dataDir, startTimeoutMs: 60_000, env: { LOG_LEVEL: 'warn' } });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.setDefaultTimeout(15_000);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
    await new Promise((r) => hooks?.close(r));
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('creates the first admin with the bootstrap key, signs out and signs in again', async () => {
    await page.goto(`${sys.url}/`);
    await expect.poll(() => page.url()).toContain('/signin');
    await page.getByRole('heading', { name: 'Create the first admin' }).waitFor();
    await shot('01-first-run');
    await page.getByLabel('Bootstrap admin key').fill('lw_wrong_key_0123456789');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create admin user' }).click();
    await page.getByText('This is not the bootstrap admin key').waitFor();
    await page.getByLabel('Bootstrap admin key').fill(sys.apiKey);
    await page.getByRole('button', { name: 'Create admin user' }).click();
    await page.getByRole('heading', { name: 'Status board' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await shot('02-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Status board' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
  }, 60_000);

  it('creates a webhook channel and a heartbeat target in the UI', async () => {
    await page.goto(`${sys.url}/settings/channels?new=1`);
    await page.getByLabel('Name', { exact: true }).fill('e2e hook');
    await page.getByLabel('Settings (JSON)').fill(JSON.stringify({ url: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook` }));
    await page.getByLabel(/Default channel/).check();
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.getByRole('cell', { name: 'e2e hook', exact: true }).waitFor();

    await page.goto(`${sys.url}/settings/targets?new=1`);
    await page.getByLabel('Name', { exact: true }).fill('e2e-cron');
    await page.getByLabel('Ping interval (seconds)').fill('0');
    await page.getByRole('button', { name: 'Create target' }).click();
    // The API's 422 detail appears next to the field it is about.
    await page.getByText(/greater than or equal to 1|too small/i).waitFor();
    await page.getByLabel('Ping interval (seconds)').fill('2');
    await page.getByLabel('Grace (seconds)').fill('1');
    await page.getByLabel('Labels', { exact: true }).fill('team=e2e, env=test');
    await page.getByRole('button', { name: 'Create target' }).click();
    await page.getByRole('link', { name: 'e2e-cron', exact: true }).waitFor();
    await shot('03-configuration');
  }, 60_000);

  it('shows the target going down when pings stop and coming back, live, without reload', async () => {
    await page.goto(`${sys.url}/`);
    await boardRow('e2e-cron').getByText('pending').waitFor();
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    await ingest('/ingest/heartbeat/e2e-cron');
    await boardRow('e2e-cron').getByText('up', { exact: true }).waitFor();
    await boardRow('e2e-cron').getByText('down', { exact: true }).waitFor({ timeout: 20_000 });
    await shot('04-board-down');
    await ingest('/ingest/heartbeat/e2e-cron');
    await boardRow('e2e-cron').getByText('up', { exact: true }).waitFor({ timeout: 10_000 });
    expect(navigations).toEqual([]);
    await page.getByLabel('Filter').fill('team=e2e');
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await page.getByLabel('Filter').fill('');
    targetId = decodeURIComponent(((await boardRow('e2e-cron').getByRole('link').getAttribute('href')) ?? '').split('/').pop() ?? '');
    expect(targetId).not.toBe('');
  }, 60_000);

  it('acknowledges and silences an incident and shows the notification audit', async () => {
    await boardRow('e2e-cron').getByText('down', { exact: true }).waitFor({ timeout: 20_000 });
    await page.getByRole('link', { name: 'e2e-cron', exact: true }).click();
    await page.getByText(/ping every 2s \(grace 1s\) · next ping expected /).waitFor(); // the target's schedule and next expected ping
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByRole('link', { name: /no ping|missed|heartbeat/i }).first().waitFor();
    await shot('05-target');
    await page.getByRole('link', { name: /no ping|missed|heartbeat/i }).first().click();
    await page.getByText('acknowledged', { exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'Silence' }).click();
    await expect.poll(() => page.getByLabel('Matchers').inputValue()).toContain('team=e2e');
    await page.getByRole('button', { name: 'Create silence' }).click();
    await page.getByText('Silence created').waitFor();
    await expect.poll(async () => {
      await page.reload();
      return page.getByRole('table', { name: 'Notification audit' }).getByText('e2e hook').count();
    }, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(received.length).toBeGreaterThan(0);
    await shot('06-incident');
    await page.goto(`${sys.url}/incidents`);
    await page.getByRole('table', { name: 'Incidents' }).getByText('e2e-cron').first().waitFor();
    await shot('07-incidents');
    await ingest('/ingest/heartbeat/e2e-cron');
  }, 60_000);

  it('resolves by hand an incident whose rule allows it', async () => {
    const admin = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${sys.url}${path}`, { method, headers: { authorization: `Bearer ${sys.apiKey}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      expect(r.status, path).toBeLessThan(300);
      return (await r.json()) as Record<string, unknown>;
    };
    const app = await admin('POST', '/api/targets', { name: 'e2e-app', kind: 'log' });
    await admin('POST', '/api/rules', { name: 'disk full', kind: 'log_pattern', targetId: app.id, params: { pattern: 'disk full', count: 1, windowSec: 3600, manualResolve: true } });
    // The detector reads configuration every few seconds: log until the incident opens.
    await expect
      .poll(
        async () => {
          await ingest('/ingest/logs', [{ target: 'e2e-app', level: 'error', message: 'disk full on /var' }]);
          return ((await admin('GET', '/api/incidents?status=open&target=e2e-app')).items as unknown[]).length;
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toBe(1);
    await page.goto(`${sys.url}/incidents`);
    await page.getByRole('link', { name: /disk full on e2e-app/ }).first().click();
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('Resolved.').waitFor();
    await page.getByRole('button', { name: 'Resolve' }).waitFor({ state: 'detached' });
    await page.getByText(/resolved by user:/).first().waitFor();
    // The detector takes the resolve over on its next refresh: its write (entries carry `evidence`) keeps it resolved.
    const id = decodeURIComponent(page.url().split('/').pop() ?? '');
    await expect
      .poll(
        async () => {
          const inc = await admin('GET', `/api/incidents/${encodeURIComponent(id)}`);
          const resolves = (inc.timeline as Array<{ type: string; evidence?: unknown }>).filter((t) => t.type === 'resolved');
          return { status: inc.status, manualResolve: inc.manualResolve, resolves: resolves.length, byDetector: resolves.every((t) => Array.isArray(t.evidence)) };
        },
        { timeout: 15_000 },
      )
      .toEqual({ status: 'resolved', manualResolve: true, resolves: 1, byDetector: true });
    await page.reload();
    await page.getByText(/resolved by user:/).first().waitFor();
    await shot('06b-incident-resolved');
  }, 60_000);

  it('streams logs into the live tail and pauses', async () => {
    await page.goto(`${sys.url}/live`);
    await page.getByText('Live', { exact: true }).waitFor();
    await ingest('/ingest/logs', [{ target: 'tail-app', level: 'error', message: 'first tail line' }]);
    await page.getByText('first tail line').waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    await ingest('/ingest/logs', [
      { target: 'tail-app', level: 'info', message: 'held line 1' },
      { target: 'tail-app', level: 'info', message: 'held line 2' },
    ]);
    await page.getByRole('button', { name: /Resume \(2 new\)/ }).waitFor();
    expect(await page.getByText('held line 1').count()).toBe(0);
    await page.getByRole('button', { name: /Resume/ }).click();
    await page.getByText('held line 2').waitFor();
    await shot('08-live-tail');
  }, 60_000);

  it('reconnects after the server restarts and catches up', async () => {
    await page.goto(`${sys.url}/`);
    await page.getByText('Live', { exact: true }).waitFor();
    await boardRow('e2e-cron').waitFor();
    const { port, apiKey } = sys;
    await sys.stop();
    await page.getByText('Reconnecting', { exact: true }).waitFor();
    sys = await startSystem({ dataDir, port, apiKey, startTimeoutMs: 60_000, env: { LOG_LEVEL: 'warn' } });
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 20_000 });
    await ingest('/ingest/heartbeat/e2e-cron');
    await boardRow('e2e-cron').getByText('up', { exact: true }).waitFor({ timeout: 10_000 });
    await shot('09-board-after-restart');
  }, 150_000);

  it('serves a public status page and badges without credentials, and refuses another tenant\'s', async () => {
    await page.goto(`${sys.url}/settings/statuspages?new=1`);
    await page.getByLabel('Title', { exact: true }).fill('Acme Status');
    await page.getByLabel('Slug', { exact: true }).fill('acme');
    await page.getByLabel('Sections (JSON)').fill(JSON.stringify([{ name: 'Jobs', targetIds: [targetId] }]));
    await page.getByRole('button', { name: 'Create status page' }).click();
    await page.getByRole('cell', { name: 'Acme Status', exact: true }).waitFor();

    const anon = await browser.newPage();
    await anon.goto(`${sys.url}/status/acme`);
    await anon.getByRole('heading', { name: 'Acme Status' }).waitFor();
    await anon.getByText('e2e-cron', { exact: true }).waitFor();
    await anon.screenshot({ path: artifact('10-public-status.png'), fullPage: true });
    await anon.close();
    const badge = await fetch(`${sys.url}/badge/acme/e2e-cron/status.svg`);
    expect(badge.status).toBe(200);
    expect(badge.headers.get('content-type')).toContain('image/svg+xml');
    expect(await badge.text()).toMatch(/<svg[^>]*aria-label="e2e-cron: (up|down|late|silenced)"/);
    expect((await fetch(`${sys.url}/badge/acme/e2e-cron/uptime/30d.svg`)).status).toBe(200);
    const pub = (await (await fetch(`${sys.url}/api/public/status/acme`)).json()) as { sections: Array<{ targets: Array<{ name: string }> }> };
    expect(pub.sections[0]?.targets[0]?.name).toBe('e2e-cron');

    // Tenant b: its own page works; its target is not reachable under tenant a's slug, nor a's under b's.
    const op = { authorization: `Bearer ${sys.apiKey}`, 'content-type': 'application/json' };
    const t = (await (await fetch(`${sys.url}/api/tenants`, { method: 'POST', headers: op, body: JSON.stringify({ id: 'bee', name: 'Bee' }) })).json()) as { adminKey: { key: string } };
    const b = { authorization: `Bearer ${t.adminKey.key}`, 'content-type': 'application/json' };
    const bt = (await (await fetch(`${sys.url}/api/targets`, { method: 'POST', headers: b, body: JSON.stringify({ name: 'bee-api', kind: 'log' }) })).json()) as { id: string };
    expect((await fetch(`${sys.url}/api/statuspages`, { method: 'POST', headers: b, body: JSON.stringify({ name: 'Bee', slug: 'bee', sections: [{ name: 'All', targetIds: [bt.id] }] }) })).status).toBe(201);
    expect((await fetch(`${sys.url}/badge/bee/bee-api/status.svg`)).status).toBe(200);
    expect((await fetch(`${sys.url}/badge/acme/bee-api/status.svg`)).status).toBe(404);
    expect((await fetch(`${sys.url}/badge/bee/e2e-cron/status.svg`)).status).toBe(404);
    expect((await fetch(`${sys.url}/status/nope`)).status).toBe(404);
    expect((await fetch(`${sys.url}/api/statuspages`, { method: 'POST', headers: b, body: JSON.stringify({ name: 'Bee 2', slug: 'acme', sections: [] }) })).status).toBe(409);
  }, 60_000);

  it('serves hashed assets with long cache lifetimes, index.html uncached, a CSP without inline script', async () => {
    const index = await fetch(`${sys.url}/targets/anything`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const html = await index.text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    expect(js).toMatch(/-[\w-]{8}\.js$/);
    const asset = await fetch(`${sys.url}${js}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${sys.url}/assets/nope.js`)).status).toBe(404);
  }, 60_000);

  it('screenshots the remaining pages', async () => {
    await page.goto(`${sys.url}/explore`);
    await page.getByRole('heading', { name: 'Metrics' }).waitFor();
    await shot('11-metrics');
    await page.goto(`${sys.url}/settings/keys?new=1`);
    await page.getByLabel('Name', { exact: true }).fill('agent key');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.getByText('Copy this key now').waitFor();
    await shot('12-api-key-shown-once');
  }, 60_000);
});
