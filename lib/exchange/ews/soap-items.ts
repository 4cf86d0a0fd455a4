import * as ews from 'ews-javascript-api';
import { ExchangeCode } from '../../error-codes';
import { ExchangeError } from '../errors';
import { KEY_PROPERTY } from '../key';
import type { Appointment, Body, Contact, ItemKind, Recurrence, Task, Weekday } from '../model';
import { startOfDay } from '../../time';
import { xmlText } from './escape';

/**
 * Neutral items → EWS item properties as SOAP text (types.xsd). One list of properties serves
 * a create (every field, in the schema's order: soap-requests.ts sorts them) and an update
 * (only the named fields, each a SetItemField, a field the item no longer has a DeleteItemField).
 * Every free text goes through xmlText.
 */

/** One property of an item: how an update names it, and its value as the item element holds it (none: clear it). */
export interface Prop {
  /** The element's name in the item, which fixes its place in the schema's sequence. */
  name: string;
  /** FieldURI, IndexedFieldURI or ExtendedFieldURI element. */
  uri: string;
  /** The element (a dictionary's Entry, an address's part); undefined clears the field. */
  value?: string;
  /** A physical address part: the Entry key the part belongs to. */
  entry?: string;
}

export const ITEM_ELEMENT: Record<ItemKind, string> = { appointment: 'CalendarItem', task: 'Task', contact: 'Contact' };

const ITEM_ORDER = ['Subject', 'Sensitivity', 'Body', 'Categories', 'Importance', 'ReminderDueBy', 'ReminderIsSet', 'ReminderMinutesBeforeStart', 'ExtendedProperty'];
/** The schema's sequence (ItemType, then the kind's own type) for the elements the writer sets. */
export const SCHEMA_ORDER: Record<ItemKind, string[]> = {
  appointment: [...ITEM_ORDER, 'Start', 'End', 'IsAllDayEvent', 'LegacyFreeBusyStatus', 'Location', 'Recurrence', 'StartTimeZone', 'EndTimeZone'],
  task: [...ITEM_ORDER, 'DueDate', 'PercentComplete', 'StartDate', 'Status'],
  contact: [...ITEM_ORDER, 'FileAs', 'DisplayName', 'GivenName', 'CompanyName', 'EmailAddresses', 'PhysicalAddresses', 'PhoneNumbers',
    'Department', 'JobTitle', 'Surname'],
};

const el = (name: string, content: string, attrs = '') => `<t:${name}${attrs}>${content}</t:${name}>`;
const fieldUri = (uri: string) => `<t:FieldURI FieldURI="${uri}"/>`;

/** A plain property: `<t:Name>content</t:Name>` named by FieldURI `uri`; content undefined clears it. */
function plain(name: string, uri: string, content: string | undefined, attrs = ''): Prop {
  return { name, uri: fieldUri(uri), value: content === undefined ? undefined : el(name, content, attrs) };
}

/** The writer key's extended property: PS_PUBLIC_STRINGS, name BueroSyncKey, String. */
const KEY_URI = `<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="${KEY_PROPERTY.name}" PropertyType="String"/>`;
/** PidTagDisplayNamePrefix (0x3A45 = 14917): the contact's title ("Frau", "Dr."); EWS has no element for it. */
const TITLE_URI = '<t:ExtendedFieldURI PropertyTag="14917" PropertyType="String"/>';

function extended(uri: string, value: string | undefined): Prop {
  return { name: 'ExtendedProperty', uri, value: value === undefined ? undefined : `<t:ExtendedProperty>${uri}<t:Value>${xmlText(value)}</t:Value></t:ExtendedProperty>` };
}

const keyProp = (key: string) => extended(KEY_URI, key);

/** The writer key's property as the item element holds it. */
export const keyPropXml = (key: string): string => keyProp(key).value!;

/** Whether a property is the writer key's. */
export const isKeyProp = (p: Prop): boolean => p.uri === KEY_URI;

/** An exact instant, in UTC. */
const instant = (iso: string) => new Date(Date.parse(iso)).toISOString();

function body(b: Body | undefined): string {
  return el('Body', b ? xmlText(b.content) : '', ` BodyType="${b?.format === 'html' ? 'HTML' : 'Text'}"`);
}

const bodyProp = (b: Body | undefined) => ({ name: 'Body', uri: fieldUri('item:Body'), value: body(b) });
const categoriesProp = (list: string[] | undefined) => plain('Categories', 'item:Categories', (list ?? []).map((c) => el('String', xmlText(c))).join(''));

/** The Windows zone Exchange knows for an IANA zone: ` Name="…" Id="…"` (ews-javascript-api's table). */
const zoneAttrs = new Map<string, string>();
export function windowsZone(iana: string, key: string, field = 'item.timeZone'): string {
  let attrs = zoneAttrs.get(iana);
  if (attrs === undefined) {
    try {
      const tz = ews.TimeZoneInfo.FindSystemTimeZoneById(iana);
      // The library's table holds some names escaped already ("US &amp; Canada").
      attrs = ` Name="${xmlText(tz.DisplayName.replace(/&amp;/g, '&'))}" Id="${xmlText(tz.Id)}"`;
    } catch {
      throw new ExchangeError(ExchangeCode.itemRejected, `${key}: ${field} "${iana}" has no Windows time zone that Exchange knows`, { record: key, field });
    }
    zoneAttrs.set(iana, attrs);
  }
  return attrs;
}

type Want = (field: string) => boolean;

/** The properties of an item: every field for a create (`fields` undefined), else only the named ones. */
export function itemProps(kind: ItemKind, key: string, item: object, fields?: string[]): Prop[] {
  const want: Want = fields ? (f) => fields.includes(f) : () => true;
  switch (kind) {
    case 'appointment':
      return appointment(key, item as Appointment, want, !fields);
    case 'task':
      return task(key, item as Task, want, !fields);
    case 'contact':
      return contact(key, item as Contact, want, !fields);
  }
}

const FREE_BUSY: Record<NonNullable<Appointment['freeBusy']>, string> = {
  free: 'Free', tentative: 'Tentative', busy: 'Busy', oof: 'OOF', workingElsewhere: 'WorkingElsewhere',
};
const SENSITIVITY: Record<NonNullable<Appointment['sensitivity']>, string> = {
  normal: 'Normal', personal: 'Personal', private: 'Private', confidential: 'Confidential',
};
const IMPORTANCE: Record<NonNullable<Task['importance']>, string> = { low: 'Low', normal: 'Normal', high: 'High' };

function appointment(key: string, a: Appointment, want: Want, isNew: boolean): Prop[] {
  const out: Prop[] = [];
  const tz = windowsZone(a.timeZone, key);
  if (isNew) out.push(keyProp(key));
  if (want('subject')) out.push(plain('Subject', 'item:Subject', xmlText(a.subject)));
  if (want('body') && (a.body || !isNew)) out.push(bodyProp(a.body));
  if (want('start')) out.push(plain('Start', 'calendar:Start', instant(a.start)));
  if (want('end')) out.push(plain('End', 'calendar:End', instant(a.end)));
  // Start and end are written with the item's zone (a zone change writes both: withCoupledFields).
  if (want('start') || want('timeZone')) out.push(plain('StartTimeZone', 'calendar:StartTimeZone', '', tz));
  if (want('end') || want('timeZone')) out.push(plain('EndTimeZone', 'calendar:EndTimeZone', '', tz));
  if (want('isAllDay')) out.push(plain('IsAllDayEvent', 'calendar:IsAllDayEvent', String(a.isAllDay)));
  if (want('location') && (a.location !== undefined || !isNew)) {
    out.push(plain('Location', 'calendar:Location', a.location === undefined ? undefined : xmlText(a.location)));
  }
  if (want('reminderMinutes')) {
    out.push(plain('ReminderIsSet', 'item:ReminderIsSet', String(a.reminderMinutes !== null)));
    if (a.reminderMinutes !== null) out.push(plain('ReminderMinutesBeforeStart', 'item:ReminderMinutesBeforeStart', String(a.reminderMinutes)));
  }
  if (want('categories') && (a.categories || !isNew)) out.push(categoriesProp(a.categories));
  if (want('freeBusy') && (a.freeBusy || !isNew)) out.push(plain('LegacyFreeBusyStatus', 'calendar:LegacyFreeBusyStatus', FREE_BUSY[a.freeBusy ?? 'busy']));
  if (want('sensitivity') && (a.sensitivity || !isNew)) out.push(plain('Sensitivity', 'item:Sensitivity', SENSITIVITY[a.sensitivity ?? 'normal']));
  if (want('recurrence') && (a.recurrence || !isNew)) {
    out.push(plain('Recurrence', 'calendar:Recurrence', a.recurrence ? recurrence(a.recurrence, key) : undefined));
  }
  return out;
}

const DAY_NAME: Record<Weekday, string> = {
  sunday: 'Sunday', monday: 'Monday', tuesday: 'Tuesday', wednesday: 'Wednesday', thursday: 'Thursday', friday: 'Friday', saturday: 'Saturday',
};
const INDEX_NAME: Record<NonNullable<Recurrence['index']>, string> = { first: 'First', second: 'Second', third: 'Third', fourth: 'Fourth', last: 'Last' };
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A relative pattern's day: one weekday, Day, Weekday or WeekendDay (EWS's DayOfWeekType). */
function dayGroup(days: Weekday[], key: string): string {
  const set = new Set(days);
  if (set.size === 1) return DAY_NAME[days[0]];
  if (set.size === 7) return 'Day';
  const weekdays: Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
  if (set.size === 5 && weekdays.every((d) => set.has(d))) return 'Weekday';
  if (set.size === 2 && set.has('saturday') && set.has('sunday')) return 'WeekendDay';
  throw new ExchangeError(ExchangeCode.itemRejected,
    `${key}: item.recurrence.days: EWS takes one weekday, all days, Monday–Friday or Saturday+Sunday for a relative pattern, not ${days.join(', ')}`,
    { record: key, field: 'item.recurrence.days' });
}

function month(r: Recurrence): string {
  return el('Month', MONTHS[(r.month ?? 1) - 1]);
}

/** A calendar date for a recurrence (Exchange reads it in the item's zone; written as ews-javascript-api did). */
const calendarDate = (date: string) => `${date}+00:00`;

/** The content of `<t:Recurrence>`: the pattern, then the range. */
export function recurrence(r: Recurrence, key: string): string {
  // EWS yearly patterns have no interval: every n years is every 12·n months.
  const monthly = (r.pattern === 'absoluteYearly' || r.pattern === 'relativeYearly') && r.interval > 1;
  const interval = el('Interval', String(monthly ? 12 * r.interval : r.interval));
  let pattern: string;
  if (r.pattern === 'daily') {
    pattern = el('DailyRecurrence', interval);
  } else if (r.pattern === 'weekly') {
    // EWS counts weeks from Sunday unless told; büro+ and ISO 8601 from Monday.
    pattern = el('WeeklyRecurrence', interval + el('DaysOfWeek', (r.days ?? []).map((d) => DAY_NAME[d]).join(' '))
      + el('FirstDayOfWeek', DAY_NAME[r.firstDayOfWeek ?? 'monday']));
  } else if (r.pattern === 'absoluteMonthly' || (r.pattern === 'absoluteYearly' && monthly)) {
    pattern = el('AbsoluteMonthlyRecurrence', interval + el('DayOfMonth', String(r.dayOfMonth)));
  } else if (r.pattern === 'relativeMonthly' || (r.pattern === 'relativeYearly' && monthly)) {
    pattern = el('RelativeMonthlyRecurrence', interval + el('DaysOfWeek', dayGroup(r.days ?? [], key)) + el('DayOfWeekIndex', INDEX_NAME[r.index!]));
  } else if (r.pattern === 'absoluteYearly') {
    pattern = el('AbsoluteYearlyRecurrence', el('DayOfMonth', String(r.dayOfMonth)) + month(r));
  } else {
    pattern = el('RelativeYearlyRecurrence', el('DaysOfWeek', dayGroup(r.days ?? [], key)) + el('DayOfWeekIndex', INDEX_NAME[r.index!]) + month(r));
  }
  const start = el('StartDate', calendarDate(r.startDate));
  const range = r.until ? el('EndDateRecurrence', start + el('EndDate', calendarDate(r.until)))
    : r.count ? el('NumberedRecurrence', start + el('NumberOfOccurrences', String(r.count)))
      : el('NoEndRecurrence', start);
  return pattern + range;
}

function task(key: string, t: Task, want: Want, isNew: boolean): Prop[] {
  const out: Prop[] = [];
  windowsZone(t.timeZone, key);
  // A task's dates are days in the user's zone; Exchange keeps them as that day's midnight.
  const day = (date: string | undefined) => (date ? startOfDay(date, t.timeZone).toISOString() : undefined);
  if (isNew) out.push(keyProp(key));
  if (want('subject')) out.push(plain('Subject', 'item:Subject', xmlText(t.subject)));
  if (want('body') && (t.body || !isNew)) out.push(bodyProp(t.body));
  if (want('startDate') && (t.startDate || !isNew)) out.push(plain('StartDate', 'task:StartDate', day(t.startDate)));
  if (want('dueDate') && (t.dueDate || !isNew)) out.push(plain('DueDate', 'task:DueDate', day(t.dueDate)));
  if (want('complete') || want('percentComplete')) {
    // Exchange ties them: Completed ⇔ 100 %.
    const percent = t.complete ? 100 : Math.min(99, t.percentComplete ?? 0);
    out.push(plain('Status', 'task:Status', t.complete ? 'Completed' : percent > 0 ? 'InProgress' : 'NotStarted'));
    out.push(plain('PercentComplete', 'task:PercentComplete', String(percent)));
  }
  if (want('importance') && (t.importance || !isNew)) out.push(plain('Importance', 'item:Importance', IMPORTANCE[t.importance ?? 'normal']));
  if (want('reminder')) {
    out.push(plain('ReminderIsSet', 'item:ReminderIsSet', String(!!t.reminder)));
    if (t.reminder) out.push(plain('ReminderDueBy', 'item:ReminderDueBy', instant(t.reminder)));
  }
  if (want('categories') && (t.categories || !isNew)) out.push(categoriesProp(t.categories));
  return out;
}

const CONTACT_TEXT: [keyof Contact, string][] = [
  ['givenName', 'GivenName'], ['surname', 'Surname'], ['companyName', 'CompanyName'], ['department', 'Department'], ['jobTitle', 'JobTitle'],
];
const PHONES: [keyof Contact, string][] = [
  ['businessPhone', 'BusinessPhone'], ['mobilePhone', 'MobilePhone'], ['homePhone', 'HomePhone'], ['businessFax', 'BusinessFax'],
];
const ADDRESS_PARTS: [keyof NonNullable<Contact['businessAddress']>, string][] = [
  ['street', 'Street'], ['city', 'City'], ['state', 'State'], ['countryOrRegion', 'CountryOrRegion'], ['postalCode', 'PostalCode'],
];

const indexed = (uri: string, index: string) => `<t:IndexedFieldURI FieldURI="${uri}" FieldIndex="${index}"/>`;

function contact(key: string, c: Contact, want: Want, isNew: boolean): Prop[] {
  const out: Prop[] = [];
  if (isNew) out.push(keyProp(key));
  for (const [field, name] of CONTACT_TEXT) {
    if (!want(field)) continue;
    const v = c[field] as string | undefined;
    if (v !== undefined && v !== '') out.push(plain(name, `contacts:${name}`, xmlText(v)));
    else if (!isNew) out.push(plain(name, `contacts:${name}`, undefined));
  }
  if (want('displayName')) {
    out.push(plain('DisplayName', 'contacts:DisplayName', xmlText(c.displayName)));
    // Outlook files and sorts contacts by FileAs.
    out.push(plain('FileAs', 'contacts:FileAs', xmlText(c.displayName)));
  }
  if (want('title') && (c.title || !isNew)) out.push(extended(TITLE_URI, c.title || undefined));
  if (want('emailAddresses')) {
    const mails = c.emailAddresses ?? [];
    for (let i = 0; i < 3; i++) {
      const slot = `EmailAddress${i + 1}`;
      const uri = indexed('contacts:EmailAddress', slot);
      if (mails[i]) out.push({ name: 'EmailAddresses', uri, value: el('Entry', xmlText(mails[i].trim()), ` Key="${slot}"`) });
      else if (!isNew) out.push({ name: 'EmailAddresses', uri });
    }
  }
  for (const [field, slot] of PHONES) {
    if (!want(field)) continue;
    const v = c[field] as string | undefined;
    const uri = indexed('contacts:PhoneNumber', slot);
    if (v) out.push({ name: 'PhoneNumbers', uri, value: el('Entry', xmlText(v), ` Key="${slot}"`) });
    else if (!isNew) out.push({ name: 'PhoneNumbers', uri });
  }
  if (want('businessAddress') && (c.businessAddress || !isNew)) {
    const a = c.businessAddress;
    for (const [part, name] of ADDRESS_PARTS) {
      // All five parts, '' for a missing one, so an update leaves no stale part behind.
      const uri = indexed(`contacts:PhysicalAddress:${name}`, 'Business');
      out.push({ name: 'PhysicalAddresses', uri, entry: 'Business', value: a ? el(name, xmlText(a[part] ?? '')) : undefined });
    }
  }
  if (want('notes') && (c.notes || !isNew)) out.push(bodyProp(c.notes));
  if (want('categories') && (c.categories || !isNew)) out.push(categoriesProp(c.categories));
  return out;
}
