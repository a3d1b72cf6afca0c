// Alertmanager v2 JSON shapes (api/v2/openapi.yaml of Alertmanager 0.25) and their conversion to and from
// Lightwatch's silences and incidents. A silence made here is a Lightwatch silence and the other way round:
// AM matchers {name, value, isRegex, isEqual} are our {name, value, op}. Pure: no I/O.
import { z } from 'zod';
import { compilePattern } from '../patterns/pattern.js';
import type { Matcher, Silence } from '../store/types.js';

/** Alertmanager's answer for an operation: its status codes, JSON bodies and error shapes. */
export interface AmReply {
  status: number;
  /** Serialized as JSON, except `text` bodies (/-/healthy). */
  body?: unknown;
  text?: string;
}

/** Alertmanager's handlers answer 400/404/500 with the error text as a JSON string. */
export const amError = (status: number, message: string): AmReply => ({ status, body: message });

/** go-openapi's answer for a body that fails the schema (before any handler runs). */
export const amValidationError = (message: string): AmReply => ({ status: 422, body: { code: 602, message } });

export interface AmMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual?: boolean;
}

export function toAmMatcher(m: Matcher): AmMatcher {
  return { name: m.name, value: m.value, isRegex: m.op === '=~' || m.op === '!~', isEqual: m.op === '=' || m.op === '=~' };
}

export function fromAmMatcher(m: AmMatcher): Matcher {
  const equal = m.isEqual ?? true;
  return { name: m.name, value: m.value, op: m.isRegex ? (equal ? '=~' : '!~') : equal ? '=' : '!=' };
}

export type SilenceState = 'expired' | 'active' | 'pending';

export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (s.endsAt <= now) return 'expired';
  return s.startsAt > now ? 'pending' : 'active';
}

export const rfc3339 = (ms: number): string => new Date(ms).toISOString();

export function toGettableSilence(s: Silence, now: number): Record<string, unknown> {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    updatedAt: rfc3339(s.createdAt),
    matchers: s.matchers.map(toAmMatcher),
    startsAt: rfc3339(s.startsAt),
    endsAt: rfc3339(s.endsAt),
    createdBy: s.creator,
    comment: s.comment,
  };
}

/** Alertmanager's listing order: active by end, then pending by start, then expired by end, newest first. */
export function sortSilences(list: Silence[], now: number): Silence[] {
  const rank: Record<SilenceState, number> = { active: 0, pending: 1, expired: 2 };
  return list.sort((a, b) => {
    const sa = silenceState(a, now);
    const sb = silenceState(b, now);
    if (sa !== sb) return rank[sa] - rank[sb];
    if (sa === 'active') return a.endsAt - b.endsAt;
    if (sa === 'pending') return a.startsAt - b.startsAt;
    return b.endsAt - a.endsAt;
  });
}

const dateTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v), 'must be a date-time (RFC 3339)');

const postableMatcher = z.object({
  name: z.string().min(1).max(128),
  value: z.string().max(1024),
  isRegex: z.boolean(),
  isEqual: z.boolean().optional(),
});

const postableSilence = z.object({
  id: z.string().max(64).optional(),
  matchers: z.array(postableMatcher).min(1).max(20),
  startsAt: dateTime,
  endsAt: dateTime,
  createdBy: z.string().max(256),
  comment: z.string().max(1024),
});

export interface PostedSilence {
  id?: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

/** Field path as go-openapi names it in its messages (`silence.matchers`, `silence.matchers.0.isRegex`). */
function fieldOf(path: readonly PropertyKey[]): string {
  return ['silence', ...path.map(String)].join('.');
}

/** A postableSilence, or Alertmanager's error reply (400 unparsable, 422 schema, 400 semantic). */
export function parsePostableSilence(body: Buffer, now: number): PostedSilence | AmReply {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return { status: 400, body: { code: 400, message: `parsing silence body from "" failed, because ${err instanceof Error ? err.message : String(err)}` } };
  }
  const parsed = postableSilence.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = fieldOf(issue?.path ?? []);
    const missing = issue?.code === 'invalid_type' && issue.input === undefined;
    return amValidationError(missing ? `${field} in body is required` : `${field} in body ${issue?.message ?? 'is invalid'}`);
  }
  const s = parsed.data;
  const matchers = s.matchers.map(fromAmMatcher);
  for (const m of matchers) {
    if (m.op !== '=~' && m.op !== '!~') continue;
    try {
      compilePattern(m.value);
    } catch (err) {
      return amError(400, `failed to convert API silence to internal silence: invalid regular expression ${JSON.stringify(m.value)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const startsAt = Date.parse(s.startsAt);
  const endsAt = Date.parse(s.endsAt);
  if (startsAt >= endsAt) return amError(400, 'Failed to create silence: start time must be before end time');
  if (endsAt < now) return amError(400, "Failed to create silence: end time can't be in the past");
  const out: PostedSilence = { matchers, startsAt, endsAt, createdBy: s.createdBy, comment: s.comment };
  if (s.id !== undefined && s.id !== '') out.id = s.id;
  return out;
}

export interface FilterMatcher {
  name: string;
  op: Matcher['op'];
  value: string;
  test(value: string): boolean;
}

const MATCHER_RE = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

/** One `filter` parameter (`alertname="X"`, `job=~"a.*"`, `env!=dev`) as Alertmanager's ParseMatcher reads it. */
export function parseFilterMatcher(src: string): FilterMatcher {
  const m = MATCHER_RE.exec(src);
  if (!m) throw new Error(`bad matcher format: ${src}`);
  const name = m[1] as string;
  const op = m[2] as Matcher['op'];
  let value = m[3] as string;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      value = JSON.parse(value) as string;
    } catch (err) {
      throw new Error(`bad matcher format: ${src}`, { cause: err });
    }
  }
  let test: (v: string) => boolean;
  if (op === '=~' || op === '!~') {
    let re;
    try {
      re = compilePattern(value);
    } catch (err) {
      throw new Error(`bad matcher format: ${src}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    test = op === '=~' ? (v) => re.fullMatch(v) : (v) => !re.fullMatch(v);
  } else {
    test = op === '=' ? (v) => v === value : (v) => v !== value;
  }
  return { name, op, value, test };
}

/**
 * Whether a silence passes the `filter` matchers of GET /silences: every filter names a label the silence
 * has an equality matcher for, and accepts its value (Alertmanager's CheckSilenceMatchesFilterLabels).
 */
export function silenceMatchesFilter(s: Silence, filters: readonly FilterMatcher[]): boolean {
  return filters.every((f) => s.matchers.some((m) => m.name === f.name && m.op === '=' && f.test(m.value)));
}

/** Whether a label set passes every filter matcher (an absent label is the empty string, as in Prometheus). */
export function labelsMatchFilter(labels: Readonly<Record<string, string>>, filters: readonly FilterMatcher[]): boolean {
  return filters.every((f) => f.test(Object.hasOwn(labels, f.name) ? (labels[f.name] as string) : ''));
}

/** A boolean query parameter with its default (`true`/`false`; anything else is Alertmanager's 400). */
export function boolParam(name: string, raw: string | undefined, dflt: boolean): boolean {
  if (raw === undefined || raw === '') return dflt;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${name} in query must be of type boolean: "${raw.slice(0, 40)}"`);
}
