// GET /api/setup: whether the installation still needs its first user. The sign-in page then offers the
// first-run form, which creates the user with POST /api/users and the bootstrap admin key (printed at first
// start), so nobody else on the network can claim the instance.
import type { HandlerTable } from './context.js';

export const setupHandlers: HandlerTable = {
  'setup:list': {
    run: async (ctx) => {
      const tenants = await ctx.store.listTenants();
      let users = 0;
      for (const t of tenants) {
        users += (await ctx.store.listUsers(t.id)).length;
        if (users > 0) break;
      }
      return { body: { needsFirstUser: users === 0 } };
    },
  },
};
