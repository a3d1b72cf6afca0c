// Test helpers for the domain: a static environment over in-memory configuration, a manual clock, the
// effects collected in order, and event builders. Used by the machine tests and the benchmark.
import type { CanonicalEvent, HeartbeatBody, LogBody, SecurityBody, CheckBody } from '../../lib/events/event.js';
import type { Maintenance, Rule, Silence, Target } from '../../lib/store/types.js';
import { alertSpec, compileTargetRules } from '../rules/compile.js';
import type { RuleSpec } from '../rules/types.js';
import { createManualClock, type ManualClock } from '../../lib/time/manual-clock.js';
import type { Effect, NotifyEffect, IncidentEffect } from './effects.js';
import { targetKey, type DetectorEnv, type TargetView } from './env.js';
import { createActorHost, startTargetActor, type TargetActor } from './start.js';
import { suppressedBy } from './suppress.js';
import { createTargetLogic, type TargetLogic, type TargetMachine } from './target.js';

export const TENANT = 't1';

export function target(name: string, extra: Partial<Target> = {}): Target {
  return { id: `id-${name}`, tenant: TENANT, name, kind: 'metric', labels: {}, channels: [], paused: false, createdAt: 0, updatedAt: 1, ...extra };
}

export function rule(id: string, kind: Rule['kind'], params: Record<string, unknown>, extra: Partial<Rule> = {}): Rule {
  return { id, tenant: TENANT, name: id, kind, params, severity: 'critical', channels: [], enabled: true, createdAt: 0, updatedAt: 1, ...extra };
}

export class StaticEnv implements DetectorEnv {
  readonly effects: Effect[] = [];
  targets = new Map<string, Target>();
  rules: Rule[] = [];
  silences: Silence[] = [];
  maintenance: Maintenance[] = [];
  reminderEveryMs = 0;
  private compiled = new Map<string, RuleSpec[]>();

  constructor(readonly clock: ManualClock) {}

  setConfig(targets: Target[], rules: Rule[]): void {
    this.targets = new Map(targets.map((t) => [targetKey(t.tenant, t.name), t]));
    this.rules = rules;
    this.compiled.clear();
  }

  now(): number {
    return this.clock.now();
  }
  target(key: string): TargetView | undefined {
    const t = this.targets.get(key);
    return t && { tenant: t.tenant, id: t.id, name: t.name, labels: t.labels, paused: t.paused };
  }
  specs(key: string): readonly RuleSpec[] {
    let s = this.compiled.get(key);
    if (!s) {
      const t = this.targets.get(key);
      // As the runtime: a target seen only in events still watches its posted alerts.
      s = t ? compileTargetRules(t, this.rules, true).specs : [alertSpec([])];
      this.compiled.set(key, s);
    }
    return s;
  }
  suppressedBy(q: Parameters<DetectorEnv['suppressedBy']>[0], at: number): string | null {
    return suppressedBy(this.silences, this.maintenance, q, at);
  }
  reminderMs(): number {
    return this.reminderEveryMs;
  }
  emit(effect: Effect): void {
    this.effects.push(effect);
  }

  incidents(): IncidentEffect[] {
    return this.effects.filter((e): e is IncidentEffect => e.type === 'incident');
  }
  notifications(): NotifyEffect[] {
    return this.effects.filter((e): e is NotifyEffect => e.type === 'notify');
  }
  /** `transition` names of incident effects, in order. */
  transitions(): string[] {
    return this.incidents().map((e) => e.transition);
  }
  notified(): string[] {
    return this.notifications().map((e) => (e.suppressedBy ? `${e.transition}(muted)` : e.transition));
  }
}

/** Stops a hosted actor (xstate refuses `stop()` on a non-root actor; this is its internal stop). */
export function stopActor(a: TargetActor): void {
  (a as unknown as { _stop(): void })._stop();
}

export interface World {
  clock: ManualClock;
  env: StaticEnv;
  machine: TargetMachine;
  logic: TargetLogic;
  errors: unknown[];
  /** The actor of `name`, started on first use; `spread`: as loaded in bulk (start, takeover). */
  actor(name: string, spread?: boolean): TargetActor;
  restore(name: string, snapshot: unknown, spread?: boolean): TargetActor;
  send(name: string, e: CanonicalEvent): void;
}

export function world(targets: Target[], rules: Rule[], start = 1_000_000): World {
  const clock = createManualClock(start);
  const env = new StaticEnv(clock);
  env.setConfig(targets, rules);
  const logic = createTargetLogic(env);
  const machine = logic.machine;
  const errors: unknown[] = [];
  const actors = new Map<string, TargetActor>();
  const host = createActorHost(clock, (e) => errors.push(e));
  const input = (name: string) => ({ key: targetKey(TENANT, name), tenant: TENANT, name, partition: 0 });
  const w: World = {
    clock,
    env,
    machine,
    logic,
    errors,
    actor(name, spread = false) {
      let a = actors.get(name);
      if (!a) {
        a = startTargetActor(machine, input(name), { host, spread });
        actors.set(name, a);
      }
      return a;
    },
    restore(name, snapshot, spread = false) {
      const old = actors.get(name);
      if (old) stopActor(old);
      const a = startTargetActor(machine, input(name), { host, snapshot, spread });
      actors.set(name, a);
      return a;
    },
    send(name, e) {
      // The runtime's path: evaluator states updated in place, the machine entered only when needed.
      logic.deliver(w.actor(name), e);
      // Zero-delay timers (e.g. resolving right away) fire on the next turn, as with the real timers.
      clock.advance(0);
    },
  };
  return w;
}

let seq = 0;
function base(targetName: string, at: number) {
  seq++;
  return { id: `ev${String(seq).padStart(8, '0')}`, tenant: TENANT, target: targetName, ts: at, receivedAt: at, labels: {} };
}
export const ev = {
  heartbeat: (t: string, at: number, body: Partial<HeartbeatBody> = {}): CanonicalEvent => ({ ...base(t, at), kind: 'heartbeat', body: { status: 'ok', ...body } }),
  metric: (t: string, at: number, name: string, value: number, labels: Record<string, string> = {}): CanonicalEvent => ({ ...base(t, at), labels, kind: 'metric', body: { name, value, type: 'gauge' } }),
  log: (t: string, at: number, message: string, extra: Partial<LogBody> = {}): CanonicalEvent => ({ ...base(t, at), kind: 'log', body: { level: 'error', message, fields: {}, format: 'plain', ...extra } }),
  security: (t: string, at: number, body: Partial<SecurityBody> = {}): CanonicalEvent => ({ ...base(t, at), kind: 'security', body: { category: 'auth', severity: 'high', ...body } }),
  check: (t: string, at: number, body: Partial<CheckBody> = {}): CanonicalEvent => ({ ...base(t, at), kind: 'check', body: { ok: true, latencyMs: 5, attempts: 1, ...body } }),
};
