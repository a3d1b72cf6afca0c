// The detector's domain: target and incident machines, their effects and environment, and suppression.
export type { Effect, IncidentEffect, NotifyEffect, ScheduleCheckEffect, Transition } from './effects.js';
export { targetKey, type DetectorEnv, type SuppressQuery, type TargetView } from './env.js';
export { createIncidentMachine, MAX_TIMELINE, type IncidentContext, type IncidentInput, type IncidentMachine } from './incident.js';
export { createTargetLogic, createTargetMachine, type RuleSignal, type TargetContext, type TargetEvent, type TargetInput, type TargetLogic, type TargetMachine } from './target.js';
export { matcherMatches, maintenanceMatches, silenceMatches, suppressedBy } from './suppress.js';
export { createActorHost, startTargetActor, type ActorHost, type TargetActor } from './start.js';
