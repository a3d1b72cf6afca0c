// Active checks run by the owner of the target's partition: one probe per kind, one runner for all.
export { createChecker, type Checker, type CheckerOptions } from './checker.js';
export { runCheck, type Probe, type AttemptResult } from './probe.js';
export { PROBES } from './kinds/index.js';
