// Administration: tenants (created by admins of tenant `default`, each with a first admin key), API keys
// (shown once, stored hashed, revocable), users (slow-hashed passwords) and login to a JWT.
import { keyBody, loginBody, tenantBody, userBody } from '../lib/api/schemas.js';
import { issueToken } from '../lib/auth/jwt.js';
import { generateApiKey } from '../lib/auth/keys.js';
import { hashPassword, verifyPassword } from '../lib/auth/passwords.js';
import type { Principal, Scope } from '../lib/auth/principal.js';
import { conflict, forbidden, unauthenticated } from '../lib/errors/errors.js';
import type { ApiKey, Tenant, User } from '../lib/store/types.js';
import { listBody, missing, type HandlerTable, type ServiceContext } from './context.js';
import { parseBody } from './validation.js';

export const DEFAULT_TENANT = 'default';

/** Admins of tenant `default` administer the installation: they see and create every tenant. */
const isOperator = (p: Principal): boolean => p.tenant === DEFAULT_TENANT;

export function presentKey(k: ApiKey): Omit<ApiKey, 'hash'> {
  const { hash: _hash, ...rest } = k;
  return rest;
}

export function presentUser(u: User): Omit<User, 'passwordHash'> {
  const { passwordHash: _hash, ...rest } = u;
  return rest;
}

export async function createKey(ctx: ServiceContext, tenant: string, name: string, scopes: Scope[]): Promise<{ record: ApiKey; key: string }> {
  const generated = generateApiKey();
  const record: ApiKey = { id: ctx.newId(), tenant, name, hash: generated.hash, prefix: generated.prefix, scopes, createdAt: ctx.now() };
  await ctx.store.createApiKey(record);
  return { record, key: generated.key };
}

export interface AdminOptions {
  jwtSecret: Uint8Array;
  jwtTtlSec: number;
}

export function adminHandlers(opts: AdminOptions): HandlerTable {
  // Login spends the same scrypt time whether or not the email exists, so timing does not tell.
  let dummyHash: Promise<string> | undefined;
  const dummy = (): Promise<string> => (dummyHash ??= hashPassword('lightwatch-dummy-password'));

  return {
    'tenants:list': {
      run: async (ctx, call) => {
        if (isOperator(call.principal)) return { body: listBody(await ctx.store.listTenants()) };
        const own = await ctx.store.getTenant(call.principal.tenant);
        return { body: listBody(own ? [own] : []) };
      },
    },
    'tenants:get': {
      run: async (ctx, call) => {
        if (!isOperator(call.principal) && call.id !== call.principal.tenant) throw missing('tenant', call.id);
        const t = await ctx.store.getTenant(call.id);
        if (!t) throw missing('tenant', call.id);
        return { body: t };
      },
    },
    'tenants:create': {
      run: async (ctx, call) => {
        if (!isOperator(call.principal)) throw forbidden(`only admins of tenant ${DEFAULT_TENANT} can create tenants`);
        const body = parseBody(tenantBody, call.bodyJson, 'tenant body');
        if (await ctx.store.getTenant(body.id)) throw conflict(`tenant ${JSON.stringify(body.id)} already exists`);
        const tenant: Tenant = { id: body.id, name: body.name, createdAt: ctx.now() };
        await ctx.store.createTenant(tenant);
        // Without a first key nobody could act in the new tenant (keys and users are created per tenant).
        const { record, key } = await createKey(ctx, tenant.id, 'initial admin', ['admin']);
        ctx.logger.info({ requestId: call.requestId, tenant: tenant.id, by: call.principal.subject }, 'tenant created');
        return { status: 201, body: { tenant, adminKey: { ...presentKey(record), key } } };
      },
    },

    'keys:list': { run: async (ctx, call) => ({ body: listBody((await ctx.store.listApiKeys(call.principal.tenant)).map(presentKey)) }) },
    'keys:get': {
      run: async (ctx, call) => {
        const k = (await ctx.store.listApiKeys(call.principal.tenant)).find((x) => x.id === call.id);
        if (!k) throw missing('key', call.id);
        return { body: presentKey(k) };
      },
    },
    'keys:create': {
      run: async (ctx, call) => {
        const body = parseBody(keyBody, call.bodyJson, 'key body');
        const tenant = call.principal.tenant;
        const existing = await ctx.store.listApiKeys(tenant);
        if (existing.some((k) => k.name === body.name && k.revokedAt === undefined)) throw conflict(`an active key named ${JSON.stringify(body.name)} already exists`);
        const { record, key } = await createKey(ctx, tenant, body.name, body.scopes);
        ctx.logger.info({ requestId: call.requestId, tenant, keyId: record.id, scopes: record.scopes, by: call.principal.subject }, 'api key created');
        return { status: 201, body: { ...presentKey(record), key } };
      },
    },
    'keys:action:revoke': {
      run: async (ctx, call) => {
        const tenant = call.principal.tenant;
        const k = (await ctx.store.listApiKeys(tenant)).find((x) => x.id === call.id);
        if (!k) throw missing('key', call.id);
        if (k.revokedAt !== undefined) return { body: presentKey(k) };
        const at = ctx.now();
        if (!(await ctx.store.revokeApiKey(tenant, k.id, at))) throw missing('key', call.id);
        ctx.revoked(`key:${k.id}`);
        ctx.logger.info({ requestId: call.requestId, tenant, keyId: k.id, by: call.principal.subject }, 'api key revoked');
        return { body: presentKey({ ...k, revokedAt: at }) };
      },
    },

    'users:list': { run: async (ctx, call) => ({ body: listBody((await ctx.store.listUsers(call.principal.tenant)).map(presentUser)) }) },
    'users:get': {
      run: async (ctx, call) => {
        const u = (await ctx.store.listUsers(call.principal.tenant)).find((x) => x.id === call.id);
        if (!u) throw missing('user', call.id);
        return { body: presentUser(u) };
      },
    },
    'users:create': {
      run: async (ctx, call) => {
        const body = parseBody(userBody, call.bodyJson, 'user body');
        const tenant = call.principal.tenant;
        // Emails are unique across the installation because login is by email alone.
        if (await ctx.store.findUserByEmail(body.email)) throw conflict('a user with this email already exists');
        const user: User = { id: ctx.newId(), tenant, email: body.email, passwordHash: await hashPassword(body.password), scopes: body.scopes, createdAt: ctx.now() };
        await ctx.store.createUser(user);
        ctx.logger.info({ requestId: call.requestId, tenant, userId: user.id, by: call.principal.subject }, 'user created');
        return { status: 201, body: presentUser(user) };
      },
    },
    'users:delete': {
      run: async (ctx, call) => {
        if (!(await ctx.store.deleteUser(call.principal.tenant, call.id))) throw missing('user', call.id);
        ctx.revoked(`user:${call.id}`);
        ctx.logger.info({ requestId: call.requestId, tenant: call.principal.tenant, userId: call.id, by: call.principal.subject }, 'user deleted');
        return { body: { deleted: true, id: call.id } };
      },
    },

    /** Public: the only route that takes no credential. */
    'auth:action:login': {
      run: async (ctx, call) => {
        const body = parseBody(loginBody, call.bodyJson, 'login body');
        const user = await ctx.store.findUserByEmail(body.email.trim().toLowerCase());
        const ok = user ? await verifyPassword(body.password, user.passwordHash) : (await verifyPassword(body.password, await dummy()), false);
        if (!user || !ok) {
          ctx.logger.warn({ requestId: call.requestId }, 'login failed');
          throw unauthenticated('invalid email or password');
        }
        const now = ctx.now();
        const token = await issueToken({ userId: user.id, tenant: user.tenant, scopes: user.scopes }, opts.jwtSecret, opts.jwtTtlSec, now);
        // The JWT's exp is in whole seconds from the issue second.
        const expiresAt = (Math.floor(now / 1000) + opts.jwtTtlSec) * 1000;
        return { body: { token, tokenType: 'Bearer', expiresAt, tenant: user.tenant, scopes: user.scopes } };
      },
    },
  };
}
