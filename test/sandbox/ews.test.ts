/**
 * The EWS simulator driven by the real ews-javascript-api over HTTP: every operation, the
 * item kinds, batches, recurrence with deleted occurrences, paging, restrictions on extended
 * properties, folders, SyncFolderItems and the item-level errors.
 */
import assert from 'node:assert/strict';
import * as ews from 'ews-javascript-api';
import { EwsSimulator, startEwsSimulator } from '../../sandbox/ews';

const ANNA = 'anna@firma.de';
const BERND = 'bernd@firma.de';
const KEY = new ews.ExtendedPropertyDefinition(ews.DefaultExtendedPropertySet.PublicStrings, 'BueroKey', ews.MapiPropertyType.String);
const GUID_SET = '3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const VERSION = new ews.ExtendedPropertyDefinition(new ews.Guid(GUID_SET), 'BueroVersion', ews.MapiPropertyType.Integer);

/** ews-javascript-api does not XML-escape strings: callers must (see COMMON.md pitfalls). */
const x = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const at = (iso: string) => new ews.DateTime(new Date(iso).getTime());
const iso = (d: ews.DateTime) => new Date(d.TotalMilliSeconds).toISOString();
/** The pattern classes' typings only declare the no-argument constructor. */
const pattern = <T>(ctor: new () => T, ...args: unknown[]): T => new (ctor as unknown as new (...a: unknown[]) => T)(...args);
const codeOf = (e: unknown) => ews.ServiceError[(e as { ErrorCode?: number; ResponseCode?: number }).ErrorCode ?? (e as { ResponseCode: number }).ResponseCode];

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.equal(codeOf(e), code, `expected ${code}, got ${codeOf(e)}: ${(e as Error).message}`);
    return;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

describe('sandbox EWS simulator: operations through ews-javascript-api', function () {
  this.timeout(20_000);
  let sim: EwsSimulator;

  function service(mailbox = ANNA): ews.ExchangeService {
    const s = new ews.ExchangeService(ews.ExchangeVersion.Exchange2016);
    s.Credentials = new ews.WebCredentials('FIRMA\\svc-sync', 'Geheim-123');
    s.Url = new ews.Uri(sim.url);
    s.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, mailbox);
    s.HttpHeaders.Add('X-AnchorMailbox', mailbox);
    return s;
  }

  function appointment(s: ews.ExchangeService, subject: string, start: string, end: string, key?: string): ews.Appointment {
    const a = new ews.Appointment(s);
    a.Subject = x(subject);
    a.Start = at(start);
    a.End = at(end);
    a.StartTimeZone = ews.TimeZoneInfo.FindSystemTimeZoneById('W. Europe Standard Time');
    if (key) a.SetExtendedProperty(KEY, key);
    return a;
  }

  before(async () => {
    sim = await startEwsSimulator({
      mailboxes: [ANNA, BERND],
      accounts: [{ user: 'svc-sync', domain: 'FIRMA', password: 'Geheim-123', impersonation: true }],
    });
  });
  after(() => sim.close());
  afterEach(() => {
    assert.equal(sim.stats().schemaInvalid, 0, 'every request ews-javascript-api sent must be schema-valid');
  });

  describe('CreateItem / GetItem', () => {
    it('stores an appointment with all its fields and reads it back in the same shape', async () => {
      const s = service();
      const a = appointment(s, 'Besuch bei Müller & Söhne <GmbH>', '2026-03-29T08:00:00Z', '2026-03-29T09:30:00Z', 'TER:1');
      a.Location = x('Büro "Nord"');
      a.Body = new ews.MessageBody(ews.BodyType.HTML, x('<p>Agenda: ß & €</p>'));
      a.Categories = new ews.StringList(['büro+', 'Kunde']);
      a.IsReminderSet = false;
      a.LegacyFreeBusyStatus = ews.LegacyFreeBusyStatus.OOF;
      a.SetExtendedProperty(VERSION, 42);
      await a.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);

      const b = await ews.Appointment.Bind(s, a.Id, new ews.PropertySet(ews.BasePropertySet.FirstClassProperties, [KEY, VERSION]));
      assert.equal(b.Subject, 'Besuch bei Müller & Söhne <GmbH>');
      assert.equal(b.Location, 'Büro "Nord"');
      assert.equal(iso(b.Start), '2026-03-29T08:00:00.000Z');
      assert.equal(iso(b.End), '2026-03-29T09:30:00.000Z');
      assert.match(b.Body.Text, /<p>Agenda: ß & €<\/p>/);
      assert.deepEqual(b.Categories.GetEnumerator(), ['büro+', 'Kunde']);
      assert.equal(b.IsReminderSet, false);
      assert.equal(b.LegacyFreeBusyStatus, ews.LegacyFreeBusyStatus.OOF);
      assert.equal(b.AppointmentType, ews.AppointmentType.Single);
      assert.equal(b.StartTimeZone.Id, 'W. Europe Standard Time');
      const ext = b.ExtendedProperties.GetEnumerator().map((p) => [p.PropertyDefinition.Name, String(p.Value)]);
      assert.deepEqual(ext.sort(), [['BueroKey', 'TER:1'], ['BueroVersion', '42']]);

      // The store holds it as a neutral record, in Anna's mailbox only.
      const stored = sim.store.items(ANNA, 'appointment').find((i) => i.itemId === a.Id.UniqueId)!;
      assert.equal(stored.fields.Subject, 'Besuch bei Müller & Söhne <GmbH>');
      assert.equal(stored.fields.Start, '2026-03-29T08:00:00Z');
      assert.deepEqual(stored.extendedProperties.find((p) => p.name === 'BueroKey'), {
        distinguishedPropertySetId: 'PublicStrings', propertySetId: '00020329-0000-0000-C000-000000000046', name: 'BueroKey', type: 'String', value: 'TER:1',
      });
      assert.equal(sim.store.items(BERND).length, 0);
    });

    it('defaults a new appointment to a 15-minute reminder, as Exchange does', async () => {
      const s = service();
      const a = appointment(s, 'Standard', '2026-04-01T08:00:00Z', '2026-04-01T09:00:00Z');
      await a.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
      const b = await ews.Appointment.Bind(s, a.Id);
      assert.equal(b.IsReminderSet, true);
      assert.equal(b.ReminderMinutesBeforeStart, 15);
    });

    it('answers ErrorItemNotFound for a deleted item and ErrorInvalidIdMalformed for a foreign id', async () => {
      const s = service();
      const a = appointment(s, 'Kurz', '2026-04-02T08:00:00Z', '2026-04-02T09:00:00Z');
      await a.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
      await a.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
      await rejects(ews.Appointment.Bind(s, a.Id), 'ErrorItemNotFound');
      await rejects(ews.Appointment.Bind(s, new ews.ItemId('bm90LWFuLWV4Y2hhbmdlLWlk')), 'ErrorInvalidIdMalformed');
    });

    it('keeps mailboxes apart: an id from Anna is not found while impersonating Bernd', async () => {
      const a = appointment(service(ANNA), 'Nur Anna', '2026-04-03T08:00:00Z', '2026-04-03T09:00:00Z');
      await a.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
      await rejects(ews.Appointment.Bind(service(BERND), a.Id), 'ErrorItemNotFound');
    });

    it('rejects an end before the start with ErrorCalendarEndDateIsEarlierThanStartDate', async () => {
      const a = appointment(service(), 'Falsch', '2026-04-04T10:00:00Z', '2026-04-04T09:00:00Z');
      await rejects(a.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone), 'ErrorCalendarEndDateIsEarlierThanStartDate');
    });
  });

  describe('UpdateItem', () => {
    it('gives a new ChangeKey on every write and refuses a stale one unless AlwaysOverwrite', async () => {
      const s = service();
      const a = appointment(s, 'Version 1', '2026-04-06T08:00:00Z', '2026-04-06T09:00:00Z', 'TER:upd');
      await a.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
      const first = a.Id.ChangeKey;
      const stale = await ews.Appointment.Bind(s, a.Id);

      a.Subject = 'Version 2';
      await a.Update(ews.ConflictResolutionMode.AutoResolve, ews.SendInvitationsOrCancellationsMode.SendToNone);
      assert.notEqual(a.Id.ChangeKey, first);

      stale.Subject = 'Alte Fassung';
      await rejects(stale.Update(ews.ConflictResolutionMode.AutoResolve, ews.SendInvitationsOrCancellationsMode.SendToNone), 'ErrorIrresolvableConflict');
      await rejects(stale.Update(ews.ConflictResolutionMode.NeverOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone), 'ErrorIrresolvableConflict');
      assert.equal((await ews.Appointment.Bind(s, a.Id)).Subject, 'Version 2');

      await stale.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
      assert.equal((await ews.Appointment.Bind(s, a.Id)).Subject, 'Alte Fassung');
    });

    it('SetItemField and DeleteItemField change single properties, extended ones included', async () => {
      const s = service();
      const a = appointment(s, 'Mit Ort', '2026-04-07T08:00:00Z', '2026-04-07T09:00:00Z', 'TER:del');
      a.Location = 'Raum 1';
      await a.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
      const b = await ews.Appointment.Bind(s, a.Id, new ews.PropertySet(ews.BasePropertySet.FirstClassProperties, [KEY]));
      b.Location = null as unknown as string; // → DeleteItemField calendar:Location
      b.RemoveExtendedProperty(KEY); // → DeleteItemField on the ExtendedFieldURI
      b.End = at('2026-04-07T10:00:00Z');
      await b.Update(ews.ConflictResolutionMode.AutoResolve, ews.SendInvitationsOrCancellationsMode.SendToNone);
      const stored = sim.store.item(ANNA, a.Id.UniqueId)!;
      assert.equal(stored.fields.Location, undefined);
      assert.equal(stored.fields.End, '2026-04-07T10:00:00Z');
      assert.equal(stored.extendedProperties.length, 0);
    });

    it('AppendToItemField appends to the body (raw SOAP: ews-javascript-api has no call for it)', async () => {
      const s = service();
      const a = appointment(s, 'Notizen', '2026-04-08T08:00:00Z', '2026-04-08T09:00:00Z');
      a.Body = new ews.MessageBody(ews.BodyType.Text, 'Erste Zeile.');
      await a.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
      const xml = await soap(`<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange>`
        + `<t:ItemId Id="${a.Id.UniqueId}"/><t:Updates><t:AppendToItemField><t:FieldURI FieldURI="item:Body"/>`
        + `<t:CalendarItem><t:Body BodyType="Text"> Zweite &amp; letzte.</t:Body></t:CalendarItem></t:AppendToItemField></t:Updates>`
        + `</t:ItemChange></m:ItemChanges></m:UpdateItem>`);
      assert.match(xml, /ResponseClass="Success"/);
      assert.equal((sim.store.item(ANNA, a.Id.UniqueId)!.fields.Body as { _: string })._, 'Erste Zeile. Zweite & letzte.');
    });
  });

  /** Posts one SOAP request (Basic auth, impersonating Anna) and returns the response text. */
  async function soap(body: string, mailbox = ANNA): Promise<string> {
    const res = await fetch(sim.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'text/xml; charset=utf-8',
        Authorization: 'Basic ' + Buffer.from('FIRMA\\svc-sync:Geheim-123').toString('base64'),
        'X-AnchorMailbox': mailbox,
      },
      body: '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        + 'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
        + `<soap:Header><t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>${mailbox}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header>`
        + `<soap:Body>${body}</soap:Body></soap:Envelope>`,
    });
    return res.text();
  }

  describe('batches: one response per item, in order', () => {
    it('CreateItems, BindToItems, UpdateItems and DeleteItems report each item Success or Error', async () => {
      const s = service(BERND);
      const items = [
        appointment(s, 'B1', '2026-05-04T08:00:00Z', '2026-05-04T09:00:00Z', 'TER:b1'),
        appointment(s, 'B2 kaputt', '2026-05-05T10:00:00Z', '2026-05-05T09:00:00Z', 'TER:b2'),
        appointment(s, 'B3', '2026-05-06T08:00:00Z', '2026-05-06T09:00:00Z', 'TER:b3'),
      ];
      const created = await s.CreateItems(items, new ews.FolderId(ews.WellKnownFolderName.Calendar), null as never, ews.SendInvitationsMode.SendToNone);
      assert.deepEqual(created.Responses.map((r) => ews.ServiceResult[r.Result]), ['Success', 'Error', 'Success']);
      assert.equal(ews.ServiceError[created.Responses[1]!.ErrorCode], 'ErrorCalendarEndDateIsEarlierThanStartDate');
      assert.deepEqual(sim.store.items(BERND).map((i) => i.fields.Subject).sort(), ['B1', 'B3']);

      const missing = new ews.ItemId(items[0]!.Id.UniqueId.replace(/^(.{20})./, (m, p) => p + (m.endsWith('A') ? 'B' : 'A')));
      const bound = await s.BindToItems([items[0]!.Id, missing, items[2]!.Id], ews.PropertySet.FirstClassProperties);
      assert.deepEqual(bound.Responses.map((r) => r.ErrorCode === ews.ServiceError.NoError ? (r.Item as ews.Appointment).Subject : ews.ServiceError[r.ErrorCode]),
        ['B1', 'ErrorItemNotFound', 'B3']);

      items[0]!.Subject = 'B1 neu';
      items[2]!.Subject = 'B3 neu';
      const updated = await s.UpdateItems([items[0]!, items[2]!], null as never, ews.ConflictResolutionMode.AutoResolve, null as never, ews.SendInvitationsOrCancellationsMode.SendToNone);
      assert.deepEqual(updated.Responses.map((r) => ews.ServiceResult[r.Result]), ['Success', 'Success']);
      assert.deepEqual(sim.store.items(BERND).map((i) => i.fields.Subject).sort(), ['B1 neu', 'B3 neu']);

      const deleted = await s.DeleteItems([items[0]!.Id, missing, items[2]!.Id], ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone, null as never);
      assert.deepEqual(deleted.Responses.map((r) => ews.ServiceError[r.ErrorCode]), ['NoError', 'ErrorItemNotFound', 'NoError']);
      assert.equal(sim.store.items(BERND).length, 0);
    });
  });

  describe('FindItem', () => {
    let s: ews.ExchangeService;
    before(async () => {
      s = service(BERND);
      const batch = Array.from({ length: 7 }, (_, i) => {
        const a = appointment(s, `Termin ${i + 1}`, `2026-06-0${i + 1}T08:00:00Z`, `2026-06-0${i + 1}T09:00:00Z`, i === 6 ? undefined : `TER:f${i + 1}`);
        a.SetExtendedProperty(VERSION, i + 1);
        return a;
      });
      await s.CreateItems(batch, new ews.FolderId(ews.WellKnownFolderName.Calendar), null as never, ews.SendInvitationsMode.SendToNone);
    });

    it('finds an item by IsEqualTo on a PublicStrings extended property, and returns the property', async () => {
      const view = new ews.ItemView(10);
      view.PropertySet = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.ItemSchema.Subject, KEY]);
      const found = await s.FindItems(ews.WellKnownFolderName.Calendar, new ews.SearchFilter.IsEqualTo(KEY, 'TER:f3'), view);
      assert.equal(found.TotalCount, 1);
      assert.equal(found.Items[0]!.Subject, 'Termin 3');
      assert.equal(found.Items[0]!.ExtendedProperties.GetEnumerator()[0]!.Value, 'TER:f3');
    });

    it('supports Exists, Not, And/Or and comparisons on a GUID-set Integer property', async () => {
      const view = new ews.ItemView(50);
      view.PropertySet = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.ItemSchema.Subject]);
      const subjects = async (filter: ews.SearchFilter) => (await s.FindItems(ews.WellKnownFolderName.Calendar, filter, view)).Items.map((i) => i.Subject).sort();
      assert.equal((await subjects(new ews.SearchFilter.Exists(KEY))).length, 6);
      assert.deepEqual(await subjects(new ews.SearchFilter.Not(new ews.SearchFilter.Exists(KEY))), ['Termin 7']);
      assert.deepEqual(await subjects(new ews.SearchFilter.SearchFilterCollection(ews.LogicalOperator.And, [
        new ews.SearchFilter.IsGreaterThan(VERSION, 2), new ews.SearchFilter.IsLessThanOrEqualTo(VERSION, 4)])), ['Termin 3', 'Termin 4']);
      assert.deepEqual(await subjects(new ews.SearchFilter.SearchFilterCollection(ews.LogicalOperator.Or, [
        new ews.SearchFilter.IsEqualTo(KEY, 'TER:f1'), new ews.SearchFilter.ContainsSubstring(ews.ItemSchema.Subject, 'termin 7')])), ['Termin 1', 'Termin 7']);
    });

    it('pages with IndexedPageItemView: offset, MoreAvailable, NextPageOffset, TotalCount', async () => {
      const pages: string[][] = [];
      let offset = 0;
      for (;;) {
        const view = new ews.ItemView(3, offset);
        view.PropertySet = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.ItemSchema.Subject]);
        view.OrderBy.Add(ews.AppointmentSchema.Start, ews.SortDirection.Ascending);
        const page = await s.FindItems(ews.WellKnownFolderName.Calendar, view);
        assert.equal(page.TotalCount, 7);
        pages.push(page.Items.map((i) => i.Subject));
        if (!page.MoreAvailable) break;
        offset = page.NextPageOffset!;
      }
      assert.deepEqual(pages, [['Termin 1', 'Termin 2', 'Termin 3'], ['Termin 4', 'Termin 5', 'Termin 6'], ['Termin 7']]);
    });

    it('refuses the body in FindItem with ErrorInvalidPropertyRequest, like Exchange (raw SOAP: the client checks this itself)', async () => {
      const xml = await soap('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>'
        + '<t:FieldURI FieldURI="item:Body"/></t:AdditionalProperties></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="5" Offset="0" BasePoint="Beginning"/>'
        + '<m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>', BERND);
      assert.match(xml, /<m:ResponseCode>ErrorInvalidPropertyRequest<\/m:ResponseCode>/);
    });
  });

  describe('recurrence and deleted occurrences', () => {
    it('lays a weekly series out in its time zone across the DST change and deletes one occurrence', async () => {
      const s = service();
      // Mondays 09:00 Berlin from 2026-03-23: the second occurrence is after the change to summer time.
      const a = appointment(s, 'Jour fixe', '2026-03-23T08:00:00Z', '2026-03-23T09:00:00Z', 'TER:series');
      const weekly = pattern(ews.Recurrence.WeeklyPattern, at('2026-03-23T08:00:00Z'), 1, [ews.DayOfTheWeek.Monday]);
      weekly.NumberOfOccurrences = 4;
      a.Recurrence = weekly;
      await a.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);

      const master = await ews.Appointment.Bind(s, a.Id);
      assert.equal(master.AppointmentType, ews.AppointmentType.RecurringMaster);
      assert.ok(master.Recurrence instanceof ews.Recurrence.WeeklyPattern);
      assert.equal(master.Recurrence.NumberOfOccurrences, 4);
      assert.equal(iso(master.FirstOccurrence.Start), '2026-03-23T08:00:00.000Z');
      assert.equal(iso(master.LastOccurrence.Start), '2026-04-13T07:00:00.000Z');

      const second = await ews.Appointment.BindToOccurrence(s, a.Id, 2);
      assert.equal(second.AppointmentType, ews.AppointmentType.Occurrence);
      assert.equal(iso(second.Start), '2026-03-30T07:00:00.000Z');
      assert.equal((await ews.Appointment.BindToRecurringMaster(s, second.Id)).Id.UniqueId, a.Id.UniqueId);
      await second.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);

      const after = await ews.Appointment.Bind(s, a.Id);
      assert.deepEqual(after.DeletedOccurrences.GetEnumerator().map((d) => iso(d.OriginalStart)), ['2026-03-30T07:00:00.000Z']);
      assert.notEqual(after.Id.ChangeKey, master.Id.ChangeKey);
      await rejects(ews.Appointment.BindToOccurrence(s, a.Id, 2), 'ErrorCalendarOccurrenceIsDeletedFromRecurrence');
      await rejects(ews.Appointment.BindToOccurrence(s, a.Id, 5), 'ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange');

      // A calendar view expands the series without the deleted occurrence.
      const view = new ews.CalendarView(at('2026-03-20T00:00:00Z'), at('2026-04-30T00:00:00Z'));
      const found = await s.FindAppointments(ews.WellKnownFolderName.Calendar, view);
      const series = found.Items.filter((i) => i.Subject === 'Jour fixe');
      assert.deepEqual(series.map((i) => iso(i.Start)), ['2026-03-23T08:00:00.000Z', '2026-04-06T07:00:00.000Z', '2026-04-13T07:00:00.000Z']);

      // The occurrence can also be deleted by OccurrenceItemId directly, and a new pattern drops the exceptions.
      const xml = await soap(`<m:DeleteItem DeleteType="HardDelete" SendMeetingCancellations="SendToNone"><m:ItemIds>`
        + `<t:OccurrenceItemId RecurringMasterId="${a.Id.UniqueId}" InstanceIndex="3"/></m:ItemIds></m:DeleteItem>`);
      assert.match(xml, /ResponseClass="Success"/);
      assert.equal(((sim.store.item(ANNA, a.Id.UniqueId)!.fields.DeletedOccurrences as { DeletedOccurrence: unknown[] }).DeletedOccurrence).length, 2);
      const again = await ews.Appointment.Bind(s, a.Id);
      const daily = pattern(ews.Recurrence.DailyPattern, at('2026-03-23T08:00:00Z'), 1);
      daily.NumberOfOccurrences = 3;
      again.Recurrence = daily;
      await again.Update(ews.ConflictResolutionMode.AutoResolve, ews.SendInvitationsOrCancellationsMode.SendToNone);
      assert.equal(sim.store.item(ANNA, a.Id.UniqueId)!.fields.DeletedOccurrences, undefined);
    });

    it('expands monthly and yearly patterns (relative and absolute)', async () => {
      const s = service(BERND);
      const a = appointment(s, 'Monatsabschluss', '2026-01-30T09:00:00Z', '2026-01-30T10:00:00Z');
      const monthly = pattern(ews.Recurrence.RelativeMonthlyPattern, at('2026-01-30T09:00:00Z'), 1, ews.DayOfTheWeek.Friday, ews.DayOfTheWeekIndex.Last);
      monthly.EndDate = at('2026-04-30T00:00:00Z');
      a.Recurrence = monthly;
      const b = appointment(s, 'Jahrestag', '2026-02-28T09:00:00Z', '2026-02-28T10:00:00Z');
      const yearly = pattern(ews.Recurrence.YearlyPattern, at('2026-02-28T09:00:00Z'), ews.Month.February, 28);
      yearly.NumberOfOccurrences = 2;
      b.Recurrence = yearly;
      await s.CreateItems([a, b], new ews.FolderId(ews.WellKnownFolderName.Calendar), null as never, ews.SendInvitationsMode.SendToNone);
      const found = await s.FindAppointments(ews.WellKnownFolderName.Calendar, new ews.CalendarView(at('2026-01-01T00:00:00Z'), at('2028-01-01T00:00:00Z')));
      const starts = (subject: string) => found.Items.filter((i) => i.Subject === subject).map((i) => iso(i.Start).slice(0, 10));
      assert.deepEqual(starts('Monatsabschluss'), ['2026-01-30', '2026-02-27', '2026-03-27', '2026-04-24']);
      assert.deepEqual(starts('Jahrestag'), ['2026-02-28', '2027-02-28']);
    });
  });

  describe('tasks and contacts', () => {
    it('stores a task; PercentComplete 100 completes it', async () => {
      const s = service();
      const t = new ews.Task(s);
      t.Subject = x('Angebot <A-17> nachfassen');
      t.StartDate = at('2026-03-28T23:00:00Z');
      t.DueDate = at('2026-03-30T22:00:00Z');
      t.Importance = ews.Importance.High;
      t.SetExtendedProperty(KEY, 'AUF:9');
      await t.Save(ews.WellKnownFolderName.Tasks);
      let b = await ews.Task.Bind(s, t.Id);
      assert.equal(b.Subject, 'Angebot <A-17> nachfassen');
      assert.equal(b.Status, ews.TaskStatus.NotStarted);
      assert.equal(iso(b.DueDate), '2026-03-30T22:00:00.000Z');
      assert.equal(b.Importance, ews.Importance.High);

      b.PercentComplete = 100;
      await b.Update(ews.ConflictResolutionMode.AutoResolve);
      b = await ews.Task.Bind(s, t.Id);
      assert.equal(b.Status, ews.TaskStatus.Completed);
      assert.equal(b.IsComplete, true);
      assert.equal(sim.store.items(ANNA, 'task').find((i) => i.itemId === t.Id.UniqueId)!.fields.Status, 'Completed');

      await b.Delete(ews.DeleteMode.HardDelete);
      assert.equal(sim.store.item(ANNA, t.Id.UniqueId), undefined);
    });

    it('stores a contact with indexed e-mail, phone and address entries and updates one entry', async () => {
      const s = service();
      const c = new ews.Contact(s);
      c.GivenName = 'Jürgen';
      c.Surname = x('Groß & Partner');
      c.CompanyName = 'Groß GmbH';
      c.EmailAddresses._setItem(ews.EmailAddressKey.EmailAddress1, new ews.EmailAddress('j.gross@example.de'));
      c.PhoneNumbers._setItem(ews.PhoneNumberKey.BusinessPhone, '+49 30 1234-0');
      const address = new ews.PhysicalAddressEntry();
      address.Street = 'Hauptstraße 1';
      address.City = 'München';
      address.PostalCode = '80331';
      c.PhysicalAddresses._setItem(ews.PhysicalAddressKey.Business, address);
      c.SetExtendedProperty(KEY, 'ADR:4711');
      await c.Save(ews.WellKnownFolderName.Contacts);

      const b = await ews.Contact.Bind(s, c.Id);
      assert.equal(b.DisplayName, 'Jürgen Groß & Partner');
      assert.equal(b.EmailAddresses._getItem(ews.EmailAddressKey.EmailAddress1).Address, 'j.gross@example.de');
      assert.equal(b.PhoneNumbers._getItem(ews.PhoneNumberKey.BusinessPhone), '+49 30 1234-0');
      assert.equal(b.PhysicalAddresses._getItem(ews.PhysicalAddressKey.Business).City, 'München');

      b.EmailAddresses._setItem(ews.EmailAddressKey.EmailAddress1, new ews.EmailAddress('juergen@example.de'));
      await b.Update(ews.ConflictResolutionMode.AutoResolve);
      const again = await ews.Contact.Bind(s, c.Id);
      assert.equal(again.EmailAddresses._getItem(ews.EmailAddressKey.EmailAddress1).Address, 'juergen@example.de');
      assert.equal(again.PhoneNumbers._getItem(ews.PhoneNumberKey.BusinessPhone), '+49 30 1234-0');
    });
  });

  describe('folders', () => {
    it('GetFolder, FindFolder and CreateFolder (ErrorFolderExists on a duplicate name)', async () => {
      const s = service();
      const calendar = await ews.Folder.Bind(s, ews.WellKnownFolderName.Calendar);
      assert.equal(calendar.DisplayName, 'Calendar');
      assert.ok(calendar instanceof ews.CalendarFolder);

      const top = await s.FindFolders(ews.WellKnownFolderName.MsgFolderRoot, new ews.FolderView(100));
      assert.ok(['Calendar', 'Tasks', 'Contacts', 'Inbox'].every((n) => top.Folders.some((f) => f.DisplayName === n)));

      const mine = new ews.CalendarFolder(s);
      mine.DisplayName = 'büro+ Termine';
      await mine.Save(ews.WellKnownFolderName.Calendar);
      const found = await s.FindFolders(ews.WellKnownFolderName.Calendar, new ews.SearchFilter.IsEqualTo(ews.FolderSchema.DisplayName, 'büro+ Termine'), new ews.FolderView(10));
      assert.equal(found.Folders.length, 1);
      assert.equal(found.Folders[0]!.Id.UniqueId, mine.Id.UniqueId);

      const twin = new ews.CalendarFolder(s);
      twin.DisplayName = 'BÜRO+ Termine';
      await rejects(twin.Save(ews.WellKnownFolderName.Calendar), 'ErrorFolderExists');

      // An item saved into the new folder counts there.
      const a = appointment(s, 'Im Unterordner', '2026-07-01T08:00:00Z', '2026-07-01T09:00:00Z');
      await a.Save(mine.Id, ews.SendInvitationsMode.SendToNone);
      assert.equal((await ews.Folder.Bind(s, mine.Id)).TotalCount, 1);
      await rejects(ews.Folder.Bind(s, new ews.FolderId('QUFNa0VXU2YAAQAAAAAAAAAAAAAAAAAAAAA=')), 'ErrorFolderNotFound');
    });
  });

  describe('SyncFolderItems', () => {
    it('reports creates, updates and deletes since a sync state, in pages', async () => {
      const s = service(BERND);
      const folder = new ews.CalendarFolder(s);
      folder.DisplayName = 'Sync';
      await folder.Save(ews.WellKnownFolderName.Calendar);
      const sync = (state: string, max = 512) => s.SyncFolderItems(folder.Id, ews.PropertySet.IdOnly, null as never, max, ews.SyncFolderItemsScope.NormalItems, state);

      const items = [1, 2, 3].map((i) => appointment(s, `S${i}`, `2026-08-0${i}T08:00:00Z`, `2026-08-0${i}T09:00:00Z`));
      await s.CreateItems(items, folder.Id, null as never, ews.SendInvitationsMode.SendToNone);
      const first = await sync('', 2);
      assert.deepEqual(first.GetEnumerator().map((c) => ews.ChangeType[c.ChangeType]), ['Create', 'Create']);
      assert.equal(first.MoreChangesAvailable, true);
      const second = await sync(first.SyncState, 2);
      assert.deepEqual(second.GetEnumerator().map((c) => [ews.ChangeType[c.ChangeType], c.ItemId.UniqueId]), [['Create', items[2]!.Id.UniqueId]]);
      assert.equal(second.MoreChangesAvailable, false);

      items[0]!.Subject = 'S1 neu';
      await items[0]!.Update(ews.ConflictResolutionMode.AutoResolve, ews.SendInvitationsOrCancellationsMode.SendToNone);
      await items[1]!.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
      const third = await sync(second.SyncState);
      assert.deepEqual(third.GetEnumerator().map((c) => [ews.ChangeType[c.ChangeType], c.ItemId.UniqueId]),
        [['Update', items[0]!.Id.UniqueId], ['Delete', items[1]!.Id.UniqueId]]);
      assert.equal((await sync(third.SyncState)).Count, 0);
      await rejects(sync('bm90IGEgc3luYyBzdGF0ZQ=='), 'ErrorInvalidSyncStateData');
    });
  });
});
