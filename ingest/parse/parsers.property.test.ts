// Property tests: no input, however hostile, makes a parser throw anything but a LightwatchError of the
// request kind (never `internal`), and the work of every call is linear in its input: no quadratic loops on
// adversarial lines, no regex given a whole line (where backtracking could be catastrophic). Work is counted in
// steps (test/support/work.ts), not timed: a time budget failed on a loaded machine, a count does not, and
// each bound is shown to fail on a quadratic parser. How fast the parsers are is bench/parse.bench.ts's.
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
import { parseNativeBody } from './native.js';
import { parseTextBody } from './text/text.js';
import { ADVERSARIAL_LINES, lineParsers } from '../../test/support/adversarial-lines.js';
import { createWorkCounter, type WorkCounter } from '../../test/support/work.js';

const RUNS = 200;
const MAX_LEN = 10_000;
const NOW = Date.UTC(2024, 0, 5, 12);
const LIMITS = { maxItems: 5000, maxDepth: 32, maxLineBytes: 64 * 1024 };

/**
 * The most built-in work (steps of test/support/work.ts) a call may do on `size` characters or bytes. The
 * parsers take up to ~8 per character on bodies of 500 characters or more and a few hundred on tiny ones (3,000
 * property runs); a loop rescanning its input takes thousands per character at 10k characters (see 'the bounds
 * catch quadratic parsers'), far past this.
 */
const maxSteps = (size: number): number => 64 * size + 16_384;
/** Regexes run only on short fields (a timestamp, a header parameter); one given a whole line could backtrack. */
const MAX_REGEX_INPUT = 256;

const counter = createWorkCounter();

/** Why a call's work is out of bounds, or null. */
function excess(work: { steps: number; regexInputs: readonly number[] }, size: number): string | null {
  if (work.steps > maxSteps(size)) return `${work.steps} steps on ${size} characters (at most ${maxSteps(size)})`;
  const longest = Math.max(0, ...work.regexInputs);
  if (longest > MAX_REGEX_INPUT) return `a regex ran on ${longest} characters (at most ${MAX_REGEX_INPUT})`;
  return null;
}

/** Runs `fn` on an input of `size`; a throw must be a request-level LightwatchError; the work must be linear. */
function safely(size: number, fn: () => unknown): void {
  const work = counter.count(fn);
  if (!work.outcome.ok) {
    const err = work.outcome.error;
    if (!(err instanceof LightwatchError) || err.code === 'internal') throw err;
    expect(err.httpStatus).toBeGreaterThanOrEqual(400);
    expect(err.httpStatus).toBeLessThan(500);
  }
  const problem = excess(work, size);
  if (problem !== null) throw new Error(problem);
}

/**
 * How a parser's work grows when its input doubles: steps(2n) / steps(n), with every executed block of the
 * project's code counted (blocks: true), so a nested loop over `s[i]` is seen as well as a rescanning indexOf.
 * Linear is 2; quadratic 4.
 */
function growth(blocks: WorkCounter, parse: (s: string) => unknown, line: (n: number) => string, n: number): number {
  const once = blocks.count(() => parse(line(n))).steps;
  const twice = blocks.count(() => parse(line(2 * n))).steps;
  return twice / Math.max(1, once);
}
const MAX_GROWTH = 2.5;

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
        safely(body.length, () => parsePayload({ endpoint, contentType, body, params, now: NOW, suffix: '', target: 't', method: 'POST' }, LIMITS));
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
  for (const [name, parse] of lineParsers(NOW)) {
    it(`${name}: never throws, stays linear`, () => {
      fc.assert(
        fc.property(anyText, (s) => {
          const work = counter.count(() => parse(s));
          if (!work.outcome.ok) throw work.outcome.error;
          expect(excess(work, s.length)).toBeNull();
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('stay linear on adversarial lines', () => {
    const blocks = createWorkCounter({ blocks: true });
    try {
      for (const [family, line] of ADVERSARIAL_LINES) {
        for (const [name, parse] of lineParsers(NOW)) expect(growth(blocks, parse, line, 10_000), `${name} on ${family}`).toBeLessThanOrEqual(MAX_GROWTH);
      }
    } finally {
      blocks.close();
    }
  }, 120_000);

  it('the bounds catch quadratic parsers', () => {
    // The two usual mistakes: a built-in rescanning the rest of the line at each position, and a nested loop.
    const rescans = (s: string): number => {
      let quotes = 0;
      for (let i = 0; i < s.length; i++) if (s.indexOf('"', i) === -1 && s.charCodeAt(i) === 61) quotes++;
      return quotes;
    };
    const nested = (s: string): number => {
      let same = 0;
      for (let i = 0; i < s.length; i++) for (let j = 0; j < i; j++) if (s[j] === s[i]) same++;
      return same;
    };
    const line = ADVERSARIAL_LINES.find(([family]) => family === 'one long value')?.[1] as (n: number) => string;
    const blocks = createWorkCounter({ blocks: true });
    try {
      expect(growth(blocks, rescans, line, 10_000)).toBeGreaterThan(3.5);
      expect(growth(blocks, nested, line, 2_000)).toBeGreaterThan(3.5);
    } finally {
      blocks.close();
    }
    const text = line(MAX_LEN);
    expect(excess(counter.count(() => rescans(text)), text.length)).toMatch(/steps on/);
    expect(excess(counter.count(() => /^(a+)+$/.test(text)), text.length)).toMatch(/a regex ran on/);
  }, 60_000);

  it('text bodies of any content never throw past the request level', () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom(undefined, 'auto', 'rfc3164', 'clf', 'logfmt', 'json', 'plain'), (s, format) => {
        safely(s.length, () => parseTextBody(s, { format, maxItems: 5000, maxDepth: 32, maxLineBytes: 4096, now: NOW }));
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
        safely(s.length, () => parseNativeBody(kind, s, { maxItems: 5000, maxDepth: 32 }, ['items']));
        safely(s.length, () => parseBulk(s, { maxItems: 5000, maxDepth: 32 }));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('body decoding', () => {
  it('decodeBody never throws past the request level, and never returns more than the limit', () => {
    fc.assert(
      fc.property(anyBytes, fc.constantFrom('', 'gzip', 'deflate', 'snappy', 'br', 'gzip, snappy'), fc.integer({ min: 0, max: 20_000 }), (body, enc, max) => {
        safely(body.length + max, () => {
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
        safely(corrupt.length + MAX_LEN, () => snappyUncompress(corrupt, MAX_LEN));
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
