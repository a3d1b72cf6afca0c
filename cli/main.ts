// Entry point of `lightwatch`: parse the command, load the config once, run, and turn any start-up failure
// into one line and a non-zero exit.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../lib/config/env.js';
import { loadConfig } from '../lib/config/config.js';
import { loadProbeConfig } from '../detector/probe/config.js';
import { parseCommand, USAGE, UsageError } from './usage.js';

function fail(message: string, err: unknown, code: number): never {
  process.stderr.write(`lightwatch: ${message}\n`);
  if (process.env.LOG_LEVEL === 'debug' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let command;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message}\n\n${USAGE}`, err, 2);
    throw err;
  }
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === 'version') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`lightwatch ${pkg.version}\n`);
    return;
  }
  if (command === 'probe') {
    let probeConfig;
    try {
      probeConfig = loadProbeConfig(process.env);
    } catch (err) {
      if (err instanceof ConfigError) fail(`invalid configuration: ${err.problems.join('; ')}`, err, 2);
      throw err;
    }
    const { runProbe } = await import('../detector/probe/main.js');
    await runProbe(probeConfig);
    return;
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid configuration: ${err.problems.join('; ')}`, err, 2);
    throw err;
  }
  const { run } = await import('./run.js');
  try {
    await run(command, config);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err), err, 1);
  }
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err), err, 1));
