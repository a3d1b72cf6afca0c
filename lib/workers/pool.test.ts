import { afterEach, describe, expect, it } from 'vitest';
import { LightwatchError } from '../errors/errors.js';
import { createWorkerPool, type WorkerPool } from './pool.js';
import type { EchoTask } from './testdata/echo-worker.js';

const ENTRY = new URL('./testdata/echo-worker.ts', import.meta.url);

describe('worker pool', () => {
  let pool: WorkerPool<EchoTask, unknown> | undefined;
  afterEach(async () => {
    await pool?.close();
  });

  it('answers each task with its own result, Buffers and Maps included', async () => {
    pool = createWorkerPool<EchoTask, unknown>({ entry: ENTRY, size: 2 });
    const values = [1, 'two', { three: [3] }, new Map([['k', 4]]), Buffer.from('five')];
    const out = await Promise.all(values.map((value) => pool!.run({ op: 'echo', value })));
    expect(out.slice(0, 4)).toEqual(values.slice(0, 4));
    expect(Buffer.from(out[4] as Uint8Array).toString()).toBe('five');
    expect(pool.threads).toBeLessThanOrEqual(2);
  });

  it('hands back whole the bytes of a result that the worker names for transfer', async () => {
    pool = createWorkerPool<EchoTask, unknown>({ entry: ENTRY, size: 1 });
    const bytes = new Uint8Array(100_000).map((_, i) => i % 251);
    const out = await pool.run({ op: 'echo', value: bytes });
    expect(out).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(out as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
  });

  it('rejects with the LightwatchError the task threw, whole; anything else as internal', async () => {
    pool = createWorkerPool<EchoTask, unknown>({ entry: ENTRY, size: 1 });
    const refused = await pool.run({ op: 'refuse' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LightwatchError);
    expect(refused).toMatchObject({ code: 'payload_too_large', reason: 'body_too_large', message: 'too big', details: [{ at: 'body', message: 'at most 1 byte' }], retryAfterSec: 2 });
    const thrown = await pool.run({ op: 'throw' }).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ code: 'internal', message: 'internal error' });
    expect(String((thrown as Error).cause)).toContain('secret internals');
  });

  it('fails the task of a thread that dies and serves the next one on a new thread', async () => {
    pool = createWorkerPool<EchoTask, unknown>({ entry: ENTRY, size: 1 });
    const died = pool.run({ op: 'die' });
    const next = pool.run({ op: 'echo', value: 'after' });
    await expect(died).rejects.toMatchObject({ code: 'internal' });
    await expect(next).resolves.toBe('after');
  });

  it('runs at most `size` tasks at once; the rest wait in order', async () => {
    pool = createWorkerPool<EchoTask, unknown>({ entry: ENTRY, size: 1 });
    const order: number[] = [];
    const runs = [50, 1, 2].map((ms) => pool!.run({ op: 'hold', ms }).then((v) => order.push(v as number)));
    expect(pool.waiting).toBe(2);
    await Promise.all(runs);
    expect(order).toEqual([50, 1, 2]);
    expect(pool.threads).toBe(1);
  });

  it('starts threads as tasks need them, or every thread with the first task when asked', async () => {
    pool = createWorkerPool<EchoTask, unknown>({ entry: ENTRY, size: 2 });
    await expect(pool.run({ op: 'echo', value: 1 })).resolves.toBe(1);
    expect(pool.threads).toBe(1);
    await pool.close();
    pool = createWorkerPool<EchoTask, unknown>({ entry: ENTRY, size: 2, startAllOnFirstTask: true });
    expect(pool.threads).toBe(0);
    await expect(pool.run({ op: 'echo', value: 1 })).resolves.toBe(1);
    expect(pool.threads).toBe(2);
    // Both serve: two holds run at once, neither waits.
    const both = [pool.run({ op: 'hold', ms: 1 }), pool.run({ op: 'hold', ms: 1 })];
    expect(pool.waiting).toBe(0);
    await Promise.all(both);
  });

  it('close fails what waits with unavailable and refuses new tasks', async () => {
    pool = createWorkerPool<EchoTask, unknown>({ entry: ENTRY, size: 1 });
    const running = pool.run({ op: 'hold', ms: 200 }).catch((e: unknown) => e);
    const waiting = pool.run({ op: 'echo', value: 1 }).catch((e: unknown) => e);
    await pool.close();
    expect(await waiting).toMatchObject({ code: 'unavailable' });
    expect(await running).toMatchObject({ code: 'unavailable' });
    await expect(pool.run({ op: 'echo', value: 2 })).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('an aborted task leaves the queue, or has its thread terminated, with the signal reason; the next task runs', async () => {
    pool = createWorkerPool<EchoTask, unknown>({ entry: ENTRY, size: 1 });
    const running = new AbortController();
    const waiting = new AbortController();
    // Holds its thread far longer than the test: only the termination ends it.
    const spinning = pool.run({ op: 'hold', ms: 600_000 }, { signal: running.signal }).catch((e: unknown) => e);
    const queued = pool.run({ op: 'echo', value: 'never' }, { signal: waiting.signal }).catch((e: unknown) => e);
    const next = pool.run({ op: 'echo', value: 'after' });
    expect(pool.waiting).toBe(2);
    waiting.abort(new Error('left the queue'));
    expect(await queued).toMatchObject({ message: 'left the queue' });
    expect(pool.waiting).toBe(1);
    running.abort(new Error('took too long'));
    expect(await spinning).toMatchObject({ message: 'took too long' });
    await expect(next).resolves.toBe('after');
    expect(pool.threads).toBe(1);
    await expect(pool.run({ op: 'echo', value: 1 }, { signal: AbortSignal.abort(new Error('already')) })).rejects.toMatchObject({ message: 'already' });
  });
});
