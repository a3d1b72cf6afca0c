// Every check kind's probe, by kind.
import type { ProbeTable } from '../probe.js';
import { httpProbe } from './http.js';

export const PROBES: ProbeTable = {
  http: httpProbe,
};
