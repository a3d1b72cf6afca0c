// Runs every PromQL script under testdata/ (Prometheus's load/eval format), one test per eval command.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { parseScript } from './testing/script.js';

const dir = join(import.meta.dirname, 'testdata');

for (const file of readdirSync(dir).filter((f) => f.endsWith('.test')).sort()) {
  describe(file, () => {
    for (const c of parseScript(readFileSync(join(dir, file), 'utf8'))) it(c.title, () => c.run());
  });
}
