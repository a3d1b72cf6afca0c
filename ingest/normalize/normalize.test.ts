import { describe, expect, it } from 'vitest';
import type { DraftEvent } from '../../lib/events/event.js';
import { createIdGenerator, derivedId, idTime } from '../../lib/events/ids.js';
import { runStepsCooperatively } from '../../lib/lifecycle/steps.js';
import { DEFAULT_NORMALIZE_LIMITS, normalize, normalizeSteps } from './normalize.js';
import type { NormalizeContext, NormalizeItem } from './normalize.js';

const NOW = 1_704_448_800_000;
const ctx = (extra: Partial<NormalizeContext> = {}): NormalizeContext => ({ tenant: 'acme', receivedAt: NOW, ids: createIdGenerator(), ...extra });
const log = (extra: Partial<DraftEvent> = {}, body: Record<string, unknown> = {}): DraftEvent => ({ kind: 'log', ...extra, body: { level: 'info', message: 'm', fields: {}, format: 'json', ...body } }) as DraftEvent;
const items = (...drafts: DraftEvent[]): NormalizeItem[] => drafts.map((draft, index) => ({ index, draft }));
const L = DEFAULT_NORMALIZE_LIMITS;

describe('normalize', () => {
  it('builds the canonical envelope: tenant from the context, ts in ms, target defaulted', () => {
    const r = normalize(items(log({ ts: '2024-01-05T09:59:00Z' })), ctx(), L);
    expect(r.rejected).toEqual([]);
    expect(r.eventIndexes).toEqual([0]);
    expect(r.events[0]).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/) as string,
      tenant: 'acme',
      kind: 'log',
      target: 'unknown',
      ts: NOW - 60_000,
      receivedAt: NOW,
      labels: {},
      body: { level: 'info', message: 'm', fields: {}, format: 'json' },
    });
    expect(normalize(items(log()), ctx({ defaultTarget: 'web-1' }), L).events[0]?.target).toBe('web-1');
  });

  it('clamps a time too far in the future and flags it; keeps one within the skew', () => {
    const r = normalize(items(log({ ts: NOW + 6 * 60_000 }), log({ ts: NOW + 4 * 60_000 })), ctx(), L);
    expect(r.events.map((e) => [e.ts, e.flags])).toEqual([
      [NOW, ['ts_clamped']],
      [NOW + 4 * 60_000, undefined],
    ]);
  });

  it('rejects unreadable and absurdly old times, saying why', () => {
    const r = normalize(items(log({ ts: 'soon' }), log({ ts: 5 }), log()), ctx(), L);
    expect(r.rejected).toEqual([
      { index: 0, error: 'ts "soon" is not a timestamp (epoch s/ms/µs/ns or RFC 3339)' },
      { index: 1, error: 'ts 5 is before 2000-01-01T00:00:00.000Z' },
    ]);
    expect(r.eventIndexes).toEqual([2]);
  });

  it('coerces label values to strings and sanitizes names', () => {
    const r = normalize(items(log({ labels: { code: 200, ok: true, 'app.kubernetes.io/name': 'x', 'bad name!': 'v', '9lives': 'c', gone: null, obj: { a: 1 } } })), ctx(), L);
    expect(r.events[0]?.labels).toEqual({ code: '200', ok: 'true', 'app.kubernetes.io/name': 'x', bad_name_: 'v', _9lives: 'c', obj: '{"a":1}' });
  });

  it('rejects too many labels, too-long names and values, saying how many', () => {
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, 'v']));
    const r = normalize(items(log({ labels: many }), log({ labels: { ['n'.repeat(129)]: 'v' } }), log({ labels: { a: 'é'.repeat(600) } }), log({ labels: { ['__proto__']: 'x' } })), ctx(), L);
    expect(r.rejected.map((x) => x.error)).toEqual([
      '33 labels, at most 32',
      expect.stringMatching(/label name "n{40}…" is longer than 128 bytes/) as string,
      'label a has a value longer than 1024 bytes',
      'label name __proto__ is reserved',
    ]);
  });

  it('checks targets', () => {
    const r = normalize(items(log({ target: 'x'.repeat(257) }), log({ target: 'a\nb' }), log({ target: '  web-1 ' })), ctx(), L);
    expect(r.rejected.map((x) => x.index)).toEqual([0, 1]);
    expect(r.events[0]?.target).toBe('web-1');
  });

  it('cuts long messages on a character boundary and flags them', () => {
    const r = normalize(items(log({}, { message: `${'a'.repeat(99)}é` })), ctx(), { ...L, maxStringBytes: 100 });
    expect(r.events[0]?.body).toMatchObject({ message: 'a'.repeat(99) });
    expect(r.events[0]?.flags).toEqual(['message_truncated']);
  });

  it('drops trailing fields past the size bound and flags it; unknown levels become unknown', () => {
    const fields = { a: 'x'.repeat(50), b: 'y'.repeat(50), c: 1 };
    const r = normalize(items(log({}, { fields, level: 'loud' })), ctx(), { ...L, maxFieldsBytes: 80 });
    expect(r.events[0]?.body).toMatchObject({ level: 'unknown', fields: { a: 'x'.repeat(50), c: 1 } });
    expect(r.events[0]?.flags).toEqual(['fields_truncated']);
  });

  it('gives the same events in slices as in one go, a log of 5 000 fields included', async () => {
    const many = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i % 7 === 0 ? 'z'.repeat(40) : i]));
    const batch = items(log({}, { fields: many, message: 'm'.repeat(200) }), log({}, { fields: { a: 1 } }), log({ ts: 'nope' }, { fields: many }));
    const limits = { ...L, maxFieldsBytes: 4_000, maxStringBytes: 100 };
    const fixed = (): NormalizeContext => ctx({ idempotencyKey: 'k' });
    const sliced = await runStepsCooperatively(normalizeSteps(batch, fixed(), limits), 0);
    expect(sliced).toEqual(normalize(batch, fixed(), limits));
    expect(sliced.events[0]?.flags).toEqual(['message_truncated', 'fields_truncated']);
    expect(sliced.rejected).toHaveLength(1);
  });

  it('validates metric, security and heartbeat bodies', () => {
    const drafts: DraftEvent[] = [
      { kind: 'metric', body: { name: 'x', value: Infinity, type: 'gauge' } },
      { kind: 'metric', body: { name: '', value: 1, type: 'gauge' } },
      { kind: 'metric', body: { name: 'y', value: 1, type: 'weird' as 'gauge' } },
      { kind: 'security', body: { category: 'auth', severity: 'extreme' as 'high' } },
      { kind: 'heartbeat', body: { status: 'ok', exitStatus: 999 } },
      { kind: 'heartbeat', body: { status: 'fail', log: 'z'.repeat(20_000) } },
    ];
    const r = normalize(items(...drafts), ctx(), L);
    expect(r.rejected.map((x) => x.index)).toEqual([0, 1, 3, 4]);
    expect(r.events.map((e) => [e.kind, e.flags])).toEqual([
      ['metric', undefined],
      ['heartbeat', ['log_truncated']],
    ]);
    expect(r.events[0]?.body).toEqual({ name: 'y', value: 1, type: 'untyped' });
  });

  it('carries parse-time flags into the event', () => {
    const r = normalize([{ index: 0, draft: log(), flags: ['log_truncated'] }], ctx(), L);
    expect(r.events[0]?.flags).toEqual(['log_truncated']);
  });
});

describe('ids', () => {
  it('are time-ordered and distinct without a client id or key', () => {
    const r = normalize(items(log(), log(), log()), ctx(), L);
    const ids = r.events.map((e) => e.id);
    expect(new Set(ids).size).toBe(3);
    expect([...ids].sort()).toEqual(ids);
    expect(idTime(ids[0] as string)).toBe(NOW);
  });

  it('derive from the client id, so a retry maps to the same ids', () => {
    const draft = log({ ts: NOW - 1000, clientId: 'c-1' });
    const a = normalize(items(draft), ctx(), L).events[0]?.id;
    const b = normalize(items(draft), ctx({ receivedAt: NOW + 5000 }), L).events[0]?.id;
    expect(a).toBe(derivedId(NOW - 1000, 'acme', 'c-1'));
    expect(b).toBe(a);
    expect(normalize(items(draft), ctx({ tenant: 'other' }), L).events[0]?.id).not.toBe(a);
  });

  it('derive from the idempotency key and the item index, distinct for several drafts of one item', () => {
    const its: NormalizeItem[] = [
      { index: 0, draft: log({ ts: NOW }) },
      { index: 1, draft: log({ ts: NOW }) },
      { index: 1, draft: log({ ts: NOW }) },
    ];
    const ids = normalize(its, ctx({ idempotencyKey: 'k' }), L).events.map((e) => e.id);
    expect(ids[0]).toBe(derivedId(NOW, 'acme', 'k', '0'));
    expect(ids[1]).toBe(derivedId(NOW, 'acme', 'k', '1'));
    expect(ids[2]).toBe(derivedId(NOW, 'acme', 'k', '1.1'));
    expect(normalize(its, ctx({ idempotencyKey: 'k' }), L).events.map((e) => e.id)).toEqual(ids);
  });

  it('stay distinct when items come out of order', () => {
    const its: NormalizeItem[] = [2, 1, 2, 1].map((index) => ({ index, draft: log({ ts: NOW }) }));
    const ids = normalize(its, ctx({ idempotencyKey: 'k' }), L).events.map((e) => e.id);
    expect(new Set(ids).size).toBe(4);
  });

  it('list one rejection per item even when several of its drafts fail', () => {
    const its: NormalizeItem[] = [0, 0, 0].map((index) => ({ index, draft: log({ ts: 'bad' }) }));
    expect(normalize(its, ctx(), L).rejected).toHaveLength(1);
  });
});
