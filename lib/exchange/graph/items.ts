import type { Appointment, Body, Contact, ItemKind, Recurrence, Task } from '../model';
import { KEY_PROPERTY } from '../key';
import { formatDate, localOf, zonedToInstant } from '../../time';

/**
 * Neutral items → Microsoft Graph JSON (event, contact, todoTask). For a create every field
 * is set; for an update only the named fields, and a field the item no longer has is cleared.
 * JSON needs no escaping (unlike EWS); characters JSON cannot carry do not exist.
 * Sources: Graph v1.0 reference: event, contact, todoTask, dateTimeTimeZone (IANA names are
 * accepted in timeZone), patternedRecurrence, singleValueLegacyExtendedProperty.
 */

/** The writer key's extended property in Graph's notation: the same MAPI property EWS writes. */
export const KEY_PROPERTY_ID = `${KEY_PROPERTY.type} {${KEY_PROPERTY.propertySetId}} Name ${KEY_PROPERTY.name}`;
/** PidTagBusinessFaxNumber: Graph's contact has no fax field; the MAPI property is the one EWS calls BusinessFax. */
export const FAX_PROPERTY_ID = 'String 0x3A24';
/**
 * To Do tasks cannot carry MAPI extended properties in Graph v1.0 (singleValueExtendedProperties
 * exist for events, contacts, messages and folders, not for todoTask); the key goes into a
 * linkedResource, which todoTask supports and returns with `$expand=linkedResources`.
 */
export const LINKED_APPLICATION = 'büro+ Sync';

type Json = Record<string, unknown>;
type Want = (field: string) => boolean;

const pad = (n: number) => String(n).padStart(2, '0');

const wall = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;

/**
 * Wall clock of an instant in an IANA zone, as dateTimeTimeZone wants it. A wall time that
 * names two instants (the repeated hour when DST ends, 02:00–03:00 in Berlin) would be read as
 * the first one: such an instant goes as UTC, which is exact.
 */
export function dateTimeIn(instantIso: string, zone: string): { dateTime: string; timeZone: string } {
  const t = Date.parse(instantIso);
  const local = localOf(new Date(t), zone);
  if (zonedToInstant(local, zone).getTime() !== Math.floor(t / 1000) * 1000) return { dateTime: wall(new Date(t)), timeZone: 'UTC' };
  return { dateTime: `${formatDate(local)}T${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}`, timeZone: zone };
}

function body(b: Body | undefined): Json {
  return { contentType: b?.format === 'html' ? 'html' : 'text', content: b?.content ?? '' };
}

/** Fields an update writes together with a changed one. */
export function withCoupledFields(kind: ItemKind, item: object, fields: string[]): string[] {
  const out = new Set(fields);
  if (kind === 'appointment') {
    if (out.has('timeZone')) {
      out.add('start');
      out.add('end');
    }
    // A series is anchored in its start and zone: re-write the pattern when they move.
    if ((item as Appointment).recurrence && (out.has('start') || out.has('end') || out.has('timeZone') || out.has('isAllDay'))) out.add('recurrence');
  }
  if (kind === 'task') {
    if (out.has('timeZone')) {
      out.add('startDate');
      out.add('dueDate');
    }
    if (out.has('percentComplete')) out.add('complete');
  }
  return [...out];
}

export function toGraphItem(kind: ItemKind, key: string, item: object, fields?: string[]): Json {
  const want: Want = fields ? (f) => fields.includes(f) : () => true;
  switch (kind) {
    case 'appointment':
      return event(key, item as Appointment, want, !fields);
    case 'task':
      return task(key, item as Task, want, !fields);
    case 'contact':
      return contact(key, item as Contact, want, !fields);
  }
}

/**
 * A new item for a key: the body is made once per item object and shared, with only the
 * property that carries the key made for each mailbox. The rows of one change for many
 * mailboxes share their item (writer/window.ts), so a contact for 22 mailboxes is built once
 * (docs/architecture.md, "Memory"). The writer never changes a body it sent.
 */
export function newGraphItem(kind: ItemKind, key: string, item: object): Json {
  const made = madeItems.get(item);
  if (!made) {
    const json = toGraphItem(kind, key, item);
    madeItems.set(item, { json, key });
    return json;
  }
  if (made.key === key) return made.json;
  if (kind === 'task') return { ...made.json, linkedResources: [linkedResourceOf(key)] };
  const ext = made.json.singleValueExtendedProperties as { id: string; value: string }[];
  return { ...made.json, singleValueExtendedProperties: ext.map((p) => (p.id === KEY_PROPERTY_ID ? { id: KEY_PROPERTY_ID, value: key } : p)) };
}

const madeItems = new WeakMap<object, { json: Json; key: string }>();

const SHOW_AS: Record<NonNullable<Appointment['freeBusy']>, string> = { free: 'free', tentative: 'tentative', busy: 'busy', oof: 'oof', workingElsewhere: 'workingElsewhere' };

function event(key: string, a: Appointment, want: Want, isNew: boolean): Json {
  const out: Json = {};
  if (isNew) out.singleValueExtendedProperties = [{ id: KEY_PROPERTY_ID, value: key }];
  if (want('subject')) out.subject = a.subject;
  if (want('body') && (a.body || !isNew)) out.body = body(a.body);
  if (want('start') || want('timeZone')) out.start = dateTimeIn(a.start, a.timeZone);
  if (want('end') || want('timeZone')) out.end = dateTimeIn(a.end, a.timeZone);
  if (want('isAllDay')) out.isAllDay = a.isAllDay;
  if (want('location') && (a.location !== undefined || !isNew)) out.location = { displayName: a.location ?? '' };
  if (want('reminderMinutes')) {
    out.isReminderOn = a.reminderMinutes !== null;
    if (a.reminderMinutes !== null) out.reminderMinutesBeforeStart = a.reminderMinutes;
  }
  if (want('categories') && (a.categories || !isNew)) out.categories = a.categories ?? [];
  if (want('freeBusy') && (a.freeBusy || !isNew)) out.showAs = SHOW_AS[a.freeBusy ?? 'busy'];
  if (want('sensitivity') && (a.sensitivity || !isNew)) out.sensitivity = a.sensitivity ?? 'normal';
  if (want('recurrence') && (a.recurrence || !isNew)) out.recurrence = a.recurrence ? recurrence(a.recurrence, a.timeZone) : null;
  return out;
}

/** The neutral recurrence as Graph's patternedRecurrence (Graph has yearly intervals, EWS has not). */
export function recurrence(r: Recurrence, zone: string): Json {
  const pattern: Json = { type: r.pattern, interval: r.interval };
  if (r.days?.length) pattern.daysOfWeek = r.days;
  if (r.pattern === 'weekly') pattern.firstDayOfWeek = r.firstDayOfWeek ?? 'monday';
  if (r.dayOfMonth !== undefined) pattern.dayOfMonth = r.dayOfMonth;
  if (r.month !== undefined) pattern.month = r.month;
  if (r.index) pattern.index = r.index;
  const range: Json = { startDate: r.startDate, recurrenceTimeZone: zone };
  if (r.until) Object.assign(range, { type: 'endDate', endDate: r.until });
  else if (r.count) Object.assign(range, { type: 'numbered', numberOfOccurrences: r.count });
  else range.type = 'noEnd';
  return { pattern, range };
}

/** The linkedResource that carries the writer key on a To Do task. */
export function linkedResourceOf(key: string): Json {
  return { applicationName: LINKED_APPLICATION, externalId: key, displayName: key };
}

function task(key: string, t: Task, want: Want, isNew: boolean): Json {
  const out: Json = {};
  if (isNew) out.linkedResources = [linkedResourceOf(key)];
  // To Do keeps dates: midnight of the day in the user's zone.
  const day = (date: string | undefined) => (date ? { dateTime: `${date}T00:00:00`, timeZone: t.timeZone } : null);
  if (want('subject')) out.title = t.subject;
  if (want('body') && (t.body || !isNew)) out.body = body(t.body);
  if (want('startDate') && (t.startDate || !isNew)) out.startDateTime = day(t.startDate);
  if (want('dueDate') && (t.dueDate || !isNew)) out.dueDateTime = day(t.dueDate);
  if (want('complete') || want('percentComplete')) {
    // To Do has no percentage: started is "in progress".
    out.status = t.complete ? 'completed' : (t.percentComplete ?? 0) > 0 ? 'inProgress' : 'notStarted';
  }
  if (want('importance') && (t.importance || !isNew)) out.importance = t.importance ?? 'normal';
  if (want('reminder') && (t.reminder !== undefined || !isNew)) {
    out.isReminderOn = !!t.reminder;
    if (t.reminder) out.reminderDateTime = { dateTime: new Date(t.reminder).toISOString().slice(0, 19), timeZone: 'UTC' };
  }
  if (want('categories') && (t.categories || !isNew)) out.categories = t.categories ?? [];
  return out;
}

/** Graph's personalNotes is plain text: an HTML note loses its markup (line breaks kept). */
function plainText(b: Body | undefined): string {
  if (!b) return '';
  if (b.format === 'text') return b.content;
  return b.content.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|li)>/gi, '\n').replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').trim();
}

function contact(key: string, c: Contact, want: Want, isNew: boolean): Json {
  const out: Json = {};
  const ext: Json[] = [];
  if (isNew) ext.push({ id: KEY_PROPERTY_ID, value: key });
  const text = (field: keyof Contact, name = field as string) => {
    if (!want(field)) return;
    const v = c[field] as string | undefined;
    if (v) out[name] = v;
    else if (!isNew) out[name] = null;
  };
  text('givenName');
  text('surname');
  if (want('displayName')) {
    out.displayName = c.displayName;
    // Outlook files and sorts contacts by FileAs.
    out.fileAs = c.displayName;
  }
  text('companyName');
  text('department');
  text('jobTitle');
  text('title');
  if (want('emailAddresses') && (c.emailAddresses?.length || !isNew)) {
    out.emailAddresses = (c.emailAddresses ?? []).slice(0, 3).map((address) => ({ address: address.trim(), name: address.trim() }));
  }
  if (want('businessPhone') && (c.businessPhone || !isNew)) out.businessPhones = c.businessPhone ? [c.businessPhone] : [];
  if (want('homePhone') && (c.homePhone || !isNew)) out.homePhones = c.homePhone ? [c.homePhone] : [];
  text('mobilePhone');
  if (want('businessFax') && (c.businessFax || !isNew)) ext.push({ id: FAX_PROPERTY_ID, value: c.businessFax ?? '' });
  if (want('businessAddress') && (c.businessAddress || !isNew)) {
    const a = c.businessAddress ?? {};
    out.businessAddress = { street: a.street ?? '', city: a.city ?? '', state: a.state ?? '', postalCode: a.postalCode ?? '', countryOrRegion: a.countryOrRegion ?? '' };
  }
  if (want('notes') && (c.notes || !isNew)) out.personalNotes = plainText(c.notes);
  if (want('categories') && (c.categories || !isNew)) out.categories = c.categories ?? [];
  if (ext.length) out.singleValueExtendedProperties = ext;
  return out;
}
