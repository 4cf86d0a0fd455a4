import assert from 'node:assert/strict';
import { itemsOf, startRig, syncedUsers, text, waitFor, type SyncRig } from './support';


// Issue 9, "done when": the reference flow's connection is switched from EWS to Microsoft
// Graph mid-life (Exchange Online, EWS allow-listed until now). A real Node-RED process runs
// the reference flow against the sandbox; after the restart with Graph every existing item is
// updated in place, none is created twice. Runs the built package (npm run build first).
describe('end to end: switching the reference flow from EWS to Graph re-uses every item', function () {
  this.timeout(180_000);
  let rig: SyncRig;

  before(async function () {
    rig = await startRig({ sandbox: { seed: 13 }, env: { EXCHANGE_DEPLOYMENT: 'online', EXCHANGE_API: 'ews' } });
  });
  after(async function () {
    await rig?.close();
  });

  it('appointments, tasks and contacts written through EWS are updated in place through Graph; zero duplicates', async function () {
    const { sandbox } = rig;
    const [anna, ben] = syncedUsers(sandbox);
    const users = syncedUsers(sandbox);
    const appt = sandbox.buero.db.insert('tblCalendar', {
      fldArt: 'Termin', fldBzrNr: anna.nr, fldTeilnehmer: String(ben.nr), fldKurzInfo: 'Vor dem Wechsel', fldBeginn: '2026-12-03T10:00:00', fldEnde: '2026-12-03T11:00:00',
    });
    const adr = sandbox.buero.db.insert('tblAddresses', { fldNa1: 'Wechsel GmbH' });
    const postal = sandbox.buero.db.insert('tblPostalAddresses', { fldAdrNr: adr.fldAdrNr, fldStr: 'Domstraße 5', fldPLZ: '50667', fldOrt: 'Köln', fldLand: 'DE' });
    const person = sandbox.buero.db.insert('tblContactPeople', { fldAdrNr: adr.fldAdrNr, fldAnsNr: postal.fldAnsNr, fldVNa: 'Petra', fldNNa: 'Wechsel' });
    const todo = sandbox.buero.db.insert('tblCalendar', {
      fldArt: 'Aufgabe', fldBzrNr: anna.nr, fldKurzInfo: 'Aufgabe vor dem Wechsel', fldBeginn: '2026-12-01T00:00:00', fldEnde: '2026-12-04T00:00:00',
    });
    const apptId = appt.fldID as number;
    const todoId = todo.fldID as number;
    const personId = person.fldID as number;
    const where = [
      ...[anna, ben].map((u) => ({ mailbox: u.mailbox, kind: 'appointment' as const, table: 'tblCalendar', id: apptId })),
      { mailbox: anna.mailbox, kind: 'task' as const, table: 'tblCalendar', id: todoId },
      ...users.map((u) => ({ mailbox: u.mailbox, kind: 'contact' as const, table: 'tblContactPeople', id: personId })),
    ];
    for (const w of where) await waitFor(`${w.kind} in ${w.mailbox} via EWS`, () => itemsOf(sandbox, w.mailbox, w.kind, w.table, w.id).length === 1);
    const ids = where.map((w) => itemsOf(sandbox, w.mailbox, w.kind, w.table, w.id)[0].itemId);
    const total = users.reduce((n, u) => n + sandbox.ews.store.items(u.mailbox).length, 0);
    assert.equal(sandbox.graph.stats().requests, 0, 'EWS so far');

    // The administrator switches the API: EXCHANGE_API no longer set means the default, Graph.
    await rig.nodeRed.stop();
    delete rig.env.EXCHANGE_API;
    await rig.restart();

    sandbox.buero.db.modify('tblCalendar', apptId, { fldKurzInfo: 'Nach dem Wechsel' });
    sandbox.buero.db.modify('tblCalendar', todoId, { fldKurzInfo: 'Aufgabe nach dem Wechsel' });
    sandbox.buero.db.modify('tblContactPeople', personId, { fldNNa: 'Wechsel-Graph' });
    const wanted = { appointment: ['Subject', 'Nach dem Wechsel'], task: ['Subject', 'Aufgabe nach dem Wechsel'], contact: ['Surname', 'Wechsel-Graph'] };
    for (const w of where) {
      const [field, want] = wanted[w.kind];
      await waitFor(`${w.kind} in ${w.mailbox} updated via Graph`, () => text(itemsOf(sandbox, w.mailbox, w.kind, w.table, w.id)[0], field) === want);
    }
    where.forEach((w, i) => {
      const items = itemsOf(sandbox, w.mailbox, w.kind, w.table, w.id);
      assert.equal(items.length, 1, `one ${w.kind} in ${w.mailbox}`);
      assert.equal(items[0].itemId, ids[i], `the ${w.kind} in ${w.mailbox} was updated in place`);
    });
    assert.equal(users.reduce((n, u) => n + sandbox.ews.store.items(u.mailbox).length, 0), total, 'no item created');
    assert.ok(sandbox.graph.stats().requests > 0, 'written through Graph');
    assert.deepEqual(sandbox.graph.schemaViolations, [], 'requests that broke Graph\'s v1.0 metadata');
  });
});
