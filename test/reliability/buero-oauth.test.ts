import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBueroSimulator, type BueroSimulator } from '../../sandbox/buero';
import { deployFlows, referenceFlow } from '../../sandbox/cli';
import { generateBueroData } from '../../sandbox/data/generator';
import { Random } from '../../sandbox/data/random';
import { startSandbox, type Sandbox } from '../../sandbox/demo';
import { freePort, startNodeRed, type NodeRedProcess } from '../../sandbox/node-red';
import { FULL, Ledger, distReady, nodeOfType, scenarioSeed, waitFor, type FlowNode } from './support';

const CLIENT = { clientId: 'node-red-buero-sync', clientSecret: 'reliability-oauth-client-secret' };

describe('reliability: büro+ OAuth token chain revoked, then re-connected', function () {
  this.timeout(FULL ? 600_000 : 150_000);
  const seed = scenarioSeed('büro+ token revoked', 806);
  let sandbox: Sandbox;
  let buero: BueroSimulator;
  let nodeRed: NodeRedProcess;
  let userDir: string;
  let connId: string;
  let sb: Sandbox;
  const logText = () => {
    const f = path.join(userDir, 'ExchangeSync.log');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
  };

  /** What the editor's "Connect to büro+" button does: start the login, let büro+ approve it, follow the redirect back. */
  async function connect(): Promise<void> {
    const redirectUri = `${nodeRed.url}/buero-connection/${connId}/callback`;
    // A deploy answers before the nodes are started: wait until the connection node exists.
    const deadline = Date.now() + 30_000;
    while (!((await (await fetch(`${nodeRed.url}/buero-connection/${connId}/state`)).json()) as { deployed?: boolean }).deployed) {
      if (Date.now() > deadline) throw new Error('the büro+ connection node was not deployed within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const start = await fetch(`${nodeRed.url}/buero-connection/${connId}/connect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirectUri }) });
    assert.equal(start.status, 200, await start.clone().text());
    const { url } = (await start.json()) as { url: string };
    const approved = await fetch(url, { redirect: 'manual' });
    const back = approved.headers.get('location');
    assert.ok(back?.startsWith(redirectUri), `büro+ redirects back to Node-RED (${approved.status} ${back})`);
    const done = await fetch(back!);
    assert.equal(done.status, 200, await done.text());
  }

  before(async function () {
    sandbox = await startSandbox({ seed });
    const port = await freePort();
    const flow = referenceFlow() as FlowNode[];
    connId = nodeOfType(flow, 'buero-connection').id;
    // A büro+ with an OAuth client registered for this Node-RED (the sandbox's own uses a static token).
    const data = generateBueroData({ seed });
    buero = await startBueroSimulator({
      data, mandant: data.mandant,
      auth: { autoApprove: true, oauthClients: [{ ...CLIENT, redirectUris: [`http://127.0.0.1:${port}/buero-connection/${connId}/callback`] }] },
    });
    sb = { ...sandbox, buero, data };
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-reliability-'));
    await distReady();
    nodeRed = await startNodeRed({
      userDir, port,
      env: { ...sandbox.env, BUERO_URL: buero.url, BUERO_AUTH: 'oauth', BUERO_TOKEN: '', BUERO_CLIENT_ID: CLIENT.clientId, BUERO_CLIENT_SECRET: CLIENT.clientSecret, SYNC_POLL_SECONDS: '1', SYNC_LOG_TRANSFERS: 'true' },
    });
    await deployFlows(nodeRed.url, flow);
    await connect();
    await waitFor('the baseline after connecting', () => / tblCalendar\b.*\(baseline\)/.test(logText()), 90_000);
  });

  after(async function () {
    await nodeRed?.stop();
    await buero?.close();
    await sandbox?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('revoked: a clear status and log line, nothing lost; after re-connecting it catches up, each record once', async function () {
    const ledger = new Ledger(sb, new Random(seed));
    ledger.changes(FULL ? 500 : 100);
    await ledger.waitAllSettled(90_000);

    const logBefore = logText().length;
    buero.revokeAllTokens();
    ledger.changes(FULL ? 500 : 100);
    const stateUrl = `${nodeRed.url}/buero-connection/${connId}/state`;
    let seen: { state?: string } = {};
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      seen = (await (await fetch(stateUrl)).json()) as { state?: string };
      if (seen.state && seen.state !== 'connected') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const newLines = logText().slice(logBefore).split('\n').filter((l) => / (WARN|ERROR) /.test(l));
    console.log(`      state after revocation: ${JSON.stringify(seen)}; log: ${newLines.slice(0, 3).join(' | ')}`);
    assert.notEqual(seen.state, 'connected', 'the connection says it needs a new sign-in');
    assert.ok(newLines.some((l) => /büro\+|buero/i.test(l)), 'a warning or error about büro+ in the sync log');
    assert.ok(ledger.settled() < ledger.records.size, 'nothing new is synced without a token');

    await connect();
    await ledger.waitAllSettled(120_000);
    ledger.assertExact();
    for (const text of [logText(), nodeRed.output()]) assert.ok(!text.includes(CLIENT.clientSecret), 'the OAuth client secret is in no log');
  });
});
