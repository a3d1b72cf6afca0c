// A steady, bounded load generator that behaves like a real agent: batches of logs posted at a fixed rate to
// the gateways in turn, each batch with its own Idempotency-Key and a client-side `seq` on every log (kept in
// the event's fields, so a duplicate in the store shows as a repeated seq even if it got another id). A batch
// without a 2xx answer is retried with backoff, on the next gateway, with the very same body and key, until
// it gets one or a give-up deadline passes. Records what each batch got.
import { sleep } from '../../lib/lifecycle/sleep.js';
export interface LoadOptions {
  /** Base URLs of the gateways; batches go to them in turn, retries to the next one. */
  gateways: readonly string[];
  apiKey: string;
  /** Label `run` on every log, so one run's events can be read back alone. */
  run: string;
  /** Targets the logs are spread over (round robin within a batch). */
  targets: readonly string[];
  batchSize?: number;
  batchesPerSec?: number;
  /** A batch still without a 2xx this long after its first attempt is given up. Default 90 s. */
  giveUpMs?: number;
  requestTimeoutMs?: number;
}

export interface Attempt {
  at: number;
  gateway: string;
  /** HTTP status, or 0 for no answer (connection refused or reset, timeout). */
  status: number;
  retryAfter?: string;
  error?: string;
  /** Time to the answer (or the failure). */
  ms?: number;
}

export interface Batch {
  key: string;
  /** seqs [firstSeq, firstSeq + size). */
  firstSeq: number;
  size: number;
  createdAt: number;
  attempts: Attempt[];
  /** When it got its 2xx, or undefined. */
  acceptedAt?: number;
  /** Whether the 2xx said so (a replay of an earlier answer). */
  replayed?: boolean;
  givenUp?: boolean;
}

export interface LoadSummary {
  run: string;
  batches: Batch[];
  sentEvents: number;
  acceptedEvents: number;
  acceptedSeqs: Set<number>;
  /** Every seq sent (accepted or not). */
  sentSeqs: Set<number>;
  statuses: Map<number, number>;
  startedAt: number;
  stoppedAt: number;
  /** Events per second offered. */
  rate: number;
}


/** The JSON body of one batch: logs with seqs [firstSeq, firstSeq + size), labelled with the run. */
export function batchBody(run: string, targets: readonly string[], firstSeq: number, size: number): string {
  const logs = [];
  for (let i = 0; i < size; i++) {
    const seq = firstSeq + i;
    logs.push({ target: targets[seq % targets.length], level: 'info', message: `${run} event ${seq}`, seq, labels: { run } });
  }
  return JSON.stringify(logs);
}

export interface LoadGenerator {
  readonly batches: readonly Batch[];
  /** Resolves once `n` more batches created from now on have been accepted (the system is serving). */
  waitAccepted(n: number, timeoutMs?: number): Promise<void>;
  /** Stops creating batches and waits until every batch is accepted or given up. */
  stop(): Promise<LoadSummary>;
}

export function startLoad(o: LoadOptions): LoadGenerator {
  const batchSize = o.batchSize ?? 100;
  const perSec = o.batchesPerSec ?? 10;
  const giveUpMs = o.giveUpMs ?? 90_000;
  const timeoutMs = o.requestTimeoutMs ?? 30_000;
  const batches: Batch[] = [];
  const settled: Array<Promise<void>> = [];
  const waiters = new Set<() => void>();
  const startedAt = Date.now();
  let nextSeq = 0;
  let gw = 0;
  let stopped = false;

  const bodyOf = (b: Batch): string => batchBody(o.run, o.targets, b.firstSeq, b.size);

  async function send(b: Batch): Promise<void> {
    const body = bodyOf(b);
    let backoff = 100;
    let gateway = gw++ % o.gateways.length;
    for (;;) {
      const url = o.gateways[gateway] as string;
      const attempt: Attempt = { at: Date.now(), gateway: url, status: 0 };
      b.attempts.push(attempt);
      try {
        const res = await fetch(`${url}/ingest/logs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json', 'idempotency-key': b.key },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        attempt.status = res.status;
        attempt.retryAfter = res.headers.get('retry-after') ?? undefined;
        const text = await res.text();
        attempt.ms = Date.now() - attempt.at;
        if (res.status >= 200 && res.status < 300) {
          const answer = JSON.parse(text) as { accepted: number; rejected: unknown[]; replayed?: boolean };
          if (answer.accepted !== b.size) throw new Error(`batch ${b.key}: ${answer.accepted} of ${b.size} accepted: ${text.slice(0, 300)}`);
          b.acceptedAt = Date.now();
          b.replayed = answer.replayed === true;
          for (const w of [...waiters]) w();
          return;
        }
        // Only transient answers are retried; anything else is a bug in the test or the service.
        if (![409, 429, 500, 502, 503, 504].includes(res.status)) throw new Error(`batch ${b.key}: unexpected ${res.status}: ${text.slice(0, 300)}`);
        attempt.error = text.slice(0, 200);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith(`batch ${b.key}:`)) throw err;
        attempt.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        attempt.ms = Date.now() - attempt.at;
      }
      if (Date.now() - b.createdAt > giveUpMs) {
        b.givenUp = true;
        return;
      }
      const wait = attempt.status === 429 || attempt.status === 409 ? Math.max(backoff, 1000 * Number(attempt.retryAfter ?? 1)) : backoff;
      await sleep(wait);
      backoff = Math.min(backoff * 2, 2_000);
      gateway = (gateway + 1) % o.gateways.length;
    }
  }

  let failure: unknown;
  const intervalMs = 1000 / perSec;
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      const due = startedAt + n * intervalMs;
      if (due > Date.now()) await sleep(due - Date.now());
      if (stopped) break;
      const b: Batch = { key: `${o.run}-b${n}`, firstSeq: nextSeq, size: batchSize, createdAt: Date.now(), attempts: [] };
      nextSeq += batchSize;
      batches.push(b);
      settled.push(
        send(b).catch((err: unknown) => {
          failure ??= err;
        }),
      );
    }
  })();

  return {
    batches,
    waitAccepted(n, timeout = 60_000) {
      const from = batches.length;
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const done = batches.slice(from).filter((b) => b.acceptedAt !== undefined).length;
          if (done >= n) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${o.run}: fewer than ${n} new batches accepted within ${timeout} ms`));
        }, timeout);
        waiters.add(check);
      });
    },
    async stop() {
      stopped = true;
      await loop;
      await Promise.all(settled);
      if (failure) throw failure;
      const stoppedAt = Date.now();
      const acceptedSeqs = new Set<number>();
      const sentSeqs = new Set<number>();
      const statuses = new Map<number, number>();
      for (const b of batches) {
        for (let s = b.firstSeq; s < b.firstSeq + b.size; s++) {
          sentSeqs.add(s);
          if (b.acceptedAt !== undefined) acceptedSeqs.add(s);
        }
        for (const a of b.attempts) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      }
      return {
        run: o.run,
        batches,
        sentEvents: sentSeqs.size,
        acceptedEvents: acceptedSeqs.size,
        acceptedSeqs,
        sentSeqs,
        statuses,
        startedAt,
        stoppedAt,
        rate: perSec * batchSize,
      };
    },
  };
}
