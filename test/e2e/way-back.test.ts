import assert from 'node:assert/strict';
import { Outlook } from '../../sandbox/outlook';
import type { StoredItem } from '../../sandbox/store';
import { itemsOf, startRig, syncedUsers, text, waitFor, type SyncRig } from './support';

const termin = (owner: number, extra: Record<string, unknown> = {}) => ({
  fldArt: 'Termin',
  fldBzrNr: owner,
  fldKurzInfo: 'Abstimmung Rückweg',
  fldBeginn: '2026-12-08T10:00:00',
  fldEnde: '2026-12-08T11:00:00',
  ...extra,
});

/**
 * The way back through the reference flow in a real Node-RED: what a user changes in Outlook
 * reaches büro+ through the second lane (buero-outlook-changes → buero-writer), on Exchange
 * Server (EWS) and Exchange Online (Graph), and nothing the product wrote comes back around.
 */
for (const online of [false, true]) {
  const api = online ? 'Microsoft Graph' : 'EWS';
  describe(`end to end: the way back in the reference flow (${api})`, function () {
    this.timeout(240_000);
    let rig: SyncRig;
    let anna: { nr: number; mailbox: string };
    let outlook: Outlook;

    before(async function () {
      // SYNC_EXCHANGE_POLL_SECONDS is 5 in the sandbox (the way back's shortest interval).
      rig = await startRig({ sandbox: { seed: online ? 23 : 22 }, env: online ? { EXCHANGE_DEPLOYMENT: 'online' } : {} });
      [anna] = syncedUsers(rig.sandbox);
      outlook = new Outlook(rig.sandbox.ews.store);
      // The way back records where Anna's calendar stands (its baseline) with its first read of
      // it, once the büro+ change source has named her a synced user; edits before that are
      // never taken (items made before the set-up). The test starts after that read.
      await waitFor("the way back's first read of Anna's calendar", () => readsOf(anna.mailbox) > 0, 60_000);
    });

    /** Change reads of a mailbox so far (SyncFolderItems or a Graph delta request). */
    function readsOf(mailbox: string): number {
      if (online) return rig.sandbox.graph.requestLog.filter((r) => /delta/.test(r.path) && decodeURIComponent(r.path).toLowerCase().includes(mailbox.toLowerCase())).length;
      return rig.sandbox.ews.requestLog.filter((r) => r.operation === 'SyncFolderItems' && r.mailbox?.toLowerCase() === mailbox.toLowerCase()).length;
    }

    after(async function () {
      // Every request the way back and lane 1 sent was valid: EWS against the XSDs, Graph against its v1.0 metadata.
      try {
        if (rig && online) assert.deepEqual(rig.sandbox.graph.schemaViolations, [], "requests that broke Graph's v1.0 metadata");
        if (rig && !online) assert.equal(rig.sandbox.ews.stats().schemaInvalid, 0, 'EWS requests that broke the schema');
      } finally {
        await rig?.close();
      }
    });

    /** The büro+ appointment, once lane 1 has put it into Anna's mailbox. */
    async function synced(extra: Record<string, unknown> = {}): Promise<{ id: number; item: StoredItem }> {
      const row = rig.sandbox.buero.db.insert('tblCalendar', termin(anna.nr, extra));
      const id = row.fldID as number;
      const [item] = await waitFor('the appointment in Outlook', () => {
        const items = itemsOf(rig.sandbox, anna.mailbox, 'appointment', 'tblCalendar', id);
        return items.length ? items : undefined;
      }, 60_000);
      return { id, item };
    }

    it('an appointment changed in Outlook (subject, location, time) arrives in büro+, with nothing sent back around', async function () {
      const { id, item } = await synced();
      outlook.editAppointment(item, { subject: 'In Outlook verschoben', location: 'Raum Berlin', start: '2026-12-08T13:00:00Z', end: '2026-12-08T14:30:00Z' });
      const row = await waitFor('the edit in büro+', () => {
        const r = rig.sandbox.buero.db.get('tblCalendar', id);
        return r?.fldKurzInfo === 'In Outlook verschoben' ? r : undefined;
      }, 90_000);
      assert.equal(row.fldOrt, 'Raum Berlin');
      // 13:00 UTC in December is 14:00 in Berlin: büro+ stores the Mandant's local time.
      assert.equal(String(row.fldBeginn).slice(0, 19), '2026-12-08T14:00:00');
      assert.equal(String(row.fldEnde).slice(0, 19), '2026-12-08T15:30:00');

      // No echo: the büro+ write does not go out to Exchange again as a change, and the way
      // back does not take its own write back. Two polls of each lane later, both sides stand still.
      const changeKey = item.changeKey;
      const lsn = String(rig.sandbox.buero.db.get('tblCalendar', id)!.fldModifyLSN);
      await new Promise((r) => setTimeout(r, 12_000));
      const now = itemsOf(rig.sandbox, anna.mailbox, 'appointment', 'tblCalendar', id);
      assert.equal(now.length, 1, 'still one item');
      assert.equal(now[0].changeKey, changeKey, 'the Outlook item was not written again');
      assert.equal(text(now[0], 'Subject'), 'In Outlook verschoben');
      assert.equal(String(rig.sandbox.buero.db.get('tblCalendar', id)!.fldModifyLSN), lsn, 'the büro+ entry was not written again');
    });

    it('an appointment made in Outlook becomes a büro+ entry of the mailbox owner, once', async function () {
      // A later appointment than any lane 1 wrote: the way back's baseline is long recorded.
      const made = outlook.createAppointment(anna.mailbox, { subject: 'Neu aus Outlook', start: '2026-12-09T08:00:00Z', end: '2026-12-09T09:00:00Z', location: 'Telefon' });
      const rows = await waitFor('the new büro+ entry', () => {
        const r = rig.sandbox.buero.db.rows('tblCalendar').filter((x) => x.fldKurzInfo === 'Neu aus Outlook');
        return r.length ? r : undefined;
      }, 90_000);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].fldBzrNr, anna.nr, "the mailbox owner's entry");
      // The Outlook item now carries the new entry's key: it is the same item from then on.
      await waitFor('the key on the Outlook item', () => itemsOf(rig.sandbox, anna.mailbox, 'appointment', 'tblCalendar', rows[0].fldID as number).length === 1, 60_000);
      assert.equal(itemsOf(rig.sandbox, anna.mailbox, 'appointment', 'tblCalendar', rows[0].fldID as number)[0].itemId, made.itemId);
      await new Promise((r) => setTimeout(r, 8_000));
      assert.equal(rig.sandbox.buero.db.rows('tblCalendar').filter((x) => x.fldKurzInfo === 'Neu aus Outlook').length, 1, 'never twice');
    });

    it('an appointment deleted in Outlook (not yet ended) is deleted in büro+', async function () {
      const { id, item } = await synced({ fldKurzInfo: 'Wird in Outlook gelöscht' });
      await new Promise((r) => setTimeout(r, 6_000));
      outlook.deleteItem(item);
      await waitFor('the büro+ entry gone', () => !rig.sandbox.buero.db.get('tblCalendar', id) || undefined, 90_000);
    });
  });
}
