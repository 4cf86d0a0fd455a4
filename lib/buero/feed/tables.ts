import { BueroCode } from '../../error-codes';
import { SyncError } from '../../errors';
import type { KnownRecord } from '../../state/cursor';
import { type Entity, type FieldMap, ID_FIELD, LSN_FIELD } from '../fields';
import { toInt, toLsn } from '../graphql';

/** The büro+ tables the change feed reads, and the words every part of it shares. */
export const CAL = 'tblCalendar';
export const ADR = 'tblAddresses';
export const POS = 'tblPostalAddresses';
export const ASP = 'tblContactPeople';
export type Table = typeof CAL | typeof ADR | typeof POS | typeof ASP;
export const ENTITY: Record<Table, Entity> = { [CAL]: 'calendar', [ADR]: 'addresses', [POS]: 'postalAddresses', [ASP]: 'contactPeople' };

export type Row = Record<string, unknown>;

/** Minimal client surface: one GraphQL query; `host` for events. */
export interface FeedClient {
  query<T = Record<string, unknown>>(text: string): Promise<T>;
  readonly host: string;
}

/** A change to the known-record set, committed once the change carrying it is handed on. */
export interface Effect {
  table: Table;
  id: number;
  put?: KnownRecord;
  drop?: true;
}

/** The field of a contact table that holds the address number (`fldAdrNr`); none for the calendar. */
export function refField(fields: FieldMap, t: Table): string | undefined {
  if (t === ADR) return fields.addresses.addressNr;
  if (t === POS) return fields.postalAddresses.addressNr;
  if (t === ASP) return fields.contactPeople.addressNr;
  return undefined;
}

/** The id and LSN of a row, or a malformed-row error naming it. */
export function identify(t: Table, row: Row): { id: number; lsn: bigint } {
  const id = toInt(row[ID_FIELD]);
  const lsn = toLsn(row[LSN_FIELD]);
  if (id === undefined) throw new SyncError(BueroCode.malformedRow, `${t}: a row without a valid ${ID_FIELD} (${JSON.stringify(row[ID_FIELD])}).`, { record: t, field: ID_FIELD });
  if (lsn === undefined) throw new SyncError(BueroCode.malformedRow, `${t} ${id}: ${LSN_FIELD} is not a version number (${JSON.stringify(row[LSN_FIELD])}).`, { record: `${t} ${id}`, field: LSN_FIELD });
  return { id, lsn };
}
