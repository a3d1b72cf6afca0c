// Reading the kinds from the OpenAPI document's shape, and the fallback for any list it lacks. That the
// fallback equals what the server lists is test/contracts/dashboard-kinds.test.ts (it imports server code).
import { describe, expect, it } from 'vitest';
import { FALLBACK_KINDS, kindsIn, kindsOf } from './kinds.js';

const doc = {
  components: {
    schemas: {
      TargetInput: { properties: { kind: { enum: ['heartbeat', 'gopher'] } } },
      RuleInput: { oneOf: [{ properties: { kind: { const: 'threshold' } } }, { properties: { kind: { const: 'oracle' } } }] },
    },
  },
};

describe('kinds', () => {
  it('reads target kinds from the enum and rule and channel kinds from the oneOf branches', () => {
    expect(kindsIn(doc)).toEqual({ target: ['heartbeat', 'gopher'], rule: ['threshold', 'oracle'] });
  });

  it('falls back to the built-in list for each list the document lacks', () => {
    expect(kindsOf(doc)).toEqual({ target: ['heartbeat', 'gopher'], rule: ['threshold', 'oracle'], channel: FALLBACK_KINDS.channel });
    expect(kindsOf({ components: { schemas: {} } })).toEqual(FALLBACK_KINDS);
    expect(FALLBACK_KINDS.target).toContain('scrape');
    expect(FALLBACK_KINDS.rule).toContain('promql');
  });
});
