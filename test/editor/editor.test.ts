import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startNodeRed, NodeRedProcess } from '../../sandbox/node-red';
import { launchChromium, skipWithoutChromium } from '../support/chromium';

const TYPES = ['buero-changes', 'buero-map', 'buero-exchange-writer', 'buero-sync-log', 'buero-outlook-changes', 'buero-writer'];
const CONFIG_TYPES = ['buero-connection', 'buero-exchange-connection'];
const shots = path.resolve(__dirname, '../../test-results');

/** Opens the editor in a browser of the given language, collecting console errors. */
async function openEditor(browser: Browser, url: string, locale: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ locale, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('#red-ui-palette-container', { timeout: 30_000 });
  await page.waitForFunction(() => (window as unknown as { RED?: { nodes?: { getType?: (t: string) => unknown } } }).RED?.nodes?.getType?.('buero-map'));
  return { page, errors };
}

describe('editor (Chromium): palette, examples and dialogs', function () {
  this.timeout(120_000);
  let nodeRed: NodeRedProcess;
  let browser: Browser;

  before(async function () {
    skipWithoutChromium(this);
    fs.mkdirSync(shots, { recursive: true });
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-editor-'));
    nodeRed = await startNodeRed({ userDir, flows: [] });
    browser = await launchChromium();
  });

  after(async function () {
    await browser?.close();
    await nodeRed?.stop();
  });

  for (const [locale, category] of [
    ['en-US', 'büro+'],
    ['de-DE', 'büro+'],
  ]) {
    it(`shows the six flow nodes under "${category}" in the palette (${locale})`, async function () {
      const { page, errors } = await openEditor(browser, nodeRed.url, locale);
      for (const type of TYPES) {
        const header = await page
          .locator(`.red-ui-palette-node[data-palette-type="${type}"]`)
          .evaluate((el) => el.closest('.red-ui-palette-category')?.querySelector('.red-ui-palette-header')?.textContent?.trim());
        assert.equal(header, category, `${type} is in the palette category`);
      }
      await page.screenshot({ path: path.join(shots, `palette-${locale}.png`) });
      assert.deepEqual(errors, []);
      await page.context().close();
    });
  }

  for (const locale of ['en-US', 'de-DE']) {
    it(`opens every node's edit dialog without console errors, with its help (${locale})`, async function () {
      const { page, errors } = await openEditor(browser, nodeRed.url, locale);
      // One node of each type, as a user gets them by dragging from the palette.
      await page.evaluate(
        ({ flow }) => (window as unknown as { RED: any }).RED.view.importNodes(flow), // eslint-disable-line @typescript-eslint/no-explicit-any
        { flow: [...TYPES, ...CONFIG_TYPES].map((type, i) => ({ id: `test-${type}`, type, x: 200, y: 80 + 60 * i, ...(CONFIG_TYPES.includes(type) ? {} : { wires: [] }) })) },
      );
      for (const type of [...TYPES, ...CONFIG_TYPES]) {
        const opened = await page.evaluate(
          ({ t, id }) => {
            const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
            const node = RED.nodes.node(id);
            if (!node) return false;
            if (node._def.category === 'config') RED.editor.editConfig('', t, id);
            else RED.editor.edit(node);
            return true;
          },
          { t: type, id: `test-${type}` },
        );
        assert.ok(opened);
        await page.waitForSelector('.red-ui-tray .red-ui-tray-body form', { timeout: 10_000 });
        await page.waitForTimeout(300);
        await page.screenshot({ path: path.join(shots, `dialog-${type}-${locale}.png`) });
        const untranslated = await page.locator('.red-ui-tray').innerText();
        assert.doesNotMatch(untranslated, new RegExp(`${type}\\.[a-z]+\\.`), `${type}: an i18n key shows instead of a text`);
        // The help sidebar shows this node's help in the browser's language.
        const lang = locale.startsWith('de') ? 'de' : 'en-US';
        const helpSource = fs.readFileSync(path.resolve(__dirname, '../../nodes', type, 'locales', lang, `${type}.html`), 'utf8');
        const firstLine = helpSource
          .replace(/<[^>]+>/g, '')
          .split('\n')
          .map((l) => l.trim())
          .find((l) => l && !l.startsWith('#') && !l.startsWith(':') && !l.startsWith('|')) as string;
        const firstWords = firstLine.replace(/[*`_[\]]|\(.*?\)/g, '').split(/\s+/).slice(0, 3).join(' ');
        await page.evaluate((t) => (window as unknown as { RED: any }).RED.sidebar.help.show(t), type); // eslint-disable-line @typescript-eslint/no-explicit-any
        await page.waitForFunction(
          (words) => Array.from(document.querySelectorAll('.red-ui-help')).some((e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').includes(words)),
          firstWords,
          { timeout: 5000 },
        ).catch(() => assert.fail(`${type} help (${lang}) does not show "${firstWords}"`));
        // Every property line renders as a property (Node-RED's markdown drops a ": name (type) : text" whose text holds a colon).
        const definitions = helpSource.split('\n').filter((l) => l.startsWith(': ')).length + (helpSource.match(/<dt>/g) ?? []).length;
        const rendered = await page.evaluate(() => document.querySelectorAll('.red-ui-help dl.message-properties dt').length);
        assert.equal(rendered, definitions, `${type} help (${lang}): ${definitions} properties written, ${rendered} rendered`);
        await page.click('.red-ui-tray #node-dialog-cancel, .red-ui-tray #node-config-dialog-cancel');
        await page.waitForTimeout(300);
      }
      assert.deepEqual(errors, []);
      await page.context().close();
    });
  }
});
