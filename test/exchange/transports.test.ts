import assert from 'node:assert/strict';
import { WriteQueue } from '../../lib/state/write-queue';
import type { ItemKind } from '../../lib/exchange/model';
import type { CreateRequest, ItemResult, Transport } from '../../lib/exchange/transport';
import { openStateDb } from '../../lib/state/db';
import { ANNA, describe as describeOutcomes } from './ews-support';
import { itemsWithKey, rig, startExchange, text, transportFor, type Exchange, type Rig, type TransportName } from './graph-support';
import { appointment, contact, remove, task, tempStateFile, upsert } from './support';
import { linkedResourcesOf } from '../../sandbox/graph';
import type { StoredItem } from '../../sandbox/store';

// The writer's behaviour, the same cases for both transports over real HTTPS: EWS (real
// ews-javascript-api) and Microsoft Graph (own client, real msal-node tokens), against the
// sandbox's simulators, which share one mailbox store. What a user would see in Outlook is
// read from that store.
for (const name of ['ews', 'graph'] as TransportName[]) {
  describe(`Exchange writer over ${name.toUpperCase()}: the same guarantees`, function () {
    this.timeout(60_000);
    let ex: Exchange;
    let r: Rig | undefined;

    before(async function () {
      ex = await startExchange();
    });
    afterEach(async function () {
      await r?.close();
      r = undefined;
      ex.graph.faults.throttleNext = 0;
      ex.ews.faults.serverBusyRate = 0;
    });
    after(async function () {
      await ex.close();
    });

    const requests = () => (name === 'graph' ? ex.graph.stats().requests : ex.ews.stats().requests);
    const only = (key: string) => {
      const found = itemsWithKey(ex.ews.store, ANNA, key);
      assert.equal(found.length, 1, `exactly one item with key ${key}, found ${found.length}`);
      return found[0];
    };
    const start = (options: Parameters<typeof transportFor>[2] = {}, writer: Parameters<typeof rig>[1] = {}) =>
      (r = rig(transportFor(name, ex.settings(name), options), writer));

    it('appointment: created, updated in place (only changed fields, keep respected), unchanged sends nothing, deleted', async function () {
      const key = `${name}-appt`;
      start();
      r!.send(upsert(key, appointment({ subject: 'Besuch', body: { format: 'text', content: 'büro+ Text' } }), { version: '1' }));
      await r!.outcomesReach(1);
      let item = only(key);
      assert.equal(item.fields.Subject, 'Besuch');
      assert.equal(item.fields.Location, 'Köln');
      assert.equal(item.fields.Start, '2026-03-30T07:00:00Z');
      assert.equal(item.fields.End, '2026-03-30T08:00:00Z');
      assert.equal((item.fields.StartTimeZone as { $: { Id: string } }).$.Id, 'W. Europe Standard Time');
      assert.equal(item.fields.ReminderMinutesBeforeStart, '15');
      assert.match(JSON.stringify(item.fields.Categories), /büro\+/);
      assert.equal(ex.ews.store.folder(ANNA, item.folderId)?.distinguishedId, 'calendar');
      const id = item.itemId;

      // The user writes a note into the body in Outlook; büro+ changes subject and place.
      ex.ews.store.updateItem(item, (i) => { i.fields.Body = { $: { BodyType: 'Text' }, _: 'Notiz aus Outlook' }; });
      r!.send(upsert(key, appointment({ subject: 'Besuch (verschoben)', location: 'Bonn', body: { format: 'text', content: 'neu' } }), { version: '2', keep: ['body'] }));
      await r!.outcomesReach(2);
      item = only(key);
      assert.equal(item.itemId, id, 'updated in place');
      assert.equal(item.fields.Subject, 'Besuch (verschoben)');
      assert.equal(item.fields.Location, 'Bonn');
      assert.equal(text(item.fields.Body), 'Notiz aus Outlook', 'the kept body stays as the user wrote it');

      const before = requests();
      r!.send(upsert(key, appointment({ subject: 'Besuch (verschoben)', location: 'Bonn', body: { format: 'text', content: 'neu' } }), { version: '3', keep: ['body'] }));
      await r!.outcomesReach(3);
      assert.equal(requests() - before, 0, 'unchanged content sends no request');

      r!.send(remove(key));
      await r!.outcomesReach(4);
      assert.deepEqual(r!.outcomes.map((o) => o.ok && o.action), ['created', 'updated', 'unchanged', 'deleted']);
      assert.equal(itemsWithKey(ex.ews.store, ANNA, key).length, 0);
    });

    it('all-day appointment on the DST day and a weekly series that loses exactly its deleted occurrences', async function () {
      start();
      r!.send(upsert(`${name}-allday`, appointment({ subject: 'Messe', isAllDay: true, start: '2026-03-29T00:00:00+01:00', end: '2026-03-30T00:00:00+02:00' })));
      r!.send(upsert(`${name}-series`, appointment({
        subject: 'Jour fixe', start: '2026-04-06T09:00:00+02:00', end: '2026-04-06T09:30:00+02:00',
        recurrence: { pattern: 'weekly', interval: 1, days: ['monday'], startDate: '2026-04-06', count: 5, deletedOccurrences: ['2026-04-13', '2026-04-27'] },
      })));
      await r!.outcomesReach(2);
      assert.ok(r!.outcomes.every((o) => o.ok), JSON.stringify(r!.outcomes.map((o) => !o.ok && o.error.message)));
      const allDay = only(`${name}-allday`);
      assert.equal(allDay.fields.IsAllDayEvent, 'true');
      assert.equal(allDay.fields.Start, '2026-03-28T23:00:00Z');
      assert.equal(allDay.fields.End, '2026-03-29T22:00:00Z');
      const series = only(`${name}-series`);
      const weekly = (series.fields.Recurrence as { WeeklyRecurrence: { DaysOfWeek: string; FirstDayOfWeek: string } }).WeeklyRecurrence;
      assert.equal(weekly.DaysOfWeek, 'Monday');
      assert.equal(weekly.FirstDayOfWeek, 'Monday');
      const deleted = ([] as { Start: string }[]).concat((series.fields.DeletedOccurrences as { DeletedOccurrence: { Start: string }[] }).DeletedOccurrence);
      assert.deepEqual(deleted.map((d) => d.Start), ['2026-04-13T07:00:00Z', '2026-04-27T07:00:00Z']);

      // One more occurrence cancelled in büro+: the series is written again, all three are gone.
      r!.send(upsert(`${name}-series`, appointment({
        subject: 'Jour fixe', start: '2026-04-06T09:00:00+02:00', end: '2026-04-06T09:30:00+02:00',
        recurrence: { pattern: 'weekly', interval: 1, days: ['monday'], startDate: '2026-04-06', count: 5, deletedOccurrences: ['2026-04-13', '2026-04-27', '2026-05-04'] },
      }), { version: '2' }));
      await r!.outcomesReach(3);
      const again = only(`${name}-series`);
      assert.equal(again.itemId, series.itemId);
      const now = ([] as { Start: string }[]).concat((again.fields.DeletedOccurrences as { DeletedOccurrence: { Start: string }[] }).DeletedOccurrence);
      assert.deepEqual(now.map((d) => d.Start), ['2026-04-13T07:00:00Z', '2026-04-27T07:00:00Z', '2026-05-04T07:00:00Z']);
    });

    it('task: created with due date and reminder, completed, deleted', async function () {
      const key = `${name}-task`;
      start();
      r!.send(upsert(key, task({ subject: 'Angebot schreiben', dueDate: '2026-04-02', reminder: '2026-04-01T07:00:00Z', importance: 'high' })));
      await r!.outcomesReach(1);
      let item = only(key);
      assert.equal(item.kind, 'task');
      assert.equal(ex.ews.store.folder(ANNA, item.folderId)?.distinguishedId, 'tasks', 'the default To Do list is the Tasks folder');
      assert.equal(item.fields.Subject, 'Angebot schreiben');
      assert.equal(item.fields.DueDate, '2026-04-01T22:00:00Z', 'midnight of the due day in Berlin');
      assert.equal(item.fields.ReminderDueBy, '2026-04-01T07:00:00Z');
      assert.equal(item.fields.Importance, 'High');
      const id = item.itemId;
      r!.send(upsert(key, task({ subject: 'Angebot schreiben', dueDate: '2026-04-02', reminder: '2026-04-01T07:00:00Z', importance: 'high', complete: true }), { version: '2' }));
      await r!.outcomesReach(2);
      item = only(key);
      assert.equal(item.itemId, id);
      assert.equal(item.fields.Status, 'Completed');
      r!.send(remove(key, 'task'));
      await r!.outcomesReach(3);
      assert.deepEqual(r!.outcomes.map((o) => o.ok && o.action), ['created', 'updated', 'deleted']);
      assert.equal(itemsWithKey(ex.ews.store, ANNA, key).length, 0);
    });

    it('contact: into a named folder (created once), updated, deleted', async function () {
      const key = `${name}-contact`;
      const folder = `Kunden ${name}`;
      start({ contactsFolder: folder });
      r!.send(upsert(key, contact({ title: 'Frau', businessFax: '+49 221 1234-99', businessPhone: '+49 221 1234-0',
        businessAddress: { street: 'Hohe Str. 1', postalCode: '50667', city: 'Köln' } })));
      r!.send(upsert(`${key}-2`, contact({ displayName: 'Schulz, Bernd', givenName: 'Bernd', surname: 'Schulz' })));
      await r!.outcomesReach(2);
      const folders = ex.ews.store.folders(ANNA).filter((f) => f.displayName === folder);
      assert.equal(folders.length, 1, 'the folder was created once');
      let item = only(key);
      assert.equal(item.folderId, folders[0].folderId);
      assert.equal(item.fields.GivenName, 'Anna');
      const phones = JSON.stringify(item.fields.PhoneNumbers);
      assert.match(phones, /BusinessFax.*\+49 221 1234-99|\+49 221 1234-99.*BusinessFax/);
      assert.match(JSON.stringify(item.fields.PhysicalAddresses), /Hohe Str\. 1/);
      assert.match(JSON.stringify(item.fields.EmailAddresses), /anna@meier\.example/);
      const id = item.itemId;
      r!.send(upsert(key, contact({ surname: 'Meier-Lang', title: 'Frau', businessFax: undefined, businessPhone: '+49 221 1234-0',
        businessAddress: { street: 'Hohe Str. 1', postalCode: '50667', city: 'Köln' } }), { version: '2' }));
      await r!.outcomesReach(3);
      item = only(key);
      assert.equal(item.itemId, id);
      assert.equal(item.fields.Surname, 'Meier-Lang');
      assert.doesNotMatch(JSON.stringify(item.fields.PhoneNumbers ?? {}), /BusinessFax/, 'a removed fax is cleared');
      r!.send(remove(key, 'contact'));
      await r!.outcomesReach(4);
      assert.equal(itemsWithKey(ex.ews.store, ANNA, key).length, 0);
    });

    it('throttled (429 Retry-After / ErrorServerBusy BackOffMilliseconds): waits as told, then writes; nothing lost', async function () {
      start({}, { flushDelayMs: 0 });
      if (name === 'graph') {
        ex.graph.faults.retryAfterSeconds = 1;
        ex.graph.faults.throttleNext = 1;
      } else {
        ex.ews.faults.serverBusyBackOffMs = 1000;
        ex.ews.faults.serverBusyRate = 1;
      }
      const throttledBefore = name === 'graph' ? ex.graph.stats().throttled : ex.ews.stats().serverBusy;
      const t0 = Date.now();
      r!.send(upsert(`${name}-busy`, appointment({ subject: 'Gedrosselt' })));
      if (name === 'ews') {
        // One ErrorServerBusy, then Exchange has room again.
        while (ex.ews.stats().serverBusy === throttledBefore) await new Promise((res) => setTimeout(res, 5));
        ex.ews.faults.serverBusyRate = 0;
      }
      await r!.outcomesReach(1);
      const waited = Date.now() - t0;
      assert.equal((name === 'graph' ? ex.graph.stats().throttled : ex.ews.stats().serverBusy) - throttledBefore, 1);
      assert.ok(waited >= 1000, `waited ${waited} ms, at least the 1 s Exchange asked for`);
      assert.equal(r!.outcomes[0].ok && r!.outcomes[0].action, 'created');
      only(`${name}-busy`);
    });

    it('crash between "Exchange created it" and "recorded": the restarted writer finds it by key, creates nothing', async function () {
      const key = `${name}-crash-${Date.now()}`;
      const files = tempStateFile();
      // A writer whose process "dies" right after Exchange answered the create: its promise
      // never settles, so nothing after the request is recorded (as with kill -9).
      class Dying implements Transport {
        readonly name: string;
        readonly endpoint: string;
        constructor(readonly inner: Transport) {
          this.name = inner.name;
          this.endpoint = inner.endpoint;
        }
        async create<K extends ItemKind>(mailbox: string, kind: K, reqs: CreateRequest<K>[]): Promise<ItemResult[]> {
          await this.inner.create(mailbox, kind, reqs);
          return new Promise<ItemResult[]>(() => undefined);
        }
        update: Transport['update'] = (...a) => this.inner.update(...a);
        delete: Transport['delete'] = (...a) => this.inner.delete(...a);
        findByKey: Transport['findByKey'] = (...a) => this.inner.findByKey(...a);
        refresh: Transport['refresh'] = (...a) => this.inner.refresh(...a);
        adopt: Transport['adopt'] = (...a) => this.inner.adopt(...a);
      }
      const first = rig(new Dying(transportFor(name, ex.settings(name))), { file: files.file, owner: 'crash-writer', flushDelayMs: 0 });
      first.send(upsert(key, appointment({ subject: 'Absturztest' })));
      await new Promise<void>((resolve) => {
        const poll = () => (itemsWithKey(ex.ews.store, ANNA, key).length ? resolve() : setTimeout(poll, 5));
        poll();
      });
      await new Promise((res) => setTimeout(res, 50));
      first.db.close();

      try {
        const db = openStateDb(files.file);
        assert.ok(new WriteQueue(db).pending(ANNA, key), 'the create was recorded as pending before it was sent');
        db.close();
        r = rig(transportFor(name, ex.settings(name)), { file: files.file, owner: 'crash-writer' });
        const created = ex.ews.store.items(ANNA).length;
        assert.equal(r.writer.start(), 1, 'the change survived the crash');
        await r.outcomesReach(1);
        assert.equal(r.outcomes[0].ok && r.outcomes[0].action, 'created');
        assert.equal(ex.ews.store.items(ANNA).length, created, 'nothing created again');
        only(key);
      } finally {
        await r?.close();
        r = undefined;
        files.cleanup();
      }
    });
  });
}

// Exchange Online moves from EWS to Graph (EWS ends there on 2027-04-01): the same state file,
// the connection switched. Every item EWS wrote is found by its key through Graph (the same
// MAPI property) and updated in place: zero duplicates.
describe('switching a connection from EWS to Graph mid-life re-uses every existing item', function () {
  this.timeout(60_000);
  let ex: Exchange;

  before(async function () {
    ex = await startExchange();
  });
  after(async function () {
    await ex.close();
  });

  it('appointments (a series too) and contacts written through EWS are updated in place through Graph; none duplicated', async function () {
    const files = tempStateFile();
    const items = [
      upsert('switch-appt', appointment({ subject: 'Termin' })),
      upsert('switch-series', appointment({
        subject: 'Serie', start: '2026-04-06T09:00:00+02:00', end: '2026-04-06T09:30:00+02:00',
        recurrence: { pattern: 'weekly', interval: 1, days: ['monday'], startDate: '2026-04-06', count: 4, deletedOccurrences: ['2026-04-13'] },
      })),
      upsert('switch-contact', contact()),
      upsert('switch-contact-2', contact({ displayName: 'Schulz, Bernd', givenName: 'Bernd', surname: 'Schulz' })),
    ];
    try {
      const viaEws = rig(transportFor('ews', ex.settings('ews')), { file: files.file, owner: 'switch' });
      for (const m of items) viaEws.send(m);
      await viaEws.outcomesReach(items.length);
      await viaEws.writer.close();
      viaEws.db.close();
      const before = new Map(items.map((m) => [m.key, itemsWithKey(ex.ews.store, ANNA, m.key)[0]?.itemId]));
      const count = ex.ews.store.items(ANNA).length;

      const viaGraph = rig(transportFor('graph', ex.settings('graph')), { file: files.file, owner: 'switch' });
      try {
        for (const m of items) {
          const item = m.kind === 'contact' ? { ...m.item, jobTitle: 'Einkauf' } : { ...m.item, subject: `${(m.item as { subject: string }).subject} (neu)` };
          viaGraph.send({ ...m, version: '2', item } as typeof m);
        }
        await viaGraph.outcomesReach(items.length);
        assert.deepEqual(viaGraph.outcomes.map((o) => o.ok && o.action), items.map(() => 'updated'));
        assert.equal(ex.ews.store.items(ANNA).length, count, 'no item created');
        for (const m of items) {
          const found = itemsWithKey(ex.ews.store, ANNA, m.key);
          assert.equal(found.length, 1, `one item for ${m.key}`);
          assert.equal(found[0].itemId, before.get(m.key), `${m.key} updated in place`);
          if (m.kind === 'contact') assert.equal(found[0].fields.JobTitle, 'Einkauf');
          else assert.match(String(found[0].fields.Subject), / \(neu\)$/);
        }
        // The series kept its pattern and its deleted occurrence.
        const series = itemsWithKey(ex.ews.store, ANNA, 'switch-series')[0];
        assert.ok(series.fields.Recurrence);
        assert.match(JSON.stringify(series.fields.DeletedOccurrences), /2026-04-13T07:00:00Z/);
        // From now on the id map holds Graph ids: the next change needs no search.
        viaGraph.send({ ...items[0], version: '3', item: { ...items[0].item!, subject: 'Termin (noch einmal)' } } as typeof items[0]);
        const routes = { ...ex.graph.stats().byRoute };
        await viaGraph.outcomesReach(items.length + 1);
        const now = ex.graph.stats().byRoute;
        assert.equal((now['GET users/{id}/calendar/events'] ?? 0) - (routes['GET users/{id}/calendar/events'] ?? 0), 0, 'no search by key');
      } finally {
        await viaGraph.close();
      }
    } finally {
      files.cleanup();
    }
  });

  // Graph cannot read or write a MAPI property on a To Do task, so the key EWS wrote is
  // invisible there (and Graph's linkedResource invisible to EWS). The writer hands the id the
  // other transport stored; EWS and Graph spell one id two ways.
  const hasKeyProperty = (i: Parameters<typeof linkedResourcesOf>[0], key: string) =>
    i.extendedProperties.some((p) => p.name === 'BueroSyncKey' && p.value === key);
  const hasLinkedResource = (i: Parameters<typeof linkedResourcesOf>[0], key: string) =>
    linkedResourcesOf(i).some((l) => l.externalId === key && l.applicationName === 'büro+ Sync');
  /** A store (EWS) id as the transport spells it. */
  const idIn = (t: TransportName, itemId: string) => (t === 'graph' ? ex.graph.graphIdOf({ itemId } as StoredItem) : itemId);
  // Enough tasks that their ids surely contain the characters the two spellings differ in.
  const tasks = (prefix: string) => Array.from({ length: 12 }, (_, n) => upsert(`${prefix}-${n}`, task({ subject: `Aufgabe ${n}` })));

  for (const [from, to] of [['ews', 'graph'], ['graph', 'ews']] as [TransportName, TransportName][]) {
    it(`tasks written through ${from.toUpperCase()} are updated in place through ${to.toUpperCase()}; none duplicated, each marked for the next search`, async function () {
      const files = tempStateFile();
      const items = tasks(`switch-${from}-task`);
      try {
        const first = rig(transportFor(from, ex.settings(from)), { file: files.file, owner: 'switch' });
        for (const m of items) first.send(m);
        await first.outcomesReach(items.length);
        await first.writer.close();
        first.db.close();
        const before = new Map(items.map((m) => [m.key, itemsWithKey(ex.ews.store, ANNA, m.key)[0]?.itemId]));
        assert.ok(items.some((m) => /[/+]/.test(before.get(m.key) ?? '')), 'some ids differ between the two spellings');
        const count = ex.ews.store.items(ANNA).length;

        const second = rig(transportFor(to, ex.settings(to)), { file: files.file, owner: 'switch' });
        try {
          for (const m of items) second.send({ ...m, version: '2', item: { ...m.item!, subject: `${(m.item as { subject: string }).subject} (neu)` } } as typeof m);
          await second.outcomesReach(items.length);
          assert.deepEqual(second.outcomes.map((o) => o.ok && o.action), items.map(() => 'updated'), describeOutcomes(second.outcomes));
          assert.equal(ex.ews.store.items(ANNA).length, count, 'no task created');
          for (const m of items) {
            const found = itemsWithKey(ex.ews.store, ANNA, m.key);
            assert.equal(found.length, 1, `one task for ${m.key}`);
            assert.equal(found[0].itemId, before.get(m.key), `${m.key} updated in place`);
            assert.match(String(text(found[0].fields.Subject)), / \(neu\)$/);
            // Marked the way the new transport searches, so a lost id map finds it too.
            assert.ok(to === 'graph' ? hasLinkedResource(found[0], m.key) : hasKeyProperty(found[0], m.key), `${m.key} carries the key for ${to}`);
          }
        } finally {
          await second.close();
        }

        // Marked: the new transport now finds every task by its key alone (without the id map).
        const search = transportFor(to, ex.settings(to));
        try {
          const found = await search.findByKey(ANNA, 'task', items.map((m) => m.key));
          assert.deepEqual(found.map((f) => f.ok && f.ref?.itemId), items.map((m) => idIn(to, before.get(m.key)!)));
        } finally {
          await search.close?.();
        }
      } finally {
        files.cleanup();
      }
    });
  }

  for (const [from, to] of [['ews', 'graph'], ['graph', 'ews']] as [TransportName, TransportName][]) {
    it(`${to.toUpperCase()} takes a task by the id ${from.toUpperCase()} stored only if it carries no other key: gone, malformed or another record's task is not found`, async function () {
      const writer = rig(transportFor(to, ex.settings(to)), { owner: 'foreign-ids' });
      const search = transportFor(to, ex.settings(to));
      try {
        // Two tasks already marked the way `to` searches, one of them since deleted in Outlook.
        writer.send(upsert(`foreign-${to}-other`, task({ subject: 'Andere Aufgabe' })));
        writer.send(upsert(`foreign-${to}-gone`, task({ subject: 'Gelöscht' })));
        await writer.outcomesReach(2);
        const other = itemsWithKey(ex.ews.store, ANNA, `foreign-${to}-other`)[0];
        const gone = itemsWithKey(ex.ews.store, ANNA, `foreign-${to}-gone`)[0];
        ex.ews.store.deleteItem(gone);
        // A task with no key `to` can see (as the other transport leaves it).
        const bare = ex.ews.store.createItem(ANNA, other.folderId, 'task', { Subject: 'Ohne Schlüssel' });
        const foreignId = (item: { itemId: string }) => ({ transport: from, itemId: idIn(from, item.itemId) });
        const keys = ['a', 'b', 'c', 'd'].map((x) => `foreign-${to}-${x}`);
        const found = await search.findByKey(ANNA, 'task', keys, [
          foreignId(other), foreignId(gone), { transport: from, itemId: 'kein-gültiger-Bezeichner' }, foreignId(bare),
        ]);
        assert.deepEqual(found.map((f) => f.ok && f.ref?.itemId), [undefined, undefined, undefined, idIn(to, bare.itemId)]);
        assert.equal(itemsWithKey(ex.ews.store, ANNA, `foreign-${to}-other`).length, 1, 'the other record\'s task keeps its key');
        assert.deepEqual(itemsWithKey(ex.ews.store, ANNA, keys[3]).map((i) => i.itemId), [bare.itemId], 'the bare task now carries the key');
      } finally {
        await search.close?.();
        await writer.close();
      }
    });
  }
});
