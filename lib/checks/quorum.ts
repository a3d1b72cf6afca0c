// Multi-location quorum: a check naming several locations (detector replicas with LOCATION=…, or remote
// `lightwatch probe` agents) is down only when at least `quorum` of them agree it fails, so one location's bad
// network does not page anyone. Pure: the latest verdict of each location in, the decision out.

export interface LocationResult {
  /** Consecutive failed results at this location (0 after an ok one). */
  fails: number;
  /** When the latest result arrived, epoch ms. */
  at: number;
  /** The latest failure's reason. */
  error: string;
}

export interface QuorumInput {
  /** The locations the check names. */
  locations: readonly string[];
  /** How many of them must agree it fails. */
  quorum: number;
  /** Consecutive failed results before a location counts as failing. */
  failures: number;
  /** A location whose latest result is older than this (ms) has no say until it reports again. */
  staleMs: number;
  now: number;
}

export interface QuorumVerdict {
  down: boolean;
  failing: string[];
  passing: string[];
  /** Locations that never reported, or not recently. */
  silent: string[];
}

/** The default quorum of M locations: a majority. */
export function defaultQuorum(locations: number): number {
  return Math.floor(locations / 2) + 1;
}

export function quorumVerdict(results: Readonly<Record<string, LocationResult>>, q: QuorumInput): QuorumVerdict {
  const failing: string[] = [];
  const passing: string[] = [];
  const silent: string[] = [];
  for (const loc of q.locations) {
    const r = results[loc];
    if (r === undefined || q.now - r.at > q.staleMs) silent.push(loc);
    else if (r.fails >= q.failures) failing.push(loc);
    else passing.push(loc);
  }
  return { down: failing.length >= q.quorum, failing, passing, silent };
}

/** One line for people: `check failed at 2 of 3 locations (eu: connection refused; us: timeout)`. */
export function quorumSummary(v: QuorumVerdict, results: Readonly<Record<string, LocationResult>>, total: number): string {
  const why = v.failing.map((l) => `${l}: ${results[l]?.error ?? 'failed'}`).join('; ');
  return `check failed at ${v.failing.length} of ${total} locations (${why})`;
}
