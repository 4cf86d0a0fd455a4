import assert from 'node:assert/strict';
import { ExchangeCode } from '../../lib/error-codes';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { referenceFlow } from '../../sandbox/cli';
import { SANDBOX, startSandbox, type Sandbox } from '../../sandbox/demo';
import { startNodeRed, type NodeRedProcess } from '../../sandbox/node-red';
import { parsePrometheus } from '../support/prometheus';
import { itemsOf, syncedUsers, waitFor } from './support';

/** The example hash in Node-RED's default settings.js (adminAuth): the password is "password". */
/** A static token for the monitoring system (settings.js adminAuth.tokens, as in the README). */
const MONITOR_TOKEN = 'monitoring-4f1c9e2a7b';
const PASSWORD_HASH = '$2a$08$zZWtXTja0fB1pzD4sHCMyOCMYz2Z6dNbM6tl8sJogENOMcxWV9DN.';

interface Part {
  healthy: boolean;
  reachable: boolean | null;
  failures: number;
  failingSince: string | null;
  retryAt: string | null;
  error: { code: string; message: string } | null;
}
interface StatusBody {
  status: string;
  problems: { type: string; part: string; error: string | null }[];
  nodes: {
    type: string;
    state: string;
    healthy: boolean;
    buero?: Part & { lastSuccessfulPoll: string | null };
    exchange?: Part & { lastSuccess: string | null };
    queuedChanges?: number;
    mailboxes?: (Part & { mailbox: string; lastWrite: string | null })[];
  }[];
}

// The status endpoint for monitoring systems in a real Node-RED with admin authentication on,
// the reference flow as flows.json against the sandbox, and a threshold of 2 seconds set in
// settings.js: healthy, büro+ down, Exchange down, one mailbox failing.
describe('end to end: the monitoring status and metrics under the admin root, with admin authentication', function () {
  this.timeout(180_000);
  let sandbox: Sandbox;
  let nodeRed: NodeRedProcess;
  let userDir: string;
  let token: string;

  before(async function () {
    sandbox = await startSandbox({ seed: 51 });
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-monitoring-'));
    fs.writeFileSync(path.join(userDir, 'settings.js'), [
      'module.exports = {',
      "  flowFile: 'flows.json',",
      "  credentialSecret: 'monitoring-test',",
      "  uiHost: '127.0.0.1',",
      '  adminAuth: {',
      "    type: 'credentials',",
      "    users: [{ username: 'monitor', password: '" + PASSWORD_HASH + "', permissions: 'read' }],",
      // The README's static token for a monitoring system, read-only.
      "    tokens: async (token) => (token && token === process.env.NODE_RED_MONITOR_TOKEN ? { username: 'monitoring', permissions: 'read' } : null),",
      "    tokenHeader: 'authorization',",
      '  },',
      '  bueroSync: { unhealthyAfterSeconds: 2 },',
      "  editorTheme: { projects: { enabled: false }, tours: false, palette: { catalogues: [] } },",
      '  diagnostics: { enabled: false },',
      '};',
      '',
    ].join('\n'));
    const unset = Object.fromEntries(Object.keys(process.env).filter((k) => /^(BUERO|EXCHANGE|SYNC)_/.test(k)).map((k) => [k, undefined]));
    nodeRed = await startNodeRed({ userDir, flows: referenceFlow(), env: { ...unset, ...sandbox.env, SYNC_POLL_SECONDS: '1', NODE_RED_MONITOR_TOKEN: MONITOR_TOKEN } });
    const res = await fetch(`${nodeRed.url}/auth/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: 'read', username: 'monitor', password: 'password' }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    token = ((await res.json()) as { access_token: string }).access_token;
  });

  after(async function () {
    await nodeRed?.stop();
    await sandbox?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  const get = (route: string, auth = true) => fetch(`${nodeRed.url}/buero-sync/${route}`, auth ? { headers: { Authorization: `Bearer ${token}` } } : {});
  const status = async () => {
    const res = await get('status');
    return { code: res.status, body: (await res.json()) as StatusBody };
  };
  const node = (body: StatusBody, type: string) => body.nodes.find((n) => n.type === type)!;
  /** Waits for the status code and a body that passes `check`. */
  const statusUntil = async (what: string, code: number, check: (b: StatusBody) => boolean = () => true) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const s = await status();
      if (s.code === code && check(s.body)) return s.body;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${s.code} ${JSON.stringify(s.body)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const appointment = (nr: number, subject: string) =>
    sandbox.buero.db.insert('tblCalendar', { fldArt: 'Termin', fldBzrNr: nr, fldKurzInfo: subject, fldBeginn: '2026-12-08T10:00:00', fldEnde: '2026-12-08T11:00:00' });

  it('refuses both routes without admin credentials (401); takes a user\'s token and the static monitoring token', async function () {
    assert.equal((await get('status', false)).status, 401);
    assert.equal((await get('metrics', false)).status, 401);
    const wrong = await fetch(`${nodeRed.url}/buero-sync/status`, { headers: { Authorization: 'Bearer not-the-token' } });
    assert.equal(wrong.status, 401);
    // What the README's curl, Prometheus and Checkmk examples send.
    for (const bearer of [token, MONITOR_TOKEN]) {
      const res = await fetch(`${nodeRed.url}/buero-sync/metrics`, { headers: { Authorization: `Bearer ${bearer}` } });
      assert.equal(res.status, 200);
    }
  });

  it('healthy (200): büro+ and Exchange reachable, the last poll, per mailbox the last write, the queue', async function () {
    const [anna] = syncedUsers(sandbox);
    const row = appointment(anna.nr, 'Überwacht');
    await waitFor('the appointment', () => itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', row.fldID as number).length === 1);
    const body = await statusUntil('healthy with a write to the mailbox', 200, (b) => !!node(b, 'buero-exchange-writer')?.mailboxes?.some((m) => m.mailbox === anna.mailbox && m.lastWrite));
    assert.equal(body.status, 'healthy');
    assert.deepEqual(body.problems, []);
    const source = node(body, 'buero-changes');
    assert.equal(source.buero!.reachable, true);
    assert.ok(Date.parse(source.buero!.lastSuccessfulPoll!) > Date.now() - 10_000);
    const writer = node(body, 'buero-exchange-writer');
    assert.deepEqual([writer.exchange!.reachable, writer.exchange!.failures, typeof writer.queuedChanges], [true, 0, 'number']);
  });

  it('metrics: Prometheus text with buero_sync_… gauges labelled per node and mailbox, no secret', async function () {
    const res = await get('metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain;.*version=0\.0\.4/);
    const text = await res.text();
    const { samples } = parsePrometheus(text);
    assert.ok(samples.length > 10 && samples.every((s) => s.name.startsWith('buero_sync_')));
    assert.deepEqual(samples.filter((s) => s.name === 'buero_sync_healthy').map((s) => s.value), [1]);
    assert.deepEqual(samples.filter((s) => s.name === 'buero_sync_unhealthy_after_seconds').map((s) => s.value), [2], 'the threshold from settings.js');
    assert.ok(samples.some((s) => s.name === 'buero_sync_mailbox_last_write_timestamp_seconds' && s.labels.mailbox === syncedUsers(sandbox)[0].mailbox));
    for (const secret of [SANDBOX.bueroToken, SANDBOX.exchangePassword, SANDBOX.clientSecret]) assert.ok(!text.includes(secret));
  });

  it('büro+ down: 503 once it has failed for longer than the threshold, naming büro+; 200 again when it is back', async function () {
    sandbox.buero.faults.stopped = true;
    try {
      const body = await statusUntil('503 for büro+', 503, (b) => b.problems.some((p) => p.part === 'büro+'));
      assert.deepEqual(body.problems.map((p) => [p.type, p.part]), [['buero-changes', 'büro+']]);
      const source = node(body, 'buero-changes');
      assert.equal(source.buero!.reachable, false);
      assert.ok(source.buero!.failures >= 1 && source.buero!.failingSince && source.buero!.error);
    } finally {
      sandbox.buero.faults.stopped = false;
    }
    await statusUntil('200 after büro+ is back', 200);
  });

  it('Exchange down: 503 naming Exchange while a change waits; 200 again once it is written', async function () {
    const [anna] = syncedUsers(sandbox);
    sandbox.ews.faults.unreachable = true;
    let row: Record<string, unknown>;
    try {
      row = appointment(anna.nr, 'Während Exchange fehlt');
      const body = await statusUntil('503 for Exchange', 503, (b) => b.problems.some((p) => p.part === 'Exchange'));
      const writer = node(body, 'buero-exchange-writer');
      assert.equal(writer.exchange!.reachable, false);
      assert.ok(writer.queuedChanges! >= 1, 'the change waits in the queue');
      assert.ok(writer.exchange!.retryAt, 'the back-off');
      assert.equal(node(body, 'buero-changes').healthy, true, 'büro+ is fine');
    } finally {
      sandbox.ews.faults.unreachable = false;
    }
    await waitFor('the waiting appointment', () => itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', row.fldID as number).length === 1, 60_000);
    await statusUntil('200 after Exchange is back', 200);
  });

  it('one mailbox failing (it does not exist in Exchange): 503 naming that mailbox; the others stay healthy', async function () {
    const [anna, ben] = syncedUsers(sandbox);
    const gone = 'ausgeschieden@firma.example';
    sandbox.buero.db.modifyUser(ben.nr, { fldExchPostfach: gone });
    await new Promise((r) => setTimeout(r, 2500)); // the next poll re-reads the users
    appointment(ben.nr, 'Für ein Postfach, das es nicht gibt');
    const body = await statusUntil('503 for the mailbox', 503, (b) => b.problems.some((p) => p.part === `mailbox ${gone}` && p.type === 'buero-exchange-writer'));
    // The writer names it; so may the way back, which cannot read it either: nothing else fails.
    assert.deepEqual(body.problems.filter((p) => p.type === 'buero-exchange-writer').map((p) => p.part), [`mailbox ${gone}`]);
    assert.deepEqual([...new Set(body.problems.map((p) => p.part))], [`mailbox ${gone}`]);
    const writer = node(body, 'buero-exchange-writer');
    const failing = writer.mailboxes!.find((m) => m.mailbox === gone)!;
    assert.deepEqual([failing.healthy, failing.reachable, failing.error?.code], [false, false, ExchangeCode.mailbox]);
    assert.equal(writer.mailboxes!.find((m) => m.mailbox === anna.mailbox)!.healthy, true);
    assert.equal(writer.exchange!.healthy, true, 'Exchange as a whole is fine');
    const text = await (await get('metrics')).text();
    const { samples } = parsePrometheus(text);
    assert.deepEqual(samples.filter((s) => s.name === 'buero_sync_mailbox_healthy' && s.labels.mailbox === gone).map((s) => s.value), [0]);
    assert.deepEqual(samples.filter((s) => s.name === 'buero_sync_healthy').map((s) => s.value), [0]);
  });
});
