/**
 * The büro+ tables the simulator serves, with their fields. Names follow docs/buero-api.md:
 * the published ones (tables, common fields, address fields from the COM interface with the
 * `fld` prefix) and the assumed ones (tblUsers and tblCalendar fields).
 */

/** Storage kinds: what a field holds, which decides its default output and the `set:` inputs it takes. */
export type FieldKind = 'int' | 'bigint' | 'float' | 'string' | 'rtf' | 'bool' | 'date' | 'datetime';

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  /** Maintained by the server: no `set:` argument (büro+ offers `set` only where writing is allowed). */
  readOnly?: boolean;
  description: string;
}

/** A sort order (`by…`) with its key fields (`kf1…`, `kf2…`). */
export interface IndexSpec {
  name: string;
  keyFields: string[];
}

/** `lnk…` (a list) or `row…` (one record) of another table whose fields equal this row's. */
export interface LinkSpec {
  name: string;
  table: TableName;
  /** [this row's field, the linked table's field] pairs. */
  on: [string, string][];
  single?: boolean;
}

export type TableName = 'tblCalendar' | 'tblAddresses' | 'tblPostalAddresses' | 'tblContactPeople' | 'tblUsers' | 'tblClient';

export interface TableSpec {
  name: TableName;
  /** The entity type name (`__type(name: "CalendarEntry")`). */
  typeName: string;
  writable: boolean;
  /** A single-record table (`tblClient { rowRead { … } }`). */
  single?: boolean;
  fields: FieldSpec[];
  indexes: IndexSpec[];
  links: LinkSpec[];
  description: string;
}

const head: FieldSpec[] = [
  { name: 'fldID', kind: 'int', readOnly: true, description: 'Automatic record id.' },
  { name: 'fldInsertLSN', kind: 'bigint', readOnly: true, description: 'Version number at creation (monotonic across the Mandant).' },
  { name: 'fldModifyLSN', kind: 'bigint', readOnly: true, description: 'Version number of the last change (monotonic across the Mandant).' },
];

const tail: FieldSpec[] = [
  { name: 'fldInfo', kind: 'rtf', description: 'Information text (may be RTF).' },
  { name: 'fldMemo', kind: 'rtf', description: 'Memo text (may be RTF).' },
  { name: 'fldQuickInfo', kind: 'string', description: 'Quick info.' },
  { name: 'fldErstDat', kind: 'datetime', readOnly: true, description: 'Created at (local time).' },
  { name: 'fldErstBzr', kind: 'string', readOnly: true, description: 'Created by (login name).' },
  { name: 'fldAendDat', kind: 'datetime', readOnly: true, description: 'Changed at (local time).' },
  { name: 'fldAendBzr', kind: 'string', readOnly: true, description: 'Changed by (login name).' },
];

function fields(own: FieldSpec[]): FieldSpec[] {
  return [...head, ...own, ...tail];
}

const addressLink: LinkSpec = { name: 'rowAdrNr', table: 'tblAddresses', on: [['fldAdrNr', 'fldAdrNr']], single: true };

export const TABLES: Record<TableName, TableSpec> = {
  tblCalendar: {
    name: 'tblCalendar',
    typeName: 'CalendarEntry',
    writable: true,
    description: 'Kalender: appointments (Termine), tasks (Aufgaben) and follow-ups (Wiedervorlagen).',
    fields: fields([
      { name: 'fldArt', kind: 'string', description: 'Kind: Termin, Aufgabe or Wiedervorlage.' },
      { name: 'fldBzrNr', kind: 'int', description: 'Owning user (tblUsers.fldNr).' },
      { name: 'fldTeilnehmer', kind: 'string', description: 'Participant user numbers, ";"-separated.' },
      { name: 'fldKurzInfo', kind: 'string', description: 'Kalenderkurzinformation (subject).' },
      { name: 'fldOrt', kind: 'string', description: 'Location.' },
      { name: 'fldBeginn', kind: 'datetime', description: 'Start, local date-time without offset.' },
      { name: 'fldEnde', kind: 'datetime', description: 'End, local date-time; for all-day entries the last day, included.' },
      { name: 'fldGanzTg', kind: 'bool', description: 'All-day.' },
      { name: 'fldErinnMin', kind: 'int', description: 'Reminder minutes before start; null for none.' },
      { name: 'fldErledigt', kind: 'bool', description: 'Task done.' },
      { name: 'fldPrio', kind: 'int', description: 'Priority: 0 low, 1 normal, 2 high.' },
      { name: 'fldAdrNr', kind: 'string', description: 'Linked address (tblAddresses.fldAdrNr).' },
      { name: 'fldSerie', kind: 'string', description: 'Recurrence rule (RFC 5545 RRULE); null for single entries.' },
      { name: 'fldSerieAusn', kind: 'string', description: 'Exception dates of the series, ";"-separated YYYY-MM-DD.' },
    ]),
    indexes: [{ name: 'byID', keyFields: ['fldID'] }],
    links: [addressLink, { name: 'rowBzrNr', table: 'tblUsers', on: [['fldBzrNr', 'fldNr']], single: true }],
  },
  tblAddresses: {
    name: 'tblAddresses',
    typeName: 'Address',
    writable: true,
    description: 'Adressen: customers, suppliers, prospects.',
    fields: fields([
      { name: 'fldAdrNr', kind: 'string', description: 'Address number.' },
      { name: 'fldSuchBeg', kind: 'string', description: 'Search term.' },
      { name: 'fldNa1', kind: 'string', description: 'Name.' },
      { name: 'fldEMail1', kind: 'string', description: 'E-mail.' },
    ]),
    indexes: [
      { name: 'byNr', keyFields: ['fldAdrNr'] },
      { name: 'byID', keyFields: ['fldID'] },
    ],
    links: [
      { name: 'lnkPostalAddresses', table: 'tblPostalAddresses', on: [['fldAdrNr', 'fldAdrNr']] },
      { name: 'lnkContactPeople', table: 'tblContactPeople', on: [['fldAdrNr', 'fldAdrNr']] },
    ],
  },
  tblPostalAddresses: {
    name: 'tblPostalAddresses',
    typeName: 'PostalAddress',
    writable: true,
    description: 'Anschriften: the postal addresses of an address.',
    fields: fields([
      { name: 'fldAdrNr', kind: 'string', description: 'Address number.' },
      { name: 'fldAnsNr', kind: 'int', description: 'Postal address number within the address.' },
      { name: 'fldNa1', kind: 'string', description: 'Name line 1.' },
      { name: 'fldNa2', kind: 'string', description: 'Name line 2.' },
      { name: 'fldNa3', kind: 'string', description: 'Name line 3.' },
      { name: 'fldStr', kind: 'string', description: 'Street.' },
      { name: 'fldPLZ', kind: 'string', description: 'Postcode.' },
      { name: 'fldOrt', kind: 'string', description: 'City.' },
      { name: 'fldLand', kind: 'string', description: 'Country code.' },
      { name: 'fldTel', kind: 'string', description: 'Phone.' },
      { name: 'fldEMail1', kind: 'string', description: 'E-mail.' },
      { name: 'fldAbt', kind: 'string', description: 'Department.' },
    ]),
    indexes: [
      { name: 'byNr', keyFields: ['fldAdrNr', 'fldAnsNr'] },
      { name: 'byID', keyFields: ['fldID'] },
    ],
    links: [addressLink, { name: 'lnkContactPeople', table: 'tblContactPeople', on: [['fldAdrNr', 'fldAdrNr'], ['fldAnsNr', 'fldAnsNr']] }],
  },
  tblContactPeople: {
    name: 'tblContactPeople',
    typeName: 'ContactPerson',
    writable: true,
    description: 'Ansprechpartner: the contact people of a postal address.',
    fields: fields([
      { name: 'fldAdrNr', kind: 'string', description: 'Address number.' },
      { name: 'fldAnsNr', kind: 'int', description: 'Postal address number.' },
      { name: 'fldAspNr', kind: 'int', description: 'Contact person number within the address.' },
      { name: 'fldAnr', kind: 'string', description: 'Salutation.' },
      { name: 'fldVNa', kind: 'string', description: 'First name.' },
      { name: 'fldNNa', kind: 'string', description: 'Last name.' },
      { name: 'fldEMail1', kind: 'string', description: 'E-mail.' },
      { name: 'fldTel1', kind: 'string', description: 'Phone.' },
      { name: 'fldAbt', kind: 'string', description: 'Department.' },
    ]),
    indexes: [
      { name: 'byNr', keyFields: ['fldAdrNr', 'fldAspNr'] },
      { name: 'byID', keyFields: ['fldID'] },
    ],
    links: [
      addressLink,
      { name: 'rowAnsNr', table: 'tblPostalAddresses', on: [['fldAdrNr', 'fldAdrNr'], ['fldAnsNr', 'fldAnsNr']], single: true },
    ],
  },
  tblUsers: {
    name: 'tblUsers',
    typeName: 'User',
    writable: false,
    description: 'Benutzer (read-only).',
    fields: fields([
      { name: 'fldNr', kind: 'int', description: 'User number.' },
      { name: 'fldAnmNa', kind: 'string', description: 'Login name.' },
      { name: 'fldNa', kind: 'string', description: 'Full name.' },
      { name: 'fldExchPostfach', kind: 'string', description: 'Exchange mailbox of the user.' },
      { name: 'fldStartMandNr', kind: 'int', description: 'Vorgaben für Programmstart: the Mandant the user starts in.' },
    ]),
    indexes: [
      { name: 'byNr', keyFields: ['fldNr'] },
      { name: 'byID', keyFields: ['fldID'] },
    ],
    links: [],
  },
  tblClient: {
    name: 'tblClient',
    typeName: 'Client',
    writable: false,
    single: true,
    description: 'Mandant: a single record.',
    fields: fields([
      { name: 'fldMandNr', kind: 'int', description: 'Mandant number.' },
      { name: 'fldNa1', kind: 'string', description: 'Company name.' },
    ]),
    indexes: [],
    links: [],
  },
};

export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

export function fieldSpec(table: TableName, name: string): FieldSpec | undefined {
  return FIELD_MAPS[table].get(name);
}

const FIELD_MAPS = Object.fromEntries(
  TABLE_NAMES.map((t) => [t, new Map(TABLES[t].fields.map((f) => [f.name, f]))]),
) as Record<TableName, Map<string, FieldSpec>>;

/** The calendar kinds büro+ knows (fldArt). */
export const CALENDAR_KINDS = ['Termin', 'Aufgabe', 'Wiedervorlage'] as const;
