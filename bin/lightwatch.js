#!/usr/bin/env node
// The `lightwatch` command. Runs the TypeScript sources through tsx (a production dependency), so there is no
// build step between a checkout and a running system.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
