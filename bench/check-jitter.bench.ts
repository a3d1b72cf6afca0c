// Scheduling jitter of active checks in one detector: 10,000 targets of mixed kinds at 60 s intervals run
// through the real target actors (xstate machines, the http rule's schedule, the detector's shared timers on
// the system clock). Each check's start is compared with the time it fell due; the probes answer at once, so
// the figures are the scheduler's own: checks/s sustained, jitter p50/p99/max (goal of issue 14: all on time,
// p99 ≤ 100 ms; the first wave, each target's first run after the bulk load, is reported apart), CPU share of
// the process, and event-loop delay. The targets are loaded in bulk as at detector start or partition takeover:
// each first run at the target's phase of its interval. BENCH_JITTER_AT_ONCE=1 starts them as a target created
// through the API is (first run at once), the behaviour before bulk loads were spread. Run with BENCH_JITTER_SEC
// (default 130: the first wave and two full intervals after it) and BENCH_JITTER_TARGETS (default 10,000).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CHECK_SETTINGS, type CheckKind } from '../lib/api/check-settings.js';
import type { Target } from '../lib/store/types.js';
import { runCheck, type ProbeTable } from '../detector/checks/probe.js';
import type { Effect } from '../detector/machines/effects.js';
import { targetKey } from '../detector/machines/env.js';
import { createActorHost, startTargetActor } from '../detector/machines/start.js';
import { createTargetLogic } from '../detector/machines/target.js';
import { StaticEnv, TENANT } from '../detector/machines/testing.js';
import type { ManualClock } from '../lib/time/manual-clock.js';
import { createSharedTimers } from '../detector/time/shared-timers.js';
import { firstRunAt } from '../lib/checks/spread.js';
import { reportFigures } from './report.js';

const TARGETS = Number(process.env.BENCH_JITTER_TARGETS ?? 10_000);
const SECONDS = Number(process.env.BENCH_JITTER_SEC ?? 130);
const AT_ONCE = process.env.BENCH_JITTER_AT_ONCE === '1';

const KINDS: Array<[CheckKind, Record<string, unknown>]> = [
  ['http', { url: 'http://127.0.0.1:9/' }],
  ['tcp', { host: '127.0.0.1', port: 9 }],
  ['dns', { name: 'svc.lw.test' }],
  ['ping', { host: '127.0.0.1', count: 1 }],
  ['tls', { host: '127.0.0.1', port: 9 }],
  ['websocket', { url: 'ws://127.0.0.1:9/' }],
  ['grpc', { host: '127.0.0.1', port: 9 }],
  ['postgres', { url: 'postgres://u@127.0.0.1:9/db' }],
  ['mysql', { url: 'mysql://u@127.0.0.1:9/db' }],
  ['redis', { url: 'redis://127.0.0.1:9' }],
  ['mqtt', { url: 'mqtt://127.0.0.1:9' }],
  ['amqp', { url: 'amqp://127.0.0.1:9' }],
  ['nats', { url: 'nats://127.0.0.1:9' }],
];

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function main(): Promise<void> {
  const targets: Target[] = Array.from({ length: TARGETS }, (_, i) => {
    const [kind, settings] = KINDS[i % KINDS.length] as [CheckKind, Record<string, unknown>];
    return { id: `id-${i}`, tenant: TENANT, name: `t${i}`, kind, labels: {}, channels: [], paused: false, createdAt: 0, updatedAt: 1, [kind]: CHECK_SETTINGS[kind].parse({ ...settings, intervalSec: 60, timeoutMs: 5000 }) };
  });
  const timers = createSharedTimers();
  const jitter: number[] = [];
  const dues: number[] = [];
  // Whether each started check was its target's first run (the first wave).
  const first: boolean[] = [];
  const seen = new Set<string>();
  let started = 0;
  const ok = async () => ({ ok: true, latencyMs: 0, attempts: 1 }) as never;
  const probes = Object.fromEntries(KINDS.map(([k]) => [k, ok])) as unknown as ProbeTable;
  const stop = new AbortController();
  const env = new StaticEnv(timers as unknown as ManualClock);
  env.emit = (e: Effect) => {
    if (e.type !== 'schedule-check') return;
    // What the checker does with a due check, minus the network: start it, and note how late it started.
    jitter.push(Date.now() - e.due);
    dues.push(e.due);
    first.push(!seen.has(e.targetId));
    seen.add(e.targetId);
    started++;
    void runCheck(e.check, probes, stop.signal);
  };
  env.setConfig(targets, []);
  const logic = createTargetLogic(env);
  const errors: unknown[] = [];
  const host = createActorHost(timers, (err) => errors.push(err));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  for (const t of targets) startTargetActor(logic.machine, { key: targetKey(TENANT, t.name), tenant: TENANT, name: t.name, partition: 0 }, { host, spread: !AT_ONCE });
  const startupMs = Date.now() - t0;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const wallMs = Date.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  stop.abort();
  timers.close();
  // The first wave: each target's first run (at once when started at once, else over the first interval).
  // The steady state: every later run that fell due after the burst of first runs due while the actors were
  // being started had drained (its last check started; with the first runs spread there is next to none).
  const isWave = (i: number): boolean => first[i] === true;
  let waveEnd = t0 + startupMs;
  jitter.forEach((j, i) => {
    if (isWave(i) && (dues[i] as number) < t0 + startupMs) waveEnd = Math.max(waveEnd, (dues[i] as number) + j);
  });
  const steady = jitter.filter((_, i) => !isWave(i) && (dues[i] as number) > waveEnd);
  const wave = jitter.filter((_, i) => isWave(i));
  const p99 = pct(steady, 99);
  // Runs due before the end (less a second of slack), from each target's first run on.
  const end = t0 + SECONDS * 1000 - 1000;
  let expected = 0;
  for (const t of targets) {
    const firstAt = AT_ONCE ? t0 + startupMs : firstRunAt(`${TENANT}\u0000${t.id}`, 60_000, t0);
    if (firstAt <= end) expected += 1 + Math.floor((end - firstAt) / 60_000);
  }
  const figures = [
    { name: 'targets', value: TARGETS, unit: 'targets' },
    { name: 'checks started', value: started, unit: 'checks', goal: `all due (${expected})`, met: started >= expected },
    { name: 'checks/s sustained', value: Math.round((started / wallMs) * 1000 * 10) / 10, unit: 'checks/s', goal: `${Math.round(TARGETS / 60)} (10,000 at 60 s)` },
    { name: 'actor start-up (all targets)', value: startupMs, unit: 'ms' },
    { name: AT_ONCE ? 'first wave (at once) jitter p99' : 'first wave (spread) jitter p99', value: Math.round(pct(wave, 99)), unit: 'ms' },
    { name: 'steady checks measured', value: steady.length, unit: 'checks' },
    { name: 'steady jitter p50', value: Math.round(pct(steady, 50)), unit: 'ms' },
    { name: 'steady jitter p99', value: Math.round(p99), unit: 'ms', goal: '≤ 100 ms', met: steady.length > 0 && p99 <= 100 },
    { name: 'steady jitter max', value: Math.round(Math.max(0, ...steady)), unit: 'ms' },
    { name: 'scheduler CPU', value: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10, unit: '% of one core' },
    { name: 'event-loop delay p99', value: Math.round(loop.percentile(99) / 1e6), unit: 'ms' },
  ];
  for (const f of figures) console.log(`${f.name.padEnd(30)} ${String(f.value).padStart(8)} ${f.unit}${f.goal ? `   goal ${f.goal}${f.met === undefined ? '' : f.met ? ' ✓' : ' ✗'}` : ''}`);
  if (errors.length > 0) console.log(`actor errors: ${errors.length}`);
  reportFigures('check-jitter', figures);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
