import type { FieldMap } from '../fields';
import { ID_FIELD } from '../fields';
import type { Source } from './ack-ledger';
import { toInt } from '../graphql';

/**
 * Contacts are made of three büro+ tables: an address (Adresse), its postal addresses
 * (Anschriften) and its contact people (Ansprechpartner). One Exchange contact per contact
 * person, filled from the person, their postal address and the address; an address without
 * contact people is one company contact. So a change to any of the three tables emits the
 * contacts it affects. Rows are joined by the address number (`fldAdrNr`), a contact person
 * to a postal address by `fldAnsNr`.
 */
type Row = Record<string, unknown>;

/** The address number as a join key (büro+ may send it as text or number). */
export function adrKey(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** What changed per address number in one poll. */
export class ContactTriggers {
  /** Address rows changed: address number → sources. */
  readonly addresses = new Map<string, Source[]>();
  /** Postal address rows changed: address number → postal number → sources. */
  readonly postals = new Map<string, Map<string, Source[]>>();
  /** Contact people changed: person id → sources. */
  readonly persons = new Map<number, Source[]>();
  /** Address numbers that lost a postal address or a contact person (deletions). */
  readonly lostPostal = new Set<string>();
  readonly lostPerson = new Set<string>();
  /** One raw value per address number, to write filters in büro+'s own type. */
  readonly raw = new Map<string, unknown>();

  note(key: string, raw: unknown): void {
    if (!this.raw.has(key)) this.raw.set(key, raw);
  }

  get addressNumbers(): string[] {
    const keys = new Set<string>([...this.addresses.keys(), ...this.postals.keys(), ...this.lostPostal, ...this.lostPerson]);
    for (const k of this.personAddress.values()) keys.add(k);
    return [...keys];
  }

  /** person id → address number, for changed people (their address must be read too). */
  readonly personAddress = new Map<number, string>();
}

function push<K>(map: Map<K, Source[]>, key: K, s: Source): void {
  const list = map.get(key);
  if (list) list.push(s);
  else map.set(key, [s]);
}

export function addTrigger(t: ContactTriggers, table: 'tblAddresses' | 'tblPostalAddresses' | 'tblContactPeople', row: Row, fields: FieldMap, lsn: bigint): void {
  const source = { table, lsn };
  if (table === 'tblAddresses') {
    const k = adrKey(row[fields.addresses.addressNr]);
    if (k === undefined) return;
    t.note(k, row[fields.addresses.addressNr]);
    push(t.addresses, k, source);
  } else if (table === 'tblPostalAddresses') {
    const k = adrKey(row[fields.postalAddresses.addressNr]);
    if (k === undefined) return;
    t.note(k, row[fields.postalAddresses.addressNr]);
    let m = t.postals.get(k);
    if (!m) t.postals.set(k, (m = new Map()));
    push(m, adrKey(row[fields.postalAddresses.postalNr]) ?? '', source);
  } else {
    const id = toInt(row[ID_FIELD]);
    const k = adrKey(row[fields.contactPeople.addressNr]);
    if (id === undefined) return;
    push(t.persons, id, source);
    if (k !== undefined) {
      t.note(k, row[fields.contactPeople.addressNr]);
      t.personAddress.set(id, k);
    }
  }
}

export interface PlannedContact {
  /** `person`: a contact person's contact; `company`: an address without contact people;
   *  `companyGone`: an address that now has contact people lost its company contact. */
  kind: 'person' | 'company' | 'companyGone';
  address?: Row;
  postalAddress?: Row;
  person?: Row;
  sources: Source[];
}

function postalNumber(v: unknown): number {
  const n = toInt(v);
  return n === undefined ? Number.MAX_SAFE_INTEGER : n;
}

/**
 * The postal address of a contact person: the one with their `fldAnsNr`, else the address's
 * first postal address (lowest number), which is also the company contact's.
 */
export function postalOf(person: Row | undefined, postals: Row[], fields: FieldMap): Row | undefined {
  if (person) {
    const want = adrKey(person[fields.contactPeople.postalNr]);
    const hit = want !== undefined ? postals.find((p) => adrKey(p[fields.postalAddresses.postalNr]) === want) : undefined;
    if (hit) return hit;
  }
  return [...postals].sort((a, b) => postalNumber(a[fields.postalAddresses.postalNr]) - postalNumber(b[fields.postalAddresses.postalNr]))[0];
}

/**
 * Which contacts to emit for one address number, given its rows as büro+ has them now and
 * what changed. `companySent`: whether the address's company contact is in some mailbox.
 */
export function planContacts(
  key: string,
  rows: { address?: Row; postals: Row[]; persons: Row[] },
  t: ContactTriggers,
  fields: FieldMap,
  companySent: boolean,
): PlannedContact[] {
  const out: PlannedContact[] = [];
  const addressSources = t.addresses.get(key) ?? [];
  const postalSources = t.postals.get(key) ?? new Map<string, Source[]>();
  const lostPostal = t.lostPostal.has(key);
  for (const person of rows.persons) {
    const id = toInt(person[ID_FIELD]);
    const postal = postalOf(person, rows.postals, fields);
    const pk = postal ? (adrKey(postal[fields.postalAddresses.postalNr]) ?? '') : undefined;
    const sources = [...addressSources, ...(pk !== undefined ? (postalSources.get(pk) ?? []) : []), ...(id !== undefined ? (t.persons.get(id) ?? []) : [])];
    if (sources.length === 0 && !lostPostal) continue;
    out.push({ kind: 'person', person, address: rows.address, postalAddress: postal, sources });
  }
  if (rows.address) {
    if (rows.persons.length === 0) {
      const sources = [...addressSources, ...[...postalSources.values()].flat()];
      if (sources.length > 0 || lostPostal || t.lostPerson.has(key)) {
        out.push({ kind: 'company', address: rows.address, postalAddress: postalOf(undefined, rows.postals, fields), sources });
      }
    } else if (companySent) {
      out.push({ kind: 'companyGone', address: rows.address, sources: addressSources });
    }
  }
  return out;
}
