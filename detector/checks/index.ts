// Active HTTP checks run by the owner of the target's partition.
export { createChecker, type Checker, type CheckerOptions } from './checker.js';
export { bodyMatches, probe } from './probe.js';
