import assert from 'node:assert/strict';
import { ExchangeCode } from '../../lib/error-codes';
import type { ExchangeError } from '../../lib/exchange/errors';
import type { Appointment, Task } from '../../lib/exchange/model';
import { ANNA, BERND } from './ews-support';
import { transportFor, type TransportName } from './graph-support';
import { appointment, task } from './support';
import { bySubject, drain, read, startWayBack, type WayBack } from './changes-support';

// What users change in Outlook, read back for büro+: the same cases through EWS
// (SyncFolderItems + GetItem, real ews-javascript-api) and Microsoft Graph (calendarView and
// To Do delta), against the sandbox's simulators on one mailbox store. "Outlook" is
// sandbox/outlook working on that store; lane 1 writes with its own transport.
for (const name of ['ews', 'graph'] as TransportName[]) {
  describe(`Outlook changes over ${name.toUpperCase()}: the same reading`, function () {
    this.timeout(90_000);
    let w: WayBack;

    before(async function () {
      w = await startWayBack(name);
    });
    afterEach(function () {
      w.ex.graph.faults.throttleNext = 0;
      w.ex.graph.faults.maxPageSize = 1000;
      w.ex.ews.faults.serverBusyRate = 0;
    });
    after(async function () {
      await w.close();
    });

    const created = async (kind: 'appointment' | 'task', key: string, item: Appointment | Task) => {
      const [r] = await w.transport.create(ANNA, kind, [{ key, item }]);
      assert.ok(r.ok, !r.ok ? r.error.message : '');
      return r.ref;
    };

    it('baseline: items made before are never reported, the first read only records the position; an idle poll is one request per folder', async function () {
      await created('appointment', `${name}:before:lane1`, appointment({ subject: 'Vorher (büro+)' }));
      w.outlook.createAppointment(ANNA, { subject: 'Vorher (Outlook)', start: '2026-04-01T08:00:00Z', end: '2026-04-01T09:00:00Z' });
      w.outlook.createTask(ANNA, { subject: 'Vorher-Aufgabe', dueDate: '2026-04-02' });
      const calendar = await read(w.reader, ANNA, 'appointment');
      const tasks = await read(w.reader, ANNA, 'task');
      for (const b of [calendar, tasks]) {
        assert.equal(b.baseline, true);
        assert.deepEqual(b.changes, []);
        assert.equal(b.more, false);
      }
      const before = w.requests();
      const idleCalendar = await read(w.reader, ANNA, 'appointment', calendar.cursor);
      const idleTasks = await read(w.reader, ANNA, 'task', tasks.cursor);
      assert.deepEqual([...idleCalendar.changes, ...idleTasks.changes], []);
      assert.deepEqual([idleCalendar.requests, idleTasks.requests], [1, 1], 'the reader counts one request per folder');
      assert.equal(w.requests() - before, 2, 'and the simulator received two');
      assert.equal(idleCalendar.baseline, false);
    });

    it('created, changed and deleted in Outlook: created (no key), created again with the new values and ChangeKey, deleted', async function () {
      let cursor = (await read(w.reader, ANNA, 'appointment')).cursor;
      const item = w.outlook.createAppointment(ANNA, { subject: 'Zahnarzt', start: '2026-04-08T07:30:00Z', end: '2026-04-08T08:15:00Z', location: 'Praxis', categories: ['Privat'] });
      let r = await read(w.reader, ANNA, 'appointment', cursor);
      let c = bySubject(r.changes, 'Zahnarzt');
      assert.equal(r.changes.length, 1);
      assert.equal(c.op, 'created');
      assert.equal(c.key, undefined);
      assert.equal(c.mailbox, ANNA);
      assert.equal(c.transport, name);
      assert.equal(c.isOrganizer, true);
      assert.ok(c.createdAt && Math.abs(Date.parse(c.createdAt) - item.created) < 1000, `createdAt ${c.createdAt}`);
      assert.deepEqual(c.item, {
        subject: 'Zahnarzt', start: '2026-04-08T09:30:00+02:00', end: '2026-04-08T10:15:00+02:00', timeZone: 'Europe/Berlin',
        isAllDay: false, location: 'Praxis', reminderMinutes: 15, categories: ['Privat'],
      });
      const first = c.changeKey;
      const id = c.itemId;
      cursor = r.cursor;

      w.outlook.editAppointment(item, { subject: 'Zahnarzt (verschoben)', start: '2026-04-09T07:30:00Z', end: '2026-04-09T08:15:00Z', reminderMinutes: null });
      r = await read(w.reader, ANNA, 'appointment', cursor);
      c = bySubject(r.changes, 'Zahnarzt (verschoben)');
      assert.equal(c.itemId, id);
      assert.notEqual(c.changeKey, first, 'a new ChangeKey');
      assert.equal(c.op, 'created', 'still without a key');
      assert.equal((c.item as Appointment).start, '2026-04-09T09:30:00+02:00');
      assert.equal((c.item as Appointment).reminderMinutes, null);
      cursor = r.cursor;

      w.outlook.deleteItem(item);
      r = await read(w.reader, ANNA, 'appointment', cursor);
      assert.deepEqual(r.changes.map((x) => [x.op, x.itemId, x.item, x.changeKey]), [['deleted', id, undefined, undefined]]);
    });

    it('an item lane 1 wrote comes back with its key and the ChangeKey lane 1 stored; changed in Outlook, with the new values', async function () {
      let cursor = (await read(w.reader, ANNA, 'appointment')).cursor;
      const key = `buero:1:tblCalendar:11:7:${name}`;
      const written = appointment({ subject: 'Besuch', location: 'Köln', reminderMinutes: 30 });
      const ref = await created('appointment', key, written);
      let r = await read(w.reader, ANNA, 'appointment', cursor);
      let c = bySubject(r.changes, 'Besuch');
      assert.deepEqual([c.op, c.key, c.itemId, c.changeKey], ['updated', key, ref.itemId, ref.changeKey], 'lane 1 can tell its own write by the ChangeKey');
      const { body: _body, ...expected } = written;
      assert.deepEqual(c.item, expected, 'read back exactly as lane 1 wrote it (no body: info texts go one way)');
      cursor = r.cursor;

      const stored = w.ex.ews.store.items(ANNA).find((i) => i.itemId.replace(/\//g, '-').replace(/\+/g, '_') === ref.itemId.replace(/\//g, '-').replace(/\+/g, '_'))!;
      w.outlook.editAppointment(stored, { location: 'Bonn', start: '2026-03-30T08:00:00Z', end: '2026-03-30T09:00:00Z' });
      r = await read(w.reader, ANNA, 'appointment', cursor);
      c = bySubject(r.changes, 'Besuch');
      assert.deepEqual([c.op, c.key], ['updated', key]);
      assert.notEqual(c.changeKey, ref.changeKey);
      assert.deepEqual([(c.item as Appointment).location, (c.item as Appointment).start, (c.item as Appointment).end],
        ['Bonn', '2026-03-30T10:00:00+02:00', '2026-03-30T11:00:00+02:00']);
    });

    it('an invitation someone else sent: isOrganizer false; texts with XML characters read back as typed', async function () {
      const cursor = (await read(w.reader, ANNA, 'appointment')).cursor;
      w.outlook.receiveInvitation(ANNA, 'chefin@kunde.example', { subject: 'Jahresgespräch', start: '2026-04-14T12:00:00Z', end: '2026-04-14T13:00:00Z' });
      w.outlook.createAppointment(ANNA, { subject: 'R&D <Planung> "Q2"', location: "Raum 'A' & B", start: '2026-04-15T12:00:00Z', end: '2026-04-15T13:00:00Z' });
      const changes = (await read(w.reader, ANNA, 'appointment', cursor)).changes;
      const c = bySubject(changes, 'Jahresgespräch');
      assert.deepEqual([c.op, c.isOrganizer, c.key], ['created', false, undefined]);
      assert.equal((bySubject(changes, 'R&D <Planung> "Q2"').item as Appointment).location, "Raum 'A' & B");
      assert.equal(bySubject(changes, 'R&D <Planung> "Q2"').isOrganizer, true);
    });

    it('a series with an occurrence deleted and one moved in Outlook: one change of the master, with both dates', async function () {
      let cursor = (await read(w.reader, ANNA, 'appointment')).cursor;
      const key = `buero:1:tblCalendar:12:7:${name}`;
      const series = appointment({
        subject: 'Jour fixe', start: '2026-04-06T09:00:00+02:00', end: '2026-04-06T09:30:00+02:00',
        recurrence: { pattern: 'weekly', interval: 1, days: ['monday'], firstDayOfWeek: 'monday', startDate: '2026-04-06', count: 6, deletedOccurrences: ['2026-04-13'] },
      });
      const ref = await created('appointment', key, series);
      const first = await read(w.reader, ANNA, 'appointment', cursor);
      const c0 = bySubject(first.changes, 'Jour fixe');
      const { body: _body, ...expected } = series;
      assert.deepEqual(c0.item, expected, 'the series as lane 1 wrote it');
      assert.deepEqual(c0.modifiedOccurrences ?? [], []);
      cursor = first.cursor;

      const master = w.ex.ews.store.items(ANNA).find((i) => i.extendedProperties.some((p) => p.value === key))!;
      w.outlook.deleteOccurrence(master, '2026-04-20');
      w.outlook.moveOccurrence(master, '2026-04-27', '2026-04-28T07:00:00Z', '2026-04-28T07:30:00Z');
      const r = await read(w.reader, ANNA, 'appointment', cursor);
      assert.deepEqual(r.changes.map((c) => c.itemId), [ref.itemId], 'no change of a single occurrence');
      const c = r.changes[0];
      assert.deepEqual([c.op, c.key], ['updated', key]);
      const rec = (c.item as Appointment).recurrence!;
      assert.deepEqual(rec.deletedOccurrences, ['2026-04-13', '2026-04-20']);
      assert.deepEqual(c.modifiedOccurrences, ['2026-04-27']);
      assert.deepEqual({ ...rec, deletedOccurrences: undefined }, { ...series.recurrence, deletedOccurrences: undefined }, 'the pattern is unchanged');
      if (name === 'graph') assert.deepEqual(c.occurrenceWindow, { start: '2026-02-19', end: '2028-03-19' }, 'Graph knows occurrences in its window');
      else assert.equal(c.occurrenceWindow, undefined, 'EWS knows the whole series');
    });

    it('tasks: done in Outlook (lane 1 task, with its key), made and deleted in Outlook', async function () {
      let cursor = (await read(w.reader, ANNA, 'task')).cursor;
      const key = `buero:1:tblCalendar:13:7:${name}`;
      const ref = await created('task', key, task({ subject: 'Angebot schreiben', startDate: '2026-03-30', dueDate: '2026-04-02' }));
      cursor = (await read(w.reader, ANNA, 'task', cursor)).cursor;
      const stored = w.ex.ews.store.items(ANNA, 'task').find((i) => i.fields.Subject === 'Angebot schreiben')!;
      w.outlook.completeTask(stored);
      const mine = w.outlook.createTask(ANNA, { subject: 'Rückruf Müller', startDate: '2026-03-31', dueDate: '2026-04-01' });
      let r = await read(w.reader, ANNA, 'task', cursor);
      const done = bySubject(r.changes, 'Angebot schreiben');
      assert.deepEqual([done.op, done.key, done.itemId], ['updated', key, ref.itemId]);
      assert.deepEqual([(done.item as Task).complete, (done.item as Task).startDate, (done.item as Task).dueDate], [true, '2026-03-30', '2026-04-02']);
      const made = bySubject(r.changes, 'Rückruf Müller');
      assert.deepEqual([made.op, made.key, (made.item as Task).complete, (made.item as Task).dueDate], ['created', undefined, false, '2026-04-01']);
      cursor = r.cursor;

      w.outlook.deleteItem(mine);
      r = await read(w.reader, ANNA, 'task', cursor);
      assert.deepEqual(r.changes.map((c) => [c.op, c.itemId]), [['deleted', made.itemId]]);
    });

    it(`more changes than one answer holds (${name === 'ews' ? '> 512' : 'the page size'}): read in pages, each item once`, async function () {
      const count = name === 'ews' ? 600 : 11;
      if (name === 'graph') w.ex.graph.faults.maxPageSize = 4;
      const start = (await read(w.reader, BERND, 'appointment')).cursor;
      for (let i = 0; i < count; i++) {
        w.outlook.createAppointment(BERND, { subject: `Termin ${i}`, start: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00Z`, end: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T09:00:00Z` });
      }
      const first = await read(w.reader, BERND, 'appointment', start);
      assert.equal(first.more, true, 'more are waiting');
      if (name === 'ews') assert.equal(first.changes.length, 512, 'SyncFolderItems gives at most 512 changes a call');
      const rest = await drain(w.reader, BERND, 'appointment', first.cursor);
      const all = [...first.changes, ...rest.changes];
      assert.equal(all.length, count);
      assert.equal(new Set(all.map((c) => c.itemId)).size, count, 'each item once');
      assert.deepEqual(new Set(all.map((c) => c.item?.subject)), new Set(Array.from({ length: count }, (_, i) => `Termin ${i}`)));
      assert.deepEqual((await read(w.reader, BERND, 'appointment', rest.cursor)).changes, []);
    });

    it('an expired cursor is reported; the start over returns every item once, and those of the id map that are gone as deleted', async function () {
      let cursor = (await read(w.reader, ANNA, 'appointment')).cursor;
      const keep = await created('appointment', `buero:1:tblCalendar:14:7:${name}`, appointment({ subject: 'Bleibt', start: '2026-04-15T09:00:00+02:00', end: '2026-04-15T10:00:00+02:00' }));
      const gone = await created('appointment', `buero:1:tblCalendar:15:7:${name}`, appointment({ subject: 'Weg', start: '2026-04-16T09:00:00+02:00', end: '2026-04-16T10:00:00+02:00' }));
      cursor = (await drain(w.reader, ANNA, 'appointment', cursor)).cursor;
      if (name === 'ews') w.ex.ews.expireSyncStates();
      else w.ex.graph.expireDeltaTokens();
      // While the position is lost: one item deleted, one made in Outlook.
      const goneItem = w.ex.ews.store.items(ANNA).find((i) => i.fields.Subject === 'Weg')!;
      w.outlook.deleteItem(goneItem);
      w.outlook.createAppointment(ANNA, { subject: 'Neu während', start: '2026-04-17T08:00:00Z', end: '2026-04-17T09:00:00Z' });

      const expired = await w.reader.read({ mailbox: ANNA, kind: 'appointment', cursor });
      assert.equal(expired.status, 'expired');
      assert.match((expired as { reason: string }).reason, name === 'ews' ? /ErrorInvalidSyncStateData/ : /410/);
      const first = await w.reader.read({ mailbox: ANNA, kind: 'appointment', startOver: { known: [keep.itemId, gone.itemId] } });
      assert.equal(first.status, 'changes');
      const round = first as Extract<typeof first, { status: 'changes' }>;
      assert.equal(round.baseline, false);
      const rest = round.more ? await drain(w.reader, ANNA, 'appointment', round.cursor) : { changes: [], cursor: round.cursor };
      const all = [...round.changes, ...rest.changes];
      assert.equal(new Set(all.map((c) => c.itemId)).size, all.length, 'each item once');
      assert.deepEqual(all.filter((c) => c.op === 'deleted').map((c) => c.itemId), [gone.itemId]);
      const kept = bySubject(all, 'Bleibt');
      assert.deepEqual([kept.op, kept.changeKey], ['updated', keep.changeKey], 'unchanged: the ChangeKey matches the id map');
      assert.equal(bySubject(all, 'Neu während').op, 'created');
      assert.deepEqual((await read(w.reader, ANNA, 'appointment', rest.cursor)).changes, [], 'then incremental again');
    });

    it('DST days 2026-03-29 and 2026-10-25 in Europe/Berlin: exact instants whatever the process zone', async function () {
      const cursor = (await read(w.reader, ANNA, 'appointment')).cursor;
      const tasksCursor = (await read(w.reader, ANNA, 'task')).cursor;
      w.outlook.createAppointment(ANNA, { subject: 'DST Frühling', start: '2026-03-29T03:30:00+02:00', end: '2026-03-29T04:30:00+02:00' });
      w.outlook.createAppointment(ANNA, { subject: 'DST Herbst (zweites 02:30)', start: '2026-10-25T02:30:00+01:00', end: '2026-10-25T03:30:00+01:00' });
      w.outlook.createAppointment(ANNA, { subject: 'DST ganztägig', isAllDay: true, start: '2026-10-25T00:00:00+02:00', end: '2026-10-26T00:00:00+01:00' });
      w.outlook.createAppointment(ANNA, { subject: 'DST ganztägig Frühling', isAllDay: true, start: '2026-03-29T00:00:00+01:00', end: '2026-03-30T00:00:00+02:00' });
      w.outlook.createTask(ANNA, { subject: 'DST Aufgabe', startDate: '2026-03-29', dueDate: '2026-10-25' });
      const tz = process.env.TZ;
      process.env.TZ = 'America/New_York';
      let changes;
      let taskChanges;
      try {
        changes = (await read(w.reader, ANNA, 'appointment', cursor)).changes;
        taskChanges = (await read(w.reader, ANNA, 'task', tasksCursor)).changes;
      } finally {
        if (tz === undefined) delete process.env.TZ;
        else process.env.TZ = tz;
      }
      const times = (subject: string) => {
        const a = bySubject(changes, subject).item as Appointment;
        return [a.start, a.end, a.isAllDay];
      };
      assert.deepEqual(times('DST Frühling'), ['2026-03-29T03:30:00+02:00', '2026-03-29T04:30:00+02:00', false]);
      assert.deepEqual(times('DST Herbst (zweites 02:30)'), ['2026-10-25T02:30:00+01:00', '2026-10-25T03:30:00+01:00', false]);
      assert.deepEqual(times('DST ganztägig'), ['2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00', true]);
      assert.deepEqual(times('DST ganztägig Frühling'), ['2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00', true]);
      const t = bySubject(taskChanges, 'DST Aufgabe').item as Task;
      assert.deepEqual([t.startDate, t.dueDate], ['2026-03-29', '2026-10-25']);
    });

    it('Retry-After: after a throttled answer no request reaches Exchange before the wait is over, then the read goes on', async function () {
      const cursor = (await read(w.reader, ANNA, 'appointment')).cursor;
      w.outlook.createAppointment(ANNA, { subject: 'Nach der Pause', start: '2026-04-20T08:00:00Z', end: '2026-04-20T09:00:00Z' });
      if (name === 'graph') {
        w.ex.graph.faults.retryAfterSeconds = 1;
        w.ex.graph.faults.throttleNext = 1;
      } else {
        w.ex.ews.faults.serverBusyBackOffMs = 1000;
        w.ex.ews.faults.serverBusyRate = 1;
      }
      const before = w.arrivals().length;
      const t0 = Date.now();
      let busy: ExchangeError | undefined;
      await w.reader.read({ mailbox: ANNA, kind: 'appointment', cursor }).catch((e: ExchangeError) => { busy = e; });
      assert.equal(busy?.code, ExchangeCode.serverBusy, String(busy?.message));
      assert.ok((busy?.backOffMs ?? 0) >= 1000, `wait hint ${busy?.backOffMs}`);
      w.ex.ews.faults.serverBusyRate = 0;
      // The caller polls on at once, again and again: nothing is sent until the second is over.
      let result;
      let refused = 0;
      while (!result) {
        try {
          result = await w.reader.read({ mailbox: ANNA, kind: 'appointment', cursor });
        } catch (e) {
          assert.equal((e as ExchangeError).code, ExchangeCode.serverBusy);
          refused++;
          await new Promise((r) => setTimeout(r, 25));
        }
        assert.ok(Date.now() - t0 < 10_000, 'the wait ends');
      }
      assert.ok(refused > 5, `polls inside the wait were refused without a request (${refused})`);
      const arrivals = w.arrivals().slice(before);
      assert.ok(arrivals.length >= 2, `requests ${arrivals.length}`);
      assert.ok(arrivals[1] - arrivals[0] >= 1000, `the next request came ${arrivals[1] - arrivals[0]} ms after the throttled one`);
      assert.equal(bySubject((result as Extract<typeof result, { status: 'changes' }>).changes, 'Nach der Pause').op, 'created');
    });

    it('adopt: the key stamped on items made in Outlook is found by findByKey; the next read shows it with the ChangeKey adopt returned', async function () {
      let cursor = (await read(w.reader, ANNA, 'appointment')).cursor;
      let tasksCursor = (await read(w.reader, ANNA, 'task')).cursor;
      w.outlook.createAppointment(ANNA, { subject: 'Selbst angelegt', start: '2026-04-21T08:00:00Z', end: '2026-04-21T09:00:00Z', categories: ['büro+'] });
      w.outlook.createTask(ANNA, { subject: 'Selbst angelegte Aufgabe', dueDate: '2026-04-22' });
      let r = await read(w.reader, ANNA, 'appointment', cursor);
      const a = bySubject(r.changes, 'Selbst angelegt');
      cursor = r.cursor;
      r = await read(w.reader, ANNA, 'task', tasksCursor);
      const t = bySubject(r.changes, 'Selbst angelegte Aufgabe');
      tasksCursor = r.cursor;
      assert.deepEqual([a.op, t.op], ['created', 'created']);

      const keys = { appointment: `buero:1:tblCalendar:21:7:${name}`, task: `buero:1:tblCalendar:22:7:${name}` };
      for (const [kind, change] of [['appointment', a], ['task', t]] as const) {
        const [adopted] = await w.transport.adopt(ANNA, kind, [{ itemId: change.itemId, key: keys[kind] }]);
        assert.ok(adopted.ok, !adopted.ok ? adopted.error.message : '');
        assert.equal(adopted.ref.itemId, change.itemId);
        assert.notEqual(adopted.ref.changeKey, change.changeKey);
        const [found] = await w.transport.findByKey(ANNA, kind, [keys[kind]]);
        assert.ok(found.ok && found.ref?.itemId === change.itemId, `${kind}: found by key`);
        const next = await read(w.reader, ANNA, kind, kind === 'appointment' ? cursor : tasksCursor);
        const c = bySubject(next.changes, change.item!.subject);
        assert.deepEqual([c.op, c.key, c.itemId, c.changeKey], ['updated', keys[kind], change.itemId, adopted.ref.changeKey]);
      }
      // The other transport sees the appointment's key too (one extended property for both).
      const other = transportFor(name === 'ews' ? 'graph' : 'ews', w.ex.settings(name === 'ews' ? 'graph' : 'ews'));
      try {
        const [found] = await other.findByKey(ANNA, 'appointment', [keys.appointment]);
        assert.ok(found.ok && found.ref, 'found through the other transport');
      } finally {
        await other.close?.();
      }
    });

    it('the simulators saw nothing but valid requests', function () {
      const s = w.ex.ews.stats();
      assert.equal(s.schemaInvalid, 0, 'requests that failed the EWS schema');
      assert.equal(s.missingAnchorMailbox, 0, 'impersonated requests without X-AnchorMailbox');
    });
  });
}
