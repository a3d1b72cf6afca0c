import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { isStaleNaN, STALE_NAN } from '../../lib/promql/querier.js';
import { decodeMetricBatch } from '../../lib/tsdb/batch-codec.js';
import { remoteWrite } from '../../test/support/payloads.js';
import { DEFAULT_NORMALIZE_LIMITS } from '../normalize/normalize.js';
import { snappyUncompress } from '../parse/decode.js';
import { createParseOffload, type ParseOffload } from './offload.js';
import type { StageTask } from './task.js';

const MAX_BODY = 5 * 1024 * 1024;

function task(body: Buffer, over: Partial<StageTask> = {}, encoding = 'snappy'): StageTask {
  return {
    request: { endpoint: 'prometheus', contentType: 'application/x-protobuf', contentEncoding: encoding, body, params: {}, target: '', suffix: '' },
    now: Date.now(),
    tenant: 'acme',
    receivedAt: Date.now(),
    idempotencyKey: '',
    limits: { maxItems: 10_000, maxDepth: 32, maxLineBytes: 1 << 20, maxBodyBytes: MAX_BODY },
    normalize: DEFAULT_NORMALIZE_LIMITS,
    names: { prefix: 'lw-test', partitions: 4 },
    ...over,
  };
}

describe('parse offload', () => {
  let offload: ParseOffload | undefined;
  afterEach(async () => {
    await offload?.close();
  });

  it('decodes small bodies for the loop, and leaves large ones (or ones that inflate past the bound) to a worker', () => {
    offload = createParseOffload({ workers: 1, inlineMaxBytes: 1024, budgetBytes: MAX_BODY }, MAX_BODY);
    const small = Buffer.from('[{"message":"hi"}]');
    expect(offload.decodeInline(small, '')).toBe(small);
    expect(offload.decodeInline(Buffer.alloc(1025), 'identity')).toBeUndefined();
    expect(offload.decodeInline(gzipSync(small), 'gzip')?.toString()).toBe(small.toString());
    expect(offload.decodeInline(gzipSync(Buffer.alloc(100_000)), 'gzip')).toBeUndefined();
    expect(() => offload!.decodeInline(Buffer.from('not gzip'), 'gzip')).toThrow(expect.objectContaining({ reason: 'bad_gzip' }));
  });

  it('leaves a snappy body whose declared length is past the bound to a worker, and decodes a small one', () => {
    offload = createParseOffload({ workers: 1, inlineMaxBytes: 1024, budgetBytes: MAX_BODY }, MAX_BODY);
    const small = remoteWrite([{ labels: [['__name__', 'up']], samples: [[1, 1_700_000_000_000]] }]);
    expect(offload.decodeInline(small, 'snappy')).toEqual(snappyUncompress(small, MAX_BODY));
    const large = remoteWrite(Array.from({ length: 100 }, (_, i) => ({ labels: [['__name__', `up_${i}`]] as Array<[string, string]>, samples: [[i, 1_700_000_000_000]] as Array<[number, number]> })));
    expect(snappyUncompress(large, MAX_BODY).length).toBeGreaterThan(1024);
    expect(large.length).toBeLessThanOrEqual(1024);
    expect(offload.decodeInline(large, 'snappy')).toBeUndefined();
    expect(() => offload!.decodeInline(Buffer.from([0xff]), 'snappy')).toThrow(expect.objectContaining({ reason: 'bad_snappy' }));
  });

  it('without workers decodes every body on the loop, up to the body limit', async () => {
    offload = createParseOffload({ workers: 0, inlineMaxBytes: 1024, budgetBytes: 0 }, MAX_BODY);
    expect(offload.decodeInline(gzipSync(Buffer.alloc(100_000)), 'gzip')?.length).toBe(100_000);
    await expect(offload.stage(task(Buffer.alloc(10)))).rejects.toThrow();
  });

  it('refuses with 503 and Retry-After while the budget is spent, and lets one request through whatever its size', async () => {
    offload = createParseOffload({ workers: 1, inlineMaxBytes: 0, budgetBytes: 1000 }, MAX_BODY);
    const body = remoteWrite([{ labels: [['__name__', 'up']], samples: [[1, 1_700_000_000_000]] }]);
    const gzipped = gzipSync(snappyUncompress(body, MAX_BODY));
    const first = offload.stage(task(gzipped, {}, 'gzip'));
    // A gzip body's inflated size is unknown before inflating, so it counts as the body limit: over the budget, but alone.
    await expect(offload.stage(task(body))).rejects.toMatchObject({ code: 'unavailable', reason: 'ingest_busy', retryAfterSec: 1, httpStatus: 503 });
    await expect(first).resolves.toMatchObject({ done: true });
    await expect(offload.stage(task(body))).resolves.toMatchObject({ done: true });
  });

  it('counts a snappy body (every remote_write) as the length it declares, so many small ones run at once', async () => {
    const body = remoteWrite([{ labels: [['__name__', 'up']], samples: [[1, 1_700_000_000_000]] }]);
    const declared = snappyUncompress(body, MAX_BODY).length;
    offload = createParseOffload({ workers: 1, inlineMaxBytes: 0, budgetBytes: declared * 3 }, MAX_BODY);
    const three = [0, 1, 2].map(() => offload!.stage(task(Buffer.concat([body]))));
    await expect(offload.stage(task(body))).rejects.toMatchObject({ reason: 'ingest_busy' });
    for (const r of await Promise.all(three)) expect(r).toMatchObject({ done: true });
  });

  it('keeps staleness markers whether the worker encodes the series or hands them back near the series limit', async () => {
    offload = createParseOffload({ workers: 1, inlineMaxBytes: 0, budgetBytes: MAX_BODY }, MAX_BODY);
    const body = remoteWrite([{ labels: [['__name__', 'up'], ['job', 'a']], samples: [[1, 1_700_000_000_000], [STALE_NAN, 1_700_000_015_000]] }]);
    const done = await offload.stage(task(body, { headroom: { maxLabelsPerSeries: 64, room: 10 } }));
    if (!done.done) throw new Error('expected the worker to finish');
    expect(done.staged.accepted).toBe(2);
    const entry = done.staged.encoded.entries[0];
    expect(Buffer.isBuffer(entry?.payload)).toBe(true);
    const batch = decodeMetricBatch(entry!.payload);
    expect(isStaleNaN(batch.series[0]!.values[1]!)).toBe(true);

    const back = await offload.stage(task(body, { headroom: { maxLabelsPerSeries: 64, room: 0 } }));
    if (back.done) throw new Error('expected the series back near the limit');
    const values = back.prepared.parsed?.series?.[0]?.values ?? [];
    expect(Array.isArray(values)).toBe(true);
    expect(values[0]).toBe(1);
    expect(isStaleNaN(values[1]!)).toBe(true);
  });
});
