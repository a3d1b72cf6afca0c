// The active check a target carries, if any: its kind's settings block (`target.http`, `target.tcp`, …).
import { isCheckKind, type ActiveCheck } from '../../lib/api/check-settings.js';
import type { Target } from '../../lib/store/types.js';

export function activeCheckOf(target: Target): ActiveCheck | null {
  if (!isCheckKind(target.kind)) return null;
  const settings = target[target.kind];
  return settings === undefined ? null : ({ kind: target.kind, settings } as ActiveCheck);
}
