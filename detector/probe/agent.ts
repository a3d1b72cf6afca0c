// A probe agent: runs the active checks that name its location (LOCATION) and reports each result, labelled
// with the location, to where the target's actor sees it. The remote `lightwatch probe` reads targets from the
// API and reports over the ingest API with its key; tests swap both ports. Checks start at a stable phase of
// their interval (lib/checks/spread.ts); one run per target at a time; at most `concurrency` at once.
import { checkLocations, type ActiveCheck } from '../../lib/api/check-settings.js';
import { firstRunAt } from '../../lib/checks/spread.js';
import type { CheckBody } from '../../lib/events/event.js';
import type { Target } from '../../lib/store/types.js';
import { activeCheckOf } from '../../lib/api/active-check.js';

export interface ProbeResult {
  tenant: string;
  target: string;
  location: string;
  at: number;
  body: CheckBody;
}

export interface ProbeAgentDeps {
  location: string;
  /** Every target this agent may see (the API's list for its key). */
  listTargets(): Promise<Target[]>;
  report(results: ProbeResult[]): Promise<void>;
  runCheck(check: ActiveCheck, stop: AbortSignal): Promise<CheckBody>;
  now(): number;
  onError(err: unknown, what: string): void;
  refreshMs?: number;
  tickMs?: number;
  concurrency?: number;
}

export interface ProbeAgent {
  /** Reads the targets now (start-up, tests). */
  refresh(): Promise<void>;
  /** Starts the due checks (called by the timer; tests call it on a manual clock). */
  tick(): void;
  /** Waits for the running checks and the reports in flight. */
  idle(): Promise<void>;
  readonly scheduled: number;
  /** Starts the timers: targets re-read every refreshMs, due checks started every tickMs. */
  start(): void;
  close(): Promise<void>;
}

interface Slot {
  key: string;
  tenant: string;
  target: string;
  check: ActiveCheck;
  nextAt: number;
  running: boolean;
}

export function createProbeAgent(deps: ProbeAgentDeps): ProbeAgent {
  const concurrency = deps.concurrency ?? 64;
  const slots = new Map<string, Slot>();
  const tasks = new Set<Promise<void>>();
  const stop = new AbortController();
  let active = 0;
  let closing: Promise<void> | null = null;
  let refreshTimer: NodeJS.Timeout | null = null;
  let tickTimer: NodeJS.Timeout | null = null;

  const refresh = async (): Promise<void> => {
    const targets = await deps.listTargets();
    const seen = new Set<string>();
    for (const t of targets) {
      const check = activeCheckOf(t);
      if (check === null || t.paused || !(checkLocations(check).locations ?? []).includes(deps.location)) continue;
      const key = `${t.tenant}\u0000${t.id}`;
      seen.add(key);
      const intervalMs = check.settings.intervalSec * 1000;
      const slot = slots.get(key);
      if (slot) {
        if (slot.check.settings.intervalSec !== check.settings.intervalSec) slot.nextAt = firstRunAt(key, intervalMs, deps.now());
        slot.check = check;
        slot.target = t.name;
      } else slots.set(key, { key, tenant: t.tenant, target: t.name, check, nextAt: firstRunAt(key, intervalMs, deps.now()), running: false });
    }
    for (const key of slots.keys()) if (!seen.has(key)) slots.delete(key);
  };

  const runOne = (slot: Slot): void => {
    slot.running = true;
    active++;
    const t = (async () => {
      try {
        const body = await deps.runCheck(slot.check, stop.signal);
        if (stop.signal.aborted) return;
        await deps.report([{ tenant: slot.tenant, target: slot.target, location: deps.location, at: deps.now(), body }]);
      } catch (err) {
        deps.onError(err, `check of ${slot.target}`);
      } finally {
        slot.running = false;
        active--;
      }
    })();
    tasks.add(t);
    void t.finally(() => tasks.delete(t));
  };

  const tick = (): void => {
    if (closing) return;
    const now = deps.now();
    for (const slot of slots.values()) {
      if (active >= concurrency) break;
      if (slot.nextAt > now) continue;
      const intervalMs = slot.check.settings.intervalSec * 1000;
      // Skipped runs (overload, a run still going) are not caught up: the next one keeps the phase.
      while (slot.nextAt <= now) slot.nextAt += intervalMs;
      if (!slot.running) runOne(slot);
    }
  };

  return {
    refresh,
    tick,
    async idle() {
      while (tasks.size > 0) await Promise.all([...tasks]);
    },
    get scheduled() {
      return slots.size;
    },
    close() {
      closing ??= (async () => {
        if (refreshTimer) clearInterval(refreshTimer);
        if (tickTimer) clearInterval(tickTimer);
        stop.abort();
        await Promise.allSettled([...tasks]);
      })();
      return closing;
    },
    start() {
      refreshTimer = setInterval(() => {
        refresh().catch((err: unknown) => deps.onError(err, 'target refresh'));
      }, deps.refreshMs ?? 30_000);
      tickTimer = setInterval(tick, deps.tickMs ?? 100);
    },
  };
}
