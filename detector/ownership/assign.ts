// Balanced assignment: with P partitions and L live detectors (sorted by id), the detector at index i wants
// floor(P/L) partitions, plus one when i < P mod L, so the quotas add up to exactly P. Preferences spread
// simultaneous starters apart (home partitions p ≡ i mod L first). Pure.

export function quotaOf(partitions: number, members: readonly string[], me: string): number {
  const live = members.length;
  const i = members.indexOf(me);
  if (live === 0 || i < 0) return 0;
  return Math.floor(partitions / live) + (i < partitions % live ? 1 : 0);
}

/** Partitions in the order this detector tries to acquire them: home ones first, then the rest. */
export function preferenceOrder(partitions: number, members: readonly string[], me: string): number[] {
  const live = Math.max(1, members.length);
  const i = Math.max(0, members.indexOf(me));
  const all = Array.from({ length: partitions }, (_, p) => p);
  return [...all.filter((p) => p % live === i), ...all.filter((p) => p % live !== i)];
}

/** Which owned partitions to give up to get down to `quota`: those that are not home ones first. */
export function releaseOrder(owned: readonly number[], partitions: number, members: readonly string[], me: string, quota: number): number[] {
  const excess = owned.length - quota;
  if (excess <= 0) return [];
  const pref = preferenceOrder(partitions, members, me);
  return [...owned].sort((a, b) => pref.indexOf(b) - pref.indexOf(a)).slice(0, excess);
}
