// The kinds the settings editor offers: read from the API's OpenAPI document, so kinds added to the API appear
// without a dashboard release; when the document cannot be read, the lists the API itself is built from
// (lib/api/kinds.ts, import-free), so the fallback cannot go stale.
import { CHANNEL_KINDS, RULE_KINDS, TARGET_KINDS } from '../../../lib/api/kinds.js';

export interface Kinds {
  target: string[];
  rule: string[];
  channel: string[];
}

export const FALLBACK_KINDS: Kinds = { target: [...TARGET_KINDS], rule: [...RULE_KINDS], channel: [...CHANNEL_KINDS] };

/** The parts of the OpenAPI document the kinds are read from. */
export interface KindsDocument {
  components: { schemas: Record<string, { properties?: { kind?: { enum?: string[] } }; oneOf?: Array<{ properties?: { kind?: { const?: string } } }> }> };
}

/** The target, rule and channel kinds an OpenAPI document lists (a list it lacks is absent). */
export function kindsIn(doc: KindsDocument): Partial<Kinds> {
  const s = doc.components.schemas;
  const oneOfKinds = (name: string): string[] => (s[name]?.oneOf ?? []).map((b) => b.properties?.kind?.const).filter((k): k is string => typeof k === 'string');
  const found: Partial<Kinds> = {};
  const target = s.TargetInput?.properties?.kind?.enum;
  if (target !== undefined && target.length > 0) found.target = target;
  const rule = oneOfKinds('RuleInput');
  if (rule.length > 0) found.rule = rule;
  const channel = oneOfKinds('ChannelInput');
  if (channel.length > 0) found.channel = channel;
  return found;
}

/** The kinds to offer: those the document lists, the built-in ones for any it lacks. */
export function kindsOf(doc: KindsDocument): Kinds {
  return { ...FALLBACK_KINDS, ...kindsIn(doc) };
}
