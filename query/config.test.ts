// Configuration resources through the QueryApi against a real SQLite store: validation with located details,
// strict bodies, references that must exist in the tenant, duplicates, merge updates and masked secrets.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(async () => {
  f = await createFixture();
});
afterEach(async () => {
  await f.close();
});

const heartbeatTarget = { name: 'nightly-backup', kind: 'heartbeat', heartbeat: { intervalSec: 86400, graceSec: 3600 }, labels: { env: 'prod' } };
const httpTarget = { name: 'homepage', kind: 'http', http: { url: 'https://example.com/health', expectedStatus: [200] }, slaTarget: 99.9 };

describe('targets', () => {
  it('creates with defaults, lists, gets, updates by merge and deletes', async () => {
    const created = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: httpTarget });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      tenant: 'a',
      name: 'homepage',
      kind: 'http',
      http: { url: 'https://example.com/health', intervalSec: 60, timeoutMs: 10000, retries: 0, retryBackoffMs: 1000, expectedStatus: [200] },
      slaTarget: 99.9,
      labels: {},
      channels: [],
      paused: false,
      createdAt: T0,
      updatedAt: T0,
    });
    const id = created.body.id as string;
    expect((await f.http(f.keys.readA, 'GET', '/api/targets')).body).toEqual({ items: [created.body], nextCursor: null });
    expect((await f.http(f.keys.readA, 'GET', `/api/targets/${id}`)).body).toEqual(created.body);

    f.clock.now = T0 + 1000;
    const patched = await f.http(f.keys.adminA, 'PATCH', `/api/targets/${id}`, { body: { paused: true, slaTarget: null, labels: { team: 'web' } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, paused: true, labels: { team: 'web' }, http: { url: 'https://example.com/health' }, createdAt: T0, updatedAt: T0 + 1000 });
    expect(patched.body).not.toHaveProperty('slaTarget');

    expect((await f.http(f.keys.adminA, 'DELETE', `/api/targets/${id}`)).body).toEqual({ deleted: true, id });
    expect((await f.http(f.keys.readA, 'GET', `/api/targets/${id}`)).status).toBe(404);
    expect((await f.http(f.keys.adminA, 'DELETE', `/api/targets/${id}`)).status).toBe(404);
  });

  it('answers 422 with each problem located by JSON pointer', async () => {
    const res = await f.http(f.keys.adminA, 'POST', '/api/targets', {
      body: { name: '', kind: 'heartbeat', heartbeat: { intervalSec: 0, graceSec: -1, extra: 1 }, slaTarget: 101, labels: { '1bad': 'x' }, color: 'red' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('unprocessable');
    const at = (res.body.error.details as { at: string }[]).map((d) => d.at);
    expect(at).toEqual(expect.arrayContaining(['/name', '/heartbeat/intervalSec', '/heartbeat/graceSec', '/heartbeat/extra', '/slaTarget', '/labels/1bad', '/color']));
    expect(res.body.error.details.find((d: { at: string }) => d.at === '/color').message).toBe('unknown field');
  });

  it('takes a cron schedule with a time zone, and refuses one that never fires, a bad zone or both schedules', async () => {
    const ok = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'backup', kind: 'heartbeat', heartbeat: { cron: '0 3 * * *', timezone: 'Europe/Berlin', graceSec: 600 } } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.heartbeat).toEqual({ cron: '0 3 * * *', timezone: 'Europe/Berlin', graceSec: 600, uuid: expect.stringMatching(/^[0-9a-f-]{36}$/), pushToken: expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
    const bad = async (heartbeat: object) => {
      const res = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'heartbeat', heartbeat } });
      expect(res.status).toBe(422);
      return res.body.error.details as Array<{ at: string; message: string }>;
    };
    expect(await bad({ cron: '0 0 30 2 *' })).toEqual([{ at: '/heartbeat/cron', message: 'the expression never fires' }]);
    expect(await bad({ cron: '0 3 * * *', timezone: 'Europe/Nowhere' })).toEqual([{ at: '/heartbeat/timezone', message: expect.stringContaining('unknown time zone "Europe/Nowhere"') }]);
    expect(await bad({ cron: '0 25 * * *' })).toEqual([{ at: '/heartbeat/cron', message: expect.stringContaining('hour') }]);
    expect(await bad({ cron: '0 3 * * *', intervalSec: 60 })).toEqual([{ at: '/heartbeat/intervalSec', message: 'give exactly one of intervalSec or cron' }]);
    expect(await bad({ graceSec: 60 })).toEqual([{ at: '/heartbeat/intervalSec', message: 'give exactly one of intervalSec or cron' }]);
  });

  it('requires the check block of the kind and refuses the other one', async () => {
    const missing = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'heartbeat' } });
    expect(missing.body.error.details).toEqual([{ at: '/heartbeat', message: 'required for kind heartbeat' }]);
    const wrong = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { ...heartbeatTarget, http: { url: 'https://x.test' } } });
    expect(wrong.body.error.details).toEqual([{ at: '/http', message: 'only allowed for kind http' }]);
    const slow = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'http', http: { url: 'https://x.test', intervalSec: 10, timeoutMs: 5000, retries: 2 } } });
    expect(slow.body.error.details[0].at).toBe('/http/timeoutMs');
    const ftp = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'http', http: { url: 'ftp://x.test' } } });
    expect(ftp.body.error.details[0].at).toBe('/http/url');
  });

  it('tells malformed JSON (400) from a body that is not an object or is missing (422)', async () => {
    const bad = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: '{"name": ' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('malformed_json');
    expect((await f.http(f.keys.adminA, 'POST', '/api/targets', { body: '[1]' })).status).toBe(422);
    expect((await f.http(f.keys.adminA, 'POST', '/api/targets', { body: 'null' })).status).toBe(422);
    expect((await f.http(f.keys.adminA, 'POST', '/api/targets')).status).toBe(422);
  });

  it('refuses duplicate names with 409, on create and on rename', async () => {
    await f.http(f.keys.adminA, 'POST', '/api/targets', { body: httpTarget });
    const dup = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: httpTarget });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('conflict');
    const other = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: heartbeatTarget });
    expect((await f.http(f.keys.adminA, 'PUT', `/api/targets/${other.body.id}`, { body: { name: 'homepage' } })).status).toBe(409);
    // The same name in another tenant is no conflict.
    expect((await f.http(f.keys.adminB, 'POST', '/api/targets', { body: httpTarget })).status).toBe(201);
  });

  it('checks that channel ids exist in the tenant (422 at their position)', async () => {
    const ch = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'ops', kind: 'slack', config: { webhookUrl: 'https://hooks.slack.test/services/T000/B000/XXXXXXXXXXXXXXXX' } } });
    const chB = await f.http(f.keys.adminB, 'POST', '/api/channels', { body: { name: 'ops', kind: 'slack', config: { webhookUrl: 'https://hooks.slack.test/services/x' } } });
    const res = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { ...httpTarget, channels: [ch.body.id, chB.body.id, 'nope'] } });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { at: string }) => d.at)).toEqual(['/channels/1', '/channels/2']);
    expect((await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { ...httpTarget, channels: [ch.body.id] } })).status).toBe(201);
    // A channel in use cannot be deleted.
    const del = await f.http(f.keys.adminA, 'DELETE', `/api/channels/${ch.body.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain('target "homepage"');
  });

  it('refuses a bodyMatch /pattern/ the pattern engine cannot run, saying where', async () => {
    const bad = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { ...httpTarget, http: { ...httpTarget.http, bodyMatch: '/"ok":(?=true)/' } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([{ at: '/http/bodyMatch', message: 'invalid regular expression at position 5: lookahead and lookbehind are not supported (RE2 syntax) (`(?=`)' }]);
    const flags = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { ...httpTarget, http: { ...httpTarget.http, bodyMatch: '/STATUS.*OK/i' } } });
    expect(flags.status).toBe(201);
    const literal = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { ...httpTarget, name: 'literal', http: { ...httpTarget.http, bodyMatch: '(not a pattern' } } });
    expect(literal.status).toBe(201);
  });

  it('masks http check header values and keeps them when the mask is sent back', async () => {
    const secret = 'Bearer abcdefghijklmnopqrstuvwxyz';
    const created = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { ...httpTarget, http: { ...httpTarget.http, headers: { Authorization: secret } } } });
    expect(created.body.http.headers).toEqual({ Authorization: '********wxyz' });
    const echoed = await f.http(f.keys.adminA, 'PUT', `/api/targets/${created.body.id}`, { body: { http: created.body.http } });
    expect(echoed.status).toBe(200);
    expect((await f.store.targets.get('a', created.body.id))?.http?.headers).toEqual({ Authorization: secret });
  });
});

describe('rules', () => {
  it('validates kind-specific params strictly', async () => {
    const ok = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'cpu high', kind: 'threshold', params: { metric: 'cpu', op: '>', value: 0.9, forSec: 60 } } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ kind: 'threshold', severity: 'warning', enabled: true, channels: [], params: { metric: 'cpu', op: '>', value: 0.9, forSec: 60, keepFiringForSec: 0 } });

    const typo = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'x', kind: 'threshold', params: { metric: 'cpu', op: '>', value: 1, forsec: 60 } } });
    expect(typo.body.error.details).toEqual([{ at: '/params/forsec', message: 'unknown field' }]);
    const badOp = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'x', kind: 'threshold', params: { metric: 'cpu', op: '=>', value: 1 } } });
    expect(badOp.body.error.details[0].at).toBe('/params/op');
    const badKind = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'x', kind: 'magic', params: {} } });
    expect(badKind.status).toBe(422);
    expect(badKind.body.error.details[0].at).toBe('/kind');
    const regex = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'x', kind: 'log_pattern', params: { pattern: '(unclosed' } } });
    expect(regex.body.error.details).toEqual([{ at: '/params/pattern', message: 'invalid regular expression at position 0: missing closing ) (`(unclosed`)' }]);
    const lookahead = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'x', kind: 'log_pattern', params: { pattern: 'error(?!: expected)' } } });
    expect(lookahead.status).toBe(422);
    expect(lookahead.body.error.details[0].message).toMatch(/^invalid regular expression at position 5: lookahead and lookbehind are not supported/);
    const huge = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'x', kind: 'log_pattern', params: { pattern: 'a.{999}b.{999}c.{999}' } } });
    expect(huge.body.error.details[0]).toMatchObject({ at: '/params/pattern', message: expect.stringMatching(/too complex/) });
    const catastrophic = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'x', kind: 'log_pattern', params: { pattern: '^(a+)+$' } } });
    expect(catastrophic.status).toBe(201); // harmless on a linear-time engine
    const both = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'x', kind: 'anomaly', params: { metric: 'cpu', rate: 'log' } } });
    expect(both.body.error.details[0].at).toBe('/params/metric');
    const glob = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'oom', kind: 'log_pattern', params: { pattern: '*(unclosed*', patternType: 'glob', count: 3 } } });
    expect(glob.status).toBe(201);
  });

  it('checks the target reference and refuses targetId with selector', async () => {
    const t = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: heartbeatTarget });
    const tB = await f.http(f.keys.adminB, 'POST', '/api/targets', { body: heartbeatTarget });
    const foreign = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'hb', kind: 'heartbeat', targetId: tB.body.id } });
    expect(foreign.status).toBe(422);
    expect(foreign.body.error.details[0].at).toBe('/targetId');
    const both = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'hb', kind: 'heartbeat', targetId: t.body.id, selector: { env: 'prod' } } });
    expect(both.body.error.details[0].at).toBe('/selector');
    const rule = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: { name: 'hb', kind: 'heartbeat', targetId: t.body.id } });
    expect(rule.status).toBe(201);
    expect(rule.body.params).toEqual({ forSec: 0, keepFiringForSec: 0, minStateSec: 0, relapseWindowSec: 300, anomalyK: 4, minSamples: 8, manualResolve: false }); // the defaults the detector runs with
    // The target cannot go while a rule points at it.
    expect((await f.http(f.keys.adminA, 'DELETE', `/api/targets/${t.body.id}`)).status).toBe(409);
    // Switching kind through an update revalidates params against the new kind.
    const switched = await f.http(f.keys.adminA, 'PATCH', `/api/rules/${rule.body.id}`, { body: { kind: 'threshold' } });
    expect(switched.status).toBe(422);
    expect(switched.body.error.details.map((d: { at: string }) => d.at)).toContain('/params/metric');
  });
});

describe('channels', () => {
  it('masks every secret and keeps them when the masks come back', async () => {
    const webhook = { name: 'hook', kind: 'webhook', config: { url: 'https://hooks.example.com/in', secret: 'whsec_0123456789abcdefXYZ1', headers: { 'X-Token': 'tok_0123456789abcdefWXYZ' } }, isDefault: true };
    const created = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: webhook });
    expect(created.status).toBe(201);
    expect(created.body.config).toEqual({ url: 'https://hooks.example.com/in', secret: '********XYZ1', headers: { 'X-Token': '********WXYZ' } });
    expect(created.body).toMatchObject({ isDefault: true, repeatIntervalSec: 0, rateLimitPerMin: 20 });
    expect(JSON.stringify((await f.http(f.keys.readA, 'GET', '/api/channels')).body)).not.toContain('0123456789');

    const renamed = await f.http(f.keys.adminA, 'PATCH', `/api/channels/${created.body.id}`, { body: { name: 'hook2', config: created.body.config } });
    expect(renamed.status).toBe(200);
    expect((await f.store.channels.get('a', created.body.id))?.config).toEqual(webhook.config);
    const rotated = await f.http(f.keys.adminA, 'PATCH', `/api/channels/${created.body.id}`, { body: { config: { ...created.body.config, secret: 'whsec_new_secret_value_000' } } });
    expect(rotated.body.config.secret).toBe('********_000');
    expect((await f.store.channels.get('a', created.body.id))?.config.secret).toBe('whsec_new_secret_value_000');

    const tg = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'tg', kind: 'telegram', config: { botToken: '123456:short', chatId: -100123 } } });
    expect(tg.body.config).toEqual({ botToken: '********', chatId: '-100123' });
  });

  it('validates per kind', async () => {
    const res = await f.http(f.keys.adminA, 'POST', '/api/channels', { body: { name: 'x', kind: 'slack', config: { url: 'https://x.test' }, repeatIntervalSec: 5 } });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { at: string }) => d.at)).toEqual(expect.arrayContaining(['/config/webhookUrl', '/config/url', '/repeatIntervalSec']));
  });
});

describe('silences and maintenance', () => {
  it('records the creator from the credential and accepts RFC 3339 or ms', async () => {
    const res = await f.http(f.keys.adminA, 'POST', '/api/silences', { body: { matchers: [{ name: 'env', value: 'prod' }, { name: 'target', value: 'web-.*', op: '=~' }], endsAt: '2026-01-01T02:00:00Z', comment: 'deploy' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ startsAt: T0, endsAt: T0 + 2 * 3_600_000, comment: 'deploy', creator: expect.stringMatching(/^key:/), matchers: [{ name: 'env', value: 'prod', op: '=' }, { op: '=~' }] });
    const forged = await f.http(f.keys.adminA, 'PATCH', `/api/silences/${res.body.id}`, { body: { creator: 'someone-else' } });
    expect(forged.status).toBe(422);
    expect(forged.body.error.details).toEqual([{ at: '/creator', message: 'unknown field' }]);
    const past = await f.http(f.keys.adminA, 'POST', '/api/silences', { body: { matchers: [{ name: 'env', value: 'x' }], endsAt: T0 - 1 } });
    expect(past.body.error.details).toEqual([{ at: '/endsAt', message: 'must be after startsAt (default now)' }]);
    const badTime = await f.http(f.keys.adminA, 'POST', '/api/silences', { body: { matchers: [{ name: 'env', value: '(' , op: '=~' }], endsAt: 'tomorrow' } });
    expect(badTime.body.error.details.map((d: { at: string }) => d.at).sort()).toEqual(['/endsAt', '/matchers/0/value']);
    const backref = await f.http(f.keys.adminA, 'POST', '/api/silences', { body: { matchers: [{ name: 'env', value: '(a)\\1', op: '!~' }], endsAt: T0 + 1000 } });
    expect(backref.body.error.details).toEqual([{ at: '/matchers/0/value', message: 'invalid regular expression at position 3: backreferences are not supported (RE2 syntax) (`\\1`)' }]);
  });

  it('checks maintenance target ids and the window order', async () => {
    const t = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: heartbeatTarget });
    const ok = await f.http(f.keys.adminA, 'POST', '/api/maintenance', { body: { name: 'upgrade', targetIds: [t.body.id], startsAt: T0, endsAt: T0 + 3_600_000 } });
    expect(ok.status).toBe(201);
    const unknown = await f.http(f.keys.adminA, 'POST', '/api/maintenance', { body: { name: 'x', targetIds: ['nope'], startsAt: T0, endsAt: T0 + 1 } });
    expect(unknown.body.error.details).toEqual([{ at: '/targetIds/0', message: 'unknown target "nope"', index: 0 }]);
    const reversed = await f.http(f.keys.adminA, 'PATCH', `/api/maintenance/${ok.body.id}`, { body: { endsAt: T0 - 1 } });
    expect(reversed.body.error.details).toEqual([{ at: '/endsAt', message: 'must be after startsAt' }]);
  });
});
