// The dashboard's built-in kinds (offered when /api/openapi.json cannot be read) against what the API's own
// OpenAPI document lists: a kind added to the server and not to the fallback, or a document the dashboard
// no longer reads right, fails here. Here and not under web/src: it imports server code, which the
// dashboard's build and typecheck (browser libraries only) must not see.
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../lib/api/openapi.js';
import { FALLBACK_KINDS, kindsIn, type KindsDocument } from '../../web/src/lib/kinds.js';

describe("the dashboard's target, rule and channel kinds", () => {
  const listed = kindsIn(buildOpenApiDocument() as unknown as KindsDocument);

  it('are read from the OpenAPI document, newer kinds included', () => {
    expect(listed.target).toEqual(expect.arrayContaining(['heartbeat', 'http', 'tcp', 'scrape', 'metric', 'log']));
    expect(listed.rule).toEqual(expect.arrayContaining(['threshold', 'log_pattern', 'promql']));
    expect(listed.channel).toEqual(expect.arrayContaining(['webhook', 'email', 'alertmanager']));
  });

  it('fall back to exactly the kinds the server accepts', () => {
    expect(FALLBACK_KINDS).toEqual(listed);
  });
});
