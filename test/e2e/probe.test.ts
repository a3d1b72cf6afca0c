// A remote probe end to end: the agent lists targets through the real gateway with its key, runs the checks
// naming its location against a real HTTP server, and reports over the ingest API; the results land on the
// target's stream as `check` events labelled with the location. Quorum itself: lib/checks, detector/machines.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOfEntry } from '../../lib/streams/codec.js';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { runCheck } from '../../detector/checks/probe.js';
import { PROBES } from '../../detector/checks/kinds/index.js';
import { createProbeAgent } from '../../detector/probe/agent.js';
import { createHttpPorts } from '../../detector/probe/http.js';
import { startTestbed, type Testbed } from '../support/gateway.js';
import { streamEntries } from '../support/stream-entries.js';

describe('lightwatch probe (remote probe agent)', () => {
  let bed: Testbed;
  let server: Server;
  let url = '';
  beforeAll(async () => {
    bed = await startTestbed();
    server = createServer((req, res) => res.writeHead(req.url === '/down' ? 503 : 200).end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await bed?.close();
  });

  const create = async (body: object) => {
    const res = await fetch(`${bed.url}/api/targets`, { method: 'POST', headers: { authorization: `Bearer ${bed.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBe(201);
  };

  it('runs the checks naming its location and reports them labelled with it', async () => {
    await create({ name: 'site', kind: 'http', http: { url: `${url}/`, intervalSec: 60, timeoutMs: 2000, locations: ['eu', 'us', 'ap'], quorum: 2 } });
    await create({ name: 'site-down', kind: 'http', http: { url: `${url}/down`, intervalSec: 60, timeoutMs: 2000, locations: ['eu'] } });
    await create({ name: 'elsewhere', kind: 'http', http: { url: `${url}/`, intervalSec: 60, timeoutMs: 2000, locations: ['us'] } });
    await create({ name: 'local', kind: 'http', http: { url: `${url}/`, intervalSec: 60, timeoutMs: 2000 } });
    let now = Date.now();
    const errors: unknown[] = [];
    const ports = createHttpPorts(bed.url, bed.adminKey);
    const agent = createProbeAgent({ location: 'eu', ...ports, runCheck: (check, stop) => runCheck(check, PROBES, stop), now: () => now, onError: (err) => errors.push(err) });
    await agent.refresh();
    expect(agent.scheduled).toBe(2);
    now += 60_000; // every check's phase has come
    agent.tick();
    await agent.idle();
    await agent.close();
    expect(errors).toEqual([]);
    const out: CanonicalEvent[] = [];
    for (const s of bed.names.allEvents()) for (const [, f] of await streamEntries(bed.redis, s)) out.push(...eventsOfEntry(f));
    const checks = out.filter((e) => e.kind === 'check').sort((a, b) => (a.target < b.target ? -1 : 1));
    expect(checks.map((e) => [e.target, e.labels.location, e.kind === 'check' && e.body.ok])).toEqual([
      ['site', 'eu', true],
      ['site-down', 'eu', false],
    ]);
    expect(checks[1]).toMatchObject({ tenant: 'default', body: { ok: false, status: 503, attempts: 1 } });
  });
});
