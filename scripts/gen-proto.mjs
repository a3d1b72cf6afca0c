// Regenerates proto/gen from proto/**/*.proto with ts-proto through buf (offline).
// `--check` regenerates into a temporary folder and fails when proto/gen differs: generated code is never
// hand-edited and never stale.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = join(root, 'proto');
const genDir = join(protoDir, 'gen');
const check = process.argv.includes('--check');

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function generate(into) {
  const work = mkdtempSync(join(tmpdir(), 'lw-gen-'));
  try {
    cpSync(protoDir, work, { recursive: true, filter: (src) => !src.startsWith(genDir) });
    execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', '--template', 'buf.gen.yaml'], {
      cwd: work,
      stdio: 'inherit',
      env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` },
    });
    // buf.gen.yaml points the plugin at ../node_modules; inside the temp copy, resolve it from root.
    rmSync(into, { recursive: true, force: true });
    cpSync(join(work, 'gen'), into, { recursive: true });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (!check) {
  generate(genDir);
  console.log(`generated ${files(genDir).length} files into ${relative(root, genDir)}`);
} else {
  const fresh = mkdtempSync(join(tmpdir(), 'lw-gen-check-'));
  try {
    generate(join(fresh, 'gen'));
    const a = files(join(fresh, 'gen')).map((f) => relative(join(fresh, 'gen'), f)).sort();
    const b = files(genDir).map((f) => relative(genDir, f)).sort();
    const stale = [];
    for (const f of new Set([...a, ...b])) {
      const pa = join(fresh, 'gen', f);
      const pb = join(genDir, f);
      if (!existsSync(pa) || !existsSync(pb) || readFileSync(pa, 'utf8') !== readFileSync(pb, 'utf8')) stale.push(f);
    }
    if (stale.length > 0) {
      console.error(`generated code is stale (run \`npm run gen\`): ${stale.join(', ')}`);
      process.exit(1);
    }
    console.log(`generated code is current (${a.length} files)`);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}
