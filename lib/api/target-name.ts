// The one rule for a target's name, applied where targets are created: by the API and by a heartbeat ping
// with `?create=1`. `.` and `..` are refused because they cannot be addressed in a URL path (clients and
// proxies collapse them), control characters (NUL above all) because they break logs, headers and paths.
import { hasControl } from './fields.js';

export const MAX_TARGET_NAME_LENGTH = 200;

/** What is wrong with `name` as a target name, or null when it is fine. */
export function targetNameProblem(name: string): string | null {
  const t = name.trim();
  if (t.length === 0) return 'must not be empty';
  if (t.length > MAX_TARGET_NAME_LENGTH) return `must be at most ${MAX_TARGET_NAME_LENGTH} characters`;
  if (t === '.' || t === '..') return 'must not be "." or ".." (they cannot be addressed in a URL path)';
  if (hasControl(t)) return 'must not contain control characters';
  return null;
}
