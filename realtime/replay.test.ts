// The retention verdict of a replay page: trimmed or deleted entries after a position are a gap, never silence.
import { describe, expect, it } from 'vitest';
import { WHOLE } from './cursor.js';
import { pageVerdict, rangeStart, type Position, type StreamPage } from './replay.js';

const page = (p: Partial<StreamPage>): StreamPage => ({ exists: true, length: 3, entriesAdded: 3, firstId: [10, 0], maxDeleted: [0, 0], lastGenerated: [30, 0], entries: [], ...p });
const at = (ms: number, seq = 0, idx = WHOLE): Position => ({ ms, seq, idx });

describe('pageVerdict', () => {
  it.each([
    ['nothing ever removed', at(20), page({}), 'ok'],
    ['a missing stream at the start', at(0), page({ exists: false }), 'ok'],
    ['a missing stream after the start', at(20), page({ exists: false }), 'gap'],
    ['a position past the last id', at(31), page({}), 'ahead'],
    ['trimmed before the position', at(20), page({ length: 2, entriesAdded: 5, firstId: [15, 0] }), 'ok'],
    ['trimmed up to the partly passed entry itself', at(15, 0, 2), page({ length: 2, entriesAdded: 5, firstId: [15, 0] }), 'ok'],
    ['trimmed past the position', at(20), page({ length: 1, entriesAdded: 5, firstId: [30, 0] }), 'gap'],
    ['trimmed to empty after the position', at(20), page({ length: 0, entriesAdded: 5, firstId: [0, 0] }), 'gap'],
    ['trimmed to empty at the position', at(30), page({ length: 0, entriesAdded: 5, firstId: [0, 0] }), 'ok'],
    ['anything removed when the client saw nothing', at(0), page({ length: 2, entriesAdded: 3 }), 'gap'],
    ['an XDEL after the position', at(20), page({ length: 2, maxDeleted: [25, 0] }), 'gap'],
    ['an XDEL of the partly passed entry', at(20, 0, 1), page({ length: 2, maxDeleted: [20, 0] }), 'gap'],
    ['an XDEL of the whole passed entry', at(20, 0), page({ length: 2, maxDeleted: [20, 0] }), 'ok'],
    ['an XDEL before the position', at(20), page({ length: 2, maxDeleted: [12, 0] }), 'ok'],
  ] as const)('%s → %s', (_name, from, p, verdict) => {
    expect(pageVerdict(from, p)).toBe(verdict);
  });

  it('starts ranges inclusively only for a partly passed entry', () => {
    expect(rangeStart(at(5, 1))).toBe('(5-1');
    expect(rangeStart(at(5, 1, 2))).toBe('5-1');
  });
});
