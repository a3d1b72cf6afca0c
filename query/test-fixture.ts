// Test fixture for the query service: a real SQLite store (in memory), the real authenticator, a bootstrapped
// installation with two tenants and keys of every scope, a settable clock, and `http()`, which asks the gateway's
// own `answerApi` (lib/api/answer.ts) in-process: status and JSON body are the gateway's, errors included.
import { pino } from 'pino';
import { createAnswerApi, type AnswerApi } from '../lib/api/answer.js';
import { createAuthenticator } from '../lib/auth/authenticator.js';
import type { QueryApi } from '../lib/rpc/apis.js';
import type { ConfigChange } from '../lib/streams/config-changes.js';
import type { Networks } from '../lib/net/networks.js';
import { createSqliteStore, type SqliteStore } from '../lib/store/sqlite/store.js';
import { ensureBootstrap } from './bootstrap.js';
import { createQueryApi } from './service.js';

export const OPERATOR_KEY = 'lw_test_operator_key_0123456789';
export const JWT_SECRET = new TextEncoder().encode('test-secret-test-secret-test-secret!');
export const T0 = Date.UTC(2026, 0, 1);

export interface HttpAnswer {
  status: number;
  // Tests read arbitrary JSON answers.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Fixture {
  store: SqliteStore;
  api: QueryApi;
  clock: { now: number };
  /** Configuration changes the service announced (to the detectors), in order. */
  changes: ConfigChange[];
  /** Keys by name: operator (admin of default), adminA/readA/ingestA of tenant a, adminB/readB of tenant b. */
  keys: Record<'operator' | 'adminA' | 'readA' | 'ingestA' | 'adminB' | 'readB', string>;
  http(credential: string | null, method: string, path: string, opts?: { params?: Record<string, string | string[]>; body?: unknown }): Promise<HttpAnswer>;
  close(): Promise<void>;
}

/** One /api request answered as the gateway answers it (`answerApi`, in-process), with `credential` as a Bearer key. */
export async function callHttp(api: QueryApi, credential: string | null, method: string, path: string, opts: { params?: Record<string, string | string[]>; body?: unknown } = {}): Promise<HttpAnswer> {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.params ?? {})) for (const one of typeof v === 'string' ? [v] : v) query.append(k, one);
  const body = opts.body === undefined ? '' : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const res = await answerApiOf(api)({
    method,
    path,
    query,
    headers: credential === null ? {} : { authorization: `Bearer ${credential}` },
    body: Buffer.from(body),
    requestId: 'test',
  });
  return { status: res.status, body: res.body === '' ? {} : JSON.parse(res.body) };
}

const answerers = new WeakMap<QueryApi, AnswerApi>();
function answerApiOf(api: QueryApi): AnswerApi {
  let answer = answerers.get(api);
  if (!answer) answerers.set(api, (answer = createAnswerApi({ query: api, logger: pino({ level: 'silent' }) })));
  return answer;
}

export async function createFixture(options: { checkAllowedNetworks?: Networks; notifyAllowedNetworks?: Networks } = {}): Promise<Fixture> {
  const store = await createSqliteStore({ path: ':memory:' });
  const clock = { now: T0 };
  const changes: ConfigChange[] = [];
  const now = (): number => clock.now;
  await ensureBootstrap(store, { bootstrapApiKey: OPERATOR_KEY, now });
  const api = createQueryApi({
    store,
    authenticate: createAuthenticator({ store, jwtSecret: JWT_SECRET, cacheTtlMs: 0, now }),
    jwtSecret: JWT_SECRET,
    jwtTtlSec: 3600,
    now,
    logger: pino({ level: 'silent' }),
    configChanged: async (c) => {
      changes.push(c);
    },
    ...(options.checkAllowedNetworks ? { checkAllowedNetworks: options.checkAllowedNetworks } : {}),
    ...(options.notifyAllowedNetworks ? { notifyAllowedNetworks: options.notifyAllowedNetworks } : {}),
  });
  const http: Fixture['http'] = (credential, method, path, opts) => callHttp(api, credential, method, path, opts);
  const must = async (cred: string, path: string, body: unknown): Promise<HttpAnswer['body']> => {
    const res = await http(cred, 'POST', path, { body });
    if (res.status !== 201) throw new Error(`setup ${path} failed: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const a = await must(OPERATOR_KEY, '/api/tenants', { id: 'a', name: 'Tenant A' });
  const b = await must(OPERATOR_KEY, '/api/tenants', { id: 'b', name: 'Tenant B' });
  const adminA = a.adminKey.key as string;
  const adminB = b.adminKey.key as string;
  const keys = {
    operator: OPERATOR_KEY,
    adminA,
    adminB,
    readA: (await must(adminA, '/api/keys', { name: 'reader', scopes: ['read'] })).key as string,
    ingestA: (await must(adminA, '/api/keys', { name: 'agent', scopes: ['ingest'] })).key as string,
    readB: (await must(adminB, '/api/keys', { name: 'reader', scopes: ['read'] })).key as string,
  };
  return { store, api, clock, changes, keys, http, close: () => store.close() };
}
