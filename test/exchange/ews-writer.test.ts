import assert from 'node:assert/strict';
import type { EwsSimulator } from '../../sandbox/ews';
import { ANNA, BERND, assertCleanTraffic, byKey, describe as describeOutcomes, harness, onPrem, only, startSim, text, type Harness } from './ews-support';
import { appointment, contact, remove, task, upsert } from './support';

// The writer end to end over EWS: real ews-javascript-api over HTTPS to the sandbox's EWS
// simulator (schema-checked), real SQLite. What a user would see in Outlook is read from the
// simulator's store.
describe('Exchange writer over EWS: items arrive in the mailbox as büro+ has them', function () {
  this.timeout(60_000);
  let sim: EwsSimulator;
  let h: Harness | undefined;
  const requestBodies: string[] = [];

  before(async function () {
    sim = await startSim({ trace: (direction, body) => direction === 'request' && requestBodies.push(body) });
  });
  afterEach(async function () {
    await h?.close();
    h = undefined;
  });
  after(async function () {
    assertCleanTraffic(sim);
    await sim.close();
  });

  const ops = () => ({ ...sim.stats().byOperation });
  const delta = (before: Record<string, number>) => {
    const now = sim.stats().byOperation;
    return Object.fromEntries(Object.keys(now).filter((k) => now[k] !== (before[k] ?? 0)).map((k) => [k, now[k] - (before[k] ?? 0)]));
  };

  it('creates, updates (only changed fields, never those in keep, unchanged sends nothing) and deletes', async function () {
    h = harness(onPrem(sim));
    h.send(upsert('fields', appointment({ subject: 'Besuch', body: { format: 'text', content: 'büro+ Text' } }), { version: '1' }));
    await h.outcomesReach(1);
    const item = only(sim, ANNA, 'fields');
    assert.equal(item.fields.Subject, 'Besuch');
    assert.equal(item.fields.Location, 'Köln');
    assert.equal(item.fields.Start, '2026-03-30T07:00:00Z');
    assert.equal(item.fields.End, '2026-03-30T08:00:00Z');
    assert.equal((item.fields.StartTimeZone as { $: { Id: string } }).$.Id, 'W. Europe Standard Time');
    assert.equal(item.fields.ReminderMinutesBeforeStart, '15');
    assert.equal(sim.store.folder(ANNA, item.folderId)?.distinguishedId, 'calendar');
    // Meanwhile the user writes a note into the body in Outlook.
    sim.store.updateItem(item, (i) => { i.fields.Body = { $: { BodyType: 'Text' }, _: 'Notiz aus Outlook' }; });
    const before = ops();
    const mark = requestBodies.length;
    h.send(upsert('fields', appointment({ subject: 'Besuch (verschoben)', location: 'Bonn', body: { format: 'text', content: 'neuer büro+ Text' } }),
      { version: '2', keep: ['body'] }));
    await h.outcomesReach(2);
    const update = requestBodies.slice(mark).find((b) => b.includes('UpdateItem'))!;
    const uris = [...update.matchAll(/FieldURI="([^"]+)"/g)].map((m) => m[1]).sort();
    assert.deepEqual(uris, ['calendar:Location', 'item:Subject']);
    let stored = only(sim, ANNA, 'fields');
    assert.equal(stored.fields.Subject, 'Besuch (verschoben)');
    assert.equal(stored.fields.Location, 'Bonn');
    assert.equal(text(stored.fields.Body), 'Notiz aus Outlook', 'the kept body stays as the user wrote it');

    // The same content again: no request at all.
    const mid = ops();
    h.send(upsert('fields', appointment({ subject: 'Besuch (verschoben)', location: 'Bonn', body: { format: 'text', content: 'neuer büro+ Text' } }),
      { version: '3', keep: ['body'] }));
    await h.outcomesReach(3);
    assert.deepEqual(delta(mid), {});
    assert.deepEqual(h.outcomes.map((o) => o.ok && o.action), ['created', 'updated', 'unchanged']);

    // A field removed in büro+ is cleared in Exchange.
    h.send(upsert('fields', appointment({ subject: 'Besuch (verschoben)', location: undefined, body: { format: 'text', content: 'neuer büro+ Text' } }),
      { version: '4', keep: ['body'] }));
    await h.outcomesReach(4);
    stored = only(sim, ANNA, 'fields');
    assert.equal(stored.fields.Location, undefined);
    // The Outlook edit changed the ChangeKey: the first update met ErrorIrresolvableConflict,
    // re-read the ChangeKey (GetItem) and was written again.
    assert.deepEqual(delta(before), { UpdateItem: 3, GetItem: 1 });

    h.send(remove('fields'));
    await h.outcomesReach(5);
    assert.equal(byKey(sim, ANNA, 'fields').length, 0);
    assert.deepEqual(h.outcomes.map((o) => o.ok && o.action), ['created', 'updated', 'unchanged', 'updated', 'deleted']);
  });

  it('free text arrives exactly as typed; characters XML cannot carry are dropped', async function () {
    h = harness(onPrem(sim));
    h.send(upsert('text', appointment({
      subject: '</t:Subject><t:Bogus/>',
      body: { format: 'text', content: 'a <&> "b"\r\nZeile 2 \'x\'' },
      location: 'R&D <Raum 1>\u0007',
      categories: ['<Kunde>', 'A&B'],
    })));
    h.send(upsert('text-contact', contact({ displayName: 'a <&> "b"', companyName: '</t:CompanyName>', notes: { format: 'text', content: ']]><x/>' } })));
    await h.outcomesReach(2);
    const a = only(sim, ANNA, 'text');
    assert.equal(a.fields.Subject, '</t:Subject><t:Bogus/>');
    assert.equal(text(a.fields.Body), 'a <&> "b"\r\nZeile 2 \'x\'');
    assert.equal(a.fields.Location, 'R&D <Raum 1>');
    assert.deepEqual((a.fields.Categories as { String: string[] }).String, ['<Kunde>', 'A&B']);
    const c = only(sim, ANNA, 'text-contact');
    assert.equal(c.fields.DisplayName, 'a <&> "b"');
    assert.equal(c.fields.CompanyName, '</t:CompanyName>');
    assert.equal(text(c.fields.Body), ']]><x/>');
  });

  it('times are exact instants whatever the server process zone; DST days and all-day in Europe/Berlin', async function () {
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      h = harness(onPrem(sim));
      // 2026-03-29: clocks jump 02:00 → 03:00 in Berlin; 2026-10-25: 03:00 → 02:00.
      h.send(upsert('dst-spring', appointment({ start: '2026-03-29T03:30:00+02:00', end: '2026-03-29T04:30:00+02:00' })));
      h.send(upsert('dst-autumn', appointment({ start: '2026-10-25T02:30:00+01:00', end: '2026-10-25T03:30:00+01:00' })));
      h.send(upsert('allday-autumn', appointment({ isAllDay: true, start: '2026-10-25T00:00:00+02:00', end: '2026-10-26T00:00:00+01:00', reminderMinutes: null })));
      h.send(upsert('task-dst', task({ startDate: '2026-03-29', dueDate: '2026-10-25' })));
      await h.outcomesReach(4);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    assert.equal(only(sim, ANNA, 'dst-spring').fields.Start, '2026-03-29T01:30:00Z');
    assert.equal(only(sim, ANNA, 'dst-autumn').fields.Start, '2026-10-25T01:30:00Z');
    const allDay = only(sim, ANNA, 'allday-autumn');
    assert.equal(allDay.fields.IsAllDayEvent, 'true');
    assert.equal(allDay.fields.Start, '2026-10-24T22:00:00Z');
    assert.equal(allDay.fields.End, '2026-10-25T23:00:00Z');
    assert.equal(allDay.fields.ReminderIsSet, 'false');
    const t = only(sim, ANNA, 'task-dst');
    assert.equal(t.fields.StartDate, '2026-03-28T23:00:00Z', 'midnight of 29 March in Berlin (still winter time)');
    assert.equal(t.fields.DueDate, '2026-10-24T22:00:00Z', 'midnight of 25 October in Berlin (still summer time)');
  });

  it('a series keeps its pattern and loses exactly its deleted occurrences, also when more are deleted later', async function () {
    h = harness(onPrem(sim));
    const series = (deleted: string[]) => appointment({
      subject: 'Jour fixe', start: '2026-03-02T09:00:00+01:00', end: '2026-03-02T09:30:00+01:00',
      recurrence: { pattern: 'weekly', interval: 1, days: ['monday'], startDate: '2026-03-02', count: 6, deletedOccurrences: deleted },
    });
    h.send(upsert('series', series(['2026-03-16']), { version: '1' }));
    await h.outcomesReach(1);
    let stored = only(sim, ANNA, 'series');
    const rec = stored.fields.Recurrence as Record<string, Record<string, string>>;
    assert.equal(rec.WeeklyRecurrence.DaysOfWeek, 'Monday');
    assert.equal(rec.NumberedRecurrence.NumberOfOccurrences, '6');
    const deletedStarts = () => ([] as { Start: string }[])
      .concat((only(sim, ANNA, 'series').fields.DeletedOccurrences as { DeletedOccurrence?: { Start: string }[] } | undefined)?.DeletedOccurrence ?? [])
      .map((d) => d.Start);
    assert.deepEqual(deletedStarts(), ['2026-03-16T08:00:00Z']);
    // 30 March is after the switch to summer time: 09:00 in Berlin is 07:00 UTC.
    h.send(upsert('series', series(['2026-03-16', '2026-03-30']), { version: '2' }));
    await h.outcomesReach(2);
    assert.deepEqual(h.outcomes.map((o) => o.ok && o.action), ['created', 'updated']);
    assert.deepEqual(deletedStarts(), ['2026-03-16T08:00:00Z', '2026-03-30T07:00:00Z']);
    stored = only(sim, ANNA, 'series');
    assert.equal(stored.fields.Subject, 'Jour fixe');
  });

  it('tasks go to Tasks with dates, progress and reminder', async function () {
    h = harness(onPrem(sim));
    h.send(upsert('task', task({ subject: 'Angebot', percentComplete: 40, importance: 'high', reminder: '2026-04-01T07:00:00Z', categories: ['büro+'] })));
    await h.outcomesReach(1);
    const t = only(sim, ANNA, 'task');
    assert.equal(sim.store.folder(ANNA, t.folderId)?.distinguishedId, 'tasks');
    assert.equal(t.fields.Status, 'InProgress');
    assert.equal(t.fields.PercentComplete, '40');
    assert.equal(t.fields.Importance, 'High');
    assert.equal(t.fields.ReminderDueBy, '2026-04-01T07:00:00Z');
    h.send(upsert('task', task({ subject: 'Angebot', complete: true, importance: 'high', reminder: null, categories: ['büro+'] }), { version: '2' }));
    await h.outcomesReach(2);
    const done = only(sim, ANNA, 'task');
    assert.equal(done.fields.Status, 'Completed');
    assert.equal(done.fields.PercentComplete, '100');
    assert.equal(done.fields.ReminderIsSet, 'false');
    h.send(remove('task', 'task'));
    await h.outcomesReach(3);
    assert.equal(byKey(sim, ANNA, 'task').length, 0);
  });

  it('contacts go to a named subfolder of Contacts, created once when missing', async function () {
    h = harness(onPrem(sim), { contactsFolder: 'büro+ Kontakte' });
    const before = ops();
    h.send(upsert('c1', contact({ title: 'Frau', emailAddresses: ['anna@meier.example', 'info@meier.example'], businessPhone: '+49 221 1234',
      businessAddress: { street: 'Hauptstr. 1', postalCode: '50667', city: 'Köln', countryOrRegion: 'Deutschland' } })));
    h.send(upsert('c2', contact({ displayName: 'Schulz GmbH', givenName: undefined, surname: undefined }), { mailbox: BERND }));
    await h.outcomesReach(2);
    h.send(upsert('c3', contact({ displayName: 'Zweiter Kontakt' })));
    await h.outcomesReach(3);
    const c1 = only(sim, ANNA, 'c1');
    const folder = sim.store.folder(ANNA, c1.folderId)!;
    assert.equal(folder.displayName, 'büro+ Kontakte');
    assert.equal(sim.store.folder(ANNA, folder.parentFolderId)?.distinguishedId, 'contacts');
    assert.equal(only(sim, ANNA, 'c3').folderId, folder.folderId);
    assert.equal(sim.store.folders(ANNA).filter((f) => f.displayName === 'büro+ Kontakte').length, 1);
    assert.equal(delta(before).CreateFolder, 2, 'one folder per mailbox, anna and bernd');
    const mails = ([] as { $: { Key: string }; _: string }[]).concat((c1.fields.EmailAddresses as { Entry: never }).Entry);
    assert.deepEqual(mails.map((m) => [m.$.Key, m._]), [['EmailAddress1', 'anna@meier.example'], ['EmailAddress2', 'info@meier.example']]);
    assert.ok(c1.extendedProperties.some((p) => p.tag === '14917' && p.value === 'Frau'), 'title as PidTagDisplayNamePrefix');

    // The second address is removed in büro+, the phone changes.
    h.send(upsert('c1', contact({ title: 'Frau', emailAddresses: ['anna@meier.example'], businessPhone: '+49 221 9999',
      businessAddress: { street: 'Hauptstr. 1', postalCode: '50667', city: 'Köln', countryOrRegion: 'Deutschland' } }), { version: '2' }));
    await h.outcomesReach(4);
    const after = only(sim, ANNA, 'c1');
    const left = ([] as { $: { Key: string }; _: string }[]).concat((after.fields.EmailAddresses as { Entry: never }).Entry);
    assert.deepEqual(left.map((m) => m.$.Key), ['EmailAddress1']);
    const phones = ([] as { $: { Key: string }; _: string }[]).concat((after.fields.PhoneNumbers as { Entry: never }).Entry);
    assert.deepEqual(phones.map((p) => [p.$.Key, p._]), [['BusinessPhone', '+49 221 9999']]);
  });

  for (const [auth, scheme] of [['ntlm', 'https'], ['ntlm', 'http'], ['basic', 'http']] as const) {
    it(`writes with ${auth.toUpperCase()} over ${scheme.toUpperCase()}`, async function () {
      // The connection's time zone setting goes along as the requests' time zone context.
      h = harness(onPrem(sim, { auth, host: scheme === 'https' ? sim.httpsUrl : sim.url, timeZone: 'Europe/Berlin' }));
      h.send(upsert(`auth-${auth}-${scheme}`, appointment()));
      h.send(upsert(`auth-${auth}-${scheme}-t`, task()));
      await h.outcomesReach(2);
      only(sim, ANNA, `auth-${auth}-${scheme}`);
      only(sim, ANNA, `auth-${auth}-${scheme}-t`);
    });
  }

  it('NTLM logs a connection on once: later requests on it need no handshake; one the server closed logs on again', async function () {
    h = harness(onPrem(sim, { auth: 'ntlm', host: sim.httpsUrl }));
    const before = sim.stats();
    const operations = (s: typeof before) => Object.values(s.byOperation).reduce((n, x) => n + x, 0);
    for (let i = 0; i < 4; i++) {
      h.send(upsert(`ntlm-kept-${i}`, appointment({ subject: `Termin ${i}` })));
      await h.outcomesReach(i + 1);
    }
    let now = sim.stats();
    assert.equal(operations(now) - operations(before), 4, 'four CreateItem');
    // One handshake (negotiate → challenge) for the first request, then the kept connection.
    assert.equal(now.requests - before.requests, 4 + 1, 'HTTP requests: 4 operations + 1 challenge');

    // IIS closes the idle connection: the next request logs on again and goes through.
    sim.closeIdleConnections();
    h.send(upsert('ntlm-kept-4', appointment({ subject: 'Termin 4' })));
    await h.outcomesReach(5);
    assert.ok(h.outcomes.every((o) => o.ok && o.action === 'created'), describeOutcomes(h.outcomes));
    now = sim.stats();
    assert.equal(operations(now) - operations(before), 5);
    assert.ok(now.requests - before.requests <= 5 + 3, `a new logon, not a retry storm: ${now.requests - before.requests} HTTP requests`);
    assert.ok(now.rejectedAuth - before.rejectedAuth <= 1, 'at most the one request on the new connection was refused (401), then it logged on');
    for (let i = 0; i < 5; i++) only(sim, ANNA, `ntlm-kept-${i}`);
  });

  it('100 items in one flush go out in 2 requests', async function () {
    h = harness(onPrem(sim));
    const before = ops();
    for (let i = 0; i < 100; i++) h.send(upsert(`bulk-${i}`, appointment({ subject: `Termin ${i}` }), { mailbox: BERND }));
    await h.outcomesReach(100);
    assert.deepEqual(delta(before), { CreateItem: 2 });
    assert.equal(h.outcomes.filter((o) => o.ok && o.action === 'created').length, 100);
    assert.equal(sim.store.items(BERND, 'appointment').filter((i) => /^Termin \d+$/.test(String(i.fields.Subject))).length, 100);
  });

  it('an item Exchange cannot take fails alone with its key and field; the rest of the batch is written', async function () {
    h = harness(onPrem(sim));
    h.send(upsert('good-1', appointment()));
    // A relative monthly pattern on Monday and Wednesday has no EWS form.
    h.send(upsert('bad', appointment({ recurrence: { pattern: 'relativeMonthly', interval: 1, days: ['monday', 'wednesday'], index: 'first', startDate: '2026-03-02' } })));
    h.send(upsert('good-2', appointment()));
    await h.outcomesReach(3);
    const bad = h.outcomes.find((o) => o.message.key === 'bad')!;
    assert.ok(!bad.ok);
    assert.equal(bad.error.record, 'bad');
    assert.equal(bad.error.field, 'item.recurrence.days');
    only(sim, ANNA, 'good-1');
    only(sim, ANNA, 'good-2');
    assert.equal(byKey(sim, ANNA, 'bad').length, 0);
  });
});
