// The `alertmanager` channel delivering to a real Alertmanager (Debian's prometheus-alertmanager 0.25 on a
// free loopback port, scripts/system-packages/test.txt): the alert arrives with our labels, a reminder while
// firing keeps the one alert (same labels) with a later endsAt, and the resolved notice ends it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../redis/local-server.js';
import type { Channel } from '../store/types.js';
import { makeNotice, sampleNotice, type NoticeIncident, type NoticeTransition } from './notice.js';
import { prepareDeliveries } from './render.js';
import { channelBody } from './schema.js';
import { deliver } from './transport.js';

const AM_BIN = '/usr/bin/prometheus-alertmanager';
async function installed(): Promise<boolean> {
  try {
    await promisify(execFile)(AM_BIN, ['--version']);
    return true;
  } catch {
    return false;
  }
}
const HAVE_AM = await installed();

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

describe.skipIf(!HAVE_AM)('alertmanager channel against a real Alertmanager (skipped without /usr/bin/prometheus-alertmanager)', () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let output = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lw-am-'));
    writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: blackhole\n  group_wait: 1h\nreceivers:\n  - name: blackhole\n');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(AM_BIN, [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`alertmanager exited: ${output}`);
      try {
        if ((await fetch(`${url}/-/ready`)).ok) break;
      } catch {
        // not listening yet
      }
      if (i > 200) throw new Error(`alertmanager not ready: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const parsed = channelBody.parse({ name: 'am', kind: 'alertmanager', config: { url: 'http://placeholder' } });
  const alerts = async (): Promise<AmAlert[]> => (await (await fetch(`${url}/api/v2/alerts`)).json()) as AmAlert[];

  it('creates the alert, keeps it while reminded, ends it on resolve', async () => {
    const channel: Channel = { id: 'ch', tenant: 't', createdAt: 0, updatedAt: 0, ...parsed, config: { url } };
    const now = Date.now();
    const incident: NoticeIncident = {
      ...sampleNotice('k', now).incident,
      id: '01JREALAM',
      title: 'disk on db-1: 97% used',
      severity: 'critical',
      targetName: 'db-1',
      targetId: 't1',
      ruleId: 'disk-full',
      openedAt: now - 60_000,
      labels: { target: 'db-1', severity: 'critical', rule: 'disk-full', cluster: 'eu', 'not a label': 'x' },
      annotations: { runbook: 'https://runbooks/disk' },
    };
    const send = async (transition: NoticeTransition, at: number, over: Partial<NoticeIncident> = {}) => {
      for (const d of await prepareDeliveries(channel, makeNotice(`01JREALAM:${transition}:ch`, transition, [{ ...incident, ...over }], at), { telegramApiBaseUrl: 'http://127.0.0.1:1', publicBaseUrl: '' })) {
        expect(await deliver(d, 5_000, AbortSignal.timeout(10_000)), `${transition}: ${output}`).toMatchObject({ ok: true, status: 200 });
      }
    };

    await send('opened', now - 60_000);
    const [opened, ...others] = await alerts();
    expect(others).toEqual([]);
    expect(opened).toMatchObject({ labels: { alertname: 'disk-full', target: 'db-1', severity: 'critical', cluster: 'eu', rule: 'disk-full', lightwatch_incident: '01JREALAM' }, annotations: { runbook: 'https://runbooks/disk', summary: incident.title }, status: { state: 'active' } });
    expect(opened!.labels).not.toHaveProperty('not a label');
    expect(Date.parse(opened!.startsAt)).toBe(now - 60_000);

    await send('reminder', now);
    const reminded = await alerts();
    expect(reminded).toHaveLength(1);
    expect(Date.parse(reminded[0]!.endsAt)).toBe(now + 4 * 60_000);
    expect(Date.parse(reminded[0]!.endsAt)).toBeGreaterThan(Date.parse(opened!.endsAt));

    await send('resolved', now, { status: 'resolved', resolvedAt: now - 1_000 });
    // Alertmanager lists only alerts that have not ended.
    expect(await alerts()).toEqual([]);
  });
});
