// Property tests: no input, however hostile, makes a parser throw anything but a LightwatchError of the
// request kind (never `internal`), and every call returns within a time bound (no catastrophic
// backtracking, no quadratic loops on adversarial lines).
import fc from 'fast-check';
import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { LightwatchError } from '../../lib/errors/errors.js';
import { WriteRequest } from '../../proto/gen/compat/prometheus/remote.js';
import { decodeBody, snappyUncompress } from './decode.js';
import { parseBulk } from './elasticsearch.js';
import { INGEST_ENDPOINTS, parsePayload } from './index.js';
import type { IngestEndpoint } from './index.js';
import { findTooDeep, locateJsonError, tryParseJson } from './json.js';
import { levelInLine } from './levels.js';
import { parseLabelSet } from './loki.js';
import { parseNativeBody } from './native.js';
import { parseAccessLog } from './text/access.js';
import { parseLogfmt } from './text/logfmt.js';
import { parsePlain } from './text/plain.js';
import { parseRfc3164, parseRfc5424 } from './text/syslog.js';
import { detectLine, parseTextBody } from './text/text.js';

const RUNS = 200;
const MAX_LEN = 10_000;
/** Per call. Linear parsers take well under a millisecond for 10k chars; backtracking would take seconds. */
const MAX_MS = 250;
const NOW = Date.UTC(2024, 0, 5, 12);
const LIMITS = { maxItems: 5000, maxDepth: 32, maxLineBytes: 64 * 1024 };

/** Runs `fn`; a throw must be a request-level LightwatchError; the call must be fast. */
function safely(fn: () => unknown): void {
  const t = performance.now();
  try {
    fn();
  } catch (err) {
    if (!(err instanceof LightwatchError) || err.code === 'internal') throw err;
    expect(err.httpStatus).toBeGreaterThanOrEqual(400);
    expect(err.httpStatus).toBeLessThan(500);
  }
  const ms = performance.now() - t;
  if (ms > MAX_MS) throw new Error(`took ${ms.toFixed(0)} ms`);
}

// Alphabets that reach deep into the parsers, where uniform random text would stop at the first check.
const TOKENS = ['<', '>', '<34>', '<165>1 ', '1', '0', ' ', '  ', '[', ']', '"', '\\', '\\"', '=', ':', '-', '/', '.', ',', '{', '}', '{"', '":', 'Jan', 'Oct  5', ' 10:00:01', '2024-01-05T10:00:00Z', '2024-01-05 ', 'T', 'Z', '+01:00', 'host', 'sshd[12]:', 'level=', 'msg=', 'ERROR', 'warn', '\n', '\r\n', '\ufeff', 'é', '😀', '\u0000', 'GET / HTTP/1.1', '200', '-0700', '10/Oct/2000:13:55:36 ', 'null', 'true', '1e9', '__proto__'];
const tokenText = fc.array(fc.constantFrom(...TOKENS), { maxLength: 400 }).map((a) => a.join(''));
// `size: 'max'` makes lengths spread up to MAX_LEN instead of staying small.
const anyText = fc.oneof(
  fc.string({ maxLength: MAX_LEN }),
  fc.string({ maxLength: MAX_LEN, size: 'max' }),
  fc.string({ unit: 'binary', maxLength: MAX_LEN, size: 'max' }),
  tokenText,
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 3000, size: 'max' }).map((a) => a.join('')),
);
const anyBytes = fc.oneof(fc.uint8Array({ maxLength: MAX_LEN, size: 'max' }).map((a) => Buffer.from(a)), anyText.map((s) => Buffer.from(s)));
/** Valid JSON, and JSON with one character changed: malformed in every place a real typo can be. */
const jsonText = fc.oneof(
  fc.json({ maxDepth: 6 }),
  fc.tuple(fc.json({ maxDepth: 6 }), fc.nat(), fc.constantFrom(...TOKENS)).map(([s, at, c]) => s.slice(0, at % (s.length + 1)) + c + s.slice((at % (s.length + 1)) + 1)),
);

const CONTENT_TYPES = ['', 'application/json', 'application/x-ndjson', 'text/plain', 'application/x-protobuf', 'text/plain; charset=utf-8', 'application/x-protobuf;proto=prometheus.WriteRequest', 'image/png'];

describe('every endpoint, any body', () => {
  it('parsePayload never throws anything but a 4xx LightwatchError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...INGEST_ENDPOINTS), fc.constantFrom(...CONTENT_TYPES), fc.oneof(anyBytes, jsonText.map((s) => Buffer.from(s))), fc.constantFrom<Record<string, string>>({}, { format: 'syslog' }, { format: 'json' }, { target: 'x' }), (endpoint: IngestEndpoint, contentType, body, params) => {
        safely(() => parsePayload({ endpoint, contentType, body, params, now: NOW, suffix: '', target: 't', method: 'POST' }, LIMITS));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('parsed items always have an index within the request and a known kind', () => {
    fc.assert(
      fc.property(fc.constantFrom<IngestEndpoint>('logs', 'metrics', 'events', 'heartbeats'), jsonText, (endpoint, text) => {
        try {
          const r = parsePayload({ endpoint, contentType: 'application/json', body: Buffer.from(text), params: {}, now: NOW }, LIMITS);
          for (const it of r.items) {
            expect(it.index).toBeGreaterThanOrEqual(0);
            expect(['log', 'metric', 'security', 'heartbeat']).toContain(it.draft.kind);
          }
          for (const rej of r.rejected) expect(typeof rej.error).toBe('string');
        } catch (err) {
          expect(err).toBeInstanceOf(LightwatchError);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('line parsers', () => {
  const lineParsers: [string, (s: string) => unknown][] = [
    ['rfc5424', parseRfc5424],
    ['rfc3164', (s) => parseRfc3164(s, NOW)],
    ['access', parseAccessLog],
    ['logfmt', parseLogfmt],
    ['plain', parsePlain],
    ['detect', (s) => detectLine(s, NOW)],
    ['labelset', parseLabelSet],
    ['levelInLine', levelInLine],
  ];
  for (const [name, parse] of lineParsers) {
    it(`${name}: never throws, stays fast`, () => {
      fc.assert(
        fc.property(anyText, (s) => {
          const t = performance.now();
          parse(s);
          expect(performance.now() - t).toBeLessThan(MAX_MS);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('stay linear on adversarial lines', () => {
    const n = 200_000;
    const evil = ['<1>' + ' '.repeat(n), '['.repeat(n), '"'.repeat(n), '\\'.repeat(n) + '"', 'a="'.repeat(n / 3), '=' + 'a'.repeat(n), 'x [' + '"\\'.repeat(n / 2), 'Jan  5 10:00:01 ' + 'h'.repeat(n), 'level'.repeat(n / 5), '{a="' + '\\'.repeat(n), '<165>1 - - - - - ' + '[x a="'.repeat(n / 6)];
    for (const s of evil) {
      for (const [, parse] of lineParsers) {
        const t = performance.now();
        parse(s);
        expect(performance.now() - t).toBeLessThan(MAX_MS * 2);
      }
    }
  });

  it('text bodies of any content never throw past the request level', () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom(undefined, 'auto', 'rfc3164', 'clf', 'logfmt', 'json', 'plain'), (s, format) => {
        safely(() => parseTextBody(s, { format, maxItems: 5000, maxDepth: 32, maxLineBytes: 4096, now: NOW }));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('JSON reading', () => {
  it('locateJsonError finds an error exactly when JSON.parse does', () => {
    fc.assert(
      fc.property(jsonText, (s) => {
        let valid = true;
        try {
          JSON.parse(s);
        } catch {
          valid = false;
        }
        expect(locateJsonError(s) === null).toBe(valid);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('findTooDeep agrees with the real nesting depth of valid JSON', () => {
    const depthOf = (v: unknown): number => (typeof v === 'object' && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0);
    fc.assert(
      fc.property(fc.json({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (s, limit) => {
        const depth = depthOf(JSON.parse(s));
        expect(findTooDeep(s, limit) === -1).toBe(depth <= limit);
        expect(tryParseJson(s, limit).ok).toBe(depth <= limit);
      }),
      { numRuns: RUNS },
    );
  });

  it('past the pre-scanned prefix, the depth is still checked exactly and the error says where', () => {
    const depthOf = (v: unknown): number => (typeof v === 'object' && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0);
    const pad = `"${'x'.repeat(5000)}"`;
    fc.assert(
      fc.property(fc.json({ maxDepth: 8 }), fc.integer({ min: 1, max: 10 }), fc.boolean(), (s, limit, broken) => {
        // Long enough that the nesting is found after parsing, not by the scan before it.
        const text = `[${pad},${s}${broken ? ',' : ''}]`;
        const depth = 1 + depthOf(JSON.parse(s));
        const r = tryParseJson(text, limit);
        const deep = findTooDeep(text, limit);
        expect(deep === -1).toBe(depth <= limit);
        if (deep !== -1) expect(r).toEqual({ ok: false, problem: { offset: deep, message: `nested deeper than ${limit} levels` } });
        else if (broken) expect(r).toEqual({ ok: false, problem: locateJsonError(text) });
        else expect(r.ok).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('native bodies and bulk bodies never throw past the request level', () => {
    const ndjson = fc.array(jsonText, { maxLength: 30 }).map((a) => a.join('\n'));
    fc.assert(
      fc.property(fc.oneof(ndjson, anyText), fc.constantFrom<'metric' | 'log' | 'security' | 'heartbeat'>('metric', 'log', 'security', 'heartbeat'), (s, kind) => {
        safely(() => parseNativeBody(kind, s, { maxItems: 5000, maxDepth: 32 }, ['items']));
        safely(() => parseBulk(s, { maxItems: 5000, maxDepth: 32 }));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('body decoding', () => {
  it('decodeBody never throws past the request level, and never returns more than the limit', () => {
    fc.assert(
      fc.property(anyBytes, fc.constantFrom('', 'gzip', 'deflate', 'snappy', 'br', 'gzip, snappy'), fc.integer({ min: 0, max: 20_000 }), (body, enc, max) => {
        safely(() => {
          const out = decodeBody(body, enc, max);
          expect(out.length).toBeLessThanOrEqual(max);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('snappy: decodes whatever snappyjs encodes, and corrupted streams only ever give bad_snappy', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_LEN }), fc.nat(), fc.integer({ min: 0, max: 255 }), (data, at, byte) => {
        const compressed = Buffer.from(snappy.compress(Buffer.from(data)));
        expect(snappyUncompress(compressed, MAX_LEN).equals(Buffer.from(data))).toBe(true);
        const corrupt = Buffer.from(compressed);
        if (corrupt.length > 0) corrupt[at % corrupt.length] = byte;
        safely(() => snappyUncompress(corrupt, MAX_LEN));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('protobuf', () => {
  it('remote_write: every sample lands in a series (NaN and stale markers kept) or is rejected with its series', () => {
    const sample = fc.record({ value: fc.oneof(fc.double(), fc.constant(NaN)), timestamp: fc.integer({ min: 0, max: 2 ** 50 }).map(String) });
    const series = fc.record({
      labels: fc.array(fc.record({ name: fc.constantFrom('__name__', 'job', 'instance', 'le', 'x'), value: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('up', 'node_cpu_seconds_total')) }), { maxLength: 5 }),
      samples: fc.array(sample, { maxLength: 10 }),
      exemplars: fc.constant<never[]>([]),
      histograms: fc.constant<never[]>([]),
    });
    fc.assert(
      fc.property(fc.array(series, { maxLength: 20 }), (timeseries) => {
        const body = Buffer.from(WriteRequest.encode({ timeseries, metadata: [] }).finish());
        const r = parsePayload({ endpoint: 'prometheus', contentType: 'application/x-protobuf', body, params: {}, now: NOW }, LIMITS);
        const total = timeseries.reduce((n, s) => n + s.samples.length, 0);
        const kept = (r.series ?? []).reduce((n, s) => n + s.timestamps.length, 0);
        expect(r.items).toEqual([]);
        expect(kept + r.rejected.length).toBe(total);
        const nanIn = timeseries.reduce((n, s) => n + s.samples.filter((x) => Number.isNaN(x.value)).length, 0);
        const nanKept = (r.series ?? []).reduce((n, s) => n + Array.from(s.values).filter((v) => Number.isNaN(v)).length, 0);
        expect(nanKept).toBeLessThanOrEqual(nanIn);
        for (const s of r.series ?? []) expect(s.labels.__name__).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
      }),
      { numRuns: RUNS },
    );
  });
});
