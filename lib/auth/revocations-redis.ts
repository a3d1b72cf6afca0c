// Carries revocation signals between processes over the streams port's notifications (Redis pub/sub): what one
// process publishes reaches every other process's bus within a round trip. A signal lost while a subscriber is disconnected is covered by the
// authenticators' cache TTL and realtime's periodic recheck.
import type { Notifications } from '../streams/port.js';
import type { RevocationBus } from './revocations.js';

const MAX_SUBJECT = 256;

export interface RevocationBridge {
  close(): Promise<void>;
}

/** Subscribes `bus` to `channel` (a connection of the port's own) and forwards its local signals there. */
export async function bridgeRevocations(bus: RevocationBus, notifications: Notifications, channel: string, onError: (err: unknown) => void): Promise<RevocationBridge> {
  const unsubscribe = await notifications.subscribe(channel, (subject) => {
    if (subject.length > 0 && subject.length <= MAX_SUBJECT) bus.deliver(subject);
  });
  bus.forward((subject) => {
    notifications.publish(channel, subject).catch(onError);
  });
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= unsubscribe().catch(onError);
      return closing;
    },
  };
}
