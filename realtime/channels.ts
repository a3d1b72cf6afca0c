// The public WebSocket channels (CONTRACTS.md) and which events each one carries. Pure; no I/O.
import type { EventKind } from '../lib/events/event.js';

export const CHANNELS = ['logs', 'metrics', 'events', 'heartbeats', 'incidents', 'targets'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The channel an event kind appears on besides `targets` (checks appear only on `targets/{id}`). */
export const CHANNEL_OF_KIND: Readonly<Record<EventKind, Channel | undefined>> = {
  log: 'logs',
  metric: 'metrics',
  security: 'events',
  heartbeat: 'heartbeats',
  incident: 'incidents',
  check: undefined,
};

export function isChannel(name: string): name is Channel {
  return (CHANNELS as readonly string[]).includes(name);
}

export type ChannelRef =
  | { ok: true; channel: Channel; target?: string }
  | { ok: false; message: string };

/**
 * Resolves a channel name as given after `/ws/` in a path or in a `subscribe` message: `logs`, ...,
 * `targets/<id>` (the id percent-encoded in a path, so ids holding `/` survive).
 */
export function resolveChannel(name: string, percentEncoded: boolean): ChannelRef {
  if (name.startsWith('targets/')) {
    let id = name.slice('targets/'.length);
    if (percentEncoded) {
      try {
        id = decodeURIComponent(id);
      } catch {
        return { ok: false, message: 'target id in the path is not valid percent-encoding' };
      }
    }
    if (id.length === 0) return { ok: false, message: 'channel targets needs a target id: /ws/targets/{id}' };
    if (id.length > 512) return { ok: false, message: 'target id is longer than 512 characters' };
    return { ok: true, channel: 'targets', target: id };
  }
  if (name === 'targets') return { ok: false, message: 'channel targets needs a target id: /ws/targets/{id}' };
  if (isChannel(name)) return { ok: true, channel: name };
  return { ok: false, message: `unknown channel '${name.slice(0, 60)}'; channels: ${CHANNELS.join(', ')}` };
}
