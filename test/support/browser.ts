import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import type { Prerequisite } from './prerequisites';

/** Debian's chromium-headless-shell (`.ci/run` installs it); Playwright's own download cannot work here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium-headless-shell';

/** The console's browser tests need it; without it they fail (see prerequisites.ts). */
export const browser: Prerequisite = {
  present: existsSync(CHROMIUM),
  missing: `no browser at ${CHROMIUM}: apt-get install -y chromium-headless-shell (or set CHROMIUM_PATH to one)`,
  optOut: 'LINE_GROUPS_SKIP_BROWSER_TESTS',
};

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Root in a sandboxed machine, no GPU, and no calls home (the network is closed here).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
