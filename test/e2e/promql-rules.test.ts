// A promql rule end to end through the real gateway (in-process, as the all-in-one wires it: uWS, ingest, query
// on SQLite, the persister and a detector on the test Redis): samples arrive by remote_write, the rule is
// created through the API (a bad expression is a 422 with Prometheus's position and message; the source's
// token is write-only), the detector on a manual clock opens one incident after `for`, a local webhook
// receiver gets one notice, and the incident resolves when the samples fall below the threshold.
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPersister, type Persister } from '../../ingest/persister/persister.js';
import { firstRunAt } from '../../lib/checks/spread.js';
import type { Incident } from '../../lib/store/types.js';
import type { Streams } from '../../lib/streams/port.js';
import { createManualClock, type ManualClock } from '../../lib/time/manual-clock.js';
import { metricValue, startReceiver, testDetector, until, type Receiver, type TestDetector } from '../../detector/testing/harness.js';
import { startTestbed, type Testbed } from '../support/gateway.js';
import { remoteWrite } from '../support/payloads.js';
import { newStreams } from '../support/redis.js';

const INTERVAL = 15_000;
const FOR = 60_000;

describe('a promql rule through the gateway', () => {
  let bed: Testbed;
  let streams: Streams;
  let persister: Persister;
  let receiver: Receiver;
  let detector: TestDetector | undefined;
  beforeAll(async () => {
    bed = await startTestbed();
    streams = await newStreams();
    receiver = await startReceiver();
    persister = createPersister({ streams, names: bed.names, store: bed.store, logger: pino({ level: 'silent' }), registry: new Registry(), config: { consumerName: 'p1', batchMaxEvents: 1000, blockMs: 50, claimIdleMs: 60_000, retryBaseMs: 5, retryMaxMs: 50, streamRetentionMs: 3_600_000 } });
    await persister.start();
  }, 60_000);
  afterAll(async () => {
    await detector?.close();
    await persister?.close();
    await receiver?.close();
    await streams?.close();
    await bed?.close();
  });

  const auth = () => ({ authorization: `Bearer ${bed.adminKey}`, 'content-type': 'application/json' });
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${bed.url}${path}`, { method, headers: auth(), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const write = async (value: number, from: number, to: number): Promise<void> => {
    const samples: Array<[number, number]> = [];
    for (let t = from; t < to; t += 15_000) samples.push([value, t]);
    const res = await fetch(`${bed.url}/ingest/prometheus/api/v1/write`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bed.adminKey}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      body: remoteWrite([{ labels: [['__name__', 'cpu'], ['instance', 'web-1'], ['job', 'node']], samples }]),
    });
    expect(res.status).toBe(204);
  };
  /** The value of cpu at `t` through /api/prom: the samples are stored (the persister kept up). */
  const cpuAt = async (t: number): Promise<string | undefined> => {
    const res = await fetch(`${bed.url}/api/prom/api/v1/query?query=cpu&time=${t / 1000}`, { headers: auth() });
    const body = (await res.json()) as { data?: { result: Array<{ value: [number, string] }> } };
    return body.data?.result[0]?.value[1];
  };
  const incidents = async (): Promise<Incident[]> => (await api('GET', '/api/incidents?limit=100')).json.items as Incident[];
  const step = async (clock: ManualClock, d: TestDetector, times: number): Promise<void> => {
    for (let i = 0; i < times; i++) {
      const before = await metricValue(d.registry, 'lightwatch_detector_promql_evaluations_total');
      clock.advance(INTERVAL);
      await until(async () => (await metricValue(d.registry, 'lightwatch_detector_promql_evaluations_total')) > before, 20_000, 'an evaluation');
    }
  };

  it('opens one incident after `for`, notifies once, and resolves when the samples fall', async () => {
    // The rule's validation: Prometheus's parse error with its position, at /params/expr.
    const bad = await api('POST', '/api/rules', { name: 'bad', kind: 'promql', params: { expr: 'sum(rate(cpu[5m])' } });
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ error: { code: 'unprocessable', details: [{ at: '/params/expr', message: expect.stringMatching(/^1:\d+: parse error: /) }] } });

    // A source's token is write-only (a disabled rule: nothing to evaluate against).
    const ext = await api('POST', '/api/rules', { name: 'ext', kind: 'promql', enabled: false, params: { expr: 'up == 0', source: { url: 'http://127.0.0.1:9/', bearerToken: 'secret-token-0123456789' } } });
    expect(ext.status).toBe(201);
    expect((ext.json.params as { source: unknown }).source).toEqual({ url: 'http://127.0.0.1:9/', bearerToken: '********6789' });
    const stored = await bed.store.rules.get('default', ext.json.id as string);
    expect((stored?.params.source as { bearerToken: string }).bearerToken).toBe('secret-token-0123456789');

    const hook = await api('POST', '/api/channels', { name: 'hook', kind: 'webhook', isDefault: true, config: { url: `${receiver.url}/hook` } });
    expect(hook.status).toBe(201);
    const created = await api('POST', '/api/rules', { name: 'HighCPU', kind: 'promql', severity: 'critical', params: { expr: 'cpu > 90', forSec: FOR / 1000, intervalSec: INTERVAL / 1000, annotations: { summary: 'cpu at {{ $value }}' } } });
    expect(created.status).toBe(201);
    const ruleId = created.json.id as string;

    // Samples around a slot of the rule, near now (ingest takes recent samples): high for 3 minutes, then low.
    const slot = firstRunAt(`default\u0000${ruleId}`, INTERVAL, Math.floor(Date.now() / 1000) * 1000 - 10 * 60_000);
    await write(95, slot - 60_000, slot + 180_000);
    await until(async () => (await cpuAt(slot + 165_000)) === '95', 20_000, 'high samples stored');

    const clock = createManualClock(slot - 1000);
    detector = testDetector(streams, bed.store, bed.names, 'd0', {}, clock);
    await detector.start();
    await until(async () => (await metricValue(detector!.registry, 'lightwatch_detector_promql_rules')) === 1, 20_000, 'rule evaluated');

    await step(clock, detector, 4); // pending since slot
    expect(await incidents()).toEqual([]);
    await step(clock, detector, 1); // slot + 60 s: firing
    await until(() => receiver.received.length === 1, 20_000, 'opened notice');
    const [opened] = await incidents();
    expect(opened).toMatchObject({ status: 'open', targetId: 'web-1', severity: 'critical', openedAt: slot + FOR, labels: { alertname: 'HighCPU', instance: 'web-1', job: 'node' }, annotations: { summary: 'cpu at 95' } });
    expect(receiver.received[0]).toMatchObject({ transition: 'opened', incidentId: opened!.id });

    await write(10, slot + 180_000, slot + 600_000);
    await until(async () => (await cpuAt(slot + 180_000)) === '10', 20_000, 'low samples stored');
    await step(clock, detector, 7); // up to slot + 165 s: still firing, re-sent once
    expect((await incidents()).map((i) => i.id)).toEqual([opened!.id]);
    expect(receiver.received.length).toBe(1);

    await step(clock, detector, 1); // slot + 180 s: below the threshold
    // The incident resolves at a deadline of its own (keepFiringFor and minimum duration, both 0): time must move.
    await until(
      () => {
        clock.advance(100);
        return receiver.received.length === 2;
      },
      20_000,
      'resolved notice',
    );
    expect(receiver.received.map((r) => r.transition)).toEqual(['opened', 'resolved']);
    expect(await incidents()).toEqual([expect.objectContaining({ id: opened!.id, status: 'resolved', resolvedAt: slot + 180_000 })]);
    expect(bed.handlerErrors).toEqual([]);
  }, 120_000);
});
