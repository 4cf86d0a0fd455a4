import assert from 'node:assert/strict';
import type { TransportName } from '../exchange/graph-support';
import { ExchangeCursorStore } from '../../lib/state/exchange-cursor';
import { itemsWithKey } from '../exchange/graph-support';
import { until } from '../exchange/ews-support';
import { ANNA, BERND, itemOf, keyOf, outcomes, setup, type Setup } from './support';

// The way back's safety nets: the deletion guard, the cursor committed only after every
// acknowledgement, an expired cursor started over without duplicates, series changes not
// taken, missing field rights, tasks.
for (const name of ['ews', 'graph'] as TransportName[]) {
  describe(`way back over ${name.toUpperCase()}: safety`, function () {
    this.timeout(120_000);
    let s: Setup;

    afterEach(async function () {
      await s?.close();
    });

    /** Requests (a $batch step on its own) Exchange received for a mailbox so far. */
    const requestsTo = (mailbox: string) => (name === 'ews'
      ? s.w.ex.ews.requestLog.filter((e) => e.mailbox?.toLowerCase() === mailbox).length
      : s.w.ex.graph.operationLog.filter((e) => decodeURIComponent(e.path).toLowerCase().includes(`/users/${mailbox}/`)).length);

    const synced = async (values: Record<string, unknown> = {}) => {
      const row = s.insert({ fldKurzInfo: 'Termin', fldOrt: 'Köln', fldBeginn: '2026-04-14T10:00:00', fldEnde: '2026-04-14T11:00:00', fldErinnMin: 15, ...values });
      await s.laneOne(row.fldID as number);
      return row.fldID as number;
    };

    it('deletion guard: one poll deleting > 20 % of a mailbox\'s synced items (≥ 10) holds the mailbox until an administrator resumes it', async function () {
      s = await setup(name);
      await s.baseline();
      const ids: number[] = [];
      for (let i = 0; i < 12; i++) ids.push(await synced({ fldKurzInfo: `Termin ${i}`, fldBeginn: `2026-04-${10 + i}T10:00:00`, fldEnde: `2026-04-${10 + i}T11:00:00` }));
      await s.poll();
      for (const id of ids.slice(0, 11)) s.w.outlook.deleteItem(itemOf(s, ANNA, keyOf(id, 1)));
      const report = await s.poll();
      assert.deepEqual(report.paused, [`${ANNA} (appointment)`]);
      assert.equal(report.emitted, 0, 'nothing of the read is passed on');
      assert.equal(ids.filter((id) => s.sim.db.get('tblCalendar', id)).length, 12, 'büro+ keeps every entry');
      const status = s.source.status();
      assert.equal(status.state, 'paused');
      assert.match(status.folders.find((f) => f.mailbox === ANNA)!.reason!, / of 12 synced/);
      assert.equal(s.infos('way-back-paused').length, 1);
      await s.poll();
      assert.equal(ids.filter((id) => s.sim.db.get('tblCalendar', id)).length, 12, 'still held at the next poll');

      assert.equal(s.source.resume(ANNA), true);
      await s.poll();
      assert.equal(ids.filter((id) => s.sim.db.get('tblCalendar', id)).length, 1, 'resumed: the deletions go through');
      assert.equal(s.source.status().state, 'ok');
    });

    it('the Exchange cursor is committed only after every change of the read is acknowledged: unacknowledged changes come again, and are written once', async function () {
      s = await setup(name, { ackTimeoutMs: 500 });
      await s.baseline();
      const id = await synced();
      await s.poll();
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(id, 1)), { location: 'Bonn' });
      const cursors = new ExchangeCursorStore(s.db);
      const before = cursors.get(ANNA, 'calendar')!.cursor;
      s.holdAcks = true;
      const first = await s.poll();
      assert.equal(first.emitted, 1);
      assert.equal(cursors.get(ANNA, 'calendar')!.cursor, before, 'not acknowledged: the cursor stays');
      s.holdAcks = false;
      const again = await s.poll();
      assert.equal(again.emitted, 1, 'the same change comes again');
      assert.notEqual(cursors.get(ANNA, 'calendar')!.cursor, before, 'acknowledged: committed');
      assert.equal(s.row(id).fldOrt, 'Bonn');
      assert.equal(s.mutations(), 1);
      const idle = await s.poll();
      assert.equal(idle.emitted, 0);
    });

    it('büro+ unreachable: the change is not acknowledged, the cursor stays, and the edit arrives once büro+ is back', async function () {
      s = await setup(name, { ackTimeoutMs: 500 });
      await s.baseline();
      const id = await synced();
      await s.poll();
      const cursors = new ExchangeCursorStore(s.db);
      const before = cursors.get(ANNA, 'calendar')!.cursor;
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(id, 1)), { location: 'Bonn' });
      s.sim.faults.http5xxRate = 1;
      await s.poll();
      const refused = s.taken.at(-1)!;
      assert.equal(refused.result.outcome, 'refused');
      assert.deepEqual([(refused.result as { retryable: boolean }).retryable, refused.ack], [true, false]);
      assert.equal(cursors.get(ANNA, 'calendar')!.cursor, before, 'the cursor stays');
      s.sim.faults.http5xxRate = 0;
      await s.poll();
      assert.equal(s.row(id).fldOrt, 'Bonn');
      assert.notEqual(cursors.get(ANNA, 'calendar')!.cursor, before);
      assert.equal(s.mutations(), 1, 'written once');
    });

    it('a busy answer to lane 1\'s writer holds the way back too: its poll sends nothing to that mailbox and logs no outage; the edit arrives after the wait', async function () {
      s = await setup(name);
      await s.baseline();
      const id = await synced();
      await s.poll();
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(id, 1)), { location: 'Bonn' });
      // Lane 1 writes Anna's next entry and meets a busy answer (ErrorServerBusy, 429 Retry-After).
      if (name === 'ews') Object.assign(s.w.ex.ews.faults, { serverBusyRate: 1, serverBusyBackOffMs: 2000 });
      else Object.assign(s.w.ex.graph.faults, { throttleNext: 1, retryAfterSeconds: 2 });
      const next = s.insert({ fldKurzInfo: 'Zweiter Termin', fldOrt: 'Köln', fldBeginn: '2026-04-15T10:00:00', fldEnde: '2026-04-15T11:00:00', fldErinnMin: 15 });
      const written = s.laneOne(next.fldID as number);
      await until(() => s.hints.waitLeft(ANNA) > 0, 'lane 1 met the busy answer', 10_000);
      s.w.ex.ews.faults.serverBusyRate = 0;
      const before = requestsTo(ANNA);
      const report = await s.poll();
      assert.equal(requestsTo(ANNA), before, 'no request to Anna inside the wait');
      assert.deepEqual(report.errors, []);
      assert.deepEqual(s.events.filter((e) => e.type === 'outage'), [], 'a wait is no outage');
      assert.equal(s.source.status().state, 'ok', s.source.status().text);
      assert.equal(s.row(id).fldOrt, 'Köln', 'not read yet');
      await written;
      await until(() => s.hints.waitLeft(ANNA) === 0, 'the wait is over', 10_000);
      await s.poll();
      assert.equal(s.row(id).fldOrt, 'Bonn');
    });

    it('a new Outlook item inside a wait Exchange asked for: the büro+ entry is made, its key stamped only after the wait, never a second entry', async function () {
      s = await setup(name, { ackTimeoutMs: 500 });
      await s.baseline();
      const before = s.sim.db.count('tblCalendar');
      s.w.outlook.createAppointment(ANNA, { subject: 'Neu während der Pause', start: '2026-04-20T07:00:00Z', end: '2026-04-20T08:00:00Z' });
      s.holdAcks = true;
      assert.equal((await s.poll()).emitted, 1);
      // Exchange asked (another lane) to wait for Anna before the stamp goes out.
      s.hints.wait(ANNA, 1500);
      const requests = requestsTo(ANNA);
      const refused = await s.writer.take(s.messages[0].payload);
      assert.equal(refused.result.outcome, 'refused');
      assert.equal(refused.ack, false, 'not acknowledged: read again');
      assert.equal(requestsTo(ANNA), requests, 'no request to Anna inside the wait');
      assert.equal(s.sim.db.count('tblCalendar'), before + 1);
      await until(() => s.hints.waitLeft(ANNA) === 0, 'the wait is over', 10_000);
      s.holdAcks = false;
      await s.poll();
      const row = s.sim.db.rows('tblCalendar').find((r) => r.fldKurzInfo === 'Neu während der Pause')!;
      assert.equal(itemsWithKey(s.w.ex.ews.store, ANNA, keyOf(row.fldID as number, 1)).length, 1, 'the key is stamped after the wait');
      assert.equal(s.sim.db.count('tblCalendar'), before + 1, 'never a second entry');
    });

    it('an expired cursor starts over: items made before the setup are not taken, lane 1\'s items not written again, no duplicate', async function () {
      s = await setup(name);
      s.w.outlook.createAppointment(ANNA, { subject: 'Vor der Einrichtung', start: '2026-04-20T07:00:00Z', end: '2026-04-20T08:00:00Z' });
      await new Promise((r) => setTimeout(r, 1100)); // created-at times are whole seconds
      await s.baseline();
      await synced();
      s.w.outlook.createAppointment(ANNA, { subject: 'Nach der Einrichtung', start: '2026-04-21T07:00:00Z', end: '2026-04-21T08:00:00Z' });
      await s.poll();
      const count = s.sim.db.count('tblCalendar');
      const mutations = s.mutations();
      if (name === 'ews') s.w.ex.ews.expireSyncStates();
      else s.w.ex.graph.expireDeltaTokens();
      await s.poll();
      assert.equal(s.infos('way-back-start-over').filter((e) => e.params?.mailbox === ANNA).length, 1);
      assert.equal(s.sim.db.count('tblCalendar'), count, 'no duplicate');
      assert.equal(s.mutations(), mutations, 'nothing written again');
      assert.ok(!s.sim.db.rows('tblCalendar').some((r) => r.fldKurzInfo === 'Vor der Einrichtung'));
      assert.ok(outcomes(s.taken).includes('skipped:before-baseline'), outcomes(s.taken).join());
    });

    it('series: a moved occurrence or a changed pattern is logged and not taken; the series stays', async function () {
      s = await setup(name);
      await s.baseline();
      const id = await synced({ fldKurzInfo: 'Jour fixe', fldBeginn: '2026-04-06T09:00:00', fldEnde: '2026-04-06T10:00:00', fldSerie: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10' });
      await s.poll();
      const before = { ...s.row(id) };
      s.w.outlook.moveOccurrence(itemOf(s, ANNA, keyOf(id, 1)), '2026-04-20', '2026-04-21T07:00:00Z', '2026-04-21T08:00:00Z');
      await s.poll();
      const lines = s.infos('way-back-series-not-taken');
      assert.equal(lines.length, 1, JSON.stringify(s.taken.map((t) => t.result)));
      assert.match(String(lines[0].params?.what), /moved/);
      assert.deepEqual([s.row(id).fldSerie, s.row(id).fldSerieAusn, s.row(id).fldBeginn], [before.fldSerie, before.fldSerieAusn, before.fldBeginn]);
      assert.equal(s.mutations(), 0);
    });

    it('an edit of no two-way field (a category) is not taken and costs no büro+ request; a changed series pattern is logged, not taken', async function () {
      s = await setup(name);
      await s.baseline();
      const single = await synced();
      const series = await synced({ fldKurzInfo: 'Jour fixe', fldBeginn: '2026-04-06T09:00:00', fldEnde: '2026-04-06T10:00:00', fldSerie: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10' });
      await s.poll();
      const requests = s.sim.stats().requests;
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(single, 1)), { categories: ['Privat'] });
      await s.poll();
      assert.deepEqual(outcomes(s.taken).slice(-1), ['skipped:unchanged']);
      assert.equal(s.sim.stats().requests, requests, 'büro+ was not asked');
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(series, 1)), { recurrence: { pattern: 'weekly', days: ['tuesday'], count: 10 } });
      await s.poll();
      const lines = s.infos('way-back-series-not-taken');
      assert.equal(lines.length, 1, outcomes(s.taken).join());
      assert.equal(lines[0].params?.what, 'pattern');
      assert.equal(s.row(series).fldSerie, 'FREQ=WEEKLY;BYDAY=MO;COUNT=10');
      assert.equal(s.mutations(), 0);
    });

    it('a field the büro+ user may not write: one error naming mailbox, item and field; the others of the poll are written', async function () {
      s = await setup(name);
      await s.baseline();
      const a = await synced();
      const b = await synced({ fldKurzInfo: 'Zweiter' });
      await s.poll();
      s.sim.fieldRights[s.sim.db.get('tblUsers', 1)!.fldAnmNa as string] = { tblCalendar: ['fldOrt'] };
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(a, 1)), { location: 'Nicht erlaubt' });
      s.w.outlook.editAppointment(itemOf(s, ANNA, keyOf(b, 1)), { subject: 'Zweiter (neu)' });
      await s.poll();
      const refused = s.taken.find((t) => t.result.outcome === 'refused');
      assert.ok(refused);
      const err = (refused.result as { error: { code: string; field?: string; message: string } }).error;
      assert.deepEqual([err.code, err.field], ['BUERO_FIELD_NOT_WRITABLE', 'fldOrt']);
      assert.ok(err.message.includes(ANNA));
      assert.equal(s.row(b).fldKurzInfo, 'Zweiter (neu)');
      assert.equal(s.row(a).fldOrt, 'Köln');
    });

    it('deletions not taken: a participant\'s copy, SYNC_OUTLOOK_DELETES=ignore, an entry changed in büro+ meanwhile; each logged, the copy comes back with the next büro+ change', async function () {
      s = await setup(name, { settings: { outlookDeletes: 'ignore' } });
      await s.baseline();
      const shared = s.insert({ fldKurzInfo: 'Mit Bernd', fldBeginn: '2026-04-14T10:00:00', fldEnde: '2026-04-14T11:00:00' }).fldID as number;
      await s.laneOne(shared, [2]);
      await s.poll();
      s.w.outlook.deleteItem(itemOf(s, BERND, keyOf(shared, 2)));
      s.w.outlook.deleteItem(itemOf(s, ANNA, keyOf(shared, 1)));
      await s.poll();
      assert.ok(s.sim.db.get('tblCalendar', shared), 'büro+ keeps it');
      assert.deepEqual(s.infos('way-back-delete-not-taken').map((e) => e.params?.why).sort(), ['ignore', 'participant']);
      assert.equal(s.mutations(), 0);
      s.sim.db.modify('tblCalendar', shared, { fldOrt: 'Neu' });
      await s.laneOne(shared, [2]);
      const inCalendar = (mailbox: string, key: string) => {
        const calendar = s.w.ex.ews.store.distinguishedFolder(mailbox, 'calendar')!.folderId;
        return itemsWithKey(s.w.ex.ews.store, mailbox, key).filter((i) => i.folderId === calendar).length;
      };
      assert.equal(inCalendar(ANNA, keyOf(shared, 1)), 1, 'the owner\'s copy is back');
      assert.equal(inCalendar(BERND, keyOf(shared, 2)), 1, 'the participant\'s copy is back');
    });

    it('a deletion in Outlook of an entry büro+ changed since the last sync: büro+ wins, nothing deleted', async function () {
      s = await setup(name);
      await s.baseline();
      const id = await synced();
      await s.poll();
      s.sim.db.modify('tblCalendar', id, { fldKurzInfo: 'In büro+ geändert' });
      s.w.outlook.deleteItem(itemOf(s, ANNA, keyOf(id, 1)));
      await s.poll();
      assert.ok(s.sim.db.get('tblCalendar', id));
      assert.equal(s.infos('way-back-delete-not-taken')[0]?.params?.why, 'changed-in-buero');
    });

    it('tasks: subject, due date and done come back; a new task becomes an Aufgabe; a deleted task is logged, not deleted', async function () {
      s = await setup(name, { kinds: ['task'] });
      await s.baseline();
      const row = s.insert({ fldArt: 'Aufgabe', fldKurzInfo: 'Angebot schreiben', fldBeginn: '2026-04-14T00:00:00', fldEnde: '2026-04-16T00:00:00' });
      const id = row.fldID as number;
      await s.laneOne(id);
      await s.poll();
      assert.deepEqual(outcomes(s.taken), ['skipped:echo']);
      const item = itemOf(s, ANNA, keyOf(id, 1));
      s.w.outlook.editTask(item, { subject: 'Angebot schreiben (dringend)', dueDate: '2026-04-17' });
      s.w.outlook.completeTask(item);
      s.w.outlook.createTask(ANNA, { subject: 'Neue Aufgabe', dueDate: '2026-04-22' });
      await s.poll();
      const r = s.row(id);
      assert.deepEqual([r.fldKurzInfo, r.fldEnde, r.fldErledigt], ['Angebot schreiben (dringend)', '2026-04-17T00:00:00', true]);
      const created = s.sim.db.rows('tblCalendar').find((x) => x.fldKurzInfo === 'Neue Aufgabe');
      assert.ok(created, JSON.stringify(s.taken.map((t) => t.result)));
      assert.deepEqual([created.fldArt, created.fldBzrNr, created.fldEnde], ['Aufgabe', 1, '2026-04-22T00:00:00']);
      s.w.outlook.deleteItem(itemOf(s, ANNA, keyOf(id, 1)));
      await s.poll();
      assert.ok(s.sim.db.get('tblCalendar', id), 'a task deleted in Outlook stays in büro+');
      assert.equal(s.infos('way-back-delete-not-taken').at(-1)?.params?.why, 'task');
    });
  });
}
