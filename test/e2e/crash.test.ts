import assert from 'node:assert/strict';
import { itemsOf, keyOf, startRig, syncedUsers, waitFor, type SyncRig } from './support';

const CHANGES = 2000;

describe('end to end: kill -9 of Node-RED in the middle of a sync', function () {
  this.timeout(300_000);
  let rig: SyncRig;

  before(async function () {
    rig = await startRig({ sandbox: { seed: 21 } });
  });

  after(async function () {
    await rig?.close();
  });

  it(`${CHANGES} changes, a kill -9 while they are written, a restart: every change arrives, none twice`, async function () {
    const { sandbox } = rig;
    const users = syncedUsers(sandbox);
    const ids: { id: number; mailbox: string; subject: string }[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const u = users[i % users.length];
      const subject = `Serie ${i} – Kundentermin`;
      const day = String(1 + (i % 28)).padStart(2, '0');
      const row = sandbox.buero.db.insert('tblCalendar', {
        fldArt: 'Termin', fldBzrNr: u.nr, fldKurzInfo: subject, fldBeginn: `2027-01-${day}T09:00:00`, fldEnde: `2027-01-${day}T10:00:00`,
      });
      ids.push({ id: row.fldID as number, mailbox: u.mailbox, subject });
    }
    const arrived = () => ids.filter((r) => itemsOf(sandbox, r.mailbox, 'appointment', 'tblCalendar', r.id).length > 0).length;
    // Kill while the sync is in full swing: some items are written, most are not.
    await waitFor('the first 200 items written', () => arrived() >= 200, 120_000);
    const before = arrived();
    await rig.nodeRed.kill9();
    assert.ok(before < CHANGES, `the kill came before the end (${before} of ${CHANGES})`);

    await rig.restart();
    await waitFor(`all ${CHANGES} items after the restart`, () => arrived() === CHANGES, 240_000);
    for (const r of ids) {
      const items = itemsOf(sandbox, r.mailbox, 'appointment', 'tblCalendar', r.id);
      assert.equal(items.length, 1, `tblCalendar ${r.id} in ${r.mailbox}: ${items.length} items`);
      assert.equal(String(items[0].fields.Subject), r.subject);
    }
    for (const mailbox of sandbox.mailboxes) {
      const keys = sandbox.ews.store.items(mailbox).map(keyOf);
      assert.equal(new Set(keys).size, keys.length, `a duplicate key in ${mailbox}`);
    }
  });
});
