// Checks of the Dockerfile and .dockerignore: a multi-stage build whose runtime stage is slim Node, runs as a
// non-root user, carries only production dependencies (installed with build tools in an earlier stage and
// copied over), every source folder the services need, a readiness HEALTHCHECK, and the lightwatch CLI as
// entry point.
import type { Ctx } from './context.js';

const F = 'Dockerfile';
const RUNTIME_IMAGE = 'node:20-bookworm-slim';
const BUILD_TOOLS = ['python3', 'make', 'g++'];
/** Folders besides the service folders that the runtime imports. */
const RUNTIME_FOLDERS = ['bin', 'cli', 'lib', 'proto'];

export interface Instruction {
  line: number;
  op: string;
  args: string;
}

export interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

/** Instructions with continuation lines joined and comments dropped, grouped into stages. */
export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const instructions: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!buf && (/^\s*#/.test(line) || !line.trim())) return;
    if (buf && /^\s*#/.test(line)) return;
    if (!buf) start = i + 1;
    if (line.endsWith('\\')) {
      buf += `${line.slice(0, -1)} `;
      return;
    }
    buf += line;
    const m = /^\s*(\w+)\s*(.*)$/s.exec(buf);
    if (m) instructions.push({ line: start, op: (m[1] as string).toUpperCase(), args: (m[2] as string).trim() });
    buf = '';
  });
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(ins.args);
      const base = (m?.[1] ?? '').replace(/\$\{?(\w+)\}?/g, (_a, n: string) => args[n] ?? '');
      stages.push({ name: m?.[2] ?? String(stages.length), base, instructions: [] });
    } else if (!stages.length && ins.op === 'ARG') {
      const m = /^(\w+)=("?)(.*)\2$/.exec(ins.args);
      if (m) args[m[1] as string] = m[3] as string;
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return { args, stages };
}

const runs = (stage: Stage): string[] => stage.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
const installsAll = (cmd: string): boolean => /\bnpm\s+(ci|install|i)\b/.test(cmd) && !/--omit[= ]dev|--production|--only[= ]prod/.test(cmd);
const installsProd = (cmd: string): boolean => /\bnpm\s+ci\b/.test(cmd) && /--omit[= ]dev|--production|--only[= ]prod/.test(cmd);

function jsonArgs(args: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

export function checkDockerfile(ctx: Ctx): void {
  const { stages } = parseDockerfile(ctx.files.dockerfile);
  const final = stages.at(-1);
  if (!final) {
    ctx.report('dockerfile_stages', F, 'FROM', 'no FROM instruction');
    return;
  }
  if (stages.length < 2) ctx.report('dockerfile_stages', F, 'FROM', 'a single stage: build tools would ship in the image');
  const at = (i?: Instruction): string => (i ? `line ${i.line}` : `stage ${final.name}`);
  if (final.base !== RUNTIME_IMAGE) ctx.report('dockerfile_base', F, `stage ${final.name}`, `the runtime stage is based on ${final.base || '(unresolved)'}, expected ${RUNTIME_IMAGE}`);

  const user = final.instructions.filter((i) => i.op === 'USER').at(-1);
  const userName = user?.args.split(':')[0];
  if (!user || userName === 'root' || userName === '0') ctx.report('runs_as_root', F, at(user), 'the runtime stage runs as root: add a USER that is not root');

  for (const cmd of runs(final)) {
    if (installsAll(cmd)) ctx.report('dev_dependencies', F, `stage ${final.name}`, `the runtime stage installs every dependency (\`${cmd}\`): use npm ci --omit=dev in a build stage`);
    if (/apt-get install|apk add/.test(cmd) && BUILD_TOOLS.some((t) => new RegExp(`(^|\\s)${t.replace('+', '\\+')}(\\s|$)`).test(cmd))) {
      ctx.report('build_tools_in_image', F, `stage ${final.name}`, 'the runtime stage installs build tools');
    }
  }

  const copies = final.instructions.filter((i) => i.op === 'COPY');
  const modules = copies.find((c) => /node_modules/.test(c.args));
  const from = modules ? /--from=(\S+)/.exec(modules.args)?.[1] : undefined;
  const source = stages.find((s) => s.name === from);
  if (!modules || !source) {
    ctx.report('dev_dependencies', F, at(modules), 'the runtime stage must copy node_modules from a stage that ran npm ci --omit=dev');
  } else {
    const cmds = runs(source);
    if (!cmds.some(installsProd) || cmds.some(installsAll)) {
      ctx.report('dev_dependencies', F, at(modules), `node_modules comes from stage ${source.name}, which does not install production dependencies only (npm ci --omit=dev)`);
    }
    const tools = cmds.join(' ');
    const missing = BUILD_TOOLS.filter((t) => !tools.includes(t));
    if (missing.length) ctx.report('build_tools', F, `stage ${source.name}`, `stage ${source.name} lacks ${missing.join(', ')}, needed to build better-sqlite3's native module`);
  }

  const copied = copies.flatMap((c) => c.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1).map((a) => a.replace(/^\.\//, '').replace(/\/$/, '')));
  const folders = [...RUNTIME_FOLDERS, ...Object.values(ctx.m.services).flatMap((s) => (s.folder ? [s.folder] : []))];
  for (const f of [...folders, 'package.json']) {
    if (!copied.includes(f)) ctx.report('dockerfile_sources', F, `stage ${final.name}`, `the runtime stage does not copy ${f}${f === 'package.json' ? ' ("type": "module" makes the sources ESM)' : ''}`);
  }

  const health = final.instructions.find((i) => i.op === 'HEALTHCHECK');
  if (!health || /\bNONE\b/.test(health.args)) ctx.report('healthcheck', F, `stage ${final.name}`, 'the image has no HEALTHCHECK');
  else if (!health.args.includes(ctx.m.common.health.ready)) ctx.report('health_path', F, at(health), `the HEALTHCHECK does not call ${ctx.m.common.health.ready}`);

  const entry = final.instructions.filter((i) => i.op === 'ENTRYPOINT').at(-1);
  if (JSON.stringify(jsonArgs(entry?.args ?? '')) !== JSON.stringify(['node', 'bin/lightwatch.js'])) {
    ctx.report('dockerfile_entrypoint', F, at(entry), 'ENTRYPOINT must be ["node", "bin/lightwatch.js"] (exec form, so signals reach the process)');
  }
  const cmd = final.instructions.filter((i) => i.op === 'CMD').at(-1);
  const service = jsonArgs(cmd?.args ?? '')?.[0];
  if (!service || !(service in ctx.m.services)) ctx.report('dockerfile_entrypoint', F, at(cmd), `CMD must name a service of deploy/services.yaml (exec form), e.g. ["all"]`);

  const ignored = ctx.files.dockerignore.split('\n').map((l) => l.trim().replace(/^\//, '').replace(/\/$/, ''));
  for (const entryName of ['node_modules', '.env']) {
    if (!ignored.includes(entryName)) ctx.report('dockerignore', '.dockerignore', entryName, `${entryName} is not ignored: ${entryName === '.env' ? 'secrets' : 'host-built native modules'} would enter the build context`);
  }
}
