// The board's data in the browser: loaded in one call (GET /api/board), then kept current by live events —
// incidents move targets to down/pending/up, heartbeats refresh the last contact, and a once-a-second sweep
// marks heartbeats past their interval late (the server's rule, lib/board/state.ts). Changes bump a version
// that the page reads after each animation frame's batch, never per event.
import { stateOf, type TargetState } from '../../../lib/board/state.js';
import type { Board, BoardTarget } from '../../../lib/board/wire.js';
import { get } from './api.js';

export interface IncidentEventData {
  target: string;
  ts: number;
  body: { incidentId: string; state: string; title: string; transition: string };
}

export interface HeartbeatEventData {
  target: string;
  ts: number;
  body: { status: string };
}

export class BoardStore {
  board: Board | null = null;
  version = 0;
  private byName = new Map<string, BoardTarget>();
  /** Targets a live event or the sweep changed since the last takeTouched(). */
  private touched = new Set<BoardTarget>();
  private readonly listeners = new Set<() => void>();

  subscribe(l: () => void): () => void {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  set(board: Board): void {
    this.board = board;
    this.byName = new Map(board.targets.map((t) => [t.name, t]));
    this.touched = new Set();
    this.changed();
  }

  /** The targets changed since the last call (state, last contact, incident), so a view re-places only them. */
  takeTouched(): Set<BoardTarget> {
    const out = this.touched;
    this.touched = new Set();
    return out;
  }

  async load(bucket: 'hour' | 'day', signal?: AbortSignal): Promise<void> {
    this.set(await get<Board>('/api/board', { bucket }, signal));
  }

  /** Applies a batch of live events; returns how many targets changed state. */
  apply(events: ReadonlyArray<{ kind: 'incident' | 'heartbeat'; data: unknown }>, now = Date.now()): number {
    let n = 0;
    for (const e of events) {
      if (e.kind === 'incident') n += this.applyIncident(e.data as IncidentEventData, now) ? 1 : 0;
      else n += this.applyHeartbeat(e.data as HeartbeatEventData, now) ? 1 : 0;
    }
    if (events.length > 0) this.changed();
    return n;
  }

  private setState(t: BoardTarget, s: TargetState): boolean {
    if (t.state === s) return false;
    t.state = s;
    return true;
  }

  private baseline(t: BoardTarget, now: number): TargetState {
    return stateOf({
      kind: t.kind,
      paused: t.paused,
      inMaintenance: t.state === 'maintenance',
      live: [],
      heartbeatIntervalMs: t.heartbeatIntervalMs,
      nextPingExpectedAt: t.nextPingExpectedAt,
      lastContactAt: t.heartbeatIntervalMs !== undefined || t.nextPingExpectedAt !== undefined ? t.lastHeartbeatAt : t.lastCheckAt,
      now,
    });
  }

  private markDowntime(t: BoardTarget, at: number): void {
    const b = this.board;
    if (!b) return;
    const i = Math.floor((at - b.start) / b.bucketMs);
    if (i < 0 || i >= 90) return;
    if (!t.strip.down.some(([k]) => k === i)) t.strip.down = ([...t.strip.down, [i, 1]] as Array<[number, number]>).sort((x, y) => x[0] - y[0]);
  }

  private applyIncident(e: IncidentEventData, now: number): boolean {
    const t = this.byName.get(e.target);
    if (!t) return false;
    this.touched.add(t);
    const held = t.state === 'paused' || t.state === 'maintenance';
    switch (e.body.state) {
      case 'open':
      case 'acknowledged':
        t.incident = { id: e.body.incidentId, status: e.body.state, title: e.body.title, openedAt: t.incident?.id === e.body.incidentId ? t.incident.openedAt : e.ts };
        this.markDowntime(t, e.ts);
        return held ? false : this.setState(t, t.state === 'silenced' ? 'silenced' : 'down');
      case 'pending':
        t.incident = { id: e.body.incidentId, status: 'pending', title: e.body.title, openedAt: e.ts };
        return held || t.state === 'down' ? false : this.setState(t, 'pending');
      case 'resolved':
        if (t.incident && t.incident.id !== e.body.incidentId) return false;
        delete t.incident;
        return held ? false : this.setState(t, this.baseline(t, now));
      default:
        return false;
    }
  }

  private applyHeartbeat(e: HeartbeatEventData, now: number): boolean {
    const t = this.byName.get(e.target);
    if (!t) return false;
    this.touched.add(t);
    if (t.lastHeartbeatAt === undefined || e.ts > t.lastHeartbeatAt) {
      t.lastHeartbeatAt = e.ts;
      // The server computed the next expected ping from the previous one; an interval moves with the ping, a
      // cron schedule's next time is the server's to say (the next board refresh), so up until then.
      if (t.heartbeatIntervalMs !== undefined) t.nextPingExpectedAt = e.ts + t.heartbeatIntervalMs;
      else if (t.nextPingExpectedAt !== undefined && t.nextPingExpectedAt <= e.ts) t.nextPingExpectedAt = Number.MAX_SAFE_INTEGER;
    }
    if (t.incident || t.state === 'paused' || t.state === 'maintenance' || t.state === 'silenced') return false;
    return this.setState(t, this.baseline(t, now));
  }

  /** Heartbeats past their interval become late without an event; run once a second. */
  sweep(now = Date.now()): number {
    if (!this.board) return 0;
    let n = 0;
    for (const t of this.board.targets) {
      if (t.heartbeatIntervalMs === undefined || t.lastHeartbeatAt === undefined || t.state !== 'up') continue;
      if (now > t.lastHeartbeatAt + t.heartbeatIntervalMs && this.setState(t, 'late')) {
        this.touched.add(t);
        n++;
      }
    }
    if (n > 0) this.changed();
    return n;
  }
}
