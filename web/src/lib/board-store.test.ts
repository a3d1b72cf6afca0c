// Live events applied to the loaded board: incidents move targets down and back, heartbeats refresh the last
// contact, the sweep marks overdue heartbeats late; paused and maintenance targets keep their state.
import { describe, expect, it } from 'vitest';
import type { Board, BoardTarget } from '../../../lib/board/wire.js';
import { BoardStore } from './board-store.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const target = (name: string, over: Partial<BoardTarget> = {}): BoardTarget => ({ id: name, name, kind: 'heartbeat', labels: {}, paused: false, state: 'up', heartbeatIntervalMs: 60_000, lastHeartbeatAt: NOW - 1000, strip: { from: 0, down: [] }, ...over });

function store(...targets: BoardTarget[]): BoardStore {
  const s = new BoardStore();
  const board: Board = { now: NOW, bucket: 'hour', bucketMs: 3_600_000, start: NOW - 89 * 3_600_000, counts: { up: 0, down: 0, late: 0, pending: 0, paused: 0, maintenance: 0, silenced: 0 }, targets };
  s.set(board);
  return s;
}
const incident = (target: string, state: string, id = 'i1', ts = NOW) => ({ kind: 'incident' as const, data: { target, ts, body: { incidentId: id, state, title: 'no ping', transition: state } } });
const ping = (target: string, ts = NOW) => ({ kind: 'heartbeat' as const, data: { target, ts, body: { status: 'ok' } } });
const stateOf = (s: BoardStore, name: string): string | undefined => s.board?.targets.find((t) => t.name === name)?.state;

describe('BoardStore', () => {
  it('moves a target down on an opened incident and up when it resolves', () => {
    const s = store(target('a'));
    expect(s.apply([incident('a', 'open')], NOW)).toBe(1);
    expect(stateOf(s, 'a')).toBe('down');
    expect(s.board?.targets[0]?.incident?.id).toBe('i1');
    expect(s.board?.targets[0]?.strip.down).toEqual([[89, 1]]);
    s.apply([incident('a', 'acknowledged')], NOW);
    expect(stateOf(s, 'a')).toBe('down');
    s.apply([incident('a', 'resolved', 'other')], NOW);
    expect(stateOf(s, 'a')).toBe('down');
    s.apply([incident('a', 'resolved')], NOW);
    expect(stateOf(s, 'a')).toBe('up');
  });

  it('keeps paused, maintenance and silenced states through events', () => {
    const s = store(target('p', { state: 'paused', paused: true }), target('m', { state: 'maintenance' }), target('q', { state: 'silenced', incident: { id: 'i1', status: 'open', title: 'x', openedAt: NOW } }));
    s.apply([incident('p', 'open'), incident('m', 'open'), incident('q', 'open'), ping('q')], NOW);
    expect([stateOf(s, 'p'), stateOf(s, 'm'), stateOf(s, 'q')]).toEqual(['paused', 'maintenance', 'silenced']);
  });

  it('marks a heartbeat late after its interval and up again on the next ping', () => {
    const s = store(target('h', { lastHeartbeatAt: NOW - 30_000 }), target('never', { lastHeartbeatAt: undefined, state: 'pending' }));
    expect(s.sweep(NOW)).toBe(0);
    expect(s.sweep(NOW + 31_000)).toBe(1);
    expect(stateOf(s, 'h')).toBe('late');
    s.apply([ping('h', NOW + 32_000), ping('never', NOW + 32_000)], NOW + 32_000);
    expect(stateOf(s, 'h')).toBe('up');
    expect(stateOf(s, 'never')).toBe('up');
    expect(s.apply([ping('unknown-target')], NOW)).toBe(0);
  });

  it('reports the targets live events and the sweep touched, once', () => {
    const s = store(target('a'), target('b'), target('c', { lastHeartbeatAt: NOW - 120_000 }));
    s.apply([incident('a', 'open'), ping('b'), ping('nobody')], NOW);
    expect([...s.takeTouched()].map((t) => t.name).sort()).toEqual(['a', 'b']);
    expect(s.takeTouched().size).toBe(0);
    s.sweep(NOW);
    expect([...s.takeTouched()].map((t) => t.name)).toEqual(['c']);
  });
});
