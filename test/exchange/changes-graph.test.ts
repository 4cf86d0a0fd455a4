import assert from 'node:assert/strict';
import { ExchangeConnection } from '../../lib/exchange/connection/exchange-connection';
import { entryOfItem } from '../../lib/exchange/changes';
import { GraphChangeReader } from '../../lib/exchange/changes/graph-delta';
import type { Appointment } from '../../lib/exchange/model';
import type { ItemResult } from '../../lib/exchange/transport';
import { openStateDb } from '../../lib/state/db';
import { IdMap } from '../../lib/state/id-map';
import { ANNA } from './ews-support';
import { transportFor } from './graph-support';
import { appointment, task, tempStateFile } from './support';
import { bySubject, drain, read, springClock, startWayBack, type WayBack } from './changes-support';

// What only the Graph reader has to solve: a window (what leaves it is no deletion, it moves
// on with the days), and ids in two spellings (a task EWS wrote carries no key Graph can see).
describe('Outlook changes over GRAPH: window and ids', function () {
  this.timeout(60_000);
  let w: WayBack;
  const DAY = 86_400_000;
  let ahead = 0;

  before(async function () {
    w = await startWayBack('graph');
    const base = springClock();
    // Replaced by a reader whose clock a test can move a day ahead.
    await w.reader.close?.();
    w.reader = new GraphChangeReader(new ExchangeConnection(w.ex.settings('graph')), { timeZone: 'Europe/Berlin', clock: { ...base, now: () => base.now() + ahead } });
  });
  after(async function () {
    await w.close();
  });

  it('an event moved out of the window, one made outside it: changes, not deletions; one deleted: deleted', async function () {
    const cursor = (await read(w.reader, ANNA, 'appointment')).cursor;
    const [moved] = await w.transport.create(ANNA, 'appointment', [{ key: 'buero:1:tblCalendar:31:7', item: appointment({ subject: 'Verlegt' }) }]);
    const [deleted] = await w.transport.create(ANNA, 'appointment', [{ key: 'buero:1:tblCalendar:32:7', item: appointment({ subject: 'Gelöscht' }) }]);
    assert.ok(moved.ok && deleted.ok);
    const after = (await drain(w.reader, ANNA, 'appointment', cursor)).cursor;
    const stored = (subject: string) => w.ex.ews.store.items(ANNA).find((i) => i.fields.Subject === subject)!;
    w.outlook.editAppointment(stored('Verlegt'), { start: '2029-06-01T08:00:00Z', end: '2029-06-01T09:00:00Z' });
    w.outlook.createAppointment(ANNA, { subject: 'Übernächstes Jahr', start: '2029-07-01T08:00:00Z', end: '2029-07-01T09:00:00Z' });
    w.outlook.deleteItem(stored('Gelöscht'));
    const r = await read(w.reader, ANNA, 'appointment', after);
    const m = bySubject(r.changes, 'Verlegt');
    assert.deepEqual([m.op, m.key, (m.item as Appointment).start], ['updated', 'buero:1:tblCalendar:31:7', '2029-06-01T10:00:00+02:00']);
    assert.equal(bySubject(r.changes, 'Übernächstes Jahr').op, 'created');
    assert.deepEqual(r.changes.filter((c) => c.op === 'deleted').map((c) => c.itemId), [deleted.ok && deleted.ref.itemId]);
  });

  it('the window moves on with the day: a new round, the changes of the old one reported, nothing else', async function () {
    const start = await read(w.reader, ANNA, 'appointment');
    assert.deepEqual(start.window, { start: '2026-02-18T00:00:00Z', end: '2028-03-20T00:00:00Z' });
    const item = w.outlook.createAppointment(ANNA, { subject: 'Vor dem Tageswechsel', start: '2026-04-02T08:00:00Z', end: '2026-04-02T09:00:00Z' });
    ahead = DAY;
    try {
      const r = await read(w.reader, ANNA, 'appointment', start.cursor);
      assert.deepEqual(r.window, { start: '2026-02-19T00:00:00Z', end: '2028-03-21T00:00:00Z' });
      assert.deepEqual(r.changes.map((c) => c.item?.subject), ['Vor dem Tageswechsel'], 'the change once, the new window\'s items not at all');
      assert.equal(r.more, false);
      w.outlook.editAppointment(item, { subject: 'Nach dem Tageswechsel' });
      const next = await read(w.reader, ANNA, 'appointment', r.cursor);
      assert.deepEqual(next.changes.map((c) => c.item?.subject), ['Nach dem Tageswechsel']);
      const idle = await read(w.reader, ANNA, 'appointment', next.cursor);
      assert.deepEqual([idle.changes, idle.requests], [[], 1]);
    } finally {
      ahead = 0;
    }
  });

  it('a cursor of the other transport is refused like an expired one (the connection was switched)', async function () {
    const ews = await read(w.reader, ANNA, 'task');
    const foreign = ews.cursor.replace('"transport":"graph"', '"transport":"ews"');
    const r = await w.reader.read({ mailbox: ANNA, kind: 'task', cursor: foreign });
    assert.equal(r.status, 'expired');
    assert.match((r as { reason: string }).reason, /EWS/);
    assert.equal(r.requests, 0);
  });

  it('a task EWS wrote carries no key Graph can read: created, and the id map finds it by its id', async function () {
    const files = tempStateFile();
    const db = openStateDb(files.file);
    const ews = transportFor('ews', w.ex.settings('ews'));
    try {
      const cursor = (await read(w.reader, ANNA, 'task')).cursor;
      const key = 'buero:1:tblCalendar:33:7';
      // Only an EWS id with '/' or '+' is spelled differently by Graph; the simulator's ids are
      // random, so write until one is (each try has a fair chance).
      let written: ItemResult | undefined;
      let subject = '';
      for (let attempt = 1; attempt <= 40; attempt++) {
        subject = `Über EWS geschrieben ${attempt}`;
        [written] = await ews.create(ANNA, 'task', [{ key: `${key}-${attempt}`, item: task({ subject }) }]);
        assert.ok(written.ok);
        if (/[/+]/.test(written.ref.itemId)) break;
      }
      assert.ok(written?.ok && /[/+]/.test(written.ref.itemId), 'an EWS id with / or + in 40 tries');
      const idMap = new IdMap(db);
      idMap.put({ mailbox: ANNA, key, kind: 'task', transport: 'ews', itemId: written.ref.itemId, changeKey: written.ref.changeKey, contentHash: '', fields: {}, updatedAt: 1 });
      const c = bySubject((await read(w.reader, ANNA, 'task', cursor)).changes, subject);
      assert.deepEqual([c.op, c.key], ['created', undefined]);
      assert.notEqual(c.itemId, written.ref.itemId, 'Graph spells the id its own way');
      assert.equal(entryOfItem(idMap, ANNA, c.itemId)?.key, key);
    } finally {
      await ews.close?.();
      db.close();
      files.cleanup();
    }
  });
});
