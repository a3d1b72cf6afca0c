// Canonical events survive the trip through their protobuf form unchanged, for every kind.
import { describe, expect, it } from 'vitest';
import { Event as WireEvent } from '../../proto/gen/lightwatch/v1/event.js';
import type { CanonicalEvent } from '../events/event.js';
import { eventFromWire, eventsPageToJson, eventToWire, seriesToJson } from './event-wire.js';

const base = { id: '01HZX0000000000000000000AA', tenant: 't', target: 'api', ts: 1_714_564_800_123, receivedAt: 1_714_564_800_456, labels: { env: 'prod' } };
const samples: CanonicalEvent[] = [
  { ...base, kind: 'metric', body: { name: 'cpu', value: 0.5, type: 'gauge', unit: 'ratio' } },
  { ...base, kind: 'metric', body: { name: 'reqs', value: 12, type: 'counter' } },
  { ...base, kind: 'log', flags: ['ts_clamped'], body: { level: 'error', message: 'boom', fields: { user: 'a', n: 2, nested: { ok: true } }, format: 'json' } },
  { ...base, kind: 'security', body: { category: 'auth', severity: 'high', actor: 'bob', ip: '10.0.0.1', outcome: 'failure', message: 'bad password' } },
  { ...base, kind: 'security', body: { category: 'auth', severity: 'low' } },
  { ...base, kind: 'heartbeat', body: { status: 'fail', exitStatus: 2, log: 'out of disk' } },
  { ...base, kind: 'heartbeat', body: { status: 'ok' } },
  { ...base, kind: 'check', body: { ok: false, status: 503, latencyMs: 12.5, attempts: 3, error: 'status 503' } },
  { ...base, kind: 'incident', body: { incidentId: 'i1', ruleId: 'r1', state: 'open', transition: 'opened', title: 'api down', epoch: 7 } },
];

describe('event wire form', () => {
  it.each(samples.map((e) => [`${e.kind} ${JSON.stringify(e.body).slice(0, 40)}`, e] as const))('round-trips %s through protobuf bytes', (_, e) => {
    const bytes = WireEvent.encode(eventToWire(e)).finish();
    expect(eventFromWire(WireEvent.decode(bytes))).toEqual(e);
  });

  it('renders pages and series as the /api JSON', () => {
    expect(eventsPageToJson({ items: [eventToWire(samples[0] as CanonicalEvent)], nextCursor: '' })).toEqual({ items: [samples[0]], nextCursor: null });
    expect(eventsPageToJson({ items: [], nextCursor: 'c1' })).toEqual({ items: [], nextCursor: 'c1' });
    expect(seriesToJson({ points: [{ t: '60000', avg: 1.5, min: 1, max: 2, count: '2' }], stepMs: '60000' })).toEqual({ points: [{ t: 60000, avg: 1.5, min: 1, max: 2, count: 2 }], stepMs: 60000 });
  });
});
