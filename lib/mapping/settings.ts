/**
 * The mapper's settings and the büro+ field names it reads. The field names are the
 * defaults of docs/buero-api.md ("Assumed" and the COM names with the `fld` prefix); names
 * marked "assumed" below are not published by microtech at all. Each can be changed, so a
 * büro+ whose names differ needs no code change.
 */
import { MappingCode } from '../error-codes';
import { isUnresolvedVariable } from '../env';
import { SyncError } from '../errors';
import type { Appointment } from '../exchange/model';
import { checkOverrides, type FieldOverride, type OverrideEvaluator } from './overrides';
import { isTimeZone } from '../time';

export interface CalendarFields {
  /** Kalenderkurzinformation → subject. */
  subject: string;
  /** Kalenderinformation → body (may be RTF). */
  info: string;
  /** Memo text, appended to the body (empty name: not used). */
  memo: string;
  location: string;
  start: string;
  end: string;
  allDay: string;
  reminderMinutes: string;
  done: string;
  priority: string;
  /** RFC 5545 RRULE of a series. */
  series: string;
  /** Exception dates of a series, `;`-separated. */
  seriesExceptions: string;
}

export interface ContactPersonFields {
  salutation: string;
  givenName: string;
  surname: string;
  department: string;
  /** assumed */
  jobTitle: string;
  email1: string;
  /** assumed */
  email2: string;
  /** assumed */
  email3: string;
  phone: string;
  /** assumed */
  mobile: string;
  /** assumed */
  homePhone: string;
  /** assumed */
  fax: string;
  info: string;
  memo: string;
}

export interface AddressFields {
  /** Company name (Na1). */
  name: string;
  email: string;
  /** assumed */
  phone: string;
  info: string;
  memo: string;
}

export interface PostalAddressFields {
  name: string;
  department: string;
  street: string;
  postalCode: string;
  city: string;
  country: string;
  phone: string;
  /** assumed */
  fax: string;
  email: string;
}

export interface BueroFields {
  calendar: CalendarFields;
  contactPerson: ContactPersonFields;
  address: AddressFields;
  postalAddress: PostalAddressFields;
}

export const DEFAULT_FIELDS: BueroFields = {
  calendar: {
    subject: 'fldKurzInfo',
    info: 'fldInfo',
    memo: 'fldMemo',
    location: 'fldOrt',
    start: 'fldBeginn',
    end: 'fldEnde',
    allDay: 'fldGanzTg',
    reminderMinutes: 'fldErinnMin',
    done: 'fldErledigt',
    priority: 'fldPrio',
    series: 'fldSerie',
    seriesExceptions: 'fldSerieAusn',
  },
  contactPerson: {
    salutation: 'fldAnr',
    givenName: 'fldVNa',
    surname: 'fldNNa',
    department: 'fldAbt',
    jobTitle: 'fldPos',
    email1: 'fldEMail1',
    email2: 'fldEMail2',
    email3: 'fldEMail3',
    phone: 'fldTel1',
    mobile: 'fldMobilTel',
    homePhone: 'fldTelPriv',
    fax: 'fldFax',
    info: 'fldInfo',
    memo: 'fldMemo',
  },
  address: { name: 'fldNa1', email: 'fldEMail1', phone: 'fldTel', info: 'fldInfo', memo: 'fldMemo' },
  postalAddress: {
    name: 'fldNa1',
    department: 'fldAbt',
    street: 'fldStr',
    postalCode: 'fldPLZ',
    city: 'fldOrt',
    country: 'fldLand',
    phone: 'fldTel',
    fax: 'fldFax',
    email: 'fldEMail1',
  },
};

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface MapSettings {
  /** The Mandant's IANA time zone: büro+ local times are read in it. */
  timeZone: string;
  bodyFormat: 'html' | 'text';
  /** "Informationen nicht hinterlegen": updates never overwrite the body in Outlook. */
  keepInfo: boolean;
  /** Category on every synced item, so users see what came from büro+; empty: none. */
  category: string;
  /** An address without contact people becomes a company contact. */
  companyContacts: boolean;
  /** Reminder when büro+ has none: minutes before start, or null for no reminder. */
  reminderDefault: number | null;
  /** Subject of an entry whose subject is empty. */
  placeholderSubject: string;
  freeBusy: NonNullable<Appointment['freeBusy']>;
  fields: BueroFields;
  overrides: FieldOverride[];
  /** Evaluates an override's expression (Node-RED's JSONata in the node). */
  evaluate?: OverrideEvaluator;
}

export const DEFAULT_SETTINGS: Omit<MapSettings, 'evaluate'> = {
  timeZone: 'Europe/Berlin',
  bodyFormat: 'html',
  keepInfo: false,
  category: 'büro+',
  companyContacts: true,
  reminderDefault: null,
  placeholderSubject: '(ohne Betreff)',
  freeBusy: 'busy',
  fields: DEFAULT_FIELDS,
  overrides: [],
};

export type SettingsInput = Omit<Partial<MapSettings>, 'fields'> & { fields?: DeepPartial<BueroFields> };

function configError(field: string, message: string): SyncError {
  return new SyncError(MappingCode.configInvalid, message, { record: 'buero-map settings', field });
}

const FREE_BUSY = ['free', 'tentative', 'busy', 'oof', 'workingElsewhere'] as const;

/** Complete, checked settings: defaults filled in; a wrong value is a `MAPPING_CONFIG_INVALID` error. */
export function resolveSettings(input: SettingsInput = {}): MapSettings {
  const s: MapSettings = {
    ...DEFAULT_SETTINGS,
    ...dropUndefined(input),
    fields: mergeFields(input.fields),
    overrides: checkOverrides(input.overrides),
  };
  if (!isTimeZone(s.timeZone)) {
    throw configError('timeZone', `Unknown time zone "${s.timeZone}": use an IANA name such as Europe/Berlin.`);
  }
  if (s.bodyFormat !== 'html' && s.bodyFormat !== 'text') {
    throw configError('bodyFormat', `Body format "${String(s.bodyFormat)}" is neither html nor text.`);
  }
  if (s.reminderDefault !== null && !(Number.isInteger(s.reminderDefault) && s.reminderDefault >= 0)) {
    throw configError('reminderDefault', `Default reminder "${String(s.reminderDefault)}" is no number of minutes.`);
  }
  if (!FREE_BUSY.includes(s.freeBusy)) {
    throw configError('freeBusy', `Free/busy "${String(s.freeBusy)}" is none of ${FREE_BUSY.join(', ')}.`);
  }
  if (typeof s.category !== 'string') throw configError('category', 'The category must be a text.');
  if (typeof s.placeholderSubject !== 'string' || s.placeholderSubject.trim() === '') {
    throw configError('placeholderSubject', 'The placeholder subject must not be empty.');
  }
  return s;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function mergeFields(partial: DeepPartial<BueroFields> | undefined): BueroFields {
  const out = JSON.parse(JSON.stringify(DEFAULT_FIELDS)) as BueroFields;
  if (partial === undefined || partial === null) return out;
  if (typeof partial !== 'object') throw configError('fields', 'The field names must be an object.');
  for (const [group, names] of Object.entries(partial)) {
    if (!(group in out)) {
      throw configError(`fields.${group}`, `Unknown field group "${group}": use ${Object.keys(out).join(', ')}.`);
    }
    const target = out[group as keyof BueroFields] as unknown as Record<string, string>;
    for (const [key, name] of Object.entries(names ?? {})) {
      if (!(key in target)) {
        throw configError(`fields.${group}.${key}`, `Unknown field "${key}" in "${group}": use ${Object.keys(target).join(', ')}.`);
      }
      if (typeof name !== 'string') throw configError(`fields.${group}.${key}`, 'A field name must be a text.');
      target[key] = name.trim();
    }
  }
  return out;
}

/** Reads a boolean setting from a flow property: true/false, also as text (env vars are text). */
export function settingBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '' || isUnresolvedVariable(value)) return fallback;
  if (typeof value === 'boolean') return value;
  const s = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'ja', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'nein', 'off'].includes(s)) return false;
  throw configError(field, `"${String(value)}" is neither true nor false.`);
}

/** Reads the default reminder: empty or `none` → null, else whole minutes. */
export function settingReminder(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const s = String(value).trim().toLowerCase();
  if (s === '' || s === 'none' || s === 'keine' || s === 'null') return null;
  if (!/^\d+$/.test(s)) throw configError('reminderDefault', `Default reminder "${String(value)}" is no number of minutes.`);
  return Number(s);
}

/** The büro+ field names the mapper reads per table (what the change source must fetch). */
export function fieldsRead(fields: BueroFields): Record<'tblCalendar' | 'tblContactPeople' | 'tblAddresses' | 'tblPostalAddresses', string[]> {
  const names = (o: object) => [...new Set(Object.values(o).filter((n): n is string => typeof n === 'string' && n !== ''))];
  return {
    tblCalendar: names(fields.calendar),
    tblContactPeople: names(fields.contactPerson),
    tblAddresses: names(fields.address),
    tblPostalAddresses: names(fields.postalAddress),
  };
}

/** The settings as a flow holds them: texts (environment variables already substituted). */
export interface FlowSettings {
  timeZone?: unknown;
  bodyFormat?: unknown;
  keepInfo?: unknown;
  category?: unknown;
  companyContacts?: unknown;
  reminderDefault?: unknown;
  placeholderSubject?: unknown;
  freeBusy?: unknown;
  /** JSON text or object: field names differing from the defaults, e.g. `{"calendar":{"location":"fldRaum"}}`. */
  fields?: unknown;
  overrides?: FieldOverride[];
  evaluate?: OverrideEvaluator;
}

/**
 * Node-RED leaves `${NAME}` as it is when the variable is not set; such a setting, like an empty
 * one, takes the default (the reference flow names optional variables).
 */
function textSetting(value: unknown, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  const s = String(value).trim();
  return s === '' || isUnresolvedVariable(s) ? fallback : s;
}

/** Settings from the edit dialog's values: empty fields take the defaults. */
export function settingsFromFlow(raw: FlowSettings): MapSettings {
  let fields = raw.fields;
  if (typeof fields === 'string') {
    if (fields.trim() === '') fields = undefined;
    else {
      try {
        fields = JSON.parse(fields);
      } catch (err) {
        throw configError('fields', `The field names are no valid JSON: ${(err as Error).message}`);
      }
    }
  }
  return resolveSettings({
    timeZone: textSetting(raw.timeZone, DEFAULT_SETTINGS.timeZone),
    bodyFormat: textSetting(raw.bodyFormat, DEFAULT_SETTINGS.bodyFormat).toLowerCase() as MapSettings['bodyFormat'],
    keepInfo: settingBoolean(raw.keepInfo, 'keepInfo', DEFAULT_SETTINGS.keepInfo),
    // An emptied category field means: no category.
    category: raw.category === undefined || raw.category === null ? DEFAULT_SETTINGS.category : String(raw.category).trim(),
    companyContacts: settingBoolean(raw.companyContacts, 'companyContacts', DEFAULT_SETTINGS.companyContacts),
    reminderDefault: settingReminder(raw.reminderDefault),
    placeholderSubject: textSetting(raw.placeholderSubject, DEFAULT_SETTINGS.placeholderSubject),
    freeBusy: textSetting(raw.freeBusy, DEFAULT_SETTINGS.freeBusy) as MapSettings['freeBusy'],
    fields: fields as DeepPartial<BueroFields> | undefined,
    overrides: raw.overrides ?? [],
    evaluate: raw.evaluate,
  });
}

/**
 * The büro+ connection's names for the fields (lib/buero/fields.ts, sent along as
 * `change.fields`) → the mapper's. The connection reads the record, so its names win over the
 * mapper's own setting.
 */
const CONNECTION_KEYS: { [G in keyof BueroFields]: { entity: string; keys: Record<string, keyof BueroFields[G]> } } = {
  calendar: {
    entity: 'calendar',
    keys: {
      subject: 'subject', info: 'info', memo: 'memo', location: 'location', begin: 'start', end: 'end', allDay: 'allDay',
      reminderMinutes: 'reminderMinutes', done: 'done', priority: 'priority', series: 'series', seriesExceptions: 'seriesExceptions',
    },
  },
  contactPerson: {
    entity: 'contactPeople',
    keys: { salutation: 'salutation', firstName: 'givenName', lastName: 'surname', email: 'email1', phone: 'phone', department: 'department', info: 'info' },
  },
  address: { entity: 'addresses', keys: { name1: 'name', email: 'email', info: 'info' } },
  postalAddress: {
    entity: 'postalAddresses',
    keys: { name1: 'name', street: 'street', zip: 'postalCode', city: 'city', country: 'country', phone: 'phone', email: 'email', department: 'department' },
  },
};

export function withConnectionFields(fields: BueroFields, given: unknown): BueroFields {
  if (!given || typeof given !== 'object') return fields;
  const out = JSON.parse(JSON.stringify(fields)) as BueroFields;
  for (const group of Object.keys(CONNECTION_KEYS) as (keyof BueroFields)[]) {
    const { entity, keys } = CONNECTION_KEYS[group];
    const names = (given as Record<string, unknown>)[entity];
    if (!names || typeof names !== 'object') continue;
    for (const [key, mine] of Object.entries(keys)) {
      const name = (names as Record<string, unknown>)[key];
      if (typeof name === 'string' && name.trim() !== '') (out[group] as unknown as Record<string, string>)[mine as string] = name.trim();
    }
  }
  return out;
}
