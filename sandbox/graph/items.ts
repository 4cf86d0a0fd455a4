/**
 * Items between the wire and the store: Graph JSON (event, contact, To Do task) read into the
 * shared MailboxStore's EWS-shaped fields and written back in the shape a request asks for
 * ($select, $expand), so an item written through one simulator is read back through the other
 * exactly as Exchange Online shows one mailbox item through both APIs; and the ids Graph gives
 * those items. Sources: Microsoft Graph v1.0 reference (event, contact, todoTask,
 * patternedRecurrence, dateTimeTimeZone, "Use query parameters") and the EWS element names the
 * store uses.
 */
import type { ItemKind, MailboxStore, StoredExtendedProperty, StoredItem } from '../store';
import { formatUtc, ianaZone, parseEwsDate, parseEwsDateTime, wallClock, zonedToInstant } from '../ews/timezones';
import { GraphInputError, type Json } from './odata';

type Fields = Record<string, unknown>;

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const textOf = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as Json)._ === 'string' ? ((v as Json)._ as string) : undefined;

/** IANA → Windows ids for the zones the sandbox uses (CLDR windowsZones.xml); others stay IANA (Exchange Online accepts both). */
const IANA_TO_WINDOWS: Record<string, string> = {
  'Europe/Berlin': 'W. Europe Standard Time', 'Europe/Vienna': 'W. Europe Standard Time', 'Europe/Zurich': 'W. Europe Standard Time',
  'Europe/London': 'GMT Standard Time', 'Europe/Paris': 'Romance Standard Time', 'Europe/Warsaw': 'Central European Standard Time',
  'America/New_York': 'Eastern Standard Time', 'America/Chicago': 'Central Standard Time', 'America/Los_Angeles': 'Pacific Standard Time',
  'Asia/Tokyo': 'Tokyo Standard Time', 'Australia/Sydney': 'AUS Eastern Standard Time', UTC: 'UTC', 'Etc/UTC': 'UTC',
};

// ---- ids -------------------------------------------------------------------------------------

/**
 * Store (EWS) ids are base64; Graph ids spell the same bytes URL-safe (`/` → `-`, `+` → `_`,
 * the padding kept), as Exchange Online does. Strict on purpose: an id in the EWS spelling is
 * not found here.
 */
export const toGraphId = (storeId: string) => storeId.replace(/\//g, '-').replace(/\+/g, '_');
export const toStoreId = (graphId: string) => (/[/+]/.test(graphId) ? '' : graphId.replace(/-/g, '/').replace(/_/g, '+'));

// ---- dateTimeTimeZone ------------------------------------------------------------------------

/** Reads a dateTimeTimeZone (wall clock + IANA or Windows zone) into an instant and its zone. */
export function readDateTimeTimeZone(v: unknown, field: string): { instant: number; zone: string } {
  const o = v as { dateTime?: unknown; timeZone?: unknown } | undefined;
  const zone = ianaZone(typeof o?.timeZone === 'string' ? o.timeZone : 'UTC');
  const m = typeof o?.dateTime === 'string' ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(o.dateTime) : null;
  if (!m || !zone) throw new GraphInputError(400, 'ErrorInvalidRequest', `${field}: a dateTimeTimeZone with dateTime and a known timeZone is required.`);
  return { instant: zonedToInstant(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), zone), zone };
}

/** An instant as Graph returns it without a Prefer: outlook.timezone header: wall clock in UTC. */
export function utcDateTime(instant: number): { dateTime: string; timeZone: string } {
  return { dateTime: new Date(Math.floor(instant / 1000) * 1000).toISOString().replace('Z', '').replace('.000', '.0000000'), timeZone: 'UTC' };
}

/** A stored StartTimeZone/EndTimeZone for an IANA zone (Windows id where known, as Exchange keeps it). */
export function zoneField(zone: string): Json {
  return { $: { Id: IANA_TO_WINDOWS[zone] ?? zone } };
}

// ---- extended properties -----------------------------------------------------------------------

/** `String {GUID} Name X` or `String 0x3A45` (Graph's id of a MAPI property). */
export function parsePropertyId(id: string): { type: string; guid?: string; name?: string; tag?: string } | undefined {
  let m = /^(\w+)\s+\{([0-9a-fA-F-]{36})\}\s+Name\s+(.+)$/.exec(id.trim());
  if (m) return { type: m[1]!, guid: m[2]!.toUpperCase(), name: m[3]! };
  m = /^(\w+)\s+(0x[0-9a-fA-F]{1,4})$/.exec(id.trim());
  if (m) return { type: m[1]!, tag: m[2]! };
  return undefined;
}

const tagNumber = (tag: string) => parseInt(tag, 16) & 0xffff;

export function matchesProperty(p: StoredExtendedProperty, id: string): boolean {
  const want = parsePropertyId(id);
  if (!want) return false;
  if (want.tag !== undefined) return p.tag !== undefined && tagNumber(p.tag) === tagNumber(want.tag);
  return (p.propertySetId ?? '').toUpperCase() === want.guid && p.name === want.name;
}

function toStoredProperty(id: string, value: string): StoredExtendedProperty {
  const p = parsePropertyId(id);
  if (!p) throw new GraphInputError(400, 'ErrorInvalidProperty', `The extended property id '${id}' is not valid.`);
  return p.tag !== undefined
    ? { tag: p.tag, type: p.type, value }
    : { propertySetId: p.guid, name: p.name, type: p.type, value };
}

/** Graph's id for a stored property. */
export function propertyIdOf(p: StoredExtendedProperty): string {
  if (p.tag !== undefined) return `${p.type} 0x${tagNumber(p.tag).toString(16)}`;
  return `${p.type} {${(p.propertySetId ?? '').toLowerCase()}} Name ${p.name}`;
}

function applyExtendedProperties(item: { extendedProperties: StoredExtendedProperty[] }, list: unknown): void {
  for (const e of asArray(list as Json[])) {
    const stored = toStoredProperty(String(e.id ?? ''), String(e.value ?? ''));
    const i = item.extendedProperties.findIndex((x) => matchesProperty(x, String(e.id)));
    if (i >= 0) item.extendedProperties[i] = stored;
    else item.extendedProperties.push(stored);
  }
}

// ---- shared pieces -----------------------------------------------------------------------------

function bodyIn(v: unknown): Json {
  const b = v as { contentType?: string; content?: string };
  const html = String(b?.contentType ?? 'text').toLowerCase() === 'html';
  return { $: { BodyType: html ? 'HTML' : 'Text' }, _: String(b?.content ?? '') };
}

function bodyOut(v: unknown): Json {
  const b = v as { $?: { BodyType?: string }; _?: string } | undefined;
  return { contentType: b?.$?.BodyType === 'Text' ? 'text' : 'html', content: b?._ ?? '' };
}

function categoriesOut(v: unknown): string[] {
  return asArray((v as { String?: string | string[] } | undefined)?.String);
}

const set = (fields: Fields, name: string, value: unknown) => {
  if (value === undefined || value === null || value === '') delete fields[name];
  else fields[name] = value;
};

// ---- events ------------------------------------------------------------------------------------

const SHOW_AS: Record<string, string> = { free: 'Free', tentative: 'Tentative', busy: 'Busy', oof: 'OOF', workingElsewhere: 'WorkingElsewhere' };
const SENSITIVITY: Record<string, string> = { normal: 'Normal', personal: 'Personal', private: 'Private', confidential: 'Confidential' };
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const invert = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [v, k]));

/** Applies an event JSON (create or PATCH) to an item's fields. */
export function applyEvent(item: { fields: Fields; extendedProperties: StoredExtendedProperty[] }, json: Json): void {
  const f = item.fields;
  for (const [name, value] of Object.entries(json)) {
    switch (name) {
      case 'subject': set(f, 'Subject', String(value ?? '')); break;
      case 'body': f.Body = bodyIn(value); break;
      case 'start':
      case 'end': {
        const { instant, zone } = readDateTimeTimeZone(value, name);
        f[name === 'start' ? 'Start' : 'End'] = formatUtc(instant);
        f[name === 'start' ? 'StartTimeZone' : 'EndTimeZone'] = zoneField(zone);
        break;
      }
      case 'isAllDay': f.IsAllDayEvent = value ? 'true' : 'false'; break;
      case 'location': set(f, 'Location', (value as { displayName?: string } | null)?.displayName); break;
      case 'isReminderOn': f.ReminderIsSet = value ? 'true' : 'false'; break;
      case 'reminderMinutesBeforeStart': f.ReminderMinutesBeforeStart = String(value); break;
      case 'categories': if (asArray(value as string[]).length) f.Categories = { String: asArray(value as string[]) }; else delete f.Categories; break;
      case 'showAs': f.LegacyFreeBusyStatus = SHOW_AS[String(value)] ?? 'Busy'; break;
      case 'sensitivity': f.Sensitivity = SENSITIVITY[String(value)] ?? 'Normal'; break;
      case 'recurrence':
        if (value) f.Recurrence = recurrenceIn(value as Json);
        else delete f.Recurrence;
        // A new pattern drops the deleted and moved occurrences (as in Outlook).
        delete f.DeletedOccurrences;
        delete f.ModifiedOccurrences;
        break;
      case 'singleValueExtendedProperties': applyExtendedProperties(item, value); break;
      default:
        // Properties the sandbox does not model are accepted and ignored, as Graph ignores
        // read-only ones it knows; unknown names would be a 400 there.
    }
  }
  if (json.isAllDay === undefined && f.IsAllDayEvent === undefined) f.IsAllDayEvent = 'false';
}

const GRAPH_DAY = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function recurrenceIn(r: Json): Json {
  const p = (r.pattern ?? {}) as Json;
  const range = (r.range ?? {}) as Json;
  const interval = Math.max(1, Number(p.interval ?? 1));
  const days = asArray(p.daysOfWeek as string[]).map((d) => cap(String(d))).join(' ');
  const index = p.index ? cap(String(p.index)) : 'First';
  const type = String(p.type ?? '');
  let pattern: [string, Json];
  const yearlyAsMonthly = (type === 'absoluteYearly' || type === 'relativeYearly') && interval > 1;
  if (type === 'daily') pattern = ['DailyRecurrence', { Interval: String(interval) }];
  else if (type === 'weekly') pattern = ['WeeklyRecurrence', { Interval: String(interval), DaysOfWeek: days, FirstDayOfWeek: cap(String(p.firstDayOfWeek ?? 'sunday')) }];
  else if (type === 'absoluteMonthly' || (type === 'absoluteYearly' && yearlyAsMonthly)) {
    pattern = ['AbsoluteMonthlyRecurrence', { Interval: String(yearlyAsMonthly ? 12 * interval : interval), DayOfMonth: String(p.dayOfMonth) }];
  } else if (type === 'relativeMonthly' || (type === 'relativeYearly' && yearlyAsMonthly)) {
    pattern = ['RelativeMonthlyRecurrence', { Interval: String(yearlyAsMonthly ? 12 * interval : interval), DaysOfWeek: days, DayOfWeekIndex: index }];
  } else if (type === 'absoluteYearly') pattern = ['AbsoluteYearlyRecurrence', { DayOfMonth: String(p.dayOfMonth), Month: MONTHS[Number(p.month) - 1] }];
  else if (type === 'relativeYearly') pattern = ['RelativeYearlyRecurrence', { DaysOfWeek: days, DayOfWeekIndex: index, Month: MONTHS[Number(p.month) - 1] }];
  else throw new GraphInputError(400, 'ErrorInvalidRequest', `recurrence.pattern.type '${type}' is not valid.`);
  const start = String(range.startDate ?? '');
  if (!parseEwsDate(start)) throw new GraphInputError(400, 'ErrorInvalidRequest', 'recurrence.range.startDate is required.');
  let rangeField: [string, Json];
  if (range.type === 'endDate') rangeField = ['EndDateRecurrence', { StartDate: start, EndDate: String(range.endDate) }];
  else if (range.type === 'numbered') rangeField = ['NumberedRecurrence', { StartDate: start, NumberOfOccurrences: String(range.numberOfOccurrences) }];
  else rangeField = ['NoEndRecurrence', { StartDate: start }];
  return { [pattern[0]]: pattern[1], [rangeField[0]]: rangeField[1] };
}

function recurrenceOut(v: unknown, zone: string): Json | null {
  if (!v || typeof v !== 'object') return null;
  const rec = v as Json;
  const pk = Object.keys(rec).find((k) => k.endsWith('Recurrence') && !/^(NoEnd|EndDate|Numbered)Recurrence$/.test(k));
  const rk = Object.keys(rec).find((k) => /^(NoEnd|EndDate|Numbered)Recurrence$/.test(k));
  if (!pk || !rk) return null;
  const p = rec[pk] as Json;
  const r = rec[rk] as Json;
  const type = pk.replace(/Recurrence$/, '');
  const t = (x: unknown) => textOf(x) ?? '';
  const days = t(p.DaysOfWeek).split(/\s+/).filter(Boolean).map((d) => d.toLowerCase());
  const pattern: Json = {
    type: type.charAt(0).toLowerCase() + type.slice(1),
    interval: Number(t(p.Interval) || 1),
    month: p.Month ? MONTHS.indexOf(t(p.Month)) + 1 : 0,
    dayOfMonth: Number(t(p.DayOfMonth) || 0),
    daysOfWeek: days.filter((d) => GRAPH_DAY.includes(d)),
    firstDayOfWeek: (t(p.FirstDayOfWeek) || 'Sunday').toLowerCase(),
    index: (t(p.DayOfWeekIndex) || 'First').toLowerCase(),
  };
  const range: Json = {
    type: rk === 'EndDateRecurrence' ? 'endDate' : rk === 'NumberedRecurrence' ? 'numbered' : 'noEnd',
    startDate: t(r.StartDate).slice(0, 10),
    endDate: rk === 'EndDateRecurrence' ? t(r.EndDate).slice(0, 10) : '0001-01-01',
    recurrenceTimeZone: zone,
    numberOfOccurrences: rk === 'NumberedRecurrence' ? Number(t(r.NumberOfOccurrences)) : 0,
  };
  return { pattern, range };
}

function zoneOf(fields: Fields): string {
  const tz = fields.StartTimeZone as { $?: { Id?: string } } | undefined;
  return ianaZone(tz?.$?.Id) ?? 'UTC';
}

const RESPONSE: Record<string, string> = {
  Organizer: 'organizer', Tentative: 'tentativelyAccepted', Accept: 'accepted', Decline: 'declined', NoResponseReceived: 'notResponded', Unknown: 'none',
};

/**
 * An event as Graph shows it. `occurrence`: one occurrence of the series `item`, with its
 * original start; `moved` makes it an exception (moved in Outlook).
 */
export function eventJson(item: StoredItem, graphId: string, occurrence?: { start: number; end: number; originalStart?: number; moved?: boolean }): Json {
  const f = item.fields;
  const organizer = (f.Organizer as { Mailbox?: { Name?: string; EmailAddress?: string } } | undefined)?.Mailbox;
  const isOrganizer = textOf(f.IsOrganizer) !== 'false';
  const zone = zoneOf(f);
  const start = occurrence?.start ?? parseEwsDateTime(textOf(f.Start) ?? '') ?? item.created;
  const end = occurrence?.end ?? parseEwsDateTime(textOf(f.End) ?? '') ?? start;
  const windows = (f.StartTimeZone as { $?: { Id?: string } } | undefined)?.$?.Id ?? 'UTC';
  return {
    id: graphId,
    '@odata.etag': `W/"${item.changeKey}"`,
    createdDateTime: new Date(item.created).toISOString(),
    lastModifiedDateTime: new Date(item.modified).toISOString(),
    changeKey: item.changeKey,
    categories: categoriesOut(f.Categories),
    originalStartTimeZone: windows,
    originalEndTimeZone: (f.EndTimeZone as { $?: { Id?: string } } | undefined)?.$?.Id ?? windows,
    reminderMinutesBeforeStart: Number(textOf(f.ReminderMinutesBeforeStart) ?? 15),
    isReminderOn: (textOf(f.ReminderIsSet) ?? 'true') === 'true',
    subject: textOf(f.Subject) ?? '',
    body: bodyOut(f.Body ?? { $: { BodyType: 'HTML' }, _: '' }),
    sensitivity: (textOf(f.Sensitivity) ?? 'Normal').toLowerCase(),
    isAllDay: textOf(f.IsAllDayEvent) === 'true',
    isCancelled: false,
    isOrganizer,
    responseStatus: { response: isOrganizer ? 'organizer' : RESPONSE[textOf(f.MyResponseType) ?? ''] ?? 'none', time: '0001-01-01T00:00:00Z' },
    organizer: { emailAddress: { name: organizer?.Name ?? item.mailbox, address: organizer?.EmailAddress ?? item.mailbox } },
    showAs: invert(SHOW_AS)[textOf(f.LegacyFreeBusyStatus) ?? 'Busy'] ?? 'busy',
    type: occurrence ? (occurrence.moved ? 'exception' : 'occurrence') : f.Recurrence ? 'seriesMaster' : 'singleInstance',
    start: utcDateTime(start),
    end: utcDateTime(end),
    location: { displayName: textOf(f.Location) ?? '' },
    recurrence: occurrence ? null : recurrenceOut(f.Recurrence, zone),
    ...(occurrence ? { seriesMasterId: toGraphId(item.itemId), originalStart: new Date(occurrence.originalStart ?? occurrence.start).toISOString().replace('.000Z', 'Z') } : {}),
  };
}

// ---- contacts ----------------------------------------------------------------------------------

type Entry = Json & { $: { Key: string } };

function entries(f: Fields, name: string): Entry[] {
  return asArray((f[name] as { Entry?: Entry | Entry[] } | undefined)?.Entry).filter((e) => e && typeof e === 'object') as Entry[];
}

function setEntries(f: Fields, name: string, list: Entry[]): void {
  if (list.length) f[name] = { Entry: list.length === 1 ? list[0] : list };
  else delete f[name];
}

function setEntry(f: Fields, name: string, key: string, value: Json | undefined): void {
  const list = entries(f, name).filter((e) => e.$.Key !== key);
  if (value) list.push({ ...value, $: { Key: key } } as Entry);
  setEntries(f, name, list);
}

/** PidTagBusinessFaxNumber: Graph's contact has no fax property; the MAPI property is the same one EWS writes as BusinessFax. */
export const FAX_PROPERTY = 'String 0x3A24';
/** PidTagDisplayNamePrefix: the contact's title ("Frau"); EWS writes it as this extended property. */
const TITLE_TAG = '0x3A45';

export function applyContact(item: { fields: Fields; extendedProperties: StoredExtendedProperty[] }, json: Json): void {
  const f = item.fields;
  const plain: [string, string][] = [['givenName', 'GivenName'], ['surname', 'Surname'], ['companyName', 'CompanyName'],
    ['department', 'Department'], ['jobTitle', 'JobTitle']];
  for (const [name, value] of Object.entries(json)) {
    const p = plain.find(([g]) => g === name);
    if (p) { set(f, p[1], value as string); continue; }
    switch (name) {
      case 'displayName': set(f, 'DisplayName', value as string); break;
      case 'fileAs': set(f, 'FileAs', value as string); break;
      case 'title': {
        item.extendedProperties = item.extendedProperties.filter((x) => !(x.tag !== undefined && tagNumber(x.tag) === tagNumber(TITLE_TAG)));
        if (value) item.extendedProperties.push({ tag: TITLE_TAG, type: 'String', value: String(value) });
        break;
      }
      case 'emailAddresses': {
        const list = asArray(value as { address?: string }[]).slice(0, 3);
        setEntries(f, 'EmailAddresses', list.map((e, i) => ({ $: { Key: `EmailAddress${i + 1}` }, _: String(e.address ?? '') })));
        break;
      }
      case 'businessPhones': {
        const list = asArray(value as string[]);
        setEntry(f, 'PhoneNumbers', 'BusinessPhone', list[0] ? { _: list[0] } : undefined);
        setEntry(f, 'PhoneNumbers', 'BusinessPhone2', list[1] ? { _: list[1] } : undefined);
        break;
      }
      case 'homePhones': {
        const list = asArray(value as string[]);
        setEntry(f, 'PhoneNumbers', 'HomePhone', list[0] ? { _: list[0] } : undefined);
        break;
      }
      case 'mobilePhone': setEntry(f, 'PhoneNumbers', 'MobilePhone', value ? { _: String(value) } : undefined); break;
      case 'businessAddress': {
        const a = (value ?? {}) as Json;
        const parts: Json = {};
        for (const [g, e] of [['street', 'Street'], ['city', 'City'], ['state', 'State'], ['postalCode', 'PostalCode'], ['countryOrRegion', 'CountryOrRegion']]) {
          if (a[g!]) parts[e!] = String(a[g!]);
        }
        setEntry(f, 'PhysicalAddresses', 'Business', Object.keys(parts).length ? parts : undefined);
        break;
      }
      case 'personalNotes':
        if (value) f.Body = { $: { BodyType: 'Text' }, _: String(value) };
        else delete f.Body;
        break;
      case 'categories': if (asArray(value as string[]).length) f.Categories = { String: asArray(value as string[]) }; else delete f.Categories; break;
      case 'singleValueExtendedProperties': {
        // The fax number is a phone entry in the store (what EWS shows as PhoneNumbers/BusinessFax).
        const rest: Json[] = [];
        for (const e of asArray(value as Json[])) {
          if (String(e.id).toLowerCase() === FAX_PROPERTY.toLowerCase()) setEntry(f, 'PhoneNumbers', 'BusinessFax', e.value ? { _: String(e.value) } : undefined);
          else rest.push(e);
        }
        applyExtendedProperties(item, rest);
        break;
      }
      default:
    }
  }
}

export function contactJson(item: StoredItem, graphId: string, parentFolderId: string): Json {
  const f = item.fields;
  const phone = (key: string) => entries(f, 'PhoneNumbers').find((e) => e.$.Key === key);
  const address = entries(f, 'PhysicalAddresses').find((e) => e.$.Key === 'Business');
  const title = item.extendedProperties.find((x) => x.tag !== undefined && tagNumber(x.tag) === tagNumber(TITLE_TAG));
  return {
    id: graphId,
    '@odata.etag': `W/"${item.changeKey}"`,
    changeKey: item.changeKey,
    parentFolderId,
    createdDateTime: new Date(item.created).toISOString(),
    lastModifiedDateTime: new Date(item.modified).toISOString(),
    categories: categoriesOut(f.Categories),
    displayName: textOf(f.DisplayName) ?? '',
    fileAs: textOf(f.FileAs) ?? '',
    givenName: textOf(f.GivenName) ?? null,
    surname: textOf(f.Surname) ?? null,
    title: title?.value ?? null,
    companyName: textOf(f.CompanyName) ?? null,
    department: textOf(f.Department) ?? null,
    jobTitle: textOf(f.JobTitle) ?? null,
    mobilePhone: textOf(phone('MobilePhone')) ?? null,
    businessPhones: ['BusinessPhone', 'BusinessPhone2'].map((k) => textOf(phone(k))).filter(Boolean),
    homePhones: ['HomePhone'].map((k) => textOf(phone(k))).filter(Boolean),
    emailAddresses: entries(f, 'EmailAddresses').map((e) => ({ name: textOf(e) ?? '', address: textOf(e) ?? '' })),
    businessAddress: {
      street: textOf(address?.Street) ?? null, city: textOf(address?.City) ?? null, state: textOf(address?.State) ?? null,
      postalCode: textOf(address?.PostalCode) ?? null, countryOrRegion: textOf(address?.CountryOrRegion) ?? null,
    },
    personalNotes: textOf(f.Body) ?? '',
  };
}

/** The fax number for `$expand=singleValueExtendedProperties($filter=id eq 'String 0x3a24')`. */
export function faxOf(item: StoredItem): string | undefined {
  return textOf(entries(item.fields, 'PhoneNumbers').find((e) => e.$.Key === 'BusinessFax'));
}

// ---- To Do tasks -------------------------------------------------------------------------------

const STATUS: Record<string, string> = { notStarted: 'NotStarted', inProgress: 'InProgress', completed: 'Completed', waitingOnOthers: 'WaitingOnOthers', deferred: 'Deferred' };
/**
 * linkedResources of a To Do task: Exchange keeps them with the task item; the sandbox keeps
 * them as a private property (a set of its own), invisible to EWS clients that do not ask.
 */
const LINKED = { propertySetId: '5B6E4B8A-0C2F-4E4C-9B1D-6A7F2E3C4D5E', name: 'GraphLinkedResources' };

export function linkedResourcesOf(item: StoredItem): Json[] {
  const p = item.extendedProperties.find((x) => x.propertySetId === LINKED.propertySetId && x.name === LINKED.name);
  return p ? (JSON.parse(p.value) as Json[]) : [];
}

export function setLinkedResources(item: { extendedProperties: StoredExtendedProperty[] }, list: Json[]): void {
  item.extendedProperties = item.extendedProperties.filter((x) => !(x.propertySetId === LINKED.propertySetId && x.name === LINKED.name));
  if (list.length) item.extendedProperties.push({ ...LINKED, type: 'String', value: JSON.stringify(list) });
}

export function applyTask(item: { fields: Fields; extendedProperties: StoredExtendedProperty[] }, json: Json, now: number): void {
  const f = item.fields;
  for (const [name, value] of Object.entries(json)) {
    switch (name) {
      case 'title': set(f, 'Subject', value as string); break;
      case 'body': f.Body = bodyIn(value); break;
      case 'importance': f.Importance = cap(String(value ?? 'normal')); break;
      case 'status': f.Status = STATUS[String(value)] ?? 'NotStarted'; break;
      case 'startDateTime':
      case 'dueDateTime': {
        const field = name === 'startDateTime' ? 'StartDate' : 'DueDate';
        if (value) f[field] = formatUtc(readDateTimeTimeZone(value, name).instant);
        else delete f[field];
        break;
      }
      case 'isReminderOn': f.ReminderIsSet = value ? 'true' : 'false'; break;
      case 'reminderDateTime':
        if (value) f.ReminderDueBy = formatUtc(readDateTimeTimeZone(value, name).instant);
        else delete f.ReminderDueBy;
        break;
      case 'categories': if (asArray(value as string[]).length) f.Categories = { String: asArray(value as string[]) }; else delete f.Categories; break;
      case 'linkedResources':
        setLinkedResources(item, asArray(value as Json[]).map((r) => ({ id: randomId(), ...r })));
        break;
      default:
    }
  }
  // To Do has no percentage; Exchange keeps Status and PercentComplete together.
  if (json.status !== undefined) {
    if (f.Status === 'Completed') {
      f.PercentComplete = '100';
      f.CompleteDate ??= formatUtc(now);
    } else {
      delete f.CompleteDate;
      if (textOf(f.PercentComplete) === '100') f.PercentComplete = '0';
    }
  }
}

function randomId(): string {
  return `${Math.random().toString(16).slice(2, 10)}-${Math.random().toString(16).slice(2, 6)}-4${Math.random().toString(16).slice(2, 5)}`;
}

/** A stored date as To Do shows it: the day in the mailbox's zone at midnight (To Do has dates only). */
function dayOut(v: unknown, zone: string): Json | null {
  const t = parseEwsDateTime(textOf(v) ?? '');
  if (t === undefined) return null;
  const [y, m, d] = wallClock(t, zone);
  return { dateTime: `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T00:00:00.0000000`, timeZone: zone };
}

export function taskJson(item: StoredItem, graphId: string, zone: string, withLinked: boolean): Json {
  const f = item.fields;
  const status = invert(STATUS)[textOf(f.Status) ?? 'NotStarted'] ?? 'notStarted';
  const reminder = parseEwsDateTime(textOf(f.ReminderDueBy) ?? '');
  return {
    id: graphId,
    '@odata.etag': `W/"${item.changeKey}"`,
    importance: (textOf(f.Importance) ?? 'Normal').toLowerCase(),
    isReminderOn: textOf(f.ReminderIsSet) === 'true',
    status,
    title: textOf(f.Subject) ?? '',
    createdDateTime: new Date(item.created).toISOString(),
    lastModifiedDateTime: new Date(item.modified).toISOString(),
    categories: categoriesOut(f.Categories),
    body: bodyOut(f.Body ?? { $: { BodyType: 'Text' }, _: '' }),
    startDateTime: dayOut(f.StartDate, zone),
    dueDateTime: dayOut(f.DueDate, zone),
    reminderDateTime: reminder === undefined ? null : utcDateTime(reminder),
    ...(withLinked ? { linkedResources: linkedResourcesOf(item) } : {}),
  };
}

// ---- the shape a request asks for --------------------------------------------------------------

/**
 * An item as a request asks for it: the kind's JSON, cut down to $select (what $expand asked
 * for stays), with the extended properties $expand names.
 */
export function itemView(kind: ItemKind, item: StoredItem, q: URLSearchParams, ctx: { store: MailboxStore; mailboxZone: string }): Json {
  const id = toGraphId(item.itemId);
  const folder = ctx.store.folder(item.mailbox, item.folderId);
  const expand = q.get('$expand') ?? '';
  let out: Json = kind === 'appointment' ? eventJson(item, id)
    : kind === 'contact' ? contactJson(item, id, toGraphId(folder?.folderId ?? ''))
      : taskJson(item, id, ctx.mailboxZone, /linkedResources/.test(expand));
  const select = q.get('$select');
  if (select) {
    // $select does not drop what $expand asked for.
    const expanded = expand.split(',').map((x) => x.split('(')[0]!.trim());
    const keep = new Set(['id', '@odata.etag', ...select.split(',').map((x) => x.trim()), ...expanded]);
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  const ext = /singleValueExtendedProperties\(\$filter=id eq '((?:[^']|'')*)'\)/.exec(expand);
  if (ext) {
    const pid = ext[1]!.replace(/''/g, "'");
    const found: Json[] = item.extendedProperties.filter((p) => matchesProperty(p, pid)).map((p) => ({ id: propertyIdOf(p), value: p.value }));
    if (kind === 'contact' && pid.toLowerCase() === FAX_PROPERTY.toLowerCase() && faxOf(item)) found.push({ id: FAX_PROPERTY, value: faxOf(item) });
    out.singleValueExtendedProperties = found;
  }
  return out;
}
