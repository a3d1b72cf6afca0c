import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { decodeMetricBatch } from '../../lib/tsdb/batch-codec.js';
import { remoteWrite } from '../../test/support/payloads.js';
import { DEFAULT_NORMALIZE_LIMITS } from '../normalize/normalize.js';
import { createStageTaskRunner, fromWorker, transferOf, type StageOutcome, type StageTask } from './task.js';

const MAX_BODY = 5 * 1024 * 1024;

function task(body: Buffer): StageTask {
  return {
    request: { endpoint: 'prometheus', contentType: 'application/x-protobuf', contentEncoding: 'snappy', body, params: {}, target: '', suffix: '' },
    now: Date.now(),
    tenant: 'acme',
    receivedAt: 1_700_000_100_000,
    idempotencyKey: '',
    limits: { maxItems: 10_000, maxDepth: 32, maxLineBytes: 1 << 20, maxBodyBytes: MAX_BODY },
    normalize: DEFAULT_NORMALIZE_LIMITS,
    names: { prefix: 'lw-test', partitions: 4 },
  };
}

/** What the pool's thread receives of `out` when the worker posts it with transferOf's list. */
function posted(out: StageOutcome): StageOutcome {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(out, transferOf(out));
  const got = receiveMessageOnPort(port2)?.message as StageOutcome;
  port1.close();
  return fromWorker(got);
}

describe('a staged remote_write crossing back from a parse worker', () => {
  const body = remoteWrite(
    Array.from({ length: 200 }, (_, i) => ({
      labels: [['__name__', 'up'], ['instance', `host-${i}:9100`], ['job', 'node']] as Array<[string, string]>,
      samples: [[i, 1_700_000_000_000], [i + 0.5, 1_700_000_015_000]] as Array<[number, number]>,
    })),
  );

  it('moves the entries bytes by transfer, each entry keeping exactly its bytes', () => {
    const out = createStageTaskRunner()(task(body));
    if (!out.done) throw new Error('expected the task to finish');
    const sent = out.staged.encoded.entries;
    expect(sent.length).toBeGreaterThan(1);
    const before = sent.map((e) => Buffer.from(e.payload));
    // The metric entries are views of one buffer, which they cover: that buffer moves.
    expect(transferOf(out)).toEqual([sent[0]!.payload.buffer]);

    const back = posted(out);
    if (!back.done) throw new Error('expected a finished answer');
    const entries = back.staged.encoded.entries;
    expect(entries.map((e) => Buffer.isBuffer(e.payload))).toEqual(sent.map(() => true));
    expect(entries.map((e) => Buffer.from(e.payload))).toEqual(before);
    expect(entries.map((e) => [e.stream, e.field, e.tenant])).toEqual(sent.map((e) => [e.stream, e.field, e.tenant]));
    // Moved, not copied: the worker's views are empty now, so nothing there can reuse the bytes.
    expect(sent.every((e) => e.payload.byteLength === 0)).toBe(true);
    const samples = entries.reduce((n, e) => n + decodeMetricBatch(e.payload).series.reduce((k, s) => k + s.values.length, 0), 0);
    expect(samples).toBe(400);
    expect(back.staged.accepted).toBe(400);
  });

  it('copies what it may not move, and an unfinished answer whole', () => {
    const out = createStageTaskRunner()(task(body));
    if (!out.done) throw new Error('expected the task to finish');
    // Entries cut from the Buffer pool's shared slab (small event entries are): nothing to transfer.
    const pooled = { ...out, staged: { ...out.staged, encoded: { ...out.staged.encoded, entries: [{ ...out.staged.encoded.entries[0]!, payload: Buffer.from('small') }] } } };
    expect(transferOf(pooled)).toEqual([]);
    const back = posted(pooled);
    expect(back.done && back.staged.encoded.entries[0]?.payload.toString()).toBe('small');

    const unfinished = createStageTaskRunner()({ ...task(body), headroom: { maxLabelsPerSeries: 64, room: 0 } });
    expect(unfinished.done).toBe(false);
    expect(transferOf(unfinished)).toEqual([]);
  });
});
