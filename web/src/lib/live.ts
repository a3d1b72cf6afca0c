// The live connection: one WebSocket to /ws carrying the page's subscriptions. It remembers the cursor of
// the last event of each subscription; after a drop it reconnects with backoff and resubscribes with
// `since` = that cursor, so the events missed meanwhile arrive first (catch-up). When the server cannot
// resume (`reset`, or `lagged` past what it kept) the page is told to reload its data. Transport and timers
// are injected so the logic is tested without a browser.

export interface Subscription {
  channel: string;
  filter?: Record<string, string>;
}

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface LiveOptions {
  /** The URL to connect to (token included). */
  url: () => string;
  subscriptions: Subscription[];
  onEvents: (events: Array<{ sub: number; data: unknown }>) => void;
  /** The server cannot replay what was missed: reload the data, then live events continue. */
  onReset: () => void;
  onStatus: (s: LiveStatus) => void;
  socket?: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
  /** Batch delivery (default: one animation frame); tests pass a synchronous scheduler. */
  schedule?: (fn: () => void) => void;
  random?: () => number;
}

interface ServerMessage {
  type: string;
  channel?: string;
  cursor?: string;
  data?: unknown;
  id?: number;
  code?: string;
  message?: string;
}

export const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 5000];

export class LiveConnection {
  private socket: SocketLike | null = null;
  private readonly cursors: Array<string | undefined>;
  private attempt = 0;
  private timer: unknown = null;
  private stopped = false;
  private queue: Array<{ sub: number; data: unknown }> = [];
  private flushing = false;
  private status: LiveStatus = 'connecting';

  constructor(private readonly o: LiveOptions) {
    this.cursors = o.subscriptions.map(() => undefined);
  }

  /** The cursor each subscription would resume from (tests and diagnostics). */
  cursorOf(sub: number): string | undefined {
    return this.cursors[sub];
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) (this.o.clearTimer ?? clearTimeout)(this.timer as ReturnType<typeof setTimeout>);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close(1000, 'page closed');
    }
  }

  private setStatus(s: LiveStatus): void {
    if (s === this.status) return;
    this.status = s;
    this.o.onStatus(s);
  }

  private connect(): void {
    const make = this.o.socket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    const s = make(this.o.url());
    this.socket = s;
    s.onopen = () => {
      this.o.subscriptions.forEach((sub, i) => {
        const msg: Record<string, unknown> = { type: 'subscribe', channel: sub.channel, id: i };
        if (sub.filter && Object.keys(sub.filter).length > 0) msg.filter = sub.filter;
        const since = this.cursors[i];
        if (since) msg.since = since;
        s.send(JSON.stringify(msg));
      });
      this.attempt = 0;
      this.setStatus('live');
    };
    s.onmessage = (ev) => this.receive(ev.data);
    s.onerror = () => {
      /* onclose follows */
    };
    s.onclose = (ev) => {
      if (this.socket !== s) return;
      this.socket = null;
      if (this.stopped) return;
      if (ev.code === 4401 || ev.code === 4403) {
        this.setStatus('unauthorized');
        return;
      }
      if (ev.code === 4400) {
        // A cursor the server no longer accepts: start over from now and let the page reload.
        this.cursors.fill(undefined);
        this.o.onReset();
      }
      this.setStatus('reconnecting');
      const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] as number;
      this.attempt++;
      const delay = base / 2 + (this.o.random ?? Math.random)() * (base / 2);
      this.timer = (this.o.setTimer ?? setTimeout)(() => {
        this.timer = null;
        if (!this.stopped) this.connect();
      }, delay);
    };
  }

  private subOf(channel: string | undefined, id: number | undefined): number {
    if (id !== undefined && id >= 0 && id < this.o.subscriptions.length) return id;
    const i = this.o.subscriptions.findIndex((s) => s.channel === channel || (channel === 'targets' && s.channel.startsWith('targets/')));
    return i;
  }

  private receive(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let m: ServerMessage;
    try {
      m = JSON.parse(raw) as ServerMessage;
    } catch {
      return;
    }
    switch (m.type) {
      case 'event': {
        const sub = this.subOf(m.channel, undefined);
        if (sub < 0) return;
        if (m.cursor) {
          // Every subscription of the same channel has seen up to here.
          this.o.subscriptions.forEach((s, i) => {
            if (s.channel === this.o.subscriptions[sub]?.channel) this.cursors[i] = m.cursor;
          });
        }
        this.queue.push({ sub, data: m.data });
        this.scheduleFlush();
        return;
      }
      case 'lagged':
        // Events were dropped for this slow client: whatever the page shows may be stale.
        if (m.cursor) this.cursors.fill(m.cursor);
        this.o.onReset();
        return;
      case 'reset':
        this.cursors.fill(undefined);
        this.o.onReset();
        return;
      default:
        return;
    }
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = true;
    const run = (): void => {
      this.flushing = false;
      const batch = this.queue;
      this.queue = [];
      if (batch.length > 0) this.o.onEvents(batch);
    };
    // A hidden tab gets no animation frames: deliver on a timer there so the queue stays bounded.
    (this.o.schedule ?? ((fn: () => void) => (document.hidden ? setTimeout(fn, 200) : requestAnimationFrame(() => fn()))))(run);
  }
}

/** The WebSocket URL of this origin for `/ws` with the session's token. */
export function wsUrl(token: string): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/ws?token=${encodeURIComponent(token)}`;
}
