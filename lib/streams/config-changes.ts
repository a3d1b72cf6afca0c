// Configuration changes announced to the detectors over the streams port's notifications (Redis pub/sub): the query
// service publishes one after every change a detector acts on (targets, rules, channels, silences, maintenance
// windows, routes, inhibition rules, acknowledged or resolved incidents), naming the entity changed, and every
// detector reads that entity and applies it at once instead of at its next periodic reload (kept as the safety net
// for a notice lost while a connection was down). A notice naming no entity, or a resource the detector does not
// read one by one, makes the detectors reload everything.
import type { Notifications } from './port.js';

/** Resources whose changes a detector reads. */
export const DETECTOR_RESOURCES: ReadonlySet<string> = new Set(['targets', 'rules', 'channels', 'silences', 'maintenance', 'incidents', 'routes', 'inhibitrules']);

export interface ConfigChange {
  tenant: string;
  resource: string;
  /** The id of the entity changed (created, updated, deleted, acknowledged, resolved); absent: anything may have. */
  id?: string;
}

export const configChannel = (streamPrefix: string): string => `${streamPrefix}:config`;

const MAX_MESSAGE = 512;

/** Publishes a change; failures go to `onError` and never fail the caller's write (the periodic reload covers it). */
export function createConfigPublisher(notifications: Notifications, channel: string, onError: (err: unknown) => void): (change: ConfigChange) => Promise<void> {
  return (change) => notifications.publish(channel, JSON.stringify(change)).catch(onError);
}

/** Calls `onChange` for every change published on `channel`; resolves once subscribed, with its unsubscribe. */
export function subscribeConfigChanges(notifications: Notifications, channel: string, onChange: (change: ConfigChange) => void): Promise<() => Promise<void>> {
  return notifications.subscribe(channel, (message) => {
    if (message.length > MAX_MESSAGE) return;
    try {
      const c = JSON.parse(message) as Partial<ConfigChange> | null;
      if (c && typeof c.tenant === 'string' && typeof c.resource === 'string') onChange({ tenant: c.tenant, resource: c.resource, ...(typeof c.id === 'string' ? { id: c.id } : {}) });
    } catch {
      // Not ours: ignored.
    }
  });
}
