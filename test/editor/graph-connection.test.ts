import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { referenceFlow } from '../../sandbox/cli';
import { startSandbox, type Sandbox } from '../../sandbox/demo';
import { startNodeRed, type NodeRedProcess } from '../../sandbox/node-red';
import { chooseSecretKind, launchChromium, secretField, skipWithoutChromium } from '../support/chromium';

const shots = path.resolve(__dirname, '../../test-results');
type RedWindow = { RED: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

// The Exchange connection dialog (built package, real Node-RED, Chromium): choices that come
// from environment variables stay variables, and the API choice for Exchange Online.
describe('editor (Chromium): Exchange connection dialog, API choice and ${VARIABLE} choices', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let nodeRed: NodeRedProcess;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async function () {
    skipWithoutChromium(this);
    fs.mkdirSync(shots, { recursive: true });
    sandbox = await startSandbox({ seed: 32 });
    const flow = referenceFlow();
    nodeRed = await startNodeRed({ userDir: fs.mkdtempSync(path.join(os.tmpdir(), 'buero-editor-graph-')), flows: flow, env: sandbox.env });
    browser = await launchChromium();
    page = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 950 } })).newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(nodeRed.url);
    await page.waitForFunction(() => (window as unknown as RedWindow).RED?.nodes?.getType?.('buero-exchange-connection'));
    await page.waitForFunction(() => {
      let found = false;
      (window as unknown as RedWindow).RED.nodes.eachConfig((n: { type: string }) => { found ||= n.type === 'buero-exchange-connection'; });
      return found;
    });
  });
  after(async function () {
    await browser?.close();
    await nodeRed?.stop();
    await sandbox?.close();
  });

  it('keeps ${EXCHANGE_DEPLOYMENT}, ${EXCHANGE_AUTH} and ${EXCHANGE_API} as options of their own and shows both sets of fields', async function () {
    await page.evaluate(() => {
      const RED = (window as unknown as RedWindow).RED;
      let id = '';
      RED.nodes.eachConfig((n: { type: string; id: string }) => { if (n.type === 'buero-exchange-connection') id = n.id; });
      RED.editor.editConfig('', 'buero-exchange-connection', id);
    });
    await page.waitForSelector('#buero-exchange-connection-test');
    for (const [field, variable] of [['deployment', 'EXCHANGE_DEPLOYMENT'], ['auth', 'EXCHANGE_AUTH'], ['api', 'EXCHANGE_API']]) {
      const select = page.locator(`#node-config-input-${field}`);
      assert.equal(await select.inputValue(), `\${${variable}}`, `${field} keeps its variable`);
      assert.equal(await select.locator('option:checked').innerText(), `\${${variable}} (environment variable)`);
    }
    // The deployment comes from the environment: either may apply, both sets of fields show.
    assert.ok(await page.isVisible('#node-config-input-host'));
    assert.ok(await page.isVisible('#node-config-input-tenant'));
    assert.ok(await page.isVisible('#node-config-input-graphUrl'));

    await page.selectOption('#node-config-input-deployment', 'online');
    await page.selectOption('#node-config-input-api', 'ews');
    assert.ok(await page.isVisible('#buero-exchange-ews-warning'), 'EWS in Exchange Online: the warning shows');
    assert.match(await page.locator('#buero-exchange-ews-warning').innerText(), /2027-04-01/);
    assert.ok(await page.isVisible('#node-config-input-ewsUrl'));
    assert.ok(!(await page.isVisible('#node-config-input-graphUrl')));
    await page.selectOption('#node-config-input-api', 'graph');
    assert.ok(!(await page.isVisible('#buero-exchange-ews-warning')));
    assert.ok(!(await page.isVisible('#node-config-input-ewsUrl')), 'Graph: no EWS URL');
    assert.ok(await page.isVisible('#node-config-input-graphUrl'));
    await page.selectOption('#node-config-input-deployment', 'onprem');
    assert.ok(!(await page.isVisible('#node-config-input-api')), 'on-premises: always EWS, no choice');
    await page.click('#node-config-dialog-cancel');
    assert.deepEqual(errors, []);
  });

  it('a connection saved before settings had a version shows its Exchange version and is saved in today\'s layout', async function () {
    // The dialog of the test before closes with an animation: wait until it is gone.
    await page.waitForSelector('#buero-exchange-connection-test', { state: 'detached' });
    await page.evaluate(() => {
      const RED = (window as unknown as RedWindow).RED;
      RED.view.importNodes([{ id: 'old-exchange', type: 'buero-exchange-connection', name: 'old', deployment: 'onprem', host: 'x.local', version: 'Exchange2013' }]);
      RED.editor.editConfig('', 'buero-exchange-connection', 'old-exchange');
    });
    await page.waitForSelector('#buero-exchange-connection-test');
    assert.equal(await page.locator('#node-config-input-exchangeVersion').inputValue(), 'Exchange2013');
    await page.click('#node-config-dialog-ok');
    await page.waitForTimeout(300);
    const saved = await page.evaluate(() => {
      const node = (window as unknown as RedWindow).RED.nodes.node('old-exchange');
      return { version: node.version, exchangeVersion: node.exchangeVersion };
    });
    assert.deepEqual(saved, { version: 2, exchangeVersion: 'Exchange2013' });
    assert.deepEqual(errors, []);
  });

  it('secrets: the reference flow names their environment variables; "typed here" and back keeps each; saved, the flow holds the name or the typed value is a credential', async function () {
    await page.waitForSelector('#buero-exchange-connection-test', { state: 'detached' });
    type Jq = (s: string) => { typedInput(m: string): string };
    const secretOf = async (field: string) => ({
      ...(await page.evaluate((f) => {
        const el = (window as unknown as { $: Jq }).$(`#node-config-input-${f}`);
        return { type: el.typedInput('type'), value: el.typedInput('value') };
      }, field)),
      input: await secretField(page, field).getAttribute('type'),
    });
    const bueroId = await page.evaluate(() => {
      let id = '';
      (window as unknown as RedWindow).RED.nodes.eachConfig((n: { type: string; id: string }) => { if (n.type === 'buero-connection') id = n.id; });
      return id;
    });
    const openBuero = async () => {
      await page.evaluate((id) => (window as unknown as RedWindow).RED.editor.editConfig('', 'buero-connection', id), bueroId);
      await page.waitForSelector('#buero-connection-connect');
    };
    const saveDialog = async () => {
      await page.click('#node-config-dialog-ok');
      await page.waitForSelector('#buero-connection-connect', { state: 'detached' });
    };
    const saved = () => page.evaluate((id) => {
      const n = (window as unknown as RedWindow).RED.nodes.node(id);
      return { version: n.version, staticTokenEnv: n.staticTokenEnv, clientIdEnv: n.clientIdEnv, token: n.credentials?.staticToken ?? '' };
    }, bueroId);

    await openBuero();
    for (const [field, variable] of [['clientId', 'BUERO_CLIENT_ID'], ['clientSecret', 'BUERO_CLIENT_SECRET'], ['staticToken', 'BUERO_TOKEN']]) {
      assert.deepEqual(await secretOf(field), { type: 'env', value: variable, input: 'text' }, field);
    }
    await page.screenshot({ path: path.join(shots, 'dialog-buero-connection-secrets.png') });
    await chooseSecretKind(page, 'staticToken', 'secret');
    assert.deepEqual(await secretOf('staticToken'), { type: 'secret', value: '', input: 'password' }, 'typed: a password field, empty');
    await secretField(page, 'staticToken').fill('typed-token-4711');
    await chooseSecretKind(page, 'staticToken', 'env');
    assert.equal((await secretOf('staticToken')).value, 'BUERO_TOKEN', 'the variable name is kept');
    await chooseSecretKind(page, 'staticToken', 'secret');
    assert.equal((await secretOf('staticToken')).value, 'typed-token-4711', 'the typed token is kept');
    await saveDialog();
    assert.deepEqual(await saved(), { version: 2, staticTokenEnv: '', clientIdEnv: 'BUERO_CLIENT_ID', token: 'typed-token-4711' });

    // Opened again it shows the typed token (it wins at run time); back to the variable.
    await openBuero();
    assert.deepEqual(await secretOf('staticToken'), { type: 'secret', value: 'typed-token-4711', input: 'password' });
    await chooseSecretKind(page, 'staticToken', 'env');
    await secretField(page, 'staticToken').fill('${BUERO_TOKEN}');
    await saveDialog();
    assert.deepEqual(await saved(), { version: 2, staticTokenEnv: 'BUERO_TOKEN', clientIdEnv: 'BUERO_CLIENT_ID', token: '' }, 'the name without ${ }, the typed token gone');

    // The Exchange connection's password comes from EXCHANGE_PASSWORD: "Test connection" uses it.
    await page.evaluate(() => {
      const RED = (window as unknown as RedWindow).RED;
      let id = '';
      RED.nodes.eachConfig((n: { type: string; id: string; name: string }) => { if (n.type === 'buero-exchange-connection' && n.name === 'Exchange') id = n.id; });
      RED.editor.editConfig('', 'buero-exchange-connection', id);
    });
    await page.waitForSelector('#buero-exchange-connection-test');
    assert.deepEqual(await secretOf('password'), { type: 'env', value: 'EXCHANGE_PASSWORD', input: 'text' });
    assert.deepEqual(await secretOf('clientSecret'), { type: 'env', value: 'EXCHANGE_CLIENT_SECRET', input: 'text' });
    await page.fill('#buero-exchange-connection-test-mailbox', sandbox.mailboxes[0]);
    await page.click('#buero-exchange-connection-test');
    await page.waitForFunction(() => /buero-exchange-(ok|failed)/.test(document.querySelector('#buero-exchange-connection-test-result')?.className ?? ''), undefined, { timeout: 30_000 });
    const result = await page.locator('#buero-exchange-connection-test-result').innerText();
    await page.screenshot({ path: path.join(shots, 'dialog-exchange-connection-secrets.png') });
    assert.match(result, /^Success:/, result);
    await page.click('#node-config-dialog-cancel');
    assert.deepEqual(errors, []);
  });
});
