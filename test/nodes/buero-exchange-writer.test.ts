import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { offAck, onAck, type AckToken } from '../../lib/ack-token';
import Database from 'better-sqlite3';
import { openStateDb } from '../../lib/state/db';
import { SCHEMA_VERSION } from '../../lib/state/schema';
import { WriteQueue } from '../../lib/state/write-queue';
import type { EwsSimulator } from '../../sandbox/ews';
import { ANNA, BERND, SERVICE, assertCleanTraffic, byKey, only, startSim, until } from '../exchange/ews-support';
import { appointment, upsert } from '../exchange/support';
import { helper } from '../support/node-red';

const connectionNode = require('../../nodes/buero-exchange-connection/buero-exchange-connection');
const bueroConnectionNode = require('../../nodes/buero-connection/buero-connection');
const writerNode = require('../../nodes/buero-exchange-writer/buero-exchange-writer');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const statusNode = require('@node-red/nodes/core/common/25-status.js');
const completeNode = require('@node-red/nodes/core/common/24-complete.js');

type Msg = Record<string, unknown>;

// The two nodes in a real Node-RED runtime, writing to the EWS simulator over HTTPS.
describe('buero-exchange-connection and buero-exchange-writer nodes in Node-RED', function () {
  this.timeout(30_000);
  let sim: EwsSimulator;
  let dir: string;
  let written: Msg[];
  let events: Msg[];
  let caught: Msg[];
  let acks: AckToken[];
  let statuses: Msg[];

  before(async function () {
    sim = await startSim();
  });
  after(async function () {
    assertCleanTraffic(sim);
    await sim.close();
  });
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-exchange-nodes-'));
    written = [];
    events = [];
    caught = [];
    acks = [];
    statuses = [];
    onAck('source-1', (t) => acks.push(t));
    process.env.TEST_EWS_HOST = sim.httpsUrl;
    process.env.TEST_EWS_PASSWORD = SERVICE.password;
  });
  afterEach(async function () {
    await helper.unload();
    await helper.stopServer().catch(() => undefined);
    offAck('source-1');
    sim.faults.unreachable = false;
    delete process.env.TEST_EWS_HOST;
    delete process.env.TEST_EWS_PASSWORD;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const stateFile = () => path.join(dir, 'buero-sync.sqlite');
  function flow(writer: Msg = {}) {
    return [
      { id: 'tab', type: 'tab' },
      {
        id: 'conn', type: 'buero-exchange-connection', name: 'Exchange', deployment: 'onprem',
        host: '${TEST_EWS_HOST}', auth: 'ntlm', user: `${SERVICE.domain}\\${SERVICE.user}`, caFile: sim.caFile, version: 'Exchange2016',
      },
      { id: 'writer', z: 'tab', type: 'buero-exchange-writer', connection: 'conn', stateFile: stateFile(), flushDelay: 50, wires: [['out'], ['events']], ...writer },
      { id: 'n-catch', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'n-status', z: 'tab', type: 'status', scope: null, wires: [['statuses']] },
      { id: 'statuses', z: 'tab', type: 'helper' },
      { id: 'out', z: 'tab', type: 'helper' },
      { id: 'events', z: 'tab', type: 'helper' },
      { id: 'caught', z: 'tab', type: 'helper' },
    ];
  }
  async function start(writer: Msg = {}, password = '${TEST_EWS_PASSWORD}') {
    await helper.load([connectionNode, writerNode, catchNode, statusNode], flow(writer), { conn: { password } });
    helper.getNode('statuses').on('input', (m: Msg) => statuses.push(m.status as Msg));
    helper.getNode('out').on('input', (m: Msg) => written.push(m));
    helper.getNode('events').on('input', (m: Msg) => events.push(m));
    helper.getNode('caught').on('input', (m: Msg) => caught.push(m));
  }

  it('writes a change, acknowledges it once queued, reports the result and the connection', async function () {
    await start();
    helper.getNode('writer').receive({ payload: upsert('node-1', appointment({ subject: 'Aus Node-RED' }), { mailbox: ANNA }), ack: { source: 'source-1', seq: 7, parts: 1 } });
    await until(() => written.length === 1, 'the result message');
    assert.deepEqual(acks, [{ source: 'source-1', seq: 7, parts: 1 }]);
    const out = written[0];
    assert.equal(out.topic, 'exchange/created');
    const p = out.payload as Msg;
    assert.deepEqual([p.action, p.kind, p.mailbox, p.key, p.version], ['created', 'appointment', ANNA, 'node-1', '1']);
    assert.equal(p.itemId, only(sim, ANNA, 'node-1').itemId);
    assert.equal(typeof p.durationMs, 'number');
    assert.equal(only(sim, ANNA, 'node-1').fields.Subject, 'Aus Node-RED');
    await until(() => events.length > 0, 'the connection event');
    // (The test runtime shows catalogue keys; the words are checked below.)
    await until(() => statuses.at(-1)?.text === 'buero-exchange-writer.status.idle', 'the idle status', 3000);
    assert.equal(statuses.at(-1)!.fill, 'green');
    assert.deepEqual([events[0].topic, (events[0].payload as Msg).type, (events[0].payload as Msg).ok], ['buero-sync/event', 'connection', true]);
  });

  it('one message for two mailboxes (as buero-map sends a change): written to both, a result each, finished once', async function () {
    await helper.load([connectionNode, writerNode, catchNode, statusNode, completeNode], [
      ...flow(),
      { id: 'n-complete', z: 'tab', type: 'complete', scope: ['writer'], uncaught: false, wires: [['completed']] },
      { id: 'completed', z: 'tab', type: 'helper' },
    ], { conn: { password: '${TEST_EWS_PASSWORD}' } });
    const completed: Msg[] = [];
    helper.getNode('out').on('input', (m: Msg) => written.push(m));
    helper.getNode('completed').on('input', (m: Msg) => completed.push(m));
    const { mailbox: _m, key: _k, ...change } = upsert('x', appointment({ subject: 'Für beide' }));
    const targets = [{ mailbox: ANNA, key: 'fan-1:anna' }, { mailbox: BERND, key: 'fan-1:bernd' }];
    helper.getNode('writer').receive({ _msgid: 'm-fan', payload: { ...change, targets }, ack: { source: 'source-1', seq: 9, parts: 1 } });
    await until(() => written.length === 2 && completed.length === 1, 'two results, one completion');
    assert.deepEqual(acks, [{ source: 'source-1', seq: 9, parts: 1 }], 'acknowledged once, when queued');
    assert.deepEqual(written.map((m) => [m._msgid, (m.payload as Msg).mailbox, (m.payload as Msg).key]).sort(),
      [['m-fan', ANNA, 'fan-1:anna'], ['m-fan', BERND, 'fan-1:bernd']]);
    assert.equal(only(sim, ANNA, 'fan-1:anna').fields.Subject, 'Für beide');
    assert.equal(only(sim, BERND, 'fan-1:bernd').fields.Subject, 'Für beide');
    assert.equal(completed[0]._msgid, 'm-fan');
  });

  it('a message that breaks the contract goes to Catch with its key and field, and is acknowledged', async function () {
    await start();
    const bad = upsert('node-bad', appointment({ start: '30.03.2026 09:00' }), { mailbox: ANNA });
    helper.getNode('writer').receive({ payload: bad, ack: { source: 'source-1', seq: 8, parts: 1 } });
    await until(() => caught.length === 1, 'the Catch message');
    const err = caught[0].error as Msg;
    assert.match(String(err.message), /node-bad: item\.start must be an ISO 8601 instant/);
    assert.deepEqual(caught[0].payload, bad, 'the original message');
    assert.equal(acks.length, 1);
    assert.equal(written.length, 0);
  });

  it('close keeps what could not be written; the next start writes it', async function () {
    sim.faults.unreachable = true;
    await start();
    helper.getNode('writer').receive({ payload: upsert('node-later', appointment(), { mailbox: ANNA }) });
    await until(() => events.some((e) => (e.payload as Msg).type === 'outage'), 'the outage event');
    // The status shows the queue and the problem in a few words (at most every 500 ms).
    await until(() => statuses.some((s) => s.text === 'buero-exchange-writer.status.waiting'), 'the outage status', 3000);
    const shown = statuses.find((s) => s.text === 'buero-exchange-writer.status.waiting')!;
    assert.deepEqual([shown.fill, shown.shape], ['red', 'ring']);
    await helper.unload();
    const db = openStateDb(stateFile());
    assert.equal(new WriteQueue(db).count('writer'), 1);
    db.close();
    assert.equal(byKey(sim, ANNA, 'node-later').length, 0);

    sim.faults.unreachable = false;
    await start();
    await until(() => written.length === 1, 'the result of the queued change');
    assert.equal((written[0].payload as Msg).key, 'node-later');
    only(sim, ANNA, 'node-later');
  });

  it('the password named as an environment variable (no credential, as in a flows.json on a server); a missing one is named with the connection, never a value', async function () {
    const named = (variable: string) => ({ conn: { ...flow()[1], version: 2, passwordEnv: variable } });
    const load = async (variable: string) => {
      const nodes = flow().map((n) => (n.id === 'conn' ? named(variable).conn : n));
      await helper.load([connectionNode, writerNode, catchNode, statusNode], nodes, {});
      helper.getNode('statuses').on('input', (m: Msg) => statuses.push(m.status as Msg));
      helper.getNode('out').on('input', (m: Msg) => written.push(m));
    };
    await load('TEST_EWS_PASSWORD');
    helper.getNode('writer').receive({ payload: upsert('node-env', appointment(), { mailbox: ANNA }) });
    await until(() => written.length === 1, 'the change written with the password from the variable');
    await helper.unload();

    delete process.env.TEST_EWS_PASSWORD_UNSET;
    await load('TEST_EWS_PASSWORD_UNSET');
    const writerStatus = helper.getNode('writer') as unknown as { status: { args: { text?: string }[][] } };
    assert.equal(writerStatus.status.args.at(-1)?.[0].text, 'buero-exchange-writer.status.unset');
    const log = helper.log();
    const errors = log.args.map(([e]: [Msg]) => e).filter((e: Msg) => e.level === log.ERROR && e.id === 'writer').map((e: Msg) => String(e.msg));
    assert.deepEqual(errors, ['buero-exchange-writer.error.setupConnection']);
    for (const lang of ['en-US', 'de']) {
      const file = path.join(__dirname, '../../nodes/buero-exchange-writer/locales', lang, 'buero-exchange-writer.json');
      const catalogue = JSON.parse(fs.readFileSync(file, 'utf8'))['buero-exchange-writer'];
      assert.ok(catalogue.error.setupConnection.includes('__connection__') && catalogue.error.setupConnection.includes('__reason__'), lang);
      assert.ok(catalogue.status.unset.includes('__name__'), lang);
    }
    assert.ok(!JSON.stringify(log.args).includes(SERVICE.password), 'no password in the log');
  });

  it('Test connection: typed settings, a saved secret behind the placeholder, the failing step named', async function () {
    await helper.startServer();
    await start();
    const settings = { deployment: 'onprem', host: sim.httpsUrl, auth: 'basic', user: `${SERVICE.domain}\\${SERVICE.user}`, caFile: sim.caFile };
    const post = (body: Msg) => helper.request().post('/buero-exchange-connection/test').send(body).expect(200);
    let res = await post({ id: 'conn', settings, credentials: { password: '__PWRD__' }, mailbox: ANNA });
    assert.deepEqual([res.body.ok, res.body.step], [true, 'ok'], res.body.message);
    res = await post({ id: 'conn', settings, credentials: { password: 'typed-wrong' }, mailbox: ANNA });
    assert.deepEqual([res.body.ok, res.body.step], [false, 'auth']);
    res = await post({ settings: { ...settings, caFile: '' }, credentials: { password: SERVICE.password }, mailbox: ANNA });
    assert.deepEqual([res.body.ok, res.body.step], [false, 'tls']);
    // The dialog switched to an environment variable: no typed password, the variable's name.
    res = await post({ id: 'conn', settings: { ...settings, passwordEnv: 'TEST_EWS_PASSWORD' }, credentials: { password: '' }, mailbox: ANNA });
    assert.deepEqual([res.body.ok, res.body.step], [true, 'ok'], res.body.message);
    res = await post({ id: 'conn', settings: { ...settings, passwordEnv: 'TEST_EWS_NOT_SET' }, credentials: { password: '' }, mailbox: ANNA });
    assert.deepEqual([res.body.ok, res.body.step], [false, 'config']);
    assert.match(res.body.message, /environment variable TEST_EWS_NOT_SET \(setting "Password"\) is not set/);
    assert.ok(!JSON.stringify(res.body).includes(SERVICE.password));
  });

  it('a state file that no büro+ connection shares is said at deploy (the writer still runs); a shared one is not', async function () {
    const withBuero = async (bueroStateFile: string) => {
      const buero = { id: 'buero', type: 'buero-connection', name: 'büro+', endpoint: 'https://buero.firma.local/graphql', mandant: '1', auth: 'static', stateFile: bueroStateFile, fields: {} };
      await helper.load([bueroConnectionNode, connectionNode, writerNode], [...flow(), buero], { conn: { password: '${TEST_EWS_PASSWORD}' }, buero: { staticToken: 't' } });
      const log = helper.log();
      const warnings = log.args.map(([e]: [Msg]) => e).filter((e: Msg) => e.level === log.WARN && e.id === 'writer').map((e: Msg) => e.msg);
      const out: Msg[] = [];
      helper.getNode('out').on('input', (m: Msg) => out.push(m));
      helper.getNode('writer').receive({ payload: upsert(`files-${out.length}-${warnings.length}`, appointment(), { mailbox: ANNA }) });
      await until(() => out.length === 1, 'the change written');
      await helper.unload();
      return warnings;
    };
    assert.deepEqual(await withBuero(path.join(dir, 'buero.sqlite')), ['buero-exchange-writer.warn.stateFiles']);
    assert.deepEqual(await withBuero(stateFile()), []);
    // The words name this writer's file, the connection and its file.
    for (const lang of ['en-US', 'de']) {
      const file = path.join(__dirname, '../../nodes/buero-exchange-writer/locales', lang, 'buero-exchange-writer.json');
      const text = JSON.parse(fs.readFileSync(file, 'utf8'))['buero-exchange-writer'].warn.stateFiles as string;
      for (const name of ['__file__', '__connection__', '__connectionFile__']) assert.ok(text.includes(name), `${lang}: ${name}`);
    }
  });

  it('a state file written by a newer version: the status points at the state file, not at the settings', async function () {
    openStateDb(stateFile()).close();
    const raw = new Database(stateFile());
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    await start();
    // Node-RED's status calls, spied by the test helper.
    const writer = helper.getNode('writer') as unknown as { status: { getCalls(): { thisValue: { id?: string }; args: Msg[] }[] } };
    const shown = writer.status.getCalls().filter((c) => c.thisValue?.id === 'writer').map((c) => c.args[0]);
    assert.deepEqual(shown.at(-1), { fill: 'red', shape: 'ring', text: 'buero-exchange-writer.status.stateFileTooNew' });
  });

  it('status texts stay under 20 characters in English and German, even with a five-digit queue', function () {
    for (const lang of ['en-US', 'de']) {
      const file = path.join(__dirname, '../../nodes/buero-exchange-writer/locales', lang, 'buero-exchange-writer.json');
      const status = JSON.parse(fs.readFileSync(file, 'utf8'))['buero-exchange-writer'].status;
      const texts = [status.idle, status.queued.replace('__count__', '12345'), status.stateFileTooNew, status.stateFile];
      for (const why of Object.values(status.error) as string[]) texts.push(status.waiting.replace('__count__', '12345').replace('__why__', why));
      for (const t of texts) assert.ok(t.length < 20, `${lang}: "${t}" has ${t.length} characters`);
    }
  });
});
