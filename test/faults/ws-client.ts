// A WebSocket client that behaves like a dashboard: subscribed to /ws/logs of one run, it records every event
// it receives, and when its connection drops it reconnects with `?since=<last cursor>` — to the next realtime
// replica (failover) or to the same one until it is back (sticky) — so the tests can check it missed nothing.
import WebSocket from 'ws';
import { sleep } from '../../lib/lifecycle/sleep.js';

export interface ReceivedEvent {
  id: string;
  target: string;
  seq: number;
  cursor: string;
}

export interface ResumingClientOptions {
  /** ws:// base URLs of the realtime replicas. */
  replicas: readonly string[];
  /** Index of the replica to connect to first. */
  first: number;
  /** On a drop: `failover` goes to the next replica, `sticky` keeps retrying the same one. */
  onDrop: 'failover' | 'sticky';
  token: string;
  /** Path and filters, e.g. `/ws/logs?label.run=x`. */
  path: string;
  label: string;
}


export class ResumingClient {
  readonly events: ReceivedEvent[] = [];
  /** Every other message (reset, lagged, error) with the replica it came from. */
  readonly notices: Array<{ at: number; replica: number; message: unknown }> = [];
  readonly connections: Array<{ at: number; replica: number; since: string | null }> = [];
  readonly drops: Array<{ at: number; replica: number; code: number; reason: string }> = [];
  private ws: WebSocket | undefined;
  private replica: number;
  private closed = false;
  private cursor: string | null = null;
  private reconnecting: Promise<void> | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly o: ResumingClientOptions) {
    this.replica = o.first % o.replicas.length;
  }

  static async open(o: ResumingClientOptions): Promise<ResumingClient> {
    const c = new ResumingClient(o);
    await c.connect(30_000);
    return c;
  }

  get label(): string {
    return this.o.label;
  }

  get lastCursor(): string | null {
    return this.cursor;
  }

  private url(): string {
    const base = `${this.o.replicas[this.replica]}${this.o.path}`;
    const sep = base.includes('?') ? '&' : '?';
    return `${base}${sep}token=${encodeURIComponent(this.o.token)}${this.cursor ? `&since=${this.cursor}` : ''}`;
  }

  /** Opens a connection, retrying until it is open or `timeoutMs` passes. */
  private async connect(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.closed) return;
      const ws = new WebSocket(this.url(), { perMessageDeflate: false });
      const since = this.cursor;
      // Listening before `open`: the server may send a resume's replay in the same read as the upgrade answer,
      // and `ws` emits those messages in the tick of `open`, before an awaiting caller could attach a listener.
      const closed = this.listen(ws);
      const ok = await new Promise<boolean>((resolve) => {
        ws.once('open', () => resolve(true));
        ws.once('error', () => resolve(false));
        void closed.then(() => resolve(false));
      });
      if (ok) {
        this.ws = ws;
        this.connections.push({ at: Date.now(), replica: this.replica, since });
        void closed.then(({ code, reason }) => this.dropped(ws, code, reason));
        await this.sync();
        return;
      }
      ws.terminate();
      if (Date.now() > deadline) throw new Error(`${this.o.label}: could not connect to ${this.o.replicas[this.replica]} within ${timeoutMs} ms`);
      if (this.o.onDrop === 'failover') this.replica = (this.replica + 1) % this.o.replicas.length;
      await sleep(100);
    }
  }

  /** Records every message of `ws`; resolves when it closes. */
  private listen(ws: WebSocket): Promise<{ code: number; reason: string }> {
    const replica = this.replica;
    ws.on('error', () => undefined);
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; cursor?: string; data?: { id: string; target: string; body?: { fields?: { seq?: number } } } };
      if (m.type === 'event' && m.data) {
        this.events.push({ id: m.data.id, target: m.data.target, seq: Number(m.data.body?.fields?.seq ?? -1), cursor: m.cursor ?? '' });
        this.cursor = m.cursor ?? this.cursor;
      } else if (m.type !== 'pong') {
        this.notices.push({ at: Date.now(), replica, message: m });
      }
      for (const w of [...this.waiters]) w();
    });
    return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  private dropped(ws: WebSocket, code: number, reason: string): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    this.drops.push({ at: Date.now(), replica: this.replica, code, reason });
    if (this.closed) return;
    if (this.o.onDrop === 'failover') this.replica = (this.replica + 1) % this.o.replicas.length;
    this.reconnecting = this.connect(120_000).catch((err: unknown) => {
      this.notices.push({ at: Date.now(), replica: this.replica, message: { type: 'reconnect_failed', error: String(err) } });
    });
  }

  /** A ping answered by a pong: the subscription is in place on the server. */
  private async sync(): Promise<void> {
    const ws = this.ws;
    if (!ws) return;
    const id = `sync-${Math.random()}`;
    const pong = new Promise<void>((resolve) => {
      const onMessage = (raw: WebSocket.RawData): void => {
        const m = JSON.parse(raw.toString()) as { type: string; id?: string };
        if (m.type === 'pong' && m.id === id) {
          ws.off('message', onMessage);
          resolve();
        }
      };
      ws.on('message', onMessage);
      ws.once('close', () => resolve());
    });
    ws.send(JSON.stringify({ type: 'ping', id }));
    await pong;
  }

  /** Waits until `cond` holds, re-checked on every message. */
  async until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (cond()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!cond()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.o.label}: ${what} not reached within ${timeoutMs} ms (${this.events.length} events, ${this.drops.length} drops, notices ${JSON.stringify(this.notices.slice(-3))})`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.ws?.terminate();
    await this.reconnecting;
  }
}
