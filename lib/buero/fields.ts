import { BueroCode } from '../error-codes';
import { SyncError } from '../errors';
import { discoverWriteShape } from './writer/shape';

/**
 * The büro+ field names the product reads. Field names of users and calendar entries and the
 * calendar kinds are not published by microtech (docs/buero-api.md, "Assumptions"), so
 * every one is a setting of the büro+ connection with these names as defaults; address
 * fields follow the names of the COM interface with the `fld` prefix.
 */
export const DEFAULT_FIELDS = {
  users: {
    nr: 'fldNr',
    login: 'fldAnmNa',
    mailbox: 'fldExchPostfach',
    startMandant: 'fldStartMandNr',
  },
  calendar: {
    kind: 'fldArt',
    owner: 'fldBzrNr',
    participants: 'fldTeilnehmer',
    subject: 'fldKurzInfo',
    info: 'fldInfo',
    memo: 'fldMemo',
    location: 'fldOrt',
    begin: 'fldBeginn',
    end: 'fldEnde',
    allDay: 'fldGanzTg',
    reminderMinutes: 'fldErinnMin',
    done: 'fldErledigt',
    priority: 'fldPrio',
    addressNr: 'fldAdrNr',
    series: 'fldSerie',
    seriesExceptions: 'fldSerieAusn',
  },
  /** Values of the calendar kind field. */
  calendarKinds: {
    appointment: 'Termin',
    task: 'Aufgabe',
    followUp: 'Wiedervorlage',
  },
  /**
   * How the way back addresses a calendar row in `rowModify` / `rowDelete` (an index and its key
   * field, as microtech's published `exactMatch: { byNr: { kf1ArtNr: … } }`) and the argument
   * that makes a write conditional on the row's version (optimistic locking). Assumed, and
   * introspected: docs/buero-api.md.
   */
  calendarWrite: {
    index: 'byID',
    idKey: 'kf1ID',
    lockArgument: 'modifyLSN',
  },
  addresses: {
    addressNr: 'fldAdrNr',
    name1: 'fldNa1',
    email: 'fldEMail1',
    info: 'fldInfo',
  },
  postalAddresses: {
    addressNr: 'fldAdrNr',
    postalNr: 'fldAnsNr',
    name1: 'fldNa1',
    name2: 'fldNa2',
    name3: 'fldNa3',
    street: 'fldStr',
    zip: 'fldPLZ',
    city: 'fldOrt',
    country: 'fldLand',
    phone: 'fldTel',
    email: 'fldEMail1',
    department: 'fldAbt',
  },
  contactPeople: {
    addressNr: 'fldAdrNr',
    postalNr: 'fldAnsNr',
    personNr: 'fldAspNr',
    salutation: 'fldAnr',
    firstName: 'fldVNa',
    lastName: 'fldNNa',
    email: 'fldEMail1',
    phone: 'fldTel1',
    department: 'fldAbt',
    info: 'fldInfo',
  },
};

export type FieldMap = { [G in keyof typeof DEFAULT_FIELDS]: { [K in keyof (typeof DEFAULT_FIELDS)[G]]: string } };
/** The entities whose fields are büro+ field names (calendarKinds holds values, calendarWrite API names). */
export type Entity = Exclude<keyof FieldMap, 'calendarKinds' | 'calendarWrite'>;
export const ENTITIES: Entity[] = ['users', 'calendar', 'addresses', 'postalAddresses', 'contactPeople'];

/** Fields every büro+ table has (published by microtech, so not settings). */
export const ID_FIELD = 'fldID';
export const LSN_FIELD = 'fldModifyLSN';

/** The table of each entity and the GraphQL type name assumed for its rows. */
export const ENTITY_TABLES: Record<Entity, { table: string; typeName: string }> = {
  users: { table: 'tblUsers', typeName: 'User' },
  calendar: { table: 'tblCalendar', typeName: 'CalendarEntry' },
  addresses: { table: 'tblAddresses', typeName: 'Address' },
  postalAddresses: { table: 'tblPostalAddresses', typeName: 'PostalAddress' },
  contactPeople: { table: 'tblContactPeople', typeName: 'ContactPerson' },
};

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The field map of a connection: the defaults with the user's overrides (blank overrides keep
 * the default). A name that is not a GraphQL name is rejected here, before any query.
 */
export function resolveFieldMap(overrides: unknown): FieldMap {
  const map = JSON.parse(JSON.stringify(DEFAULT_FIELDS)) as FieldMap;
  if (!overrides || typeof overrides !== 'object') return map;
  const o = overrides as Record<string, Record<string, unknown>>;
  for (const group of Object.keys(map) as (keyof FieldMap)[]) {
    const given = o[group];
    if (!given || typeof given !== 'object') continue;
    const target = map[group] as Record<string, string>;
    for (const key of Object.keys(target)) {
      const value = given[key];
      if (typeof value !== 'string' || value.trim() === '') continue;
      const name = value.trim();
      if (group !== 'calendarKinds' && !NAME.test(name)) {
        throw new SyncError(BueroCode.fieldName, `"${name}" is not a valid büro+ field name (setting ${settingName(group, key)}).`, {
          field: name,
        });
      }
      target[key] = name;
    }
  }
  return map;
}

/** The setting a user changes for a field, in the words of the edit dialog. */
export function settingName(group: keyof FieldMap, key: string): string {
  return `büro+ connection → field names → ${group}.${key}`;
}

/** The entity an assumed type name belongs to, or the entity whose table is named. */
export function entityOfType(typeName: string, typeNames: Partial<Record<Entity, string>> = {}): Entity | undefined {
  return ENTITIES.find((e) => (typeNames[e] ?? ENTITY_TABLES[e].typeName) === typeName);
}

/**
 * büro+ answers a query naming a field that does not exist with GraphQL's standard error
 * `Cannot query field "fldX" on type "CalendarEntry".`; this turns it into an error that
 * names the field, the type and the setting to change.
 */
export function unknownFieldError(message: string, fields: FieldMap, typeNames: Partial<Record<Entity, string>> = {}): SyncError | undefined {
  const m = /Cannot query field "([^"]+)" on type "([^"]+)"/.exec(message);
  if (!m) return undefined;
  const [, field, type] = m;
  const entity = entityOfType(type, typeNames);
  let setting = 'the field names of the büro+ connection';
  if (entity) {
    const key = Object.entries(fields[entity]).find(([, v]) => v === field)?.[0];
    if (key) setting = `the setting ${settingName(entity, key)}`;
  }
  return new SyncError(BueroCode.unknownField, `büro+ has no field ${field} on type ${type}: change ${setting} (use "Check fields" to list the names that exist).`, {
    field,
    record: type,
  });
}

/** The names to read for an entity: id and LSN plus every configured field, each once. */
export function fieldsToRead(fields: FieldMap, entity: Entity): string[] {
  return [...new Set([ID_FIELD, LSN_FIELD, ...Object.values(fields[entity])])];
}

/** Logical name → büro+ name of one entity (the map the change message carries). */
export function namesOf(fields: FieldMap, entity: Entity): Record<string, string> {
  return { ...fields[entity] };
}

export interface FieldCheckResult {
  entity: Entity;
  table: string;
  /** The GraphQL type of the table's rows as büro+ reports it. */
  type: string;
  /** Configured fields that do not exist: setting key and name. */
  missing: { key: string; field: string; setting: string }[];
  /** Every field name the type has. */
  available: string[];
  /** Calendar only: whether the büro+ user may write what the way back (Outlook → büro+) writes. */
  writeBack?: WriteBackCheck;
}

/** The calendar fields the way back writes (kind and owner only when it creates an entry). */
export const WRITE_BACK_FIELDS = ['kind', 'owner', 'subject', 'begin', 'end', 'allDay', 'location', 'reminderMinutes', 'done', 'seriesExceptions'] as const;
const CREATE_ONLY: readonly string[] = ['kind', 'owner'];

export interface WriteBackCheck {
  /** Fields the way back writes that this büro+ user may not write (no `set` where it is needed). */
  notWritable: { key: string; field: string; setting: string; in: ('rowNew' | 'rowModify')[] }[];
  /** The index rowModify / rowDelete address an entry by (settings calendarWrite.index, .idKey). */
  index: { name: string; idKey: string; offered: boolean; available: string[]; setting: string };
  /** The lock argument (setting calendarWrite.lockArgument); not offered: a write compares the version just before. */
  lock: { argument: string; offered: boolean };
  /** The calendar cannot be written at all (the reason), instead of the above. */
  error?: string;
}

type Query = <T>(text: string) => Promise<T>;

interface TypeInfo {
  name: string;
  fields: { name: string; type: TypeRef }[] | null;
}
interface TypeRef {
  name: string | null;
  kind: string;
  ofType: TypeRef | null;
}

function namedType(t: TypeRef | null): string | undefined {
  while (t && !t.name) t = t.ofType;
  return t?.name ?? undefined;
}

const TYPE_REF = 'type { name kind ofType { name kind ofType { name kind ofType { name kind } } } }';

/**
 * "Check fields": asks büro+ for one type at a time (never the whole schema, which is too
 * large) and lists every configured field that the type does not have, with the names that
 * exist. The row type of each table is discovered (table → `rowRead`'s type) so the check
 * does not depend on the assumed type names.
 */
export async function checkFields(query: Query, fields: FieldMap): Promise<FieldCheckResult[]> {
  const tables = await query<Record<string, { __typename: string } | null>>(
    `{ ${ENTITIES.map((e) => `${e}: ${ENTITY_TABLES[e].table} { __typename }`).join(' ')} }`,
  );
  const tableTypes = await query<Record<string, TypeInfo | null>>(
    `{ ${ENTITIES.map((e) => `${e}: __type(name: ${JSON.stringify(tables[e]?.__typename ?? '')}) { name fields { name ${TYPE_REF} } }`).join(' ')} }`,
  );
  const rowTypes: Record<string, string> = {};
  for (const e of ENTITIES) {
    const rowRead = tableTypes[e]?.fields?.find((f) => f.name === 'rowRead' || f.name === 'rowsRead');
    rowTypes[e] = namedType(rowRead?.type ?? null) ?? ENTITY_TABLES[e].typeName;
  }
  const entityTypes = await query<Record<string, TypeInfo | null>>(
    `{ ${ENTITIES.map((e) => `${e}: __type(name: ${JSON.stringify(rowTypes[e])}) { name fields { name } }`).join(' ')} }`,
  );
  const results: FieldCheckResult[] = ENTITIES.map((entity) => {
    const available = (entityTypes[entity]?.fields ?? []).map((f) => f.name).sort();
    const have = new Set(available);
    const missing = Object.entries(fields[entity])
      .filter(([, field]) => !have.has(field))
      .map(([key, field]) => ({ key, field, setting: settingName(entity, key) }));
    return { entity, table: ENTITY_TABLES[entity].table, type: rowTypes[entity], missing, available };
  });
  const calendar = results.find((r) => r.entity === 'calendar')!;
  calendar.writeBack = await checkWriteBack(query, fields, new Set(calendar.available));
  return results;
}

/** "Check fields" for the way back: may the büro+ user write each calendar field it writes, and how are entries addressed? */
async function checkWriteBack(query: Query, fields: FieldMap, existing: Set<string>): Promise<WriteBackCheck> {
  const w = fields.calendarWrite;
  const index = { name: w.index, idKey: w.idKey, offered: false, available: [] as string[], setting: `${settingName('calendarWrite', 'index')}, .idKey` };
  const lock = { argument: w.lockArgument, offered: false };
  let shape;
  try {
    shape = await discoverWriteShape(query, ENTITY_TABLES.calendar.table, w);
  } catch (err) {
    if (!(err instanceof SyncError) || err.retryable) throw err;
    return { notWritable: [], index, lock, error: err.message };
  }
  const onNew = new Set(shape.settableOnNew);
  const onModify = new Set(shape.settableOnModify);
  const notWritable = WRITE_BACK_FIELDS.filter((key) => existing.has(fields.calendar[key])).flatMap((key) => {
    const field = fields.calendar[key];
    const lacking: ('rowNew' | 'rowModify')[] = [];
    if (!onNew.has(field)) lacking.push('rowNew');
    if (!CREATE_ONLY.includes(key) && !onModify.has(field)) lacking.push('rowModify');
    return lacking.length ? [{ key, field, setting: settingName('calendar', key), in: lacking }] : [];
  });
  return {
    notWritable,
    index: { ...index, offered: shape.index.offered, available: shape.index.available },
    lock: { ...lock, offered: shape.lockArgument !== undefined },
  };
}
