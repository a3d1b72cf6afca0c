// One check run: each attempt with its own timeout, retries with exponential backoff, the result as a
// `check` event body. Every kind implements one small `Probe` (a single attempt); this file owns the
// timing, so no kind can stall a run: an attempt that ignores its abort signal is abandoned at the timeout.
import type { CheckBody } from '../../lib/events/event.js';
import type { ActiveCheck, CheckKind, CheckSettingsOf } from '../../lib/api/check-settings.js';
import { sleep } from '../../lib/lifecycle/sleep.js';
import { UNRESTRICTED, type NetworkGuard } from '../../lib/net/guard.js';
import { describeError } from './reasons.js';
import type { Exposition } from '../../lib/exposition/parse.js';

/** What one attempt found. `error` is the precise reason when `ok` is false. */
export interface AttemptResult {
  ok: boolean;
  error?: string;
  /** HTTP status (http checks). */
  status?: number;
  /** Measured latency when the probe knows better than the wall time of the attempt (ping's RTT). */
  latencyMs?: number;
  /** Scrape checks: what the endpoint exposed, and how long the scrape took (seconds, unrounded). */
  scrape?: { exposition: Exposition; durationSec: number };
}

export interface AttemptContext {
  /** Aborted at the attempt's timeout or when the checker stops. */
  signal: AbortSignal;
  timeoutMs: number;
  /** Where the attempt may connect (CHECK_ALLOWED_NETWORKS). */
  guard: NetworkGuard;
}

/** One kind of active check: a single attempt against its settings. */
export interface Probe<S> {
  attempt(settings: S, ctx: AttemptContext): Promise<AttemptResult>;
}

export type ProbeTable = { [K in CheckKind]: Probe<CheckSettingsOf[K]> };

class AttemptTimeout extends Error {}

/** Resolves or rejects with the attempt, or rejects with AttemptTimeout once `signal` aborts. */
function bounded<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AttemptTimeout());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

export async function runCheck(check: ActiveCheck, probes: ProbeTable, stop: AbortSignal, guard: NetworkGuard = UNRESTRICTED): Promise<CheckBody> {
  return (await runCheckDetailed(check, probes, stop, guard)).body;
}

/** runCheck, with the last attempt's own result when it returned one (a scrape's exposition). */
export async function runCheckDetailed(check: ActiveCheck, probes: ProbeTable, stop: AbortSignal, guard: NetworkGuard = UNRESTRICTED): Promise<{ body: CheckBody; last?: AttemptResult }> {
  const s = check.settings;
  const probe = probes[check.kind] as unknown as Probe<typeof s>;
  const attempts = Math.max(0, s.retries) + 1;
  const backoffMs = s.retryBackoffMs;
  let result: CheckBody = { ok: false, latencyMs: 0, attempts: 0, error: 'not run' };
  let last: AttemptResult | undefined;
  for (let i = 0; i < attempts && !stop.aborted; i++) {
    if (i > 0) await sleep(backoffMs * 2 ** (i - 1), stop);
    if (stop.aborted) break;
    const started = performance.now();
    const timeout = AbortSignal.timeout(s.timeoutMs);
    const signal = AbortSignal.any([timeout, stop]);
    try {
      const r = await bounded(probe.attempt(s, { signal, timeoutMs: s.timeoutMs, guard }), signal);
      last = r;
      const latencyMs = r.latencyMs ?? Math.round(performance.now() - started);
      result = { ok: r.ok, latencyMs, attempts: i + 1 };
      if (r.status !== undefined) result.status = r.status;
      if (!r.ok) result.error = r.error ?? 'failed';
    } catch (err) {
      const latencyMs = Math.round(performance.now() - started);
      last = undefined;
      const timedOut = timeout.aborted || err instanceof AttemptTimeout;
      result = { ok: false, latencyMs, attempts: i + 1, error: timedOut ? `timeout after ${s.timeoutMs} ms` : describeError(err) };
    }
    if (result.ok) break;
  }
  return last === undefined ? { body: result } : { body: result, last };
}
