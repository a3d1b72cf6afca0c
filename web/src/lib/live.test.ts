// The live connection: subscribes on open, remembers each subscription's last cursor, reconnects with backoff
// and resumes with `since`, asks the page to reload on `reset`, and stops on 4401.
import { describe, expect, it } from 'vitest';
import { LiveConnection, type SocketLike } from './live.js';

class FakeSocket implements SocketLike {
  sent: Array<Record<string, unknown>> = [];
  closed = false;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.onopen?.({});
  }
  message(m: unknown): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
  drop(code = 1006): void {
    this.onclose?.({ code, reason: '' });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const events: unknown[] = [];
  const statuses: string[] = [];
  let resets = 0;
  const conn = new LiveConnection({
    url: () => 'ws://x/ws?token=t',
    subscriptions: [{ channel: 'incidents' }, { channel: 'logs', filter: { level: 'error' } }],
    onEvents: (batch) => events.push(...batch),
    onReset: () => resets++,
    onStatus: (s) => statuses.push(s),
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => undefined,
    schedule: (fn) => fn(),
    random: () => 1,
  });
  return { conn, sockets, timers, events, statuses, resets: () => resets };
}

describe('LiveConnection', () => {
  it('subscribes every channel on open and delivers events in batches', () => {
    const h = setup();
    h.conn.start();
    const s = h.sockets[0] as FakeSocket;
    s.open();
    expect(s.sent).toEqual([
      { type: 'subscribe', channel: 'incidents', id: 0 },
      { type: 'subscribe', channel: 'logs', id: 1, filter: { level: 'error' } },
    ]);
    expect(h.statuses).toEqual(['live']);
    s.message({ type: 'event', channel: 'logs', cursor: 'c1', data: { id: 'a' } });
    s.message({ type: 'event', channel: 'incidents', cursor: 'c2', data: { id: 'b' } });
    expect(h.events).toEqual([{ sub: 1, data: { id: 'a' } }, { sub: 0, data: { id: 'b' } }]);
    expect(h.conn.cursorOf(1)).toBe('c1');
    expect(h.conn.cursorOf(0)).toBe('c2');
  });

  it('reconnects with backoff and catches up from each subscription\'s cursor', () => {
    const h = setup();
    h.conn.start();
    const first = h.sockets[0] as FakeSocket;
    first.open();
    first.message({ type: 'event', channel: 'logs', cursor: 'L9', data: {} });
    first.drop();
    expect(h.statuses.at(-1)).toBe('reconnecting');
    expect(h.timers.map((t) => t.ms)).toEqual([250]);
    h.timers[0]?.fn();
    const second = h.sockets[1] as FakeSocket;
    second.drop();
    h.timers[1]?.fn();
    expect(h.timers.map((t) => t.ms)).toEqual([250, 500]);
    const third = h.sockets[2] as FakeSocket;
    third.open();
    expect(third.sent).toEqual([
      { type: 'subscribe', channel: 'incidents', id: 0 },
      { type: 'subscribe', channel: 'logs', id: 1, filter: { level: 'error' }, since: 'L9' },
    ]);
    expect(h.statuses.at(-1)).toBe('live');
    // A successful open resets the backoff.
    third.drop();
    expect(h.timers.at(-1)?.ms).toBe(250);
  });

  it('asks the page to reload on reset and on a refused cursor, and forgets the cursors', () => {
    const h = setup();
    h.conn.start();
    const s = h.sockets[0] as FakeSocket;
    s.open();
    s.message({ type: 'event', channel: 'logs', cursor: 'L1', data: {} });
    s.message({ type: 'reset' });
    expect(h.resets()).toBe(1);
    expect(h.conn.cursorOf(1)).toBeUndefined();
    s.message({ type: 'event', channel: 'logs', cursor: 'L2', data: {} });
    s.drop(4400);
    expect(h.resets()).toBe(2);
    expect(h.conn.cursorOf(1)).toBeUndefined();
  });

  it('stops on 4401 (the session is over) and when stopped', () => {
    const h = setup();
    h.conn.start();
    (h.sockets[0] as FakeSocket).drop(4401);
    expect(h.statuses).toEqual(['unauthorized']);
    expect(h.timers).toEqual([]);
    const g = setup();
    g.conn.start();
    g.conn.stop();
    expect((g.sockets[0] as FakeSocket).closed).toBe(true);
    expect(g.timers).toEqual([]);
  });
});
