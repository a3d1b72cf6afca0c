// The Healthchecks and Uptime Kuma ping URLs at the real gateway (uWS, ingest, Redis, SQLite store): the URL's
// token is the only credential, answers are those tools' own, and the pings land as heartbeat events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { eventsOfEntry } from '../../lib/streams/codec.js';
import { startTestbed, type Testbed } from '../support/gateway.js';
import { streamEntries } from '../support/stream-entries.js';

const RID = '0c5d6c3e-7a55-4b4a-9d5e-1f0f7a0c2b11';

describe('compat ping URLs (Healthchecks, Uptime Kuma)', () => {
  let bed: Testbed;
  let hb: { uuid: string; pushToken: string };
  beforeAll(async () => {
    bed = await startTestbed();
    const res = await fetch(`${bed.url}/api/targets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bed.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'db-backup', kind: 'heartbeat', heartbeat: { cron: '0 3 * * *', timezone: 'Europe/Berlin', pingKey: 'projectKey_01' } }),
    });
    expect(res.status).toBe(201);
    hb = ((await res.json()) as { heartbeat: { uuid: string; pushToken: string } }).heartbeat;
    expect(hb.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(hb.pushToken).toMatch(/^[A-Za-z0-9]{32}$/);
  });
  afterAll(async () => {
    await bed?.close();
  });

  async function pings(): Promise<CanonicalEvent[]> {
    const out: CanonicalEvent[] = [];
    for (const s of bed.names.allEvents()) for (const [, f] of await streamEntries(bed.redis, s)) out.push(...eventsOfEntry(f));
    return out.filter((e) => e.kind === 'heartbeat' && e.target === 'db-backup').sort((a, b) => a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : 1));
  }
  const text = async (path: string, init: RequestInit = {}): Promise<[number, string]> => {
    const res = await fetch(`${bed.url}${path}`, init);
    return [res.status, await res.text()];
  };

  it('Healthchecks: /ping/{uuid}, /start?rid=, /log, /fail, /{exit}, /ping/{key}/{slug}: "OK" 200 without any API key', async () => {
    expect(await text(`/ping/${hb.uuid}/start?rid=${RID}`)).toEqual([200, 'OK']);
    expect(await text(`/ping/${hb.uuid}/log`, { method: 'POST', body: 'halfway' })).toEqual([200, 'OK']);
    expect(await text(`/ping/${hb.uuid}?rid=${RID}`, { method: 'POST', body: 'done' })).toEqual([200, 'OK']);
    expect(await text(`/ping/${hb.uuid}/fail`)).toEqual([200, 'OK']);
    expect(await text(`/ping/${hb.uuid}/3`)).toEqual([200, 'OK']);
    expect(await text('/ping/projectKey_01/db-backup/0')).toEqual([200, 'OK']);
    const res = await fetch(`${bed.url}/ping/${hb.uuid}`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    const bodies = (await pings()).map((e) => e.body);
    expect(bodies).toEqual([
      { status: 'start', rid: RID },
      { status: 'log', log: 'halfway' },
      { status: 'ok', rid: RID, log: 'done' },
      { status: 'fail' },
      { status: 'fail', exitStatus: 3 },
      { status: 'ok', exitStatus: 0 },
      { status: 'ok' },
    ]);
    expect((await pings()).every((e) => e.tenant === 'default')).toBe(true);
  });

  it('Healthchecks refusals: "not found" 404, "invalid url format" and "invalid uuid format" 400', async () => {
    expect(await text('/ping/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278')).toEqual([404, 'not found']);
    expect(await text('/ping/projectKey_01/no-such-slug')).toEqual([404, 'not found']);
    expect(await text('/ping/wrongKey_000/db-backup')).toEqual([404, 'not found']);
    expect(await text(`/ping/${hb.uuid}/256`)).toEqual([400, 'invalid url format']);
    expect(await text(`/ping/${hb.uuid}/start?rid=123`)).toEqual([400, 'invalid uuid format']);
  });

  it('Kuma: /api/push/{token}?status=&msg=&ping= answers {"ok":true}; an unknown token 404 with Kuma\'s message', async () => {
    const before = (await pings()).length;
    expect(await text(`/api/push/${hb.pushToken}?status=down&msg=disk%20full&ping=42`)).toEqual([200, '{"ok":true}']);
    expect(await text(`/api/push/${hb.pushToken}`, { method: 'POST' })).toEqual([200, '{"ok":true}']);
    expect((await pings()).slice(before).map((e) => e.body)).toEqual([
      { status: 'fail', log: 'disk full', latencyMs: 42 },
      { status: 'ok', log: 'OK' },
    ]);
    const [status, body] = await text('/api/push/notAToken123');
    expect([status, JSON.parse(body)]).toEqual([404, { ok: false, msg: 'Monitor not found or not active.' }]);
    const [s2, b2] = await text(`/api/push/${hb.pushToken}?ping=-5`);
    expect([s2, JSON.parse(b2)]).toEqual([400, { ok: false, msg: 'Invalid ping value. Must be between 0 and 100000000000 ms.' }]);
  });

  it('a leaked ping URL gives no API access', async () => {
    for (const credential of [hb.uuid, hb.pushToken, 'projectKey_01']) {
      const res = await fetch(`${bed.url}/api/targets`, { headers: { authorization: `Bearer ${credential}` } });
      expect(res.status).toBe(401);
      const ingest = await fetch(`${bed.url}/ingest/heartbeat/db-backup`, { headers: { authorization: `Bearer ${credential}` } });
      expect(ingest.status).toBe(401);
    }
    expect(bed.handlerErrors).toEqual([]);
  });
});
