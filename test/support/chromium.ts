import fs from 'node:fs';
import { chromium, Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** True when Debian's Chromium is installed; editor suites skip loudly otherwise. */
export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM);
}

export function skipWithoutChromium(suite: Mocha.Context): void {
  if (!chromiumAvailable()) {
    const line = '*'.repeat(78);
    console.warn(`\n${line}\n  EDITOR TESTS SKIPPED: Chromium not found at ${CHROMIUM}.\n  Install Debian's chromium package (apt-get install chromium); CI does.\n${line}\n`);
    suite.skip();
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Closed network: without these Chromium keeps trying Google's hosts.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
