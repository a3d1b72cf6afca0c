// Headless Chromium for end-to-end tests and benchmarks: Debian's /usr/bin/chromium (installed by
// scripts/ensure-system.sh --test from scripts/system-packages/test.txt) driven by playwright-core. No browser
// is ever downloaded.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

/** Where tests write screenshots (under .tmp/, which git ignores). */
export const ARTIFACTS = fileURLToPath(new URL('../../.tmp/screenshots/', import.meta.url));

export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: run bash scripts/ensure-system.sh --test`;
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export const artifact = (name: string): string => join(ARTIFACTS, name);
