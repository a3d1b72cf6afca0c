// Where in its interval a target's check runs: a stable offset from a hash of the target's id, so 10,000
// checks of one interval start spread evenly instead of all at once, and every run of one target keeps the
// same phase (restarts included). Pure.

/** FNV-1a of `s`, 32 bits. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The first run at or after `now` of a check with this id and interval (epoch ms). */
export function firstRunAt(id: string, intervalMs: number, now: number): number {
  const phase = hash(id) % intervalMs;
  const base = now - (now % intervalMs) + phase;
  return base >= now ? base : base + intervalMs;
}
