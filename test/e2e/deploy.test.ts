import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SANDBOX, startSandbox, type Sandbox } from '../../sandbox/demo';
import { startNodeRed, type NodeRedProcess } from '../../sandbox/node-red';
import { filesWithSecrets, installPacked, itemsOf, packPackage, syncedUsers, text, waitFor } from './support';

const SECRETS = [SANDBOX.bueroToken, SANDBOX.exchangePassword, SANDBOX.clientSecret];

/** Exactly these of the README's variables (others this test process may hold are unset for Node-RED). */
function readmeVariables(vars: Record<string, string>): Record<string, string | undefined> {
  const unset = Object.keys(process.env).filter((k) => /^(BUERO|EXCHANGE|SYNC|NOTIFY)_/.test(k));
  return { ...Object.fromEntries(unset.map((k) => [k, undefined])), ...vars };
}

// A server deployed from files, as Docker with a /data volume, a systemd unit or Ansible do it:
// a fresh Node-RED user directory with only the packed package installed and a reference flow
// copied in as flows.json, every setting and secret in environment variables. No editor, no
// deploy, no flows_cred.json. One packed tarball and one sandbox serve every case.
describe('end to end: the reference flows as flows.json on a fresh Node-RED with the packed package, environment only', function () {
  this.timeout(300_000);
  let work: string;
  let tarball: string;
  let sandbox: Sandbox;
  let nodeRed: NodeRedProcess | undefined;

  before(async function () {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-deploy-'));
    tarball = packPackage(work);
    sandbox = await startSandbox({ seed: 41 });
  });

  afterEach(async function () {
    await nodeRed?.stop();
    nodeRed = undefined;
  });

  after(async function () {
    await sandbox?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const cases: { name: string; flow: string; env: Record<string, string> }[] = [
    { name: 'Exchange Server on-premises, NTLM', flow: 'buero-exchange-sync.json', env: { EXCHANGE_DEPLOYMENT: 'onprem', EXCHANGE_AUTH: 'ntlm' } },
    { name: 'Exchange Server on-premises, Basic', flow: 'buero-exchange-sync-notify.json', env: { EXCHANGE_DEPLOYMENT: 'onprem', EXCHANGE_AUTH: 'basic' } },
    { name: 'Exchange Online through EWS', flow: 'buero-exchange-sync.json', env: { EXCHANGE_DEPLOYMENT: 'online', EXCHANGE_API: 'ews' } },
    { name: 'Exchange Online through Microsoft Graph', flow: 'buero-exchange-sync-notify.json', env: { EXCHANGE_DEPLOYMENT: 'online' } },
  ];

  cases.forEach((c, n) => {
    it(`${c.name} (${c.flow}): the sync runs, a change arrives, no secret in any file of the user directory`, async function () {
      const userDir = path.join(work, `node-red-${n}`);
      fs.mkdirSync(userDir);
      const installed = installPacked(tarball, userDir);
      fs.copyFileSync(path.join(installed, 'examples', c.flow), path.join(userDir, 'flows.json'));
      // The README's variables, as a systemd unit or `docker run -e` sets them; nothing else.
      const env = readmeVariables({ ...sandbox.env, SYNC_POLL_SECONDS: '1', ...c.env });
      nodeRed = await startNodeRed({ userDir, env, prepare: false });

      const log = () => {
        const file = path.join(userDir, 'ExchangeSync.log');
        return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      };
      await waitFor('the baseline of tblCalendar in the sync log', () => / tblCalendar\b.*\(baseline\)/.test(log()), 60_000);
      assert.ok(!fs.existsSync(path.join(userDir, 'flows_cred.json')), 'no credentials file: nothing was deployed');
      assert.ok(fs.existsSync(path.join(userDir, 'settings.js')), "Node-RED's own default settings.js");

      const [anna] = syncedUsers(sandbox);
      const subject = `Vom Server ${n}: ${c.name}`;
      const row = sandbox.buero.db.insert('tblCalendar', {
        fldArt: 'Termin', fldBzrNr: anna.nr, fldKurzInfo: subject, fldBeginn: '2026-12-07T10:00:00', fldEnde: '2026-12-07T11:00:00',
      });
      await waitFor(`the appointment in ${anna.mailbox}`, () => text(itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', row.fldID as number)[0], 'Subject') === subject, 60_000);

      // What a monitoring system sees (admin authentication is off in the default settings).
      const status = await fetch(`${nodeRed.url}/buero-sync/status`);
      const body = (await status.json()) as { status: string; nodes: { type: string; state: string }[] };
      assert.equal(status.status, 200, JSON.stringify(body));
      assert.deepEqual(body.nodes.map((x) => x.type).sort(), ['buero-changes', 'buero-exchange-writer', 'buero-outlook-changes', 'buero-writer']);

      const output = nodeRed.output();
      assert.doesNotMatch(output, /\[error\]/, 'no error in the Node-RED log');
      await nodeRed.stop();
      nodeRed = undefined;
      assert.deepEqual(filesWithSecrets(userDir, SECRETS), [], 'files of the user directory holding a secret');
      for (const secret of SECRETS) assert.ok(!output.includes(secret), "a secret in Node-RED's log");
    });
  });

  it('an unset secret is named in the log, the status and the monitoring status: the variable and the node, never a value', async function () {
    const userDir = path.join(work, 'node-red-unset');
    fs.mkdirSync(userDir);
    const installed = installPacked(tarball, userDir);
    fs.copyFileSync(path.join(installed, 'examples', 'buero-exchange-sync.json'), path.join(userDir, 'flows.json'));
    // The administrator of the issue: every variable but BUERO_TOKEN and EXCHANGE_PASSWORD.
    const { BUERO_TOKEN: _token, EXCHANGE_PASSWORD: _password, ...env } = sandbox.env;
    nodeRed = await startNodeRed({ userDir, env: readmeVariables(env), prepare: false });
    const output = await waitFor('both errors in the log', () => {
      const o = nodeRed!.output();
      return /buero-exchange-writer.*EXCHANGE_PASSWORD/.test(o) && /buero-changes.*BUERO_TOKEN/.test(o) ? o : undefined;
    });
    assert.match(output, /\[error\] \[buero-connection:büro\+\] The büro\+ connection "büro\+" has no sign-in\. Static token: the environment variable BUERO_TOKEN \(setting "Token"\) is not set\. OAuth: the environment variable BUERO_CLIENT_ID \(setting "Client ID"\) is not set\./);
    assert.doesNotMatch(output, /uses OAuth but has no client ID/);
    assert.match(output, /\[error\] \[buero-exchange-writer:[0-9a-f]+\] Exchange writer not ready \(Exchange connection "Exchange"\): Enter the password of the administrative account: the environment variable EXCHANGE_PASSWORD \(setting "Password"\) is not set\./);
    const status = await fetch(`${nodeRed.url}/buero-sync/status`);
    const body = (await status.json()) as { nodes: { type: string; state: string; buero?: { error: { message: string } }; exchange?: { error: { message: string } } }[] };
    const source = body.nodes.find((x) => x.type === 'buero-changes')!;
    const writer = body.nodes.find((x) => x.type === 'buero-exchange-writer')!;
    assert.deepEqual([source.state, writer.state], ['config-error', 'not-ready']);
    assert.match(source.buero!.error.message, /BUERO_TOKEN/);
    assert.match(writer.exchange!.error.message, /EXCHANGE_PASSWORD/);
  });
});
