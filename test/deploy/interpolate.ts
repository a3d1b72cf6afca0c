// Compose variable interpolation (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error},
// ${VAR:+alt}, ${VAR+alt}, $VAR, $$), so the checks compare the values the containers will really get.

export interface InterpolationIssue {
  variable: string;
  message: string;
}

const PATTERN = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

export function interpolate(text: string, env: Readonly<Record<string, string>>, issues: InterpolationIssue[]): string {
  return text.replace(PATTERN, (_all, dollar: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (dollar) return '$';
    const name = (braced ?? bare) as string;
    const value = env[name];
    const isSet = value !== undefined;
    const nonEmpty = isSet && value !== '';
    switch (op) {
      case undefined:
        return value ?? '';
      case ':-':
        return nonEmpty ? value : (arg ?? '');
      case '-':
        return isSet ? value : (arg ?? '');
      case ':?':
      case '?':
        if (op === ':?' ? nonEmpty : isSet) return value ?? '';
        issues.push({ variable: name, message: arg || `${name} is required` });
        return '';
      case ':+':
        return nonEmpty ? (arg ?? '') : '';
      case '+':
        return isSet ? (arg ?? '') : '';
      default:
        return value ?? '';
    }
  });
}

/** Interpolates every string inside a parsed YAML value (compose interpolates keys' values everywhere). */
export function interpolateDeep(v: unknown, env: Readonly<Record<string, string>>, issues: InterpolationIssue[]): unknown {
  if (typeof v === 'string') return interpolate(v, env, issues);
  if (Array.isArray(v)) return v.map((x) => interpolateDeep(x, env, issues));
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolateDeep(x, env, issues)]));
  }
  return v;
}
