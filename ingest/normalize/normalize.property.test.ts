// Property tests: normalize takes whatever a parser (or a gRPC client) hands it, junk types included, and
// never throws; every item is either an event or one rejection; every event obeys the envelope's bounds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DraftEvent } from '../../lib/events/event.js';
import { LOG_LEVELS } from '../../lib/events/event.js';
import { createIdGenerator } from '../../lib/events/ids.js';
import { DEFAULT_MIN_TS, DEFAULT_NORMALIZE_LIMITS, normalize } from './normalize.js';
import type { NormalizeItem } from './normalize.js';
import { toEpochMs } from './time.js';

const NOW = Date.UTC(2024, 0, 5, 12);
const L = { ...DEFAULT_NORMALIZE_LIMITS, maxLabels: 8, maxStringBytes: 256, maxFieldsBytes: 512 };

const junk = fc.oneof(fc.string({ maxLength: 300 }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.jsonValue({ maxDepth: 3 }));
const ts = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: 0, max: 2 ** 53 - 1 }),
  fc.double(),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 40 }),
  fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
);
const labels = fc.oneof(fc.constant(undefined), fc.dictionary(fc.string({ maxLength: 140 }), junk, { maxKeys: 12 }));
const draft: fc.Arbitrary<DraftEvent> = fc
  .record({
    kind: fc.oneof(fc.constantFrom('log', 'metric', 'security', 'heartbeat'), fc.constantFrom('log', 'metric', 'nope', '')),
    target: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 300 })),
    ts,
    labels,
    clientId: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 20 })),
    body: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 20, arbitrary: fc.record({
      level: fc.oneof(fc.constantFrom(...LOG_LEVELS), junk),
      message: junk,
      fields: fc.oneof(fc.jsonValue({ maxDepth: 4 }), junk),
      format: junk,
      name: junk,
      value: junk,
      type: junk,
      category: junk,
      severity: fc.oneof(fc.constantFrom('info', 'low', 'medium', 'high', 'critical'), junk),
      actor: junk,
      ip: junk,
      status: fc.oneof(fc.constantFrom('ok', 'start', 'fail'), junk),
      exitStatus: junk,
      log: junk,
    }) }),
  })
  .map((d) => d as unknown as DraftEvent);

describe('normalize (properties)', () => {
  it('never throws; each item is an event or exactly one rejection; events obey the bounds', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ index: fc.nat(50), draft }), { maxLength: 40 }), fc.option(fc.string({ maxLength: 10 }), { nil: undefined }), (items: NormalizeItem[], key) => {
        const r = normalize(items, { tenant: 't', receivedAt: NOW, ids: createIdGenerator(), ...(key === undefined ? {} : { idempotencyKey: key }) }, L);
        expect(r.events.length).toBe(r.eventIndexes.length);
        const rejected = new Set(r.rejected.map((x) => x.index));
        expect(rejected.size).toBe(r.rejected.length);
        const byIndex = new Map<number, number>();
        for (const it of items) byIndex.set(it.index, (byIndex.get(it.index) ?? 0) + 1);
        const accepted = new Map<number, number>();
        for (const i of r.eventIndexes) accepted.set(i, (accepted.get(i) ?? 0) + 1);
        for (const [index, n] of byIndex) expect((accepted.get(index) ?? 0) === n || rejected.has(index)).toBe(true);
        expect(new Set(r.events.map((e) => e.id)).size).toBe(r.events.length);
        for (const e of r.events) {
          expect(e.tenant).toBe('t');
          expect(e.ts).toBeGreaterThanOrEqual(DEFAULT_MIN_TS);
          expect(e.ts).toBeLessThanOrEqual(NOW + L.maxFutureSkewMs);
          expect(Number.isInteger(e.ts)).toBe(true);
          expect(Buffer.byteLength(e.target)).toBeLessThanOrEqual(L.maxTargetBytes);
          const names = Object.keys(e.labels);
          expect(names.length).toBeLessThanOrEqual(L.maxLabels);
          for (const n of names) {
            expect(n).toMatch(/^[A-Za-z_][A-Za-z0-9_.:/-]*$/);
            expect(typeof e.labels[n]).toBe('string');
          }
          if (e.kind === 'log') {
            expect(Buffer.byteLength(e.body.message)).toBeLessThanOrEqual(L.maxStringBytes);
            expect(LOG_LEVELS).toContain(e.body.level);
            expect(JSON.stringify(e.body.fields).length).toBeLessThanOrEqual(L.maxFieldsBytes * 2);
          }
          if (e.kind === 'metric') expect(Number.isFinite(e.body.value)).toBe(true);
          // The stream codec is JSON: every event must survive it unchanged.
          expect(JSON.parse(JSON.stringify(e))).toEqual(JSON.parse(JSON.stringify(e)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('toEpochMs never throws and gives null or an integer', () => {
    fc.assert(
      fc.property(fc.oneof(ts, fc.string({ maxLength: 10_000, size: 'max' })), (t) => {
        const ms = toEpochMs(t, NOW);
        expect(ms === null || Number.isInteger(ms)).toBe(true);
        // The work stays bounded by construction: past 64 characters (spaces trimmed) nothing is parsed.
        if (typeof t === 'string' && t.trim().length > 64) expect(ms).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('reads back any instant written in RFC 3339, at ms precision', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
        expect(toEpochMs(d.toISOString(), NOW)).toBe(d.getTime());
      }),
      { numRuns: 300 },
    );
  });
});
