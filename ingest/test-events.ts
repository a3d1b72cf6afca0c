// Builders of canonical events for ingest's tests and benchmark (events constructed directly, without the
// parsers). Not used by production code.
import type { CanonicalEvent } from '../lib/events/event.js';
import { createIdGenerator } from '../lib/events/ids.js';

const ids = createIdGenerator();

export interface LogEventOptions {
  tenant?: string;
  target?: string;
  receivedAt?: number;
  /** Message length; the whole event is then about 200 + this many bytes of JSON. */
  messageBytes?: number;
}

export function logEvent(i: number, o: LogEventOptions = {}): CanonicalEvent {
  const at = o.receivedAt ?? Date.now();
  return {
    id: ids.next(at),
    tenant: o.tenant ?? 'acme',
    kind: 'log',
    target: o.target ?? `svc-${i % 7}`,
    ts: at - 5,
    receivedAt: at,
    labels: { env: 'prod', region: 'eu-1' },
    body: { level: 'info', message: `request ${i} served `.padEnd(o.messageBytes ?? 80, 'x'), fields: { status: 200, path: '/api/items' }, format: 'json' },
  };
}

export function logEvents(n: number, o: LogEventOptions = {}): CanonicalEvent[] {
  return Array.from({ length: n }, (_, i) => logEvent(i, o));
}
