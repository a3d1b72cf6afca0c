// The Alertmanager v2 API under /api/am driven by Debian's real `amtool` (package prometheus-alertmanager,
// scripts/system-packages/test.txt): silences created, queried and expired through it are Lightwatch silences
// (and /api/silences' silences show in amtool); open incidents are its alerts; bad bodies get Alertmanager's
// error shapes.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../lib/store/types.js';
import { startTestbed, type Testbed } from '../support/gateway.js';

const run = promisify(execFile);

async function amtoolInstalled(): Promise<boolean> {
  try {
    await run('amtool', ['--version']);
    return true;
  } catch {
    return false;
  }
}
const HAVE_AMTOOL = await amtoolInstalled();

describe.skipIf(!HAVE_AMTOOL)('gateway: Alertmanager v2 API under /api/am (skipped without amtool: install prometheus-alertmanager)', () => {
  let bed: Testbed;
  let dir: string;
  let amtoolArgs: string[];
  beforeAll(async () => {
    bed = await startTestbed();
    dir = mkdtempSync(join(tmpdir(), 'lw-amtool-'));
    // amtool sends the API key as the Basic password, as Prometheus's alertmanager config does.
    writeFileSync(join(dir, 'http.yml'), `basic_auth:\n  username: lightwatch\n  password: ${bed.adminKey}\n`);
    amtoolArgs = [`--alertmanager.url=${bed.url}/api/am`, `--http.config.file=${join(dir, 'http.yml')}`];
  });
  afterAll(async () => {
    await bed?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const amtool = async (...args: string[]): Promise<string> => (await run('amtool', [...amtoolArgs, ...args], { timeout: 20_000 })).stdout;
  const api = (method: string, path: string, body?: unknown, key = bed.adminKey) =>
    fetch(`${bed.url}/api/am${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });

  it('creates, queries and expires silences with amtool; they are Lightwatch silences', async () => {
    const id = (await amtool('silence', 'add', 'alertname=DiskFull', 'env=~"prod|staging"', '--comment=disk swap', '--duration=2h', '--author=ann')).trim();
    expect(id).toMatch(/^[0-9A-Z]{26}$/);
    const mine = (await (await fetch(`${bed.url}/api/silences/${id}`, { headers: { authorization: `Bearer ${bed.adminKey}` } })).json()) as { startsAt: number; endsAt: number };
    expect(mine).toMatchObject({ id, comment: 'disk swap', matchers: [{ name: 'alertname', value: 'DiskFull', op: '=' }, { name: 'env', value: 'prod|staging', op: '=~' }] });
    expect(mine.endsAt - mine.startsAt).toBeGreaterThanOrEqual(2 * 3_600_000 - 5_000);

    // One made through /api/silences shows in amtool too.
    const other = await fetch(`${bed.url}/api/silences`, { method: 'POST', headers: { authorization: `Bearer ${bed.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ matchers: [{ name: 'team', value: 'db' }], endsAt: Date.now() + 3_600_000, comment: 'native' }) });
    expect(other.status).toBe(201);
    const listed = JSON.parse(await amtool('silence', 'query', '-o', 'json')) as Array<{ id: string; comment: string; status: { state: string } }>;
    expect(listed.map((s) => s.comment).sort()).toEqual(['disk swap', 'native']);
    expect(listed.every((s) => s.status.state === 'active')).toBe(true);
    const filtered = JSON.parse(await amtool('silence', 'query', '-o', 'json', 'alertname=DiskFull')) as Array<{ id: string }>;
    expect(filtered.map((s) => s.id)).toEqual([id]);

    await amtool('silence', 'expire', id);
    const active = JSON.parse(await amtool('silence', 'query', '-o', 'json')) as Array<{ id: string }>;
    expect(active.map((s) => s.id)).not.toContain(id);
    const expired = JSON.parse(await amtool('silence', 'query', '-o', 'json', '--expired')) as Array<{ id: string; status: { state: string } }>;
    expect(expired).toEqual([expect.objectContaining({ id, status: { state: 'expired' } })]);
    const got = await api('GET', `/api/v2/silence/${id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ id, status: { state: 'expired' }, createdBy: expect.stringMatching(/^key:/) });
  });

  it('lists open incidents as alerts, silenced ones as suppressed, filtered as amtool asks', async () => {
    const t = (await (await fetch(`${bed.url}/api/targets`, { method: 'POST', headers: { authorization: `Bearer ${bed.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'web-1', kind: 'heartbeat', heartbeat: { intervalSec: 60, graceSec: 30 }, labels: { team: 'web' } }) })).json()) as { id: string };
    const now = Date.now();
    const inc: Incident = { id: `inc-${now}`, tenant: 'default', targetId: t.id, ruleId: 'heartbeat', status: 'open', severity: 'critical', title: 'web-1 missed its heartbeat', openedAt: now - 60_000, reopenCount: 0, epoch: 1, timeline: [], updatedAt: now - 60_000 };
    await bed.store.upsertIncident(inc);
    await bed.store.upsertIncident({ ...inc, id: `${inc.id}-old`, status: 'resolved', resolvedAt: now - 1000 });
    const alerts = JSON.parse(await amtool('alert', 'query', '-o', 'json')) as Array<{ fingerprint: string; labels: Record<string, string>; annotations: Record<string, string>; status: { state: string } }>;
    expect(alerts).toEqual([expect.objectContaining({ fingerprint: inc.id, labels: { team: 'web', alertname: 'heartbeat', target: 'web-1', severity: 'critical' }, annotations: { summary: inc.title }, status: { state: 'active', silencedBy: [], inhibitedBy: [] } })]);
    expect(JSON.parse(await amtool('alert', 'query', '-o', 'json', 'team=db'))).toEqual([]);

    const sid = (await amtool('silence', 'add', 'target=web-1', '--comment=maint', '--duration=1h')).trim();
    const silenced = JSON.parse(await amtool('alert', 'query', '-o', 'json', '--silenced')) as Array<{ status: { state: string; silencedBy: string[] } }>;
    expect(silenced).toEqual([expect.objectContaining({ status: { state: 'suppressed', silencedBy: [sid], inhibitedBy: [] } })]);
    const groups = await (await api('GET', '/api/v2/alerts/groups')).json();
    expect(groups).toEqual([]); // no channel routes it: Alertmanager groups per receiver
    await amtool('silence', 'expire', sid);
  });

  it('reports inhibitedBy from the tenant\'s inhibition rules and hides inhibited alerts unless asked (amtool --inhibited)', async () => {
    const post = async (path: string, body: unknown): Promise<{ id: string }> => (await (await fetch(`${bed.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${bed.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as { id: string };
    const db = await post('/api/targets', { name: 'db-eu', kind: 'heartbeat', heartbeat: { intervalSec: 60 }, labels: { cluster: 'eu' } });
    const app = await post('/api/targets', { name: 'app-eu', kind: 'heartbeat', heartbeat: { intervalSec: 60 }, labels: { cluster: 'eu' } });
    const appUs = await post('/api/targets', { name: 'app-us', kind: 'heartbeat', heartbeat: { intervalSec: 60 }, labels: { cluster: 'us' } });
    const rule = await post('/api/inhibitrules', { name: 'critical-over-warning', source: [{ name: 'severity', value: 'critical' }], target: [{ name: 'severity', value: 'warning' }], equal: ['cluster'] });
    const now = Date.now();
    const base = { tenant: 'default', ruleId: 'heartbeat', status: 'open' as const, openedAt: now - 60_000, reopenCount: 0, epoch: 1, timeline: [], updatedAt: now - 60_000 };
    const src: Incident = { ...base, id: `src-${now}`, targetId: db.id, severity: 'critical', title: 'db-eu down' };
    const inhibitedInc: Incident = { ...base, id: `warn-${now}`, targetId: app.id, severity: 'warning', title: 'app-eu slow' };
    const otherCluster: Incident = { ...base, id: `warnus-${now}`, targetId: appUs.id, severity: 'warning', title: 'app-us slow' };
    for (const i of [src, inhibitedInc, otherCluster]) await bed.store.upsertIncident(i);
    try {
      const all = (await (await api('GET', '/api/v2/alerts')).json()) as Array<{ fingerprint: string; status: { state: string; inhibitedBy: string[] } }>;
      const byId = new Map(all.map((a) => [a.fingerprint, a.status]));
      expect(byId.get(inhibitedInc.id)).toEqual({ state: 'suppressed', silencedBy: [], inhibitedBy: [src.id] });
      expect(byId.get(src.id)).toEqual({ state: 'active', silencedBy: [], inhibitedBy: [] });
      expect(byId.get(otherCluster.id)).toEqual({ state: 'active', silencedBy: [], inhibitedBy: [] });
      const shown = (await (await api('GET', '/api/v2/alerts?inhibited=false')).json()) as Array<{ fingerprint: string }>;
      expect(shown.map((a) => a.fingerprint)).not.toContain(inhibitedInc.id);
      expect(shown.map((a) => a.fingerprint)).toEqual(expect.arrayContaining([src.id, otherCluster.id]));
      const byAmtool = JSON.parse(await amtool('alert', 'query', '-o', 'json')) as Array<{ fingerprint: string }>;
      expect(byAmtool.map((a) => a.fingerprint)).not.toContain(inhibitedInc.id);
      const withInhibited = JSON.parse(await amtool('alert', 'query', '-o', 'json', '--inhibited')) as Array<{ fingerprint: string }>;
      expect(withInhibited.map((a) => a.fingerprint)).toContain(inhibitedInc.id);
    } finally {
      for (const i of [src, inhibitedInc, otherCluster]) await bed.store.upsertIncident({ ...i, status: 'resolved', resolvedAt: now, epoch: 2 });
      await fetch(`${bed.url}/api/inhibitrules/${rule.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${bed.adminKey}` } });
    }
  });

  it('answers status, receivers and the probes as Alertmanager does', async () => {
    await fetch(`${bed.url}/api/channels`, { method: 'POST', headers: { authorization: `Bearer ${bed.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ops-hook', kind: 'webhook', config: { url: 'http://127.0.0.1:9/hook' } }) });
    const status = await (await api('GET', '/api/v2/status')).json();
    expect(status).toMatchObject({ cluster: { status: 'disabled', peers: [] }, versionInfo: { version: '0.25.0' }, config: { original: expect.stringContaining('ops-hook') }, uptime: expect.stringMatching(/^\d{4}-/) });
    expect(await amtool('config', 'routes')).toContain('default');
    expect(await (await api('GET', '/api/v2/receivers')).json()).toEqual([{ name: 'ops-hook' }]);
    const healthy = await fetch(`${bed.url}/api/am/-/healthy`);
    expect([healthy.status, await healthy.text()]).toEqual([200, 'OK']);
    expect((await fetch(`${bed.url}/api/am/-/ready`)).status).toBe(200);
  });

  it('refuses what Alertmanager refuses, in its error shapes', async () => {
    const good = { matchers: [{ name: 'a', value: 'b', isRegex: false }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 60_000).toISOString(), createdBy: 'x', comment: 'y' };
    const check = async (res: Response, status: number, body: unknown) => expect([res.status, await res.json()]).toEqual([status, body]);
    await check(await api('POST', '/api/v2/silences', '{'), 400, expect.objectContaining({ code: 400 }));
    await check(await api('POST', '/api/v2/silences', { ...good, comment: undefined }), 422, { code: 602, message: 'silence.comment in body is required' });
    await check(await api('POST', '/api/v2/silences', { ...good, endsAt: good.startsAt }), 400, 'Failed to create silence: start time must be before end time');
    await check(await api('POST', '/api/v2/silences', { ...good, id: '01NOSUCHSILENCE00000000000' }), 404, 'not found');
    expect((await api('GET', '/api/v2/silence/01NOSUCHSILENCE00000000000')).status).toBe(404);
    expect((await api('DELETE', '/api/v2/silence/01NOSUCHSILENCE00000000000')).status).toBe(404);
    await check(await api('GET', '/api/v2/alerts?filter=nonsense'), 400, 'bad matcher format: nonsense');
    await check(await api('GET', '/api/v2/alerts?active=maybe'), 400, 'active in query must be of type boolean: "maybe"');
    expect((await api('GET', '/api/v2/silences', undefined, 'wrong-key')).status).toBe(401);
    expect((await api('PUT', '/api/v2/silences')).status).toBe(405);
    // Posted alerts: the valid ones go in, the invalid ones are named in one 400 (as Alertmanager's postAlertsHandler).
    const posted = await api('POST', '/api/v2/alerts', [{ labels: { alertname: 'A', instance: 'x' } }, { labels: {} }, { labels: { a: 'b' }, startsAt: '2026-01-02T00:00:00Z', endsAt: '2026-01-01T00:00:00Z' }]);
    await check(posted, 400, 'at least one label pair required; start time must be before end time');
    expect((await api('POST', '/api/v2/alerts', [{ labels: { alertname: 'A', instance: 'x' } }])).status).toBe(200);
    expect((await api('POST', '/api/v2/alerts', '{"labels":')).status).toBe(400);
    expect((await api('POST', '/api/v2/alerts', [], 'wrong-key')).status).toBe(401);
    expect((await api('GET', '/api/v2/nothing')).status).toBe(404);
    expect(bed.handlerErrors).toEqual([]);
  });
});
