// Time for the detector: the Clock port, one shared timer heap behind xstate's clock, and a manual clock.
export type { Clock, TimerClock, TimerHandle } from '../../lib/time/clock.js';
export { systemClock } from '../../lib/time/clock.js';
export { createSharedTimers, type SharedTimers, type SharedTimersOptions, type TimerGroup } from './shared-timers.js';
export { createManualClock, type ManualClock } from '../../lib/time/manual-clock.js';
