// Carries revocation signals between processes over Redis pub/sub: what one process publishes reaches every
// other process's bus within a round trip. A signal lost while a subscriber is disconnected is covered by the
// authenticators' cache TTL and realtime's periodic recheck.
import type { Redis } from 'ioredis';
import type { RevocationBus } from './revocations.js';

const MAX_SUBJECT = 256;

export interface RevocationBridge {
  close(): Promise<void>;
}

/** Subscribes `bus` to `channel` on a dedicated connection and forwards its local signals there. */
export async function bridgeRevocations(bus: RevocationBus, redis: Redis, channel: string, onError: (err: unknown) => void): Promise<RevocationBridge> {
  const sub = redis.duplicate({ connectionName: 'lightwatch:revocations', lazyConnect: true });
  sub.on('error', onError);
  sub.on('message', (ch: string, subject: string) => {
    if (ch === channel && subject.length > 0 && subject.length <= MAX_SUBJECT) bus.deliver(subject);
  });
  await sub.connect();
  await sub.subscribe(channel);
  bus.forward((subject) => {
    redis.publish(channel, subject).catch(onError);
  });
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= sub.quit().then(
        () => undefined,
        () => sub.disconnect(),
      );
      return closing;
    },
  };
}
