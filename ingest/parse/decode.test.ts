import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { LightwatchError } from '../../lib/errors/errors.js';
import { assertUtf8, decodeBody, decodeUtf8, firstInvalidUtf8, snappyUncompress } from './decode.js';

function caught(fn: () => unknown): LightwatchError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LightwatchError);
    return err as LightwatchError;
  }
  throw new Error('expected a LightwatchError');
}

const text = Buffer.from('{"message":"hello"}\n'.repeat(50));

describe('decodeBody', () => {
  it('passes identity bodies through, with or without the header', () => {
    expect(decodeBody(text, '', 1e6)).toBe(text);
    expect(decodeBody(text, 'identity', 1e6)).toBe(text);
  });

  it('refuses an identity body over the limit with 413', () => {
    const e = caught(() => decodeBody(text, '', 10));
    expect(e.httpStatus).toBe(413);
    expect(e.reason).toBe('body_too_large');
  });

  it('inflates gzip (any case, x-gzip too) and deflate', () => {
    expect(decodeBody(gzipSync(text), 'GZIP', 1e6).equals(text)).toBe(true);
    expect(decodeBody(gzipSync(text), 'x-gzip', 1e6).equals(text)).toBe(true);
    expect(decodeBody(deflateSync(text), 'deflate', 1e6).equals(text)).toBe(true);
  });

  it('stops a gzip bomb at the limit with 413 instead of inflating it', () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const e = caught(() => decodeBody(bomb, 'gzip', 1024 * 1024));
    expect(e.httpStatus).toBe(413);
  });

  it('answers 400 bad_gzip for data that is not gzip, or truncated gzip', () => {
    expect(caught(() => decodeBody(text, 'gzip', 1e6)).reason).toBe('bad_gzip');
    const truncated = gzipSync(text).subarray(0, 20);
    const e = caught(() => decodeBody(truncated, 'gzip', 1e6));
    expect(e.httpStatus).toBe(400);
    expect(e.reason).toBe('bad_gzip');
  });

  it('undoes a list of encodings in reverse order', () => {
    expect(decodeBody(gzipSync(text), 'gzip, identity', 1e6).equals(text)).toBe(true);
  });

  it('answers 415 for an unknown encoding, naming the supported ones', () => {
    const e = caught(() => decodeBody(text, 'br', 1e6));
    expect(e.httpStatus).toBe(415);
    expect(e.reason).toBe('unsupported_encoding');
    expect(e.message).toContain('gzip');
  });

  it('decompresses snappy block format as Prometheus sends it', () => {
    const compressed = Buffer.from(snappy.compress(text));
    expect(decodeBody(compressed, 'snappy', 1e6).equals(text)).toBe(true);
  });
});

describe('snappyUncompress', () => {
  it('round-trips what snappyjs compresses, including long literals and overlapping copies', () => {
    const samples = [Buffer.alloc(0), Buffer.from('a'), Buffer.from('ab'.repeat(10_000)), Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251))];
    for (const s of samples) expect(snappyUncompress(Buffer.from(snappy.compress(s)), 1e6).equals(s)).toBe(true);
  });

  it('copies runs and repeats of every short offset and length as a byte-by-byte copy would, from a source at any byte offset', () => {
    // Hand-made blocks: a literal of `lit` distinct bytes, then one copy (type 2: length 1-64, 16-bit offset).
    for (const lit of [1, 3, 4, 5, 7, 8, 9, 17]) {
      for (let offset = 1; offset <= lit; offset++) {
        for (let copyLen = 1; copyLen <= 64; copyLen += copyLen < 12 ? 1 : 13) {
          const literal = Array.from({ length: lit }, (_, i) => (i * 37 + 11) & 0xff);
          const expected = [...literal];
          for (let k = 0; k < copyLen; k++) expected.push(expected[expected.length - offset] as number);
          const block = [expected.length, (lit - 1) << 2, ...literal, ((copyLen - 1) << 2) | 2, offset & 0xff, offset >> 8];
          // Behind three bytes of something else, so the input's byte offset is not the start of its memory.
          const src = Buffer.from([9, 9, 9, ...block]).subarray(3);
          expect([...snappyUncompress(src, 1e6)], `literal ${lit}, offset ${offset}, length ${copyLen}`).toEqual(expected);
        }
      }
    }
  });

  it('round-trips random data with repeats, small outputs and large', () => {
    let x = 12345;
    const rnd = (): number => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
    for (let round = 0; round < 60; round++) {
      const size = round < 30 ? 1 + Math.floor(rnd() * 300) : 5000 + Math.floor(rnd() * 60000);
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; ) {
        if (i > 8 && rnd() < 0.3) {
          const back = 1 + Math.floor(rnd() * Math.min(i, 70));
          for (let n = Math.floor(rnd() * 40); n > 0 && i < size; n--, i++) data[i] = data[i - back] as number;
        } else data[i++] = Math.floor(rnd() * 256);
      }
      expect(snappyUncompress(Buffer.from(snappy.compress(data)), 1e6).equals(data), `round ${round}`).toBe(true);
    }
  });

  it('reads literal lengths given in 1 to 4 extra bytes (snappyjs writes at most 2)', () => {
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 31) % 256));
    const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, n >>> 7]);
    for (let extra = 1; extra <= 4; extra++) {
      const len = [data.length - 1, 0, 0, 0].slice(0, extra).map((_, i) => ((data.length - 1) >>> (8 * i)) & 0xff);
      const block = Buffer.concat([Buffer.from([...varint(data.length), (59 + extra) << 2, ...len]), data]);
      const small = Buffer.concat([Buffer.from([...varint(5), (59 + extra) << 2, 4, ...new Array<number>(extra - 1).fill(0)]), data.subarray(0, 5)]);
      if (extra > 1) expect(snappyUncompress(block, 1e6).equals(data)).toBe(true);
      expect(snappyUncompress(small, 1e6).equals(data.subarray(0, 5))).toBe(true);
    }
  });

  it('checks the declared length against the limit before allocating', () => {
    // Header declares 2^31 bytes, body has nothing: must fail on the header, not try to allocate 2 GiB.
    const e = caught(() => snappyUncompress(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08]), 1e6));
    expect(e.httpStatus).toBe(413);
  });

  it('rejects output shorter than declared (snappyjs would zero-fill it)', () => {
    const good = Buffer.from(snappy.compress(Buffer.from('hello world')));
    const lying = Buffer.concat([Buffer.from([20]), good.subarray(1)]);
    const e = caught(() => snappyUncompress(lying, 1e6));
    expect(e.reason).toBe('bad_snappy');
    expect(e.message).toMatch(/declares 20/);
  });

  it('rejects copies that reach before the start of the output', () => {
    // length 4, then a copy (tag type 1) of 4 bytes at offset 1 with nothing written yet.
    const e = caught(() => snappyUncompress(Buffer.from([4, 0x01, 0x01]), 1e6));
    expect(e.reason).toBe('bad_snappy');
  });

  it('rejects truncated input and literals running past the end', () => {
    expect(caught(() => snappyUncompress(Buffer.from([]), 1e6)).reason).toBe('bad_snappy');
    expect(caught(() => snappyUncompress(Buffer.from([10, 0x24, 0x61]), 1e6)).reason).toBe('bad_snappy');
  });

  it('says so when given the framed format', () => {
    const framed = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59, 0x01]);
    expect(caught(() => snappyUncompress(framed, 1e6)).message).toMatch(/framed/);
  });
});

describe('UTF-8', () => {
  it('decodes valid UTF-8 and drops a BOM', () => {
    expect(decodeUtf8(Buffer.from('\ufeffhé ✓ 😀'))).toBe('hé ✓ 😀');
    expect(() => assertUtf8(Buffer.from('ok'))).not.toThrow();
  });

  it('names the offset of the first invalid byte', () => {
    const buf = Buffer.concat([Buffer.from('{"message":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const e = caught(() => decodeUtf8(buf));
    expect(e.reason).toBe('invalid_utf8');
    expect(e.message).toContain('byte offset 15');
    expect(e.details[0]?.at).toBe('byte 15');
    expect(caught(() => assertUtf8(buf)).reason).toBe('invalid_utf8');
  });

  it('decodes exactly as a fatal TextDecoder does (BOM dropped), and refuses exactly what it refuses', () => {
    const reference = new TextDecoder('utf-8', { fatal: true });
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.string({ unit: 'binary', maxLength: 32 }).map((s) => new Uint8Array(Buffer.from(s))),
      fc.string({ unit: 'grapheme-ascii', maxLength: 32 }).map((s) => new Uint8Array(Buffer.from(`\ufeff${s}`))),
    );
    fc.assert(
      fc.property(bytes, fc.boolean(), (raw, asBuffer) => {
        const input = asBuffer ? Buffer.from(raw) : raw;
        let expected: string | undefined;
        try {
          expected = reference.decode(raw);
        } catch {
          expected = undefined;
        }
        if (expected === undefined) expect(caught(() => decodeUtf8(input)).reason).toBe('invalid_utf8');
        else expect(decodeUtf8(input)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('finds overlong encodings, surrogates and truncated sequences', () => {
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]))).toBe(2);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Buffer.from('ok ✓'))).toBe(6);
  });
});
