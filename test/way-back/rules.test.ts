import assert from 'node:assert/strict';
import type { Appointment } from '../../lib/exchange/model';
import type { TransportName } from '../exchange/graph-support';
import { itemsWithKey, text } from '../exchange/graph-support';
import { ANNA, BERND, itemOf, keyOf, outcomes, setup, type Setup } from './support';

// The way back's rules end to end in the engine: Outlook (sandbox/outlook on the simulators'
// store) → change reader → OutlookChangeSource → WayBackWriter → büro+ simulator, with lane 1
// (the real mapper and Exchange writer) writing the büro+ rows to Exchange on the same state file.
for (const name of ['ews', 'graph'] as TransportName[]) {
  describe(`way back over ${name.toUpperCase()}: the rules`, function () {
    this.timeout(120_000);
    let s: Setup;

    afterEach(async function () {
      await s?.close();
    });

    /** A büro+ appointment of Anna's, written to her mailbox by lane 1 (and to Bernd's as participant). */
    const synced = async (values: Record<string, unknown> = {}, participants: number[] = []) => {
      const row = s.insert({ fldKurzInfo: 'Besuch Müller', fldOrt: 'Köln', fldBeginn: '2026-04-14T10:00:00', fldEnde: '2026-04-14T11:00:00', fldErinnMin: 15, ...values });
      await s.laneOne(row.fldID as number, participants);
      return row.fldID as number;
    };

    it('no echo: lane 1\'s own write never comes back; an Outlook edit comes back once, and lane 1 then finds büro+\'s new version unchanged', async function () {
      s = await setup(name);
      await s.baseline();
      const id = await synced();
      await s.poll();
      assert.deepEqual(outcomes(s.taken), ['skipped:echo'], 'lane 1\'s write is recognised');
      assert.equal(s.mutations(), 0);

      const item = itemOf(s, ANNA, keyOf(id, 1));
      s.w.outlook.editAppointment(item, { subject: 'Besuch Müller (verschoben)', location: 'Bonn', start: '2026-04-15T08:00:00Z', end: '2026-04-15T09:30:00Z' });
      await s.poll();
      assert.deepEqual(outcomes(s.taken).slice(1), ['written']);
      const row = s.row(id);
      assert.deepEqual([row.fldKurzInfo, row.fldOrt, row.fldBeginn, row.fldEnde, row.fldGanzTg], ['Besuch Müller (verschoben)', 'Bonn', '2026-04-15T10:00:00', '2026-04-15T11:30:00', false]);
      assert.equal(s.mutations(), 1, 'one mutation');

      // Lane 1 reads büro+'s new version: nothing to write to Exchange.
      const [o] = await s.laneOne(id);
      assert.ok(o.ok && o.action === 'unchanged', `lane 1: ${o.ok ? o.action : o.error.message}`);
      await s.poll();
      await s.poll();
      assert.deepEqual(outcomes(s.taken).slice(2), [], 'nothing comes back');
      assert.equal(s.mutations(), 1, 'no further büro+ write');
    });

    it('a business rule that changes a value on save (subject trimmed) converges in one round', async function () {
      s = await setup(name);
      await s.baseline();
      const id = await synced();
      await s.poll();
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(id, 1)), { subject: '  Besuch Müller neu  ' });
      await s.poll();
      assert.equal(s.row(id).fldKurzInfo, 'Besuch Müller neu', 'büro+ trimmed it');
      await s.laneOne(id);
      // The readers take a subject as lane 1's mapper writes one (trimmed), so Outlook and büro+ agree already.
      assert.equal(text(itemOf(s, ANNA, keyOf(id, 1)).fields.Subject)?.trim(), 'Besuch Müller neu');
      await s.poll();
      await s.poll();
      const [again] = await s.laneOne(id);
      assert.ok(again.ok && again.action === 'unchanged');
      assert.equal(s.mutations(), 1, 'one büro+ write, no ping-pong');
      assert.deepEqual(outcomes(s.taken).filter((o) => o === 'written'), ['written']);
    });

    it('only the owner\'s copy writes back: a participant\'s edit is logged, not taken', async function () {
      s = await setup(name);
      await s.baseline();
      const id = await synced({}, [2]);
      await s.poll();
      s.w.outlook.editAppointment(itemOf(s, BERND, keyOf(id, 2)), { subject: 'Von Bernd geändert' });
      await s.poll();
      assert.ok(outcomes(s.taken).includes('skipped:participant'), outcomes(s.taken).join());
      assert.equal(s.row(id).fldKurzInfo, 'Besuch Müller');
      assert.equal(s.mutations(), 0);
      const line = s.infos('way-back-participant');
      assert.equal(line.length, 1);
      assert.equal(line[0].params?.mailbox, BERND);
      // The next büro+ change overwrites the participant's copy.
      s.sim.db.modify('tblCalendar', id, { fldOrt: 'Aachen' });
      await s.laneOne(id, [2]);
      const copy = itemOf(s, BERND, keyOf(id, 2));
      assert.equal(text(copy.fields.Subject), 'Besuch Müller');
    });

    for (const conflict of ['buero', 'outlook'] as const) {
      it(`conflicts are merged field by field; the same field on both sides: ${conflict} wins, one log line`, async function () {
        s = await setup(name, { settings: { conflict } });
        await s.baseline();
        const id = await synced();
        await s.poll();
        // büro+ changes the location (not yet out), Outlook changes location and subject.
        s.sim.db.modify('tblCalendar', id, { fldOrt: 'Düsseldorf (büro+)' });
        s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(id, 1)), { subject: 'Betreff aus Outlook', location: 'Bonn (Outlook)' });
        await s.poll();
        const row = s.row(id);
        assert.equal(row.fldKurzInfo, 'Betreff aus Outlook', 'changed on one side only: taken');
        assert.equal(row.fldOrt, conflict === 'buero' ? 'Düsseldorf (büro+)' : 'Bonn (Outlook)');
        const lines = s.infos('way-back-conflict');
        assert.equal(lines.length, 1, 'one line per conflict');
        assert.deepEqual([lines[0].params?.field, lines[0].params?.winner], ['fldOrt', conflict]);
        // Lane 1 then brings Outlook to büro+'s merged values.
        await s.laneOne(id);
        const item = itemOf(s, ANNA, keyOf(id, 1));
        assert.equal(text(item.fields.Location), String(row.fldOrt));
      });
    }

    it('a new appointment made in Outlook becomes a büro+ entry of its owner once, with its key stamped; invitations received are not taken', async function () {
      s = await setup(name);
      await s.baseline();
      const before = s.sim.db.count('tblCalendar');
      s.w.outlook.createAppointment(ANNA, { subject: 'Neu in Outlook', location: 'Praxis', start: '2026-04-20T07:00:00Z', end: '2026-04-20T08:00:00Z' });
      s.w.outlook.receiveInvitation(ANNA, 'chefin@kunde.example', { subject: 'Einladung', start: '2026-04-21T07:00:00Z', end: '2026-04-21T08:00:00Z' });
      await s.poll();
      assert.deepEqual(outcomes(s.taken).sort(), ['created', 'skipped:invitation']);
      assert.equal(s.sim.db.count('tblCalendar'), before + 1);
      const row = s.sim.db.rows('tblCalendar').find((r) => r.fldKurzInfo === 'Neu in Outlook')!;
      assert.deepEqual([row.fldBzrNr, row.fldArt, row.fldOrt, row.fldBeginn, row.fldEnde], [1, 'Termin', 'Praxis', '2026-04-20T09:00:00', '2026-04-20T10:00:00']);
      const key = keyOf(row.fldID as number, 1);
      assert.equal(itemsWithKey(s.w.ex.ews.store, ANNA, key).length, 1, 'the key is stamped on the Outlook item');
      await s.poll();
      await s.poll();
      assert.equal(s.sim.db.count('tblCalendar'), before + 1, 'never a second entry');
      // From now on it is the same item: an edit updates that entry.
      s.w.outlook.editAppointment(itemOf(s, ANNA, key), { location: 'Praxis 2' });
      await s.poll();
      assert.equal(s.row(row.fldID as number).fldOrt, 'Praxis 2');
      assert.equal(s.sim.db.count('tblCalendar'), before + 1);
    });

    it('SYNC_OUTLOOK_NEW=category takes only items with the category', async function () {
      s = await setup(name, { settings: { outlookNew: 'category' } });
      await s.baseline();
      const before = s.sim.db.count('tblCalendar');
      s.w.outlook.createAppointment(ANNA, { subject: 'Ohne Kategorie', start: '2026-04-20T07:00:00Z', end: '2026-04-20T08:00:00Z' });
      s.w.outlook.createAppointment(ANNA, { subject: 'Mit Kategorie', categories: ['büro+'], start: '2026-04-21T07:00:00Z', end: '2026-04-21T08:00:00Z' });
      await s.poll();
      assert.equal(s.sim.db.count('tblCalendar'), before + 1);
      assert.ok(s.sim.db.rows('tblCalendar').some((r) => r.fldKurzInfo === 'Mit Kategorie'));
    });

    it('deleting the owner\'s copy of an appointment not yet ended deletes the büro+ entry; an ended one is logged, not deleted', async function () {
      s = await setup(name);
      await s.baseline();
      const future = await synced();
      const past = await synced({ fldKurzInfo: 'Vorbei', fldBeginn: '2026-03-10T10:00:00', fldEnde: '2026-03-10T11:00:00' });
      await s.poll();
      s.w.outlook.deleteItem(itemOf(s, ANNA, keyOf(future, 1)));
      s.w.outlook.deleteItem(itemOf(s, ANNA, keyOf(past, 1)));
      await s.poll();
      assert.equal(s.sim.db.get('tblCalendar', future), undefined, 'deleted in büro+');
      assert.ok(s.sim.db.get('tblCalendar', past), 'the ended one stays');
      assert.equal(s.infos('way-back-delete-not-taken').length, 1);
      assert.equal(s.infos('way-back-delete-not-taken')[0].params?.why, 'ended');
    });

    it('series: an occurrence deleted in Outlook becomes a büro+ exception, the series stays a series', async function () {
      s = await setup(name);
      await s.baseline();
      const id = await synced({ fldKurzInfo: 'Jour fixe', fldBeginn: '2026-04-06T09:00:00', fldEnde: '2026-04-06T10:00:00', fldSerie: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10' });
      await s.poll();
      s.w.outlook.deleteOccurrence(itemOf(s, ANNA, keyOf(id, 1)), '2026-04-13');
      await s.poll();
      const row = s.row(id);
      assert.equal(row.fldSerieAusn, '2026-04-13');
      assert.equal(row.fldSerie, 'FREQ=WEEKLY;BYDAY=MO;COUNT=10');
      const [o] = await s.laneOne(id);
      assert.ok(o.ok && o.action === 'unchanged', `lane 1 finds the series unchanged (${o.ok ? o.action : o.error.message})`);
      // The whole series' subject comes back.
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(id, 1)), { subject: 'Jour fixe (neu)' });
      await s.poll();
      assert.equal(s.row(id).fldKurzInfo, 'Jour fixe (neu)');
      assert.equal(s.row(id).fldSerie, 'FREQ=WEEKLY;BYDAY=MO;COUNT=10');
      assert.equal(s.sim.db.rows('tblCalendar').filter((r) => String(r.fldKurzInfo).startsWith('Jour fixe')).length, 1, 'never singles');
    });

    it('times go back in the Mandant\'s zone on the DST days (2026-03-29, 2026-10-25) and all-day', async function () {
      s = await setup(name);
      await s.baseline();
      const a = await synced();
      const b = await synced({ fldKurzInfo: 'Herbst' });
      const c = await synced({ fldKurzInfo: 'Ganztags' });
      await s.poll();
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(a, 1)), { start: '2026-03-29T07:00:00Z', end: '2026-03-29T08:00:00Z' });
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(b, 1)), { start: '2026-10-25T00:30:00Z', end: '2026-10-25T02:00:00Z' });
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(c, 1)), { isAllDay: true, start: '2026-03-28T23:00:00Z', end: '2026-03-30T22:00:00Z' } as Partial<Appointment> as never);
      await s.poll();
      assert.deepEqual([s.row(a).fldBeginn, s.row(a).fldEnde], ['2026-03-29T09:00:00', '2026-03-29T10:00:00']);
      assert.deepEqual([s.row(b).fldBeginn, s.row(b).fldEnde], ['2026-10-25T02:30:00', '2026-10-25T03:00:00']);
      assert.deepEqual([s.row(c).fldBeginn, s.row(c).fldEnde, s.row(c).fldGanzTg], ['2026-03-29T00:00:00', '2026-03-30T00:00:00', true]);
    });

    it('bad input: a subject longer than büro+ takes is one error naming mailbox, item and field; the rest goes on', async function () {
      s = await setup(name);
      await s.baseline();
      const a = await synced();
      const b = await synced({ fldKurzInfo: 'Zweiter' });
      await s.poll();
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(a, 1)), { subject: 'x'.repeat(120) });
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(b, 1)), { location: 'Geht durch' });
      await s.poll();
      const refused = s.taken.filter((t) => t.result.outcome === 'refused');
      assert.equal(refused.length, 1);
      const err = (refused[0].result as { error: { message: string; field?: string; code: string } }).error;
      assert.equal(err.field, 'fldKurzInfo');
      assert.match(err.message, new RegExp(ANNA.replace(/\./g, '\\.')));
      assert.equal(refused[0].ack, true, 'refused with a logged reason: acknowledged');
      assert.equal(s.row(b).fldOrt, 'Geht durch');
      assert.equal(s.events.filter((e) => e.type === 'error').length, 1);
    });

    it('SYNC_TWO_WAY=false: nothing is read', async function () {
      s = await setup(name, { settings: { twoWay: false } });
      const before = s.w.requests();
      const r = await s.poll();
      s.w.outlook.createAppointment(ANNA, { subject: 'Neu', start: '2026-04-20T07:00:00Z', end: '2026-04-20T08:00:00Z' });
      await s.poll();
      assert.deepEqual([r.requests, s.w.requests() - before, s.messages.length], [0, 0, 0]);
    });
  });
}
