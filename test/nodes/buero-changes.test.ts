import assert from 'node:assert/strict';
import path from 'node:path';
import { BueroCode, NodeCode } from '../../lib/error-codes';
import Database from 'better-sqlite3';
import { ack } from '../../lib/ack-token';
import { infoText } from '../../lib/log/format';
import { openStateDb } from '../../lib/state/db';
import { SCHEMA_VERSION } from '../../lib/state/schema';
import { helper } from '../support/node-red';
import { type Sim, startSim, tempDir, until } from '../buero/support/harness';

const connectionNode = require('../../nodes/buero-connection/buero-connection');
const changesNode = require('../../nodes/buero-changes/buero-changes');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Node-RED messages are free-form; the assertions say what they hold
type Msg = Record<string, any>;

/** The status texts the change source has shown since the flow was loaded (Node-RED's status calls, spied by the test helper). */
function statusesOf(id: string): string[] {
  const spy = (helper as unknown as { _NodePrototype: { status: { getCalls(): { thisValue: { id?: string }; args: { text?: string }[] }[] } } })._NodePrototype.status;
  return spy.getCalls().filter((c) => c.thisValue?.id === id).map((c) => String(c.args[0]?.text));
}
const statuses = {
  includes: (t: string) => statusesOf('chg').includes(t),
  at: (i: number) => statusesOf('chg').at(i),
};

// buero-changes in a real Node-RED flow, reading the büro+ simulator over HTTP.
describe('buero-changes node (Node-RED flow, büro+ simulator over HTTP)', function () {
  this.timeout(30_000);
  let sim: Sim;
  let stateFile: string;
  let out: Msg[];
  let events: Msg[];
  let caught: Msg[];

  const termin = (subject: string, over: Record<string, unknown> = {}) => ({
    fldArt: 'Termin',
    fldBzrNr: 1,
    fldKurzInfo: subject,
    fldBeginn: '2026-03-29T01:30:00',
    fldEnde: '2026-03-29T03:30:00',
    ...over,
  });

  function flow(changes: Record<string, unknown> = {}, connection: Record<string, unknown> = {}) {
    return [
      { id: 'tab', type: 'tab', label: 'sync' },
      { id: 'conn', type: 'buero-connection', name: 'büro+', endpoint: '${BUERO_TEST_URL}', mandant: '1', auth: 'static', stateFile, fields: {}, ...connection },
      {
        id: 'chg',
        z: 'tab',
        type: 'buero-changes',
        connection: 'conn',
        appointments: true,
        tasks: true,
        contacts: true,
        interval: 0.05,
        autoSync: true,
        contactTarget: 'users',
        contactMailboxes: '',
        deletionEvery: 2,
        pageSize: 500,
        wires: [['out'], ['ev']],
        ...changes,
      },
      { id: 'out', z: 'tab', type: 'helper' },
      { id: 'ev', z: 'tab', type: 'helper' },
      { id: 'ca', z: 'tab', type: 'catch', scope: ['chg'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'tab', type: 'helper' },
    ];
  }

  async function load(changes: Record<string, unknown> = {}, connection: Record<string, unknown> = {}) {
    out = [];
    events = [];
    caught = [];
    await helper.load([connectionNode, changesNode, catchNode], flow(changes, connection), {
      conn: { staticToken: '${BUERO_TEST_TOKEN}' },
    });
    helper.getNode('out').on('input', (m: Msg) => out.push(m));
    helper.getNode('ev').on('input', (m: Msg) => events.push(m));
    helper.getNode('caught').on('input', (m: Msg) => caught.push(m));
  }

  const send = (msg: Msg) => helper.getNode('chg').receive(msg);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeEach(async function () {
    sim = await startSim();
    stateFile = path.join(tempDir(), 'buero-sync.sqlite');
    process.env.BUERO_TEST_URL = sim.url;
    process.env.BUERO_TEST_TOKEN = sim.staticToken;
  });

  afterEach(async function () {
    await helper.unload();
    await sim.close();
  });

  it('emits each change with an ack token; after a redeploy only the unacknowledged come again', async function () {
    await load();
    await until(() => statuses.includes('buero-changes.status.idle'), 'the idle status');
    assert.ok(events.every((e) => e.topic === 'buero-sync/event'));
    assert.ok(events.some((e) => e.payload.type === 'connection' && e.payload.ok && e.payload.endpoint === sim.baseUrl));
    assert.ok(events.some((e) => e.payload.type === 'info' && e.payload.code === 'baseline'));
    assert.equal(out.length, 0, 'the baseline emits nothing');

    const ids = ['A', 'B', 'C'].map((s) => sim.db.insert('tblCalendar', termin(s)).fldID);
    await until(() => out.length === 3, 'three changes');
    assert.deepEqual(out.map((m) => m.topic), ['appointment/create', 'appointment/create', 'appointment/create']);
    assert.deepEqual(out.map((m) => m.payload.id), ids);
    assert.deepEqual(out[0].ack, { source: 'chg', seq: out[0].ack.seq, parts: 1 });
    assert.equal(out[0].payload.targets[0].mailbox, 'anna.schaefer@firma.example');

    ack(out[0].ack); // as the writer does
    send({ command: 'ack', ack: out[1].ack }); // as a custom flow that drops a change does
    await until(() => statuses.at(-1) === 'buero-changes.status.pending', 'one change pending');

    const everything = JSON.stringify([out, events, statusesOf('chg')]);
    assert.ok(!everything.includes(sim.staticToken as string), 'the token appears nowhere');

    await helper.unload();
    await load();
    await until(() => out.length >= 1, 'the re-emission');
    await sleep(300);
    assert.deepEqual(out.map((m) => `${m.topic} ${m.payload.id}`), [`appointment/create ${ids[2]}`]);
  });

  it('pause, sync-now and resume from a flow', async function () {
    await load();
    await until(() => statuses.includes('buero-changes.status.idle'), 'the idle status');
    send({ command: 'pause' });
    await until(() => statuses.at(-1) === 'buero-changes.status.paused', 'the paused status');
    sim.db.insert('tblCalendar', termin('A'));
    await sleep(300);
    assert.equal(out.length, 0, 'paused: nothing is read');
    send({ command: 'sync-now' });
    await until(() => out.length === 1, 'the change after sync-now');
    await until(() => statuses.at(-1) === 'buero-changes.status.paused', 'still paused');
    sim.db.insert('tblCalendar', termin('B'));
    await sleep(200);
    assert.equal(out.length, 1);
    send({ payload: { command: 'resume' } });
    await until(() => out.length === 2, 'the change after resume');
  });

  it('automatic sync off: only sync-now polls', async function () {
    await load({ autoSync: false });
    await sleep(300);
    assert.equal(sim.stats().requests, 0);
    send({ command: 'sync-now' });
    await until(() => statuses.at(-1) === 'buero-changes.status.paused' && sim.stats().requests > 0, 'one poll');
  });

  it('backfill: the dry run counts per mailbox and kind on the events output; the real one emits', async function () {
    await load();
    await until(() => statuses.includes('buero-changes.status.idle'), 'the idle status');
    send({ command: 'backfill', dryRun: true });
    await until(() => events.some((e) => e.payload.code === 'backfill-dry-run'), 'the dry-run counts');
    const dry = events.find((e) => e.payload.code === 'backfill-dry-run') as Msg;
    assert.match(infoText(dry.payload, 'en'), /^Backfill dry run: would write \d+ appointments, \d+ tasks, \d+ contacts/);
    const total = dry.backfill.changes.appointment + dry.backfill.changes.task + dry.backfill.changes.contact;
    assert.ok(dry.backfill.perMailbox['anna.schaefer@firma.example'].appointment > 0);
    assert.equal(out.length, 0);

    // The edit dialog's buttons use the admin route.
    const res = await helper.request().post('/buero-changes/chg/backfill').send({ dryRun: true }).expect(200);
    assert.deepEqual(res.body.changes, dry.backfill.changes);

    send({ command: 'backfill', dryRun: false });
    await until(() => out.length === total, `${total} backfilled changes`);
    assert.ok(events.some((e) => e.payload.code === 'backfill'));
  });

  it('a malformed record reaches a Catch node with record and field; the rest goes on', async function () {
    await load({}, { fields: { calendarKinds: { task: 'ToDo' } } });
    await until(() => statuses.includes('buero-changes.status.idle'), 'the idle status');
    const task = sim.db.insert('tblCalendar', { fldArt: 'Aufgabe', fldBzrNr: 1, fldKurzInfo: 'Angebot' });
    const appt = sim.db.insert('tblCalendar', termin('A'));
    await until(() => out.length === 1 && caught.length === 1, 'the change and the error');
    assert.equal(out[0].payload.id, appt.fldID);
    assert.equal(caught[0].error.code, BueroCode.malformedRow);
    assert.match(caught[0].error.message, new RegExp(`\\[record: tblCalendar ${task.fldID}\\] \\[field: fldArt\\]`));
    assert.match(caught[0].error.message, /calendarKinds/);
  });

  it('büro+ down: the status shows it, one outage line each way, then everything is caught up', async function () {
    await load();
    await until(() => statuses.includes('buero-changes.status.idle'), 'the idle status');
    await sim.stop();
    const id = sim.db.insert('tblCalendar', termin('während des Ausfalls')).fldID;
    await until(() => statuses.at(-1) === 'buero-changes.status.outage', 'the outage status');
    await sleep(1500);
    await sim.start();
    await until(() => out.length === 1, 'the change made meanwhile', 15_000);
    assert.equal(out[0].payload.id, id);
    const outages = events.filter((e) => e.payload.type === 'outage').map((e) => e.payload.phase);
    assert.deepEqual(outages, ['begin', 'end']);
    assert.equal(caught.length, 0);
  });

  it('a wrong Mandant stops the node with a clear error', async function () {
    await load({}, { mandant: '2' });
    await until(() => statuses.at(-1) === 'buero-changes.status.mandant', 'the wrong-Mandant status');
    await until(() => caught.length === 1, 'the error');
    assert.match(caught[0].error.message, /serves Mandant 1, but the büro\+ connection is set to Mandant 2/);
  });

  it('a static token büro+ refuses: the status says so, Catch gets the 401 once, the token appears nowhere', async function () {
    const wrong = 'falsches-token-4711-geheim';
    process.env.BUERO_TEST_TOKEN = wrong;
    await load();
    await until(() => statuses.at(-1) === 'buero-changes.status.refused', 'the refused status');
    await until(() => caught.length === 1, 'the error');
    assert.match(caught[0].error.message, /refused the access token \(HTTP 401\)/);
    await sleep(300);
    assert.equal(caught.length, 1, 'reported once, not per poll');
    assert.ok(!JSON.stringify([caught, events, statusesOf('chg')]).includes(wrong), 'the token appears nowhere');
  });

  it('a state file written by a newer version: the status points at the state file, not at the settings', async function () {
    openStateDb(stateFile).close();
    const raw = new Database(stateFile);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    await load();
    assert.equal(statuses.at(-1), 'buero-changes.status.stateFileTooNew');
    send({ command: 'sync-now' });
    await until(() => caught.length === 1, 'the error');
    assert.match(caught[0].error.message, /has schema version/);
  });

  it('settings it cannot run with (a newer release\'s, or a secret not set): the status says so, messages are refused, the monitoring status names the reason', async function () {
    delete process.env.SYNC_UNHEALTHY_AFTER_SECONDS;
    await load({ version: 99 });
    assert.equal(statuses.at(-1), 'buero-changes.status.config');
    send({ command: 'sync-now' });
    await until(() => caught.length === 1, 'the refusal');
    assert.match(String(caught[0].error.message), /saved by a newer release/);
    // Failing since the start, for less than the threshold (300 s by default): still healthy.
    let res = await helper.request().get('/buero-sync/status').expect(200);
    assert.deepEqual(res.body.nodes.map((n: Msg) => [n.type, n.state, n.buero.error.code]), [['buero-changes', 'config-error', NodeCode.settingsTooNew]]);
    process.env.SYNC_UNHEALTHY_AFTER_SECONDS = '0';
    try {
      await sleep(5);
      res = await helper.request().get('/buero-sync/status').expect(503);
      assert.deepEqual(res.body.problems.map((p: Msg) => [p.node, p.part]), [['chg', 'büro+']]);
    } finally {
      delete process.env.SYNC_UNHEALTHY_AFTER_SECONDS;
    }
    await helper.unload();

    delete process.env.BUERO_TEST_UNSET;
    await helper.load([connectionNode, changesNode, catchNode], flow({}, { staticTokenEnv: 'BUERO_TEST_UNSET' }), {});
    assert.equal(statuses.at(-1), 'buero-changes.status.unset');
    res = await helper.request().get('/buero-sync/status').expect(200);
    assert.match(res.body.nodes[0].buero.error.message, /^The büro\+ connection "büro\+" signs in with a static token but has none: the environment variable BUERO_TEST_UNSET \(setting "Token"\) is not set\.$/);
  });

  it('an unknown command is an error for Catch nodes', async function () {
    await load({ autoSync: false });
    send({ command: 'rewind' });
    await until(() => caught.length === 1, 'the error');
    assert.match(caught[0].error.message, /unknownCommand/);
  });
});
