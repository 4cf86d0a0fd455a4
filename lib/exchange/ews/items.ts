import * as ews from 'ews-javascript-api';
import { ExchangeCode } from '../../error-codes';
import { ExchangeError } from '../errors';
import type { Appointment, Body, Contact, ItemKind, Recurrence, Task, Weekday } from '../model';
import { KEY_PROPERTY } from '../key';
import { startOfDay } from '../../time';
import { xmlText, xmlTexts } from './escape';

/**
 * Neutral items → ews-javascript-api items. Every free text goes through xmlText (the library
 * escapes nothing). For a create every field is set; for an update only the named fields,
 * and a field the item no longer has is cleared.
 */

/** The writer key's extended property: PS_PUBLIC_STRINGS {00020329-0000-0000-C000-000000000046}, name BueroSyncKey, String. */
export const keyPropertyDefinition = new ews.ExtendedPropertyDefinition(
  ews.DefaultExtendedPropertySet.PublicStrings, KEY_PROPERTY.name, ews.MapiPropertyType.String);

/** PidTagDisplayNamePrefix (0x3A45): the contact's title ("Frau", "Dr."); EWS has no element for it. */
const titlePropertyDefinition = new ews.ExtendedPropertyDefinition(0x3a45, ews.MapiPropertyType.String);

const EWS_DAY: Record<Weekday, ews.DayOfTheWeek> = {
  sunday: ews.DayOfTheWeek.Sunday, monday: ews.DayOfTheWeek.Monday, tuesday: ews.DayOfTheWeek.Tuesday,
  wednesday: ews.DayOfTheWeek.Wednesday, thursday: ews.DayOfTheWeek.Thursday, friday: ews.DayOfTheWeek.Friday,
  saturday: ews.DayOfTheWeek.Saturday,
};
/** System.DayOfWeek numbers (Sunday = 0), which ews-javascript-api does not export. */
const DAY_OF_WEEK: Record<Weekday, number> = {
  sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6,
};
const INDEX: Record<NonNullable<Recurrence['index']>, ews.DayOfTheWeekIndex> = {
  first: ews.DayOfTheWeekIndex.First, second: ews.DayOfTheWeekIndex.Second, third: ews.DayOfTheWeekIndex.Third,
  fourth: ews.DayOfTheWeekIndex.Fourth, last: ews.DayOfTheWeekIndex.Last,
};
const FREE_BUSY: Record<NonNullable<Appointment['freeBusy']>, ews.LegacyFreeBusyStatus> = {
  free: ews.LegacyFreeBusyStatus.Free, tentative: ews.LegacyFreeBusyStatus.Tentative, busy: ews.LegacyFreeBusyStatus.Busy,
  oof: ews.LegacyFreeBusyStatus.OOF, workingElsewhere: ews.LegacyFreeBusyStatus.WorkingElsewhere,
};
const SENSITIVITY: Record<NonNullable<Appointment['sensitivity']>, ews.Sensitivity> = {
  normal: ews.Sensitivity.Normal, personal: ews.Sensitivity.Personal, private: ews.Sensitivity.Private, confidential: ews.Sensitivity.Confidential,
};
const IMPORTANCE: Record<NonNullable<Task['importance']>, ews.Importance> = {
  low: ews.Importance.Low, normal: ews.Importance.Normal, high: ews.Importance.High,
};

/**
 * An exact instant, independent of the process time zone. Kind Unspecified on purpose:
 * ews-javascript-api "scopes" dates to StartTimeZone or the service zone before writing and
 * refuses a Utc-kind date there; its conversion keeps the instant of a date made from ms.
 */
function instant(iso: string): ews.DateTime {
  return new ews.DateTime(Date.parse(iso));
}

/** A calendar date for a recurrence (written as YYYY-MM-DD; Exchange reads it in the item's zone). */
function calendarDate(date: string): ews.DateTime {
  const [y, m, d] = date.split('-').map(Number);
  return new ews.DateTime(Date.UTC(y, m - 1, d), ews.DateTimeKind.Utc);
}

function zone(iana: string, key: string, field = 'item.timeZone'): ews.TimeZoneInfo {
  try {
    return ews.TimeZoneInfo.FindSystemTimeZoneById(iana);
  } catch {
    throw new ExchangeError(ExchangeCode.itemRejected, `${key}: ${field} "${iana}" has no Windows time zone that Exchange knows`, { record: key, field });
  }
}

function body(b: Body | undefined): ews.MessageBody {
  if (!b) return new ews.MessageBody(ews.BodyType.Text, '');
  return new ews.MessageBody(b.format === 'html' ? ews.BodyType.HTML : ews.BodyType.Text, xmlText(b.content));
}

function categories(list: string[] | undefined): ews.StringList {
  return new ews.StringList(xmlTexts(list ?? []));
}

type Want = (field: string) => boolean;

/** Fields an update must write together with a changed one (EWS couples them). */
export function withCoupledFields(kind: ItemKind, item: object, fields: string[]): string[] {
  const out = new Set(fields);
  if (kind === 'appointment') {
    const a = item as Appointment;
    if (out.has('timeZone')) {
      out.add('start');
      out.add('end');
    }
    // A series is anchored in its start and zone: re-write the pattern when they move.
    if (a.recurrence && (out.has('start') || out.has('end') || out.has('timeZone') || out.has('isAllDay'))) out.add('recurrence');
  }
  if (kind === 'task') {
    if (out.has('timeZone')) {
      out.add('startDate');
      out.add('dueDate');
    }
    if (out.has('complete') || out.has('percentComplete')) {
      out.add('complete');
      out.add('percentComplete');
    }
  }
  return [...out];
}

/** A new ews-javascript-api item for a create (fields = all) or an update (fields named). */
export function toEwsItem(service: ews.ExchangeService, kind: ItemKind, key: string, item: object, fields?: string[]): ews.Item {
  const want: Want = fields ? (f) => fields.includes(f) : () => true;
  switch (kind) {
    case 'appointment':
      return appointment(service, key, item as Appointment, want, !fields);
    case 'task':
      return task(service, key, item as Task, want, !fields);
    case 'contact':
      return contact(service, key, item as Contact, want, !fields);
  }
}

function appointment(service: ews.ExchangeService, key: string, a: Appointment, want: Want, isNew: boolean): ews.Appointment {
  const out = new ews.Appointment(service);
  const tz = zone(a.timeZone, key);
  if (isNew) out.SetExtendedProperty(keyPropertyDefinition, xmlText(key));
  if (want('subject')) out.Subject = xmlText(a.subject);
  if (want('body') && (a.body || !isNew)) out.Body = body(a.body);
  if (want('start')) {
    out.Start = instant(a.start);
    out.StartTimeZone = tz;
  }
  if (want('end')) {
    out.End = instant(a.end);
    out.EndTimeZone = tz;
  }
  if (want('timeZone')) {
    out.StartTimeZone = tz;
    out.EndTimeZone = tz;
  }
  if (want('isAllDay')) out.IsAllDayEvent = a.isAllDay;
  if (want('location')) {
    if (a.location !== undefined) out.Location = xmlText(a.location);
    else if (!isNew) out.Location = null as unknown as string;
  }
  if (want('reminderMinutes')) {
    out.IsReminderSet = a.reminderMinutes !== null;
    if (a.reminderMinutes !== null) out.ReminderMinutesBeforeStart = a.reminderMinutes;
  }
  if (want('categories') && (a.categories || !isNew)) out.Categories = categories(a.categories);
  if (want('freeBusy') && (a.freeBusy || !isNew)) out.LegacyFreeBusyStatus = FREE_BUSY[a.freeBusy ?? 'busy'];
  if (want('sensitivity') && (a.sensitivity || !isNew)) out.Sensitivity = SENSITIVITY[a.sensitivity ?? 'normal'];
  if (want('recurrence')) {
    if (a.recurrence) out.Recurrence = recurrence(a.recurrence, key);
    else if (!isNew) out.Recurrence = null as unknown as ews.Recurrence;
  }
  return out;
}

function dayGroup(days: Weekday[], key: string): ews.DayOfTheWeek {
  const set = new Set(days);
  if (set.size === 1) return EWS_DAY[days[0]];
  if (set.size === 7) return ews.DayOfTheWeek.Day;
  const weekdays: Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
  if (set.size === 5 && weekdays.every((d) => set.has(d))) return ews.DayOfTheWeek.Weekday;
  if (set.size === 2 && set.has('saturday') && set.has('sunday')) return ews.DayOfTheWeek.WeekendDay;
  throw new ExchangeError(ExchangeCode.itemRejected,
    `${key}: item.recurrence.days: EWS takes one weekday, all days, Monday–Friday or Saturday+Sunday for a relative pattern, not ${days.join(', ')}`,
    { record: key, field: 'item.recurrence.days' });
}

export function recurrence(r: Recurrence, key: string): ews.Recurrence {
  const R = ews.Recurrence;
  // EWS yearly patterns have no interval: every n years is every 12·n months.
  const monthly = (r.pattern === 'absoluteYearly' || r.pattern === 'relativeYearly') && r.interval > 1;
  const interval = monthly ? 12 * r.interval : r.interval;
  let p: ews.Recurrence;
  if (r.pattern === 'daily') {
    const daily = new R.DailyPattern();
    daily.Interval = interval;
    p = daily;
  } else if (r.pattern === 'weekly') {
    const weekly = new R.WeeklyPattern();
    weekly.Interval = interval;
    weekly.DaysOfTheWeek.AddRange((r.days ?? []).map((d) => EWS_DAY[d]));
    // EWS counts weeks from Sunday unless told; büro+ and ISO 8601 from Monday.
    weekly.FirstDayOfWeek = DAY_OF_WEEK[r.firstDayOfWeek ?? 'monday'] as typeof weekly.FirstDayOfWeek;
    p = weekly;
  } else if (r.pattern === 'absoluteMonthly' || (r.pattern === 'absoluteYearly' && monthly)) {
    const m = new R.MonthlyPattern();
    m.Interval = interval;
    m.DayOfMonth = r.dayOfMonth!;
    p = m;
  } else if (r.pattern === 'relativeMonthly' || (r.pattern === 'relativeYearly' && monthly)) {
    const m = new R.RelativeMonthlyPattern();
    m.Interval = interval;
    m.DayOfTheWeek = dayGroup(r.days ?? [], key);
    m.DayOfTheWeekIndex = INDEX[r.index!];
    p = m;
  } else if (r.pattern === 'absoluteYearly') {
    const y = new R.YearlyPattern();
    y.Month = r.month! as ews.Month;
    y.DayOfMonth = r.dayOfMonth!;
    p = y;
  } else {
    const y = new R.RelativeYearlyPattern();
    y.Month = r.month! as ews.Month;
    y.DayOfTheWeek = dayGroup(r.days ?? [], key);
    y.DayOfTheWeekIndex = INDEX[r.index!];
    p = y;
  }
  p.StartDate = calendarDate(r.startDate);
  if (r.until) p.EndDate = calendarDate(r.until);
  else if (r.count) p.NumberOfOccurrences = r.count;
  else p.NeverEnds();
  return p;
}

function task(service: ews.ExchangeService, key: string, t: Task, want: Want, isNew: boolean): ews.Task {
  const out = new ews.Task(service);
  zone(t.timeZone, key);
  // A task's dates are days in the user's zone; Exchange keeps them as that day's midnight.
  const day = (date: string) => new ews.DateTime(startOfDay(date, t.timeZone).getTime());
  if (isNew) out.SetExtendedProperty(keyPropertyDefinition, xmlText(key));
  if (want('subject')) out.Subject = xmlText(t.subject);
  if (want('body') && (t.body || !isNew)) out.Body = body(t.body);
  if (want('startDate')) {
    if (t.startDate) out.StartDate = day(t.startDate);
    else if (!isNew) out.StartDate = null as unknown as ews.DateTime;
  }
  if (want('dueDate')) {
    if (t.dueDate) out.DueDate = day(t.dueDate);
    else if (!isNew) out.DueDate = null as unknown as ews.DateTime;
  }
  if (want('complete') || want('percentComplete')) {
    // Exchange ties them: Completed ⇔ 100 %.
    const percent = t.complete ? 100 : Math.min(99, t.percentComplete ?? 0);
    out.Status = t.complete ? ews.TaskStatus.Completed : percent > 0 ? ews.TaskStatus.InProgress : ews.TaskStatus.NotStarted;
    out.PercentComplete = percent;
  }
  if (want('importance') && (t.importance || !isNew)) out.Importance = IMPORTANCE[t.importance ?? 'normal'];
  if (want('reminder')) {
    out.IsReminderSet = !!t.reminder;
    if (t.reminder) out.ReminderDueBy = instant(t.reminder);
  }
  if (want('categories') && (t.categories || !isNew)) out.Categories = categories(t.categories);
  return out;
}

const EMAIL_KEYS = [ews.EmailAddressKey.EmailAddress1, ews.EmailAddressKey.EmailAddress2, ews.EmailAddressKey.EmailAddress3];
const PHONES: [keyof Contact, ews.PhoneNumberKey][] = [
  ['businessPhone', ews.PhoneNumberKey.BusinessPhone],
  ['mobilePhone', ews.PhoneNumberKey.MobilePhone],
  ['homePhone', ews.PhoneNumberKey.HomePhone],
  ['businessFax', ews.PhoneNumberKey.BusinessFax],
];

function contact(service: ews.ExchangeService, key: string, c: Contact, want: Want, isNew: boolean): ews.Contact {
  const out = new ews.Contact(service);
  if (isNew) out.SetExtendedProperty(keyPropertyDefinition, xmlText(key));
  const text = (field: keyof Contact, set: (v: string | null) => void) => {
    if (!want(field)) return;
    const v = c[field] as string | undefined;
    if (v !== undefined && v !== '') set(xmlText(v));
    else if (!isNew) set(null);
  };
  text('givenName', (v) => (out.GivenName = v as string));
  text('surname', (v) => (out.Surname = v as string));
  if (want('displayName')) {
    out.DisplayName = xmlText(c.displayName);
    // Outlook files and sorts contacts by FileAs.
    out.FileAs = xmlText(c.displayName);
  }
  text('companyName', (v) => (out.CompanyName = v as string));
  text('department', (v) => (out.Department = v as string));
  text('jobTitle', (v) => (out.JobTitle = v as string));
  if (want('title') && (c.title || !isNew)) out.SetExtendedProperty(titlePropertyDefinition, xmlText(c.title ?? ''));
  if (want('emailAddresses')) {
    const mails = c.emailAddresses ?? [];
    EMAIL_KEYS.forEach((slot, i) => {
      if (mails[i]) {
        out.EmailAddresses._setItem(slot, new ews.EmailAddress(xmlText(mails[i].trim())));
      } else if (!isNew) {
        // Mark the slot for deletion: the dictionary deletes only entries it holds.
        out.EmailAddresses._setItem(slot, new ews.EmailAddress('x@x.invalid'));
        out.EmailAddresses._setItem(slot, null as unknown as ews.EmailAddress);
      }
    });
  }
  for (const [field, slot] of PHONES) {
    if (!want(field)) continue;
    const v = c[field] as string | undefined;
    if (v) out.PhoneNumbers._setItem(slot, xmlText(v));
    else if (!isNew) {
      out.PhoneNumbers._setItem(slot, '0');
      out.PhoneNumbers._setItem(slot, null as unknown as string);
    }
  }
  if (want('businessAddress')) {
    const a = c.businessAddress;
    const entry = new ews.PhysicalAddressEntry();
    if (a) {
      // All five parts, '' for a missing one, so an update leaves no stale part behind.
      entry.Street = xmlText(a.street ?? '');
      entry.City = xmlText(a.city ?? '');
      entry.State = xmlText(a.state ?? '');
      entry.PostalCode = xmlText(a.postalCode ?? '');
      entry.CountryOrRegion = xmlText(a.countryOrRegion ?? '');
      out.PhysicalAddresses._setItem(ews.PhysicalAddressKey.Business, entry);
    } else if (!isNew) {
      entry.Street = '';
      out.PhysicalAddresses._setItem(ews.PhysicalAddressKey.Business, entry);
      out.PhysicalAddresses._setItem(ews.PhysicalAddressKey.Business, null as unknown as ews.PhysicalAddressEntry);
    }
  }
  if (want('notes') && (c.notes || !isNew)) out.Body = body(c.notes);
  if (want('categories') && (c.categories || !isNew)) out.Categories = categories(c.categories);
  return out;
}

/**
 * Makes a freshly built item an existing one (for UpdateItem) without a GetItem round trip:
 * the id and ChangeKey from the id map go straight into its property bag. ews-javascript-api
 * offers no public way; its own Bind does the same after reading the item.
 */
export function attachId(item: ews.Item, itemId: string, changeKey?: string): void {
  const bag = (item as unknown as { PropertyBag: { Properties: { set(k: unknown, v: unknown): void } } }).PropertyBag;
  const id = new ews.ItemId(itemId);
  if (changeKey) id.ChangeKey = changeKey;
  bag.Properties.set(ews.ItemSchema.Id, id);
}
