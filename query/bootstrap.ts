// First start: create tenant `default` and its admin key (BOOTSTRAP_API_KEY, or a generated key the caller
// prints once). Later starts change nothing, except that a BOOTSTRAP_API_KEY not stored yet is added as an
// admin key of `default`; a bootstrap key that was revoked stays revoked. Safe to run from several
// processes at once: a lost creation race counts as "already there".
import { generateApiKey, keyFromSecret, type GeneratedKey } from '../lib/auth/keys.js';
import { badRequest, isLightwatchError } from '../lib/errors/errors.js';
import { createIdGenerator } from '../lib/events/ids.js';
import type { Store } from '../lib/store/port.js';
import { DEFAULT_TENANT } from './admin.js';

export const MIN_BOOTSTRAP_KEY_LENGTH = 16;

export interface BootstrapOptions {
  bootstrapApiKey?: string;
  now: () => number;
}

export interface BootstrapResult {
  /** A generated admin key, present only when one was generated: show it once, it is not stored. */
  createdKey?: string;
}

type BootstrapStore = Pick<Store, 'getTenant' | 'createTenant' | 'createApiKey' | 'findApiKeyByHash'>;

const isConflict = (err: unknown): boolean => isLightwatchError(err) && err.code === 'conflict';

export async function ensureBootstrap(store: BootstrapStore, opts: BootstrapOptions): Promise<BootstrapResult> {
  const given = opts.bootstrapApiKey?.trim() || undefined;
  if (given !== undefined && given.length < MIN_BOOTSTRAP_KEY_LENGTH) {
    throw badRequest(`BOOTSTRAP_API_KEY must be at least ${MIN_BOOTSTRAP_KEY_LENGTH} characters (it is an admin credential)`);
  }
  const ids = createIdGenerator();
  const addKey = async (key: GeneratedKey): Promise<boolean> => {
    if (await store.findApiKeyByHash(key.hash)) return false;
    const t = opts.now();
    try {
      await store.createApiKey({ id: ids.next(t), tenant: DEFAULT_TENANT, name: 'bootstrap', hash: key.hash, prefix: key.prefix, scopes: ['admin'], createdAt: t });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  };

  if (!(await store.getTenant(DEFAULT_TENANT))) {
    let created = true;
    try {
      await store.createTenant({ id: DEFAULT_TENANT, name: 'Default', createdAt: opts.now() });
    } catch (err) {
      if (!isConflict(err)) throw err;
      created = false;
    }
    if (created) {
      if (given !== undefined) {
        await addKey(keyFromSecret(given));
        return {};
      }
      const generated = generateApiKey();
      return (await addKey(generated)) ? { createdKey: generated.key } : {};
    }
  }
  if (given !== undefined) await addKey(keyFromSecret(given));
  return {};
}
