/**
 * Items between the wire and the store: reading a CalendarItem/Task/Contact element of a
 * request into neutral stored fields, applying SetItemField/AppendToItemField/DeleteItemField,
 * and writing an item back in the shape a request asks for (IdOnly/Default/AllProperties +
 * AdditionalProperties), with the properties Exchange computes, in types.xsd's element order.
 */
import { readFileSync } from 'node:fs';
import { ItemKind, MailboxStore, StoredExtendedProperty, StoredItem } from '../store';
import { Occurrence, occurrences, parseRecurrence, recurrenceProblem } from './recurrence';
import { schemaFile } from './schema';
import { formatUtc, ianaZone, parseEwsDateTime, timeZoneDefinitionXml, wallClock } from './timezones';
import { XElem, child, children, el, esc, libxml, toXElem } from './xml';

export const KIND_ELEMENT: Record<ItemKind, string> = { appointment: 'CalendarItem', task: 'Task', contact: 'Contact' };
export const ELEMENT_KIND: Record<string, ItemKind> = { CalendarItem: 'appointment', Task: 'task', Contact: 'contact' };
const DEFAULT_ITEM_CLASS: Record<ItemKind, string> = { appointment: 'IPM.Appointment', task: 'IPM.Task', contact: 'IPM.Contact' };
export const DEFAULT_FOLDER: Record<ItemKind, string> = { appointment: 'calendar', task: 'tasks', contact: 'contacts' };

// ---- schema facts (types.xsd) --------------------------------------------------------------

export interface ItemSchema {
  /** Element names in schema order (ItemType's, then the kind's own). */
  order: string[];
  /** Element name → XSD type (`xs:dateTime`, `t:BodyType`, …). */
  types: Map<string, string>;
}
export type ItemSchemas = Record<ItemKind, ItemSchema>;

let schemas: Promise<ItemSchemas> | undefined;
export function itemSchemas(): Promise<ItemSchemas> {
  schemas ??= (async () => {
    const lib = await libxml();
    const doc = lib.XmlDocument.fromBuffer(readFileSync(schemaFile('types.xsd')));
    let root: XElem;
    try {
      root = toXElem(lib, doc.root);
    } finally {
      doc.dispose();
    }
    const types = new Map(children(root, 'complexType').map((t) => [t.attrs.name!, t]));
    const sequence = (name: string): [string, string][] => {
      const type = types.get(name);
      if (!type) return [];
      const ext = child(child(type, 'complexContent'), 'extension');
      const seq = ext ? child(ext, 'sequence') : child(type, 'sequence');
      const own = children(seq, 'element').map((e): [string, string] => [e.attrs.name!, e.attrs.type ?? '']);
      return ext ? [...sequence(ext.attrs.base!.replace(/^t:/, '')), ...own] : own;
    };
    const of = (typeName: string): ItemSchema => {
      const seq = sequence(typeName);
      return { order: seq.map(([n]) => n), types: new Map(seq) };
    };
    return { appointment: of('CalendarItemType'), task: of('TaskType'), contact: of('ContactItemType') };
  })();
  return schemas;
}

// ---- generic values --------------------------------------------------------------------------

/** A stored field: text for a simple element, else `{ $: attrs, _: text, Child: value | value[] }`. */
export function toValue(e: XElem): unknown {
  const attrs = Object.keys(e.attrs).length > 0;
  if (!attrs && e.children.length === 0) return e.text;
  const v: Record<string, unknown> = {};
  if (attrs) v.$ = { ...e.attrs };
  if (e.children.length === 0) v._ = e.text;
  for (const c of e.children) {
    const cv = toValue(c);
    if (c.name in v) {
      const prev = v[c.name];
      v[c.name] = Array.isArray(prev) ? [...prev, cv] : [prev, cv];
    } else {
      v[c.name] = cv;
    }
  }
  return v;
}

/** Writes a stored field back as `<t:name …>`. */
export function valueXml(name: string, v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => valueXml(name, x)).join('');
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object') return el(`t:${name}`, null, esc(String(v)));
  const o = v as Record<string, unknown>;
  const attrs = (o.$ ?? {}) as Record<string, string>;
  let inner = typeof o._ === 'string' ? esc(o._) : '';
  for (const [k, cv] of Object.entries(o)) if (k !== '$' && k !== '_') inner += valueXml(k, cv);
  return el(`t:${name}`, attrs, inner);
}

export function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Record<string, unknown>)._ === 'string') return (v as Record<string, string>)._;
  return undefined;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

// ---- extended properties -----------------------------------------------------------------

/** GUIDs of the distinguished property sets (MS-OXPROPS), so both spellings name one property. */
const PROPERTY_SETS: Record<string, string> = {
  Meeting: '6ED8DA90-450B-101B-98DA-00AA003F1305',
  Appointment: '00062002-0000-0000-C000-000000000046',
  Common: '00062008-0000-0000-C000-000000000046',
  PublicStrings: '00020329-0000-0000-C000-000000000046',
  Address: '00062004-0000-0000-C000-000000000046',
  InternetHeaders: '00020386-0000-0000-C000-000000000046',
  CalendarAssistant: '11000E07-B51B-40D6-AF21-CAA85EDAB1D0',
  UnifiedMessaging: '4442858E-A9E3-4E80-B900-317A210CC15B',
  Task: '00062003-0000-0000-C000-000000000046',
  Sharing: '00062040-0000-0000-C000-000000000046',
};

export interface ExtendedFieldUri {
  distinguishedPropertySetId?: string;
  propertySetId?: string;
  propertyName?: string;
  propertyId?: number;
  propertyTag?: string;
  propertyType: string;
}

export function parseExtendedFieldUri(e: XElem): ExtendedFieldUri {
  const a = e.attrs;
  return {
    distinguishedPropertySetId: a.DistinguishedPropertySetId,
    propertySetId: a.PropertySetId,
    propertyName: a.PropertyName,
    propertyId: a.PropertyId !== undefined ? Number(a.PropertyId) : undefined,
    propertyTag: a.PropertyTag,
    propertyType: a.PropertyType ?? 'String',
  };
}

function setGuid(u: { distinguishedPropertySetId?: string; propertySetId?: string }): string {
  if (u.propertySetId) return u.propertySetId.toUpperCase();
  return u.distinguishedPropertySetId ? PROPERTY_SETS[u.distinguishedPropertySetId] ?? u.distinguishedPropertySetId : '';
}
function tagNumber(tag: string | undefined): number | undefined {
  if (tag === undefined) return undefined;
  const n = /^0x/i.test(tag) ? parseInt(tag, 16) : Number(tag);
  return Number.isNaN(n) ? undefined : n & 0xffff;
}

/** Identity of an extended property: property set + name, id or tag (the type is not part of it). */
export function extKeyOfUri(u: ExtendedFieldUri): string {
  if (u.propertyTag !== undefined) return `tag:${tagNumber(u.propertyTag)}`;
  return `${setGuid(u)}|${u.propertyName !== undefined ? 'n:' + u.propertyName : 'i:' + u.propertyId}`;
}
export function extKeyOfStored(p: StoredExtendedProperty): string {
  if (p.tag !== undefined) return `tag:${tagNumber(p.tag)}`;
  return `${setGuid(p)}|${p.name !== undefined ? 'n:' + p.name : 'i:' + p.propertyId}`;
}

export function extendedPropertyFrom(e: XElem): StoredExtendedProperty {
  const uri = parseExtendedFieldUri(child(e, 'ExtendedFieldURI')!);
  const values = child(e, 'Values') ? children(child(e, 'Values'), 'Value').map((v) => v.text) : undefined;
  const stored: StoredExtendedProperty = {
    type: uri.propertyType,
    value: values ? values[0] ?? '' : child(e, 'Value')?.text ?? '',
  };
  if (uri.distinguishedPropertySetId) stored.distinguishedPropertySetId = uri.distinguishedPropertySetId;
  const guid = setGuid(uri);
  if (guid) stored.propertySetId = guid;
  if (uri.propertyName !== undefined) stored.name = uri.propertyName;
  if (uri.propertyId !== undefined) stored.propertyId = uri.propertyId;
  if (uri.propertyTag !== undefined) stored.tag = uri.propertyTag;
  if (values) stored.values = values;
  return stored;
}

export function setExtendedProperty(item: { extendedProperties: StoredExtendedProperty[] }, p: StoredExtendedProperty): void {
  const key = extKeyOfStored(p);
  const i = item.extendedProperties.findIndex((x) => extKeyOfStored(x) === key);
  if (i >= 0) item.extendedProperties[i] = p;
  else item.extendedProperties.push(p);
}

/** `<t:ExtendedProperty>` echoing the URI as the client asked for it (clients match on it). */
function extendedPropertyXml(uri: ExtendedFieldUri, p: StoredExtendedProperty): string {
  const uriXml = el('t:ExtendedFieldURI', {
    DistinguishedPropertySetId: uri.distinguishedPropertySetId, PropertySetId: uri.propertySetId,
    PropertyTag: uri.propertyTag, PropertyName: uri.propertyName, PropertyId: uri.propertyId, PropertyType: uri.propertyType,
  });
  const value = p.values
    ? el('t:Values', null, p.values.map((v) => el('t:Value', null, esc(v))).join(''))
    : el('t:Value', null, esc(p.value));
  return el('t:ExtendedProperty', null, uriXml + value);
}

// ---- reading request items -------------------------------------------------------------------

export class ItemInputError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Fields the server owns: a client cannot set them (ErrorInvalidPropertySet). */
const READ_ONLY = new Set([
  'ItemId', 'ParentFolderId', 'DateTimeReceived', 'Size', 'DateTimeSent', 'DateTimeCreated', 'LastModifiedTime',
  'LastModifiedName', 'HasAttachments', 'CalendarItemType', 'FirstOccurrence', 'LastOccurrence', 'ModifiedOccurrences',
  'DeletedOccurrences', 'IsRecurring', 'OriginalStart', 'MyResponseType', 'Duration', 'TimeZone', 'AppointmentState',
  'IsComplete', 'EffectiveRights', 'ConversationId', 'IsAssociated', 'StatusDescription', 'ConflictingMeetingCount',
  'AdjacentMeetingCount', 'Delegator', 'ChangeCount',
]);

export interface WriteContext {
  schema: ItemSchemas;
  /** IANA zone of the request's TimeZoneContext (unzoned times are read in it), else UTC. */
  zone: string;
  /** The TimeZoneContext's Id as sent (Windows id), else 'UTC'. */
  zoneId: string;
}

/** Normalises one field value as Exchange stores it (instants in UTC, HTML bodies wrapped). */
function normalise(kind: ItemKind, name: string, e: XElem, ctx: WriteContext): unknown {
  const type = ctx.schema[kind].types.get(name);
  if (type === 'xs:dateTime') {
    const t = parseEwsDateTime(e.text, ctx.zone);
    if (t === undefined) throw new ItemInputError('ErrorInvalidValueForProperty', `The value '${e.text}' is not a valid ${name}.`);
    return formatUtc(t);
  }
  if (name === 'Body') {
    const type = e.attrs.BodyType === 'Text' ? 'Text' : 'HTML';
    return { $: { BodyType: type }, _: type === 'HTML' ? wrapHtml(e.text) : e.text };
  }
  return toValue(e);
}

/** Exchange stores an HTML body as a complete document (it adds html/head/body when absent). */
function wrapHtml(html: string): string {
  if (/<html[\s>]/i.test(html)) return html;
  return `<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n<body>\r\n${html}\r\n</body>\r\n</html>\r\n`;
}

/** Reads a CalendarItem/Task/Contact element of CreateItem into fields + extended properties. */
export function readNewItem(kind: ItemKind, e: XElem, ctx: WriteContext): { fields: Record<string, unknown>; ext: StoredExtendedProperty[] } {
  const fields: Record<string, unknown> = {};
  const ext: StoredExtendedProperty[] = [];
  for (const c of e.children) {
    if (c.name === 'ExtendedProperty') {
      setExtendedProperty({ extendedProperties: ext }, extendedPropertyFrom(c));
      continue;
    }
    if (READ_ONLY.has(c.name)) {
      throw new ItemInputError('ErrorInvalidPropertySet', `Set action is invalid for property. (${c.name})`);
    }
    fields[c.name] = normalise(kind, c.name, c, ctx);
  }
  return { fields, ext };
}

/** After any write: the rules Exchange applies between related properties. */
export function settle(kind: ItemKind, fields: Record<string, unknown>, now: number): void {
  if (kind === 'appointment') {
    const start = parseEwsDateTime(textOf(fields.Start) ?? '');
    const end = parseEwsDateTime(textOf(fields.End) ?? '');
    if (start !== undefined && end !== undefined && end < start) {
      throw new ItemInputError('ErrorCalendarEndDateIsEarlierThanStartDate', 'EndDate is earlier than StartDate');
    }
    if (fields.Recurrence !== undefined) {
      const spec = parseRecurrence(fields.Recurrence);
      const problem = spec ? recurrenceProblem(spec) : 'The recurrence pattern is not supported.';
      if (problem) throw new ItemInputError('ErrorCalendarInvalidRecurrence', problem);
    }
  }
  if (kind === 'task') {
    // Status and PercentComplete move together (EWS reference: PercentComplete, Status).
    const pct = Number(textOf(fields.PercentComplete) ?? '0');
    if (textOf(fields.Status) === 'Completed' || pct === 100) {
      fields.Status = 'Completed';
      fields.PercentComplete = '100';
      fields.CompleteDate ??= formatUtc(now);
    } else {
      delete fields.CompleteDate;
      if (pct > 0 && (textOf(fields.Status) ?? 'NotStarted') === 'NotStarted') fields.Status = 'InProgress';
    }
  }
}

/** The element name and entry key a FieldURI / IndexedFieldURI addresses. */
export function fieldOfUri(uri: XElem): { name: string; index?: string; member?: string } {
  const f = uri.attrs.FieldURI ?? '';
  if (uri.name === 'IndexedFieldURI') {
    // contacts:EmailAddress → EmailAddresses; contacts:PhysicalAddress:Street → PhysicalAddresses/Entry/Street.
    const [, collection, member] = f.split(':');
    const collections: Record<string, string> = {
      EmailAddress: 'EmailAddresses', PhoneNumber: 'PhoneNumbers', PhysicalAddress: 'PhysicalAddresses', ImAddress: 'ImAddresses',
    };
    return { name: collections[collection ?? ''] ?? `${collection}s`, index: uri.attrs.FieldIndex, member };
  }
  return { name: f.slice(f.indexOf(':') + 1) };
}

/** Applies one UpdateItem change (SetItemField, AppendToItemField, DeleteItemField). */
export function applyChange(kind: ItemKind, item: { fields: Record<string, unknown>; extendedProperties: StoredExtendedProperty[] }, change: XElem, ctx: WriteContext): void {
  const uri = change.children.find((c) => /FieldURI$/.test(c.name));
  if (!uri) throw new ItemInputError('ErrorInvalidRequest', 'The change has no property path.');
  const holder = change.children.find((c) => c !== uri);
  if (uri.name === 'ExtendedFieldURI') {
    const key = extKeyOfUri(parseExtendedFieldUri(uri));
    if (change.name === 'DeleteItemField') {
      item.extendedProperties = item.extendedProperties.filter((p) => extKeyOfStored(p) !== key);
      return;
    }
    const prop = child(holder, 'ExtendedProperty');
    if (!prop) throw new ItemInputError('ErrorInvalidExtendedProperty', 'The extended property is missing.');
    setExtendedProperty(item, extendedPropertyFrom(prop));
    return;
  }
  const { name, index, member } = fieldOfUri(uri);
  if (READ_ONLY.has(name)) throw new ItemInputError('ErrorInvalidPropertySet', `Set action is invalid for property. (${name})`);
  if (holder && ELEMENT_KIND[holder.name] && ELEMENT_KIND[holder.name] !== kind) {
    throw new ItemInputError('ErrorObjectTypeChanged', 'Object type changed.');
  }
  if (index !== undefined) {
    // Indexed: one Entry of EmailAddresses / PhoneNumbers / PhysicalAddresses / ImAddresses.
    const collection = (item.fields[name] ?? {}) as Record<string, unknown>;
    const entries = asArray(collection.Entry as Record<string, unknown>[] | undefined).filter((x) => x && typeof x === 'object') as Record<string, unknown>[];
    const pos = entries.findIndex((x) => (x.$ as Record<string, string> | undefined)?.Key === index);
    if (change.name === 'DeleteItemField') {
      if (pos >= 0) {
        if (member) delete entries[pos]![member];
        if (!member || Object.keys(entries[pos]!).every((k) => k === '$')) entries.splice(pos, 1);
      }
    } else {
      const given = child(child(holder, name), 'Entry');
      if (!given) throw new ItemInputError('ErrorInvalidRequest', `The ${name} entry is missing.`);
      const value = toValue(given) as Record<string, unknown>;
      if (pos >= 0 && member && typeof entries[pos] === 'object') entries[pos] = { ...entries[pos], ...value };
      else if (pos >= 0) entries[pos] = value;
      else entries.push(value);
    }
    if (entries.length) item.fields[name] = { Entry: entries.length === 1 ? entries[0] : entries };
    else delete item.fields[name];
    return;
  }
  if (change.name === 'DeleteItemField') {
    delete item.fields[name];
    return;
  }
  const given = child(holder, name) ?? holder?.children[0];
  if (!given) throw new ItemInputError('ErrorInvalidRequest', `The new value of ${name} is missing.`);
  if (change.name === 'AppendToItemField') {
    const prev = item.fields[given.name];
    if (given.name === 'Body' && prev) {
      const p = prev as { $: { BodyType: string }; _: string };
      p._ = p._.replace(/(\r\n)?<\/body>\s*<\/html>\s*$/i, '') + given.text + (/<\/html>\s*$/i.test(p._) ? '\r\n</body>\r\n</html>\r\n' : '');
      return;
    }
    if (prev && typeof prev === 'object' && !('_' in prev)) {
      const add = toValue(given) as Record<string, unknown>;
      for (const [k, v] of Object.entries(add)) {
        if (k === '$') continue;
        const old = (prev as Record<string, unknown>)[k];
        (prev as Record<string, unknown>)[k] = [...asArray(old), ...asArray(v)];
      }
      return;
    }
  }
  item.fields[given.name] = normalise(kind, given.name, given, ctx);
  if (given.name === 'Recurrence') {
    // A new pattern drops the exceptions.
    delete item.fields.DeletedOccurrences;
    delete item.fields.ModifiedOccurrences;
  }
}

// ---- occurrences ------------------------------------------------------------------------------

/** Time zone an appointment is laid out in: its StartTimeZone, else UTC. */
export function itemZone(fields: Record<string, unknown>): string {
  const tz = fields.StartTimeZone as { $?: { Id?: string } } | undefined;
  return ianaZone(tz?.$?.Id) ?? ianaZone(textOf(fields.StartTimeZoneId)) ?? 'UTC';
}

export function deletedStarts(fields: Record<string, unknown>): Set<number> {
  const d = fields.DeletedOccurrences as { DeletedOccurrence?: unknown } | undefined;
  return new Set(asArray(d?.DeletedOccurrence as { Start: string }[] | undefined).map((x) => Date.parse(x.Start)));
}

/** A stored exception (OccurrenceInfoType): an occurrence moved in Outlook. */
export interface StoredOccurrenceInfo {
  ItemId: { $: { Id: string; ChangeKey?: string } };
  Start: string;
  End: string;
  OriginalStart: string;
}

export function modifiedOccurrences(fields: Record<string, unknown>): StoredOccurrenceInfo[] {
  const m = fields.ModifiedOccurrences as { Occurrence?: StoredOccurrenceInfo | StoredOccurrenceInfo[] } | undefined;
  return asArray(m?.Occurrence);
}

/**
 * All occurrences of a recurring master (deleted ones included, flagged), up to `until`.
 * `start`/`end` are the pattern's (the original start names the occurrence); an occurrence
 * moved in Outlook (an exception) carries its times in `moved`.
 */
export function seriesOf(item: StoredItem, options: { until?: number; limit?: number } = {}): (Occurrence & { deleted: boolean; moved?: { start: number; end: number } })[] {
  const spec = parseRecurrence(item.fields.Recurrence);
  const start = parseEwsDateTime(textOf(item.fields.Start) ?? '');
  const end = parseEwsDateTime(textOf(item.fields.End) ?? '');
  if (!spec || start === undefined || end === undefined) return [];
  const deleted = deletedStarts(item.fields);
  const moved = new Map(modifiedOccurrences(item.fields).map((m) => [Date.parse(m.OriginalStart), { start: Date.parse(m.Start), end: Date.parse(m.End) }]));
  return [...occurrences(spec, start, end, itemZone(item.fields), options)].map((o) => {
    const m = moved.get(o.start);
    return m ? { ...o, deleted: deleted.has(o.start), moved: m } : { ...o, deleted: deleted.has(o.start) };
  });
}

const OCCURRENCE_MAGIC = 'OCC1';
/** Occurrence ids carry the master's id and the occurrence's original start. */
export function occurrenceId(masterId: string, originalStart: number): string {
  return Buffer.from(`${OCCURRENCE_MAGIC}|${masterId}|${originalStart}`, 'utf8').toString('base64');
}
export function parseOccurrenceId(id: string): { masterId: string; originalStart: number } | undefined {
  const raw = Buffer.from(id, 'base64').toString('utf8').split('|');
  if (raw.length !== 3 || raw[0] !== OCCURRENCE_MAGIC) return undefined;
  return { masterId: raw[1]!, originalStart: Number(raw[2]) };
}

/** An occurrence of a master seen as an item of its own (CalendarItemType Occurrence). */
export interface OccurrenceView {
  master: StoredItem;
  occurrence: Occurrence;
}

// ---- writing items ---------------------------------------------------------------------------

export interface Shape {
  base: 'IdOnly' | 'Default' | 'AllProperties';
  bodyType: 'Best' | 'HTML' | 'Text';
  additional: XElem[];
  /** FindItem/SyncFolderItems never return some properties (Body, Recurrence, …). */
  summary: boolean;
}

export function readShape(shape: XElem | undefined, summary = false): Shape {
  const base = (child(shape, 'BaseShape')?.text ?? 'Default') as Shape['base'];
  return {
    base: base === 'IdOnly' || base === 'AllProperties' ? base : 'Default',
    bodyType: (child(shape, 'BodyType')?.text ?? 'Best') as Shape['bodyType'],
    additional: child(shape, 'AdditionalProperties')?.children ?? [],
    summary,
  };
}

/** Properties FindItem cannot return (Exchange: ErrorInvalidPropertyRequest). */
export const NOT_IN_FIND = new Set(['Body', 'UniqueBody', 'NormalizedBody', 'TextBody', 'MimeContent', 'Attachments',
  'Recurrence', 'FirstOccurrence', 'LastOccurrence', 'ModifiedOccurrences', 'DeletedOccurrences', 'RequiredAttendees',
  'OptionalAttendees', 'Resources', 'InternetMessageHeaders', 'StartTimeZone', 'EndTimeZone', 'MeetingTimeZone']);

const isoDuration = (ms: number) => {
  const total = Math.round(ms / 1000);
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const time = `${h ? h + 'H' : ''}${m ? m + 'M' : ''}${s ? s + 'S' : ''}`;
  return `P${d ? d + 'D' : ''}${time ? 'T' + time : d ? '' : 'T0S'}`;
};

/** The item as Exchange reports it: stored fields plus what the server computes. */
export function itemView(store: MailboxStore, item: StoredItem, occ?: Occurrence): Record<string, unknown> {
  const f = item.fields;
  const folder = store.folder(item.mailbox, item.folderId);
  const v: Record<string, unknown> = {
    ItemId: { $: { Id: occ ? occurrenceId(item.itemId, occ.start) : item.itemId, ChangeKey: item.changeKey } },
    ParentFolderId: { $: { Id: item.folderId, ChangeKey: folder?.changeKey ?? '' } },
    ItemClass: DEFAULT_ITEM_CLASS[item.kind],
    Sensitivity: 'Normal',
    DateTimeReceived: formatUtc(item.created),
    Size: String(JSON.stringify(f).length + 200 * item.extendedProperties.length + 400),
    Importance: 'Normal',
    IsSubmitted: 'false', IsDraft: 'false', IsFromMe: 'false', IsResend: 'false', IsUnmodified: 'false',
    DateTimeSent: formatUtc(item.created),
    DateTimeCreated: formatUtc(item.created),
    ReminderIsSet: item.kind === 'appointment' ? 'true' : 'false',
    ReminderMinutesBeforeStart: item.kind === 'appointment' ? '15' : '0',
    DisplayCc: '', DisplayTo: '',
    HasAttachments: 'false',
    Culture: 'en-US',
    LastModifiedName: item.mailbox,
    LastModifiedTime: formatUtc(item.modified),
    IsAssociated: 'false',
  };
  if (item.kind === 'appointment') {
    const start = parseEwsDateTime(textOf(f.Start) ?? '') ?? item.created;
    const end = parseEwsDateTime(textOf(f.End) ?? '') ?? start;
    const recurring = f.Recurrence !== undefined;
    const tz = f.StartTimeZone as { $?: { Id?: string; Name?: string } } | undefined;
    Object.assign(v, {
      UID: '', IsAllDayEvent: 'false', LegacyFreeBusyStatus: 'Busy', IsMeeting: 'false', IsCancelled: 'false',
      IsRecurring: occ ? 'true' : 'false', MeetingRequestWasSent: 'false', IsResponseRequested: 'false',
      CalendarItemType: occ ? 'Occurrence' : recurring ? 'RecurringMaster' : 'Single',
      MyResponseType: 'Organizer',
      Organizer: { Mailbox: { Name: item.mailbox, EmailAddress: item.mailbox, RoutingType: 'SMTP', MailboxType: 'Mailbox' } },
      Duration: isoDuration(end - start),
      TimeZone: tz?.$?.Name ?? tz?.$?.Id ?? 'Coordinated Universal Time',
      AppointmentSequenceNumber: '0', AppointmentState: '0',
      ConferenceType: '0', AllowNewTimeProposal: 'true', IsOnlineMeeting: 'false',
      StartTimeZoneId: tz?.$?.Id ?? 'UTC', EndTimeZoneId: (f.EndTimeZone as typeof tz)?.$?.Id ?? tz?.$?.Id ?? 'UTC',
      IsOrganizer: 'true',
    });
    if (recurring && !occ) {
      const series = seriesOf(item, { limit: 5000 }).filter((o) => !o.deleted);
      const info = (o: Occurrence & { moved?: { start: number; end: number } }) => ({
        ItemId: { $: { Id: occurrenceId(item.itemId, o.start), ChangeKey: item.changeKey } },
        Start: formatUtc(o.moved?.start ?? o.start), End: formatUtc(o.moved?.end ?? o.end), OriginalStart: formatUtc(o.start),
      });
      if (series.length) v.FirstOccurrence = info(series[0]!);
      const spec = parseRecurrence(f.Recurrence);
      if (series.length && (spec?.endDate || spec?.count)) v.LastOccurrence = info(series[series.length - 1]!);
    }
  }
  if (item.kind === 'task') {
    Object.assign(v, { Status: 'NotStarted', PercentComplete: '0', IsRecurring: f.Recurrence ? 'true' : 'false', ChangeCount: '1' });
  }
  if (item.kind === 'contact') {
    const given = textOf(f.GivenName);
    const surname = textOf(f.Surname);
    const display = [given, surname].filter(Boolean).join(' ') || textOf(f.CompanyName) || '';
    Object.assign(v, { FileAs: surname && given ? `${surname}, ${given}` : display, DisplayName: display, ContactSource: 'Store' });
  }
  Object.assign(v, f);
  if (item.kind === 'appointment' && v.EndTimeZone === undefined && v.StartTimeZone !== undefined) v.EndTimeZone = v.StartTimeZone;
  if (item.kind === 'task') {
    v.IsComplete = textOf(v.Status) === 'Completed' ? 'true' : 'false';
    v.StatusDescription = ({ NotStarted: 'Not Started', InProgress: 'In Progress', Completed: 'Completed', WaitingOnOthers: 'Waiting on someone else', Deferred: 'Deferred' } as Record<string, string>)[textOf(v.Status) ?? ''] ?? '';
  }
  if (occ) {
    const moved = (occ as { moved?: { start: number; end: number } }).moved;
    v.Start = formatUtc(moved?.start ?? occ.start);
    v.End = formatUtc(moved?.end ?? occ.end);
    v.OriginalStart = formatUtc(occ.start);
    if (moved) v.CalendarItemType = 'Exception';
    for (const k of ['Recurrence', 'FirstOccurrence', 'LastOccurrence', 'ModifiedOccurrences', 'DeletedOccurrences']) delete v[k];
  }
  return v;
}

function convertBody(v: unknown, want: Shape['bodyType']): unknown {
  const b = v as { $: { BodyType: string }; _: string };
  const have = b.$?.BodyType === 'Text' ? 'Text' : 'HTML';
  if (want === 'Best' || want === have) return { $: { BodyType: have, IsTruncated: 'false' }, _: b._ };
  if (want === 'Text') {
    const text = b._.replace(/<head[\s\S]*?<\/head>/gi, '').replace(/<br\s*\/?>/gi, '\n').replace(/<\/p>/gi, '\n').replace(/<[^>]+>/g, '')
      .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').trim();
    return { $: { BodyType: 'Text', IsTruncated: 'false' }, _: text };
  }
  const html = b._.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, '<br>\r\n');
  return { $: { BodyType: 'HTML', IsTruncated: 'false' }, _: wrapHtml(`<div>${html}</div>`) };
}

/** Writes an item (or one occurrence of a master) as `<t:CalendarItem>…` for the given shape. */
export function writeItem(store: MailboxStore, schema: ItemSchemas, item: StoredItem, shape: Shape, occ?: Occurrence): string {
  const view = itemView(store, item, occ);
  const order = schema[item.kind].order;
  const wanted = new Set<string>(['ItemId']);
  const indexed = new Map<string, Set<string>>();
  const ext: ExtendedFieldUri[] = [];
  if (shape.base !== 'IdOnly') {
    for (const k of Object.keys(view)) if (!(shape.summary && NOT_IN_FIND.has(k))) wanted.add(k);
  }
  for (const a of shape.additional) {
    if (a.name === 'ExtendedFieldURI') ext.push(parseExtendedFieldUri(a));
    else if (a.name === 'IndexedFieldURI') {
      const { name, index } = fieldOfUri(a);
      if (!wanted.has(name)) (indexed.get(name) ?? indexed.set(name, new Set()).get(name)!).add(index ?? '');
    } else wanted.add(fieldOfUri(a).name);
  }
  let inner = '';
  for (const name of order) {
    if (name === 'ExtendedProperty') {
      for (const uri of ext) {
        const key = extKeyOfUri(uri);
        const p = item.extendedProperties.find((x) => extKeyOfStored(x) === key);
        if (p) inner += extendedPropertyXml(uri, p);
      }
      continue;
    }
    let value = view[name];
    if (value === undefined) continue;
    if (indexed.has(name)) {
      const keys = indexed.get(name)!;
      const entries = asArray((value as { Entry?: unknown }).Entry as Record<string, unknown>[]).filter((x) => keys.has((x.$ as Record<string, string>)?.Key));
      if (!entries.length) continue;
      value = { Entry: entries };
    } else if (!wanted.has(name)) continue;
    if (name === 'Body' || name === 'TextBody') value = convertBody(value, name === 'TextBody' ? 'Text' : shape.bodyType);
    if (name === 'StartTimeZone' || name === 'EndTimeZone') {
      inner += timeZoneXml(name, value);
      continue;
    }
    inner += valueXml(name, value);
  }
  return el(`t:${KIND_ELEMENT[item.kind]}`, null, inner);
}

/** A time zone as Exchange returns it: the full definition (Periods, Transitions), generated from the Id. */
function timeZoneXml(name: string, value: unknown): string {
  const tz = value as { $?: { Id?: string; Name?: string }; Periods?: unknown };
  const zone = ianaZone(tz.$?.Id);
  if (tz.Periods !== undefined || !zone || !tz.$?.Id) return valueXml(name, value);
  return el(`t:${name}`, { Id: tz.$.Id, Name: tz.$.Name ?? tz.$.Id }, timeZoneDefinitionXml(tz.$.Id, zone));
}

/** Wall-clock date `YYYY-MM-DD` of an instant in the item's zone (for the inspection page). */
export function localDate(instant: number, zone: string): string {
  const [y, m, d] = wallClock(instant, zone);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
