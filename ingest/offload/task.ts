// What a parse worker thread does with a large body (ingest/offload/worker-entry.ts): the same steps as the
// event loop runs for a small one (ingest/stage.ts), straight through, up to the encoded stream entries. What
// needs the loop's I/O goes back unfinished: heartbeats (their targets are looked up) and remote_write series
// past the tenant's cached headroom (the series index is asked). Pure apart from the id generator.
import { createIdGenerator, type IdGenerator } from '../../lib/events/ids.js';
import { runSteps } from '../../lib/lifecycle/steps.js';
import { streamNames } from '../../lib/streams/partition.js';
import { exclusiveBuffers } from '../../lib/workers/transfer.js';
import type { BatchSeries } from '../../lib/tsdb/batch.js';
import type { NormalizeLimits } from '../normalize/normalize.js';
import type { ParseLimits } from '../parse/index.js';
import { admitWithin, type SeriesHeadroom, type SeriesRefusal } from '../series-admission.js';
import { finishSteps, heartbeatTargets, prepareSteps, type Prepared, type PushBody, type Staged } from '../stage.js';

export interface StageTask {
  /** The body arrives as a Uint8Array (a Buffer does not survive postMessage as one). */
  request: Omit<PushBody, 'body'> & { body: Uint8Array };
  /** The parsers' clock. */
  now: number;
  tenant: string;
  receivedAt: number;
  idempotencyKey: string;
  limits: ParseLimits & { maxBodyBytes: number };
  normalize: NormalizeLimits;
  names: { prefix: string; partitions: number };
  /** The tenant's series limits as far as they can be known without the index; absent: no check at ingest. */
  headroom?: SeriesHeadroom;
}

export type StageOutcome =
  | {
      done: true;
      staged: Staged;
      /** Items and rejections as parsed (ingest's batch size histogram). */
      batchSize: number;
      refused: Array<[SeriesRefusal, number]>;
    }
  | { done: false; prepared: Prepared };

export function createStageTaskRunner(ids: IdGenerator = createIdGenerator()): (task: StageTask) => StageOutcome {
  return (task) => {
    const { request } = task;
    const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
    const p = runSteps(prepareSteps({ ...request, body }, task.limits, task.now));
    if (heartbeatTargets(p).size > 0) return { done: false, prepared: packSeries(p) };
    const batchSize = p.items.length + p.rejected.length;
    let series: readonly BatchSeries[] = p.parsed?.series ?? [];
    let refused: Array<[SeriesRefusal, number]> = [];
    if (series.length > 0 && task.headroom) {
      const admitted = admitWithin(series, task.headroom);
      if (!admitted) return { done: false, prepared: packSeries(p) };
      series = admitted.series;
      p.rejected.push(...admitted.rejected);
      refused = [...admitted.refused];
    }
    const names = streamNames(task.names.prefix, task.names.partitions);
    const staged = runSteps(finishSteps(p, { tenant: task.tenant, receivedAt: task.receivedAt, ids, idempotencyKey: task.idempotencyKey, names, normalize: task.normalize, configChanged: false, series }));
    return { done: true, staged, batchSize, refused };
  };
}

/**
 * postMessage keeps a NaN's value but not its payload, and the staleness marker is a NaN payload: series values
 * travel as Float64Array (bytes), and fromWorker turns them back into numbers on the other side.
 */
function packSeries(p: Prepared): Prepared {
  const series = p.parsed?.series;
  if (!series || series.length === 0 || !p.parsed) return p;
  return { ...p, parsed: { ...p.parsed, series: series.map((s) => ({ ...s, values: new Float64Array(s.values) as unknown as number[] })) } };
}

/**
 * What of a finished task's answer moves to the loop's thread instead of being copied: the entries' bytes (a
 * remote_write's metric entries are views of one buffer written for them). Copying them, with the clone's
 * bookkeeping, was ~100 µs of the worker's time per 1,000-sample request.
 */
export function transferOf(out: StageOutcome): ArrayBuffer[] {
  return out.done ? exclusiveBuffers(out.staged.encoded.entries.map((e) => e.payload)) : [];
}

/** The result of a task as it arrives from the worker: Buffers again where the write path needs Buffers. */
export function fromWorker(out: StageOutcome): StageOutcome {
  if (!out.done) {
    const series = out.prepared.parsed?.series;
    if (!series || !out.prepared.parsed) return out;
    return { done: false, prepared: { ...out.prepared, parsed: { ...out.prepared.parsed, series: series.map((s) => ({ ...s, values: Array.from(s.values) })) } } };
  }
  const entries = out.staged.encoded.entries.map((e) => ({ ...e, payload: Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength) }));
  return { ...out, staged: { ...out.staged, encoded: { ...out.staged.encoded, entries } } };
}
