// Target dependencies: a target may depend on others (a service on its database, hosts on their switch).
// While any ancestor is down, the target's incidents are recorded but not notified; the reason names the
// parent. Resolutions always go out (the caller passes `alreadyNotified`). Cycles are tolerated. Pure.

/** `dependency:<parentId>` for the first down ancestor of `targetId`, or null. */
export function blockedByParent(targetId: string, dependsOn: ReadonlyMap<string, readonly string[]>, isDown: (targetId: string) => boolean, resolving = false, alreadyNotified = false): string | null {
  if (resolving && alreadyNotified) return null;
  const seen = new Set<string>([targetId]);
  let frontier = [...(dependsOn.get(targetId) ?? [])];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const p of frontier) {
      if (seen.has(p)) continue;
      seen.add(p);
      if (isDown(p)) return `dependency:${p}`;
      next.push(...(dependsOn.get(p) ?? []));
    }
    frontier = next;
  }
  return null;
}
