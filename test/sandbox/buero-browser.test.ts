/* eslint-disable @typescript-eslint/no-explicit-any -- tests walk the JSON of GraphQL answers freely */
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { startBueroSimulator, generateBueroData, type BueroSimulator } from '../../sandbox/buero';
import { graphql, pkcePair, tokenRequest } from '../../sandbox/buero/client';
import { chromiumAvailable, CHROMIUM, launchChromium } from '../support/chromium';

// The simulator's pages as a person uses them, in Chromium: the OAuth login page and the data page.
describe('sandbox büro+ simulator in a browser', function () {
  this.timeout(60_000);
  let sim: BueroSimulator;
  let browser: Browser;
  let page: Page;
  let callback: http.Server;
  let callbackUrl: string;
  const received: URL[] = [];

  before(async function () {
    if (!chromiumAvailable()) {
      console.warn(`\n  büro+ browser tests SKIPPED: Chromium not found at ${CHROMIUM} (apt-get install chromium; CI does).\n`);
      this.skip();
    }
    // The OAuth client's redirect target: records the query the login page sends back.
    callback = http.createServer((req, res) => {
      received.push(new URL(req.url!, callbackUrl));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((r) => callback.listen(0, '127.0.0.1', r));
    callbackUrl = `http://127.0.0.1:${(callback.address() as net.AddressInfo).port}/cb`;
    sim = await startBueroSimulator({
      data: generateBueroData({ seed: 21, users: 6, appointments: 30, tasks: 5, followUps: 3, addresses: 6 }),
      auth: { staticToken: 'T', oauthClients: [{ clientId: 'browser-app', clientSecret: 'geheim', redirectUris: [callbackUrl] }] },
    });
    browser = await launchChromium();
  });
  after(async function () {
    await browser?.close();
    await sim?.close();
    await new Promise<void>((r) => (callback ? callback.close(() => r()) : r()));
  });
  beforeEach(async function () {
    page = await browser.newPage();
  });
  afterEach(async function () {
    await page?.close();
  });

  it('login page: a wrong password is refused, user and "demo" sign in, the code gives a token for that user', async function () {
    const { verifier, challenge } = pkcePair();
    const url = new URL(sim.oauth.authorizationEndpoint);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: 'browser-app', redirect_uri: callbackUrl, code_challenge: challenge, code_challenge_method: 'S256', state: 'xyz' }))
      url.searchParams.set(k, v);
    await page.goto(url.toString());
    await page.fill('#username', 'mkoehler');
    await page.fill('#password', 'wrong');
    await Promise.all([page.waitForEvent('load'), page.click('#approve')]);
    assert.match((await page.locator('#error').textContent()) ?? '', /Passwort falsch/);
    await page.fill('#username', 'mkoehler');
    await page.fill('#password', 'demo');
    await Promise.all([page.waitForURL(/\/cb\?/), page.click('#approve')]);
    const back = received.filter((u) => u.pathname === '/cb').pop()!; // the browser also asks for /favicon.ico
    assert.equal(back.searchParams.get('state'), 'xyz');
    const t = await tokenRequest(sim.oauth.tokenEndpoint, { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: callbackUrl, code_verifier: verifier }, { clientId: 'browser-app', clientSecret: 'geheim' });
    const me = await graphql<any>(sim.url, t.body.access_token as string, '{ tblUsers { rowRead(using: current) { fldAnmNa } } }');
    assert.equal(me.body.data.tblUsers.rowRead.fldAnmNa, 'mkoehler');
  });

  it('data page: shows users and appointments as text (XML metacharacters included)', async function () {
    await page.goto(sim.baseUrl + '/');
    await page.waitForSelector('#appointments tr.pick');
    const users = await page.$$eval('#users tr', (rows) => rows.length);
    assert.equal(users, 1 + 6);
    const text = await page.innerText('#appointments');
    assert.ok(text.includes('</t:Subject><t:Bogus/>'), 'shown as text, not markup');
    assert.ok(text.includes('Nachtinventur über die Zeitumstellung'));
  });

  it('data page: creates, changes and deletes an appointment through the mutations', async function () {
    await page.goto(sim.baseUrl + '/');
    await page.waitForSelector('#appointments tr.pick');
    const lsn = sim.db.currentLsn();
    await page.fill('#c-subject', 'Im Browser angelegt – Größe 🎉');
    await page.fill('#c-bzr', '2');
    await page.fill('#c-beginn', '2026-03-29T10:00');
    await page.fill('#c-ende', '2026-03-29T11:30');
    await page.click('#c-new');
    await page.waitForFunction(() => document.getElementById('result')!.textContent!.includes('fldModifyLSN'));
    const created = sim.db.changedSince('tblCalendar', lsn);
    assert.equal(created.length, 1);
    assert.equal(created[0].fldKurzInfo, 'Im Browser angelegt – Größe 🎉');
    assert.equal(created[0].fldBzrNr, 2);
    assert.equal(created[0].fldEnde, '2026-03-29T11:30:00');
    const id = created[0].fldID as number;

    await page.locator('#appointments tr.pick', { hasText: 'Im Browser angelegt' }).click();
    assert.equal(await page.inputValue('#c-id'), String(id));
    await page.fill('#c-subject', 'Im Browser geändert');
    await page.click('#c-change');
    await page.waitForFunction(() => document.getElementById('result')!.textContent!.includes('rowModify'));
    assert.equal(sim.db.get('tblCalendar', id)!.fldKurzInfo, 'Im Browser geändert');

    await page.click('#c-delete');
    await page.waitForFunction(() => document.getElementById('result')!.textContent!.includes('rowDelete'));
    assert.equal(sim.db.get('tblCalendar', id), undefined);
  });

  it('data page: creates and deletes a contact person', async function () {
    await page.goto(sim.baseUrl + '/');
    await page.waitForSelector('#contacts tr.pick');
    await page.fill('#p-adrnr', '10003');
    await page.fill('#p-vna', 'Jürgen');
    await page.fill('#p-nna', 'Groß');
    await page.fill('#p-email', 'juergen.gross@example.com');
    await page.click('#p-new');
    await page.waitForFunction(() => document.getElementById('result')!.textContent!.includes('rowNew'));
    const person = sim.db.rows('tblContactPeople').find((p) => p.fldNNa === 'Groß' && p.fldVNa === 'Jürgen')!;
    assert.equal(person.fldAdrNr, '10003');
    assert.equal(person.fldEMail1, 'juergen.gross@example.com');
    await page.fill('#p-id', String(person.fldID));
    await page.click('#p-delete');
    await page.waitForFunction(() => document.getElementById('result')!.textContent!.includes('rowDelete'));
    assert.equal(sim.db.get('tblContactPeople', person.fldID as number), undefined);
  });
});
