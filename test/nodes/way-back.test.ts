import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/demo';
import { Outlook } from '../../sandbox/outlook';
import type { StoredItem } from '../../sandbox/store';
import { itemsOf, syncedUsers, waitFor } from '../e2e/support';
import { allNodes, helper } from '../support/node-red';


// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Node-RED messages are free-form; the assertions say what they hold
type Msg = Record<string, any>;
type Spy = { getCalls(): { thisValue: { id?: string }; args: unknown[] }[] };

/** What a node has shown or said (Node-RED's node methods, spied by the test helper). */
function callsOf(method: 'status' | 'warn' | 'error', id: string): unknown[] {
  const spy = (helper as unknown as { _NodePrototype: Record<string, Spy> })._NodePrototype[method];
  return spy.getCalls().filter((c) => c.thisValue?.id === id).map((c) => c.args[0]);
}
const statusTexts = (id: string) => callsOf('status', id).map((s) => String((s as { text?: string })?.text));
const lastStatus = (id: string) => statusTexts(id).at(-1);

const REFERENCE = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/buero-exchange-sync.json'), 'utf8')) as Msg[];
const idOf = (type: string) => REFERENCE.find((n) => n.type === type)!.id as string;
const SOURCE = idOf('buero-outlook-changes');
const WRITER = idOf('buero-writer');
const LOG = idOf('buero-sync-log');

/**
 * The two nodes of the way back in Node-RED (node-red-node-test-helper), in the reference flow
 * on the sandbox: the flow of examples/ with every node type of the package, its settings from
 * the environment, a helper on each output of the two nodes and a Catch node for them.
 */
describe('the way back nodes: buero-outlook-changes and buero-writer (Node-RED, sandbox)', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let dir: string;
  let changes: Msg[];
  let written: Msg[];
  let events: Msg[];
  let caught: Msg[];
  let completed: Msg[];
  let anna: { nr: number; mailbox: string };
  let outlook: Outlook;
  const saved: Record<string, string | undefined> = {};

  function setEnv(env: Record<string, string | undefined>) {
    for (const [k, v] of Object.entries(env)) {
      if (!(k in saved)) saved[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }

  before(async function () {
    sandbox = await startSandbox({ seed: 31 });
    [anna] = syncedUsers(sandbox);
    outlook = new Outlook(sandbox.ews.store);
  });

  after(async function () {
    await sandbox?.close();
  });

  afterEach(async function () {
    await helper.unload();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
      delete saved[k];
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The reference flow with test outputs; `patch` changes settings of the way back's nodes. */
  function flow(patch: { source?: Msg; writer?: Msg } = {}): Msg[] {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'way-back-nodes-'));
    const stateFile = path.join(dir, 'state.sqlite');
    // Comment nodes are not loaded by the test helper (and do nothing).
    const nodes = structuredClone(REFERENCE).filter((n) => n.type !== 'comment').map((n) => {
      if (n.type === 'buero-outlook-changes') return { ...n, ...patch.source, wires: [[WRITER, 't-changes'], [LOG, 't-events']] };
      if (n.type === 'buero-writer') return { ...n, ...patch.writer, wires: [['t-written'], [LOG, 't-events']] };
      if (n.type === 'buero-connection') return { ...n, stateFile };
      if (n.type === 'buero-exchange-writer') return { ...n, stateFile, flushDelay: 20 };
      if (n.type === 'buero-changes') return { ...n, interval: 0.2 };
      if (n.type === 'buero-sync-log') return { ...n, file: path.join(dir, 'ExchangeSync.log') };
      // The flow's Catch node (its scope holds both nodes) tells the test too. (The test helper
      // loads a core node's module once per node of its type: one Catch node only.)
      if (n.type === 'catch') return { ...n, wires: [[LOG, 't-caught']] };
      return n;
    });
    const z = nodes.find((n) => n.type === 'tab')!.id;
    return [
      ...nodes,
      { id: 't-changes', z, type: 'helper' },
      { id: 't-written', z, type: 'helper' },
      { id: 't-events', z, type: 'helper' },
      { id: 't-caught', z, type: 'helper' },
      { id: 't-complete', z, type: 'complete', scope: [SOURCE, WRITER], uncaught: false, wires: [['t-completed']] },
      { id: 't-completed', z, type: 'helper' },
    ];
  }

  async function load(patch: { source?: Msg; writer?: Msg } = {}, env: Record<string, string | undefined> = {}) {
    setEnv({ ...sandbox.env, SYNC_EXCHANGE_POLL_SECONDS: '3600', ...env });
    changes = [];
    written = [];
    events = [];
    caught = [];
    completed = [];
    await helper.load(allNodes, flow(patch), {});
    for (const [id, list] of [['t-changes', changes], ['t-written', written], ['t-events', events], ['t-caught', caught], ['t-completed', completed]] as const) {
      helper.getNode(id)?.on('input', (m: Msg) => list.push(m));
    }
  }

  let sent = 0;
  /** Sends a message into a node and waits until it is done (Complete node) or failed (Catch node). */
  async function send(id: string, msg: Msg): Promise<void> {
    const msgid = `test-${++sent}`;
    helper.getNode(id).receive({ ...msg, _msgid: msgid });
    await waitFor(`${id} done with ${JSON.stringify(msg).slice(0, 60)}`, () => [...completed, ...caught].some((m) => m._msgid === msgid), 60_000);
  }

  const syncNow = () => send(SOURCE, { command: 'sync-now' });

  /** An appointment of Anna's made in büro+ and brought into her mailbox by lane 1. */
  async function inOutlook(subject: string, extra: Msg = {}): Promise<{ id: number; item: StoredItem }> {
    const row = sandbox.buero.db.insert('tblCalendar', {
      fldArt: 'Termin', fldBzrNr: anna.nr, fldKurzInfo: subject, fldBeginn: '2026-12-10T09:00:00', fldEnde: '2026-12-10T10:00:00', ...extra,
    });
    const id = row.fldID as number;
    // A row written before the büro+ change source recorded its baseline is never sent: touch it until it arrives.
    for (let i = 0; ; i++) {
      const items = itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', id);
      if (items.length) return { id, item: items[0] };
      if (i > 300) throw new Error(`${subject} did not reach Outlook`);
      if (i % 20 === 19) sandbox.buero.db.modify('tblCalendar', id, { fldKurzInfo: subject });
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The way back has recorded where Anna's folders stand (it takes what changes after). */
  async function baseline() {
    const before = sandbox.ews.requestLog.length;
    const read = () => sandbox.ews.requestLog.slice(before).some((r) => r.operation === 'SyncFolderItems' && r.mailbox?.toLowerCase() === anna.mailbox.toLowerCase());
    // Anna is read once the büro+ change source has named her a synced user (its first poll).
    for (let i = 0; i < 100 && !read(); i++) {
      await syncNow();
      if (!read()) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(read(), "the way back read Anna's calendar");
  }

  it('an Outlook edit goes through both nodes into büro+: a change message with ack, a written result, the statuses', async function () {
    await load();
    await baseline();
    const { id, item } = await inOutlook('Vor der Änderung');
    await syncNow();
    outlook.editAppointment(item, { subject: 'Nach der Änderung in Outlook' });
    await syncNow();
    await waitFor('the edit in büro+', () => sandbox.buero.db.get('tblCalendar', id)?.fldKurzInfo === 'Nach der Änderung in Outlook');

    const change = changes.find((m) => m.payload.itemId === item.itemId && m.payload.op === 'updated');
    assert.ok(change, 'the change source emitted the edit');
    assert.equal(change.payload.mailbox, anna.mailbox.toLowerCase());
    assert.equal(change.payload.user.nr, anna.nr);
    assert.ok(change.ack, 'with an acknowledgement token');
    const result = await waitFor('the result on output 1', () => written.find((m) => m.payload.itemId === item.itemId && m.payload.outcome === 'written'));
    assert.equal(result.topic, 'buero/written');
    assert.deepEqual(caught, []);
    // (The test helper shows the catalogue's keys, not its texts.)
    await waitFor('the statuses', () => /status\.(idle|pending)/.test(String(lastStatus(SOURCE))) && /status\.idle/.test(String(lastStatus(WRITER))));
    assert.ok(events.length > 0, 'events for the sync log');

    // Monitoring: both nodes report to the status endpoint.
    const res = await helper.request().get('/buero-sync/status').expect(200);
    const types = (res.body.nodes as { type: string }[]).map((n) => n.type).sort();
    assert.deepEqual(types, ['buero-changes', 'buero-exchange-writer', 'buero-outlook-changes', 'buero-writer']);
  });

  it('a change büro+ refuses reaches the Catch node naming mailbox, item and büro+ field; the next change is written', async function () {
    await load();
    await baseline();
    const bad = await inOutlook('Wird zu lang');
    const good = await inOutlook('Bleibt kurz');
    await syncNow();
    // The simulator's business rule: büro+ takes at most 80 characters of a subject.
    outlook.editAppointment(bad.item, { subject: 'x'.repeat(120) });
    outlook.editAppointment(good.item, { subject: 'Kurz und gut' });
    await syncNow();
    await waitFor('the good edit in büro+', () => sandbox.buero.db.get('tblCalendar', good.id)?.fldKurzInfo === 'Kurz und gut');
    const error = await waitFor('the refusal in Catch', () => caught.find((m) => m.error?.source?.id === WRITER));
    assert.match(String(error.error.message), new RegExp(anna.mailbox.split('@')[0], 'i'), 'the mailbox is named');
    assert.match(String(error.error.message), /fldKurzInfo|Kurzinfo|subject/i, 'the büro+ field is named');
    assert.equal(sandbox.buero.db.get('tblCalendar', bad.id)?.fldKurzInfo, 'Wird zu lang', 'nothing written');
  });

  it('SYNC_TWO_WAY=false: the source reads nothing from Exchange, the writer writes nothing and hands each change on', async function () {
    const logStart = sandbox.ews.requestLog.length;
    await load({}, { SYNC_TWO_WAY: 'false' });
    const { id, item } = await inOutlook('Einseitig');
    outlook.editAppointment(item, { subject: 'In Outlook geändert' });
    await syncNow();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sandbox.ews.requestLog.slice(logStart).filter((r) => r.operation === 'SyncFolderItems' || r.operation === 'GetItem').length, 0, 'no read of a mailbox');
    assert.deepEqual(changes, []);
    // A change sent to the writer directly is not written.
    await send(WRITER, { payload: { kind: 'appointment', op: 'updated', mailbox: anna.mailbox, transport: 'ews', itemId: item.itemId, user: { nr: anna.nr } } });
    assert.equal(sandbox.buero.db.get('tblCalendar', id)?.fldKurzInfo, 'Einseitig');
    assert.deepEqual(caught, []);
    assert.match(String(lastStatus(SOURCE)), /off/);
    assert.match(String(lastStatus(WRITER)), /off/);
  });

  it('settings: a fixed value in the dialog instead of the variable, and a value no setting knows is a warning naming the variable', async function () {
    await load({ writer: { twoWay: 'false', twoWayType: 'bool' } }, { SYNC_CONFLICT: 'newest' });
    assert.match(String(lastStatus(WRITER)), /off/, 'the fixed value of the dialog');
    assert.doesNotMatch(String(lastStatus(SOURCE)), /off/, 'the source reads SYNC_TWO_WAY (unset: on)');
    await helper.unload();
    await load({}, { SYNC_CONFLICT: 'newest' });
    const warnings = callsOf('warn', WRITER).map(String);
    assert.ok(warnings.some((w) => /SYNC_CONFLICT=newest/.test(w)), warnings.join('\n'));
  });

  it('without connections: the status says so and a message goes to Catch', async function () {
    await load({ source: { exchange: '' }, writer: { connection: '' } });
    assert.equal(lastStatus(SOURCE), 'buero-outlook-changes.status.config');
    assert.equal(lastStatus(WRITER), 'buero-writer.status.config');
    await send(SOURCE, { command: 'sync-now' });
    await send(WRITER, { payload: {} });
    await waitFor('both errors in Catch', () => caught.length >= 2);
  });

  it('the deletion guard holds a mailbox that would lose too much; a resume message lets the deletions through', async function () {
    await load();
    await baseline();
    const made: { id: number; item: StoredItem }[] = [];
    for (let i = 0; i < 12; i++) made.push(await inOutlook(`Serie von Einträgen ${i}`, { fldBeginn: `2026-12-${11 + i}T09:00:00`, fldEnde: `2026-12-${11 + i}T10:00:00` }));
    await syncNow();
    for (const m of made) outlook.deleteItem(m.item);
    await syncNow();
    await waitFor('the paused status', () => lastStatus(SOURCE) === 'buero-outlook-changes.status.paused');
    const paused = await helper.request().get(`/buero-outlook-changes/${SOURCE}/paused`).expect(200);
    assert.deepEqual((paused.body.paused as { mailbox: string }[]).map((p) => p.mailbox), [anna.mailbox.toLowerCase()]);
    assert.ok(made.every((m) => sandbox.buero.db.get('tblCalendar', m.id)), 'nothing deleted in büro+');

    await send(SOURCE, { topic: 'resume', payload: anna.mailbox });
    await syncNow();
    await waitFor('the deletions in büro+', () => made.every((m) => !sandbox.buero.db.get('tblCalendar', m.id)));
    // Resuming a mailbox that is not paused is an error (Catch).
    await send(SOURCE, { topic: 'resume', payload: 'niemand@firma.de' });
    // (The test helper shows the catalogue's key instead of the text naming the mailbox.)
    await waitFor('the error', () => caught.some((m) => m.error?.source?.id === SOURCE && /notPaused|niemand@firma\.de/.test(String(m.error?.message))));
  });
});
