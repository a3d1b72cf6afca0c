// The five handlers of a tenant-scoped configuration collection (targets, rules, channels, silences,
// maintenance), built once: tenant from the principal, strict body validation, update as a merge of the
// stored editable fields with the body (validated as a whole), reference checks and presentation supplied
// by each resource.
import type { z } from 'zod';
import { conflict } from '../lib/errors/errors.js';
import type { ConfigCollection, Store } from '../lib/store/port.js';
import { listBody, missing, type Call, type HandlerTable, type ServiceContext } from './context.js';
import { mergeForUpdate, parseBody, parseJsonObject, validate, type JsonObject } from './validation.js';

type Entity = { id: string; tenant: string; createdAt: number };

export interface CrudSpec<T extends Entity, S extends z.ZodType> {
  resource: string;
  noun: string;
  collection: (store: Store) => ConfigCollection<T>;
  schema: S;
  /** The body form of a stored item, as the update merge starts from (secrets unmasked). */
  editable: (item: T) => JsonObject;
  /** Before validation on update: lets a resource restore masked secrets the client echoed back. */
  beforeUpdate?: (merged: JsonObject, stored: T) => JsonObject;
  /** Checks references (422) and builds the stored item from a valid body. */
  build: (ctx: ServiceContext, call: Call, body: z.output<S>, stored: T | null) => Promise<T>;
  present: (item: T) => unknown;
  /** Returns a 409 message when the item may not be deleted (still referenced), else null. */
  blockDelete?: (ctx: ServiceContext, call: Call, item: T) => Promise<string | null>;
  /** For named collections: a duplicate name is a 409. */
  nameOf?: (item: T) => string;
}

export function crudHandlers<T extends Entity, S extends z.ZodType>(spec: CrudSpec<T, S>): HandlerTable {
  const { resource, noun } = spec;
  const load = async (ctx: ServiceContext, call: Call): Promise<T> => {
    const item = await spec.collection(ctx.store).get(call.principal.tenant, call.id);
    if (!item) throw missing(noun, call.id);
    return item;
  };
  const checkName = async (ctx: ServiceContext, call: Call, item: T): Promise<void> => {
    if (!spec.nameOf) return;
    const name = spec.nameOf(item);
    const all = await spec.collection(ctx.store).list(call.principal.tenant);
    if (all.some((o) => o.id !== item.id && spec.nameOf?.(o) === name)) throw conflict(`a ${noun} named ${JSON.stringify(name)} already exists`);
  };
  return {
    [`${resource}:list`]: {
      run: async (ctx, call) => ({ body: listBody((await spec.collection(ctx.store).list(call.principal.tenant)).map(spec.present)) }),
    },
    [`${resource}:get`]: { run: async (ctx, call) => ({ body: spec.present(await load(ctx, call)) }) },
    [`${resource}:create`]: {
      run: async (ctx, call) => {
        const body = parseBody(spec.schema, call.bodyJson, `${noun} body`);
        const item = await spec.build(ctx, call, body, null);
        await checkName(ctx, call, item);
        return { status: 201, body: spec.present(await spec.collection(ctx.store).create(item)) };
      },
    },
    [`${resource}:update`]: {
      run: async (ctx, call) => {
        const stored = await load(ctx, call);
        let merged = mergeForUpdate(spec.editable(stored), parseJsonObject(call.bodyJson));
        if (spec.beforeUpdate) merged = spec.beforeUpdate(merged, stored);
        const body = validate(spec.schema, merged, `${noun} body`);
        const item = await spec.build(ctx, call, body, stored);
        await checkName(ctx, call, item);
        const saved = await spec.collection(ctx.store).update(item);
        // Deleted between the read and the write: answer as if it never existed.
        if (!saved) throw missing(noun, call.id);
        return { body: spec.present(saved) };
      },
    },
    [`${resource}:delete`]: {
      run: async (ctx, call) => {
        if (spec.blockDelete) {
          const item = await load(ctx, call);
          const reason = await spec.blockDelete(ctx, call, item);
          if (reason) throw conflict(reason);
        }
        if (!(await spec.collection(ctx.store).delete(call.principal.tenant, call.id))) throw missing(noun, call.id);
        return { body: { deleted: true, id: call.id } };
      },
    },
  };
}

/** Copies the defined fields of `item` named in `keys`: the editable body form of a stored entity. */
export function pick<T extends object>(item: T, keys: readonly (keyof T)[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (item[k] !== undefined) out[k as string] = structuredClone(item[k]);
  return out;
}
