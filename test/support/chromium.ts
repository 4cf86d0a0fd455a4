import fs from 'node:fs';
import { chromium, Browser, type Locator, type Page } from 'playwright-core';

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

/**
 * In an open connection dialog, chooses in a secret field's menu: typed into the dialog
 * (`secret`) or the name of an environment variable (`env`), as a user does.
 */
export async function chooseSecretKind(page: Page, field: string, kind: 'secret' | 'env'): Promise<void> {
  const row = page.locator(`.form-row:has(#node-config-input-${field})`);
  await row.locator('.red-ui-typedInput-type-select').click();
  await page.locator(`.red-ui-typedInput-options:visible a[value="${kind}"]`).click();
  await page.waitForFunction(
    ([f, k]) => (window as unknown as { $: (s: string) => { typedInput(m: string): string } }).$(`#node-config-input-${f}`).typedInput('type') === k,
    [field, kind],
  );
}

/** The input a user types a secret into (the TypedInput's own; the dialog's input is hidden behind it). */
export function secretField(page: Page, field: string): Locator {
  return page.locator(`.form-row:has(#node-config-input-${field}) input.red-ui-typedInput-input`);
}
