import type { AckToken } from '../ack-token';

/**
 * The message `buero-changes` emits for one created, changed or deleted büro+ record, and
 * `buero-map` consumes: `{ topic: '<kind>/<op>', payload: BueroChange, ack: AckToken }`.
 */
export type ChangeOp = 'create' | 'update' | 'delete';
export type ChangeKind = 'appointment' | 'task' | 'contact';
export type ChangeTable = 'tblCalendar' | 'tblContactPeople' | 'tblAddresses';

/** A büro+ user who is synced: start Mandant = this Mandant and an Exchange mailbox. */
export interface SyncUser {
  nr: number;
  login: string;
  mailbox: string;
}

/** One mailbox that receives (or must lose) this record's copy. */
export interface ChangeTarget {
  mailbox: string;
  /** The büro+ user owning the mailbox; absent for a listed mailbox (e.g. a shared contacts box). */
  user?: SyncUser;
  role: 'owner' | 'participant' | 'contacts';
}

export interface BueroChange {
  op: ChangeOp;
  kind: ChangeKind;
  /**
   * The table whose record this is. Contacts: `tblContactPeople` for a contact person,
   * `tblAddresses` for an address without contact people (a company contact).
   */
  table: ChangeTable;
  /** büro+ `fldID` of the record. */
  id: number;
  /** büro+ `fldModifyLSN` (a BigInt) as a decimal string. */
  lsn: string;
  mandant: number;
  /** The record's fields as read, by their büro+ names; absent for delete. */
  record?: Record<string, unknown>;
  /** Contacts: the address (tblAddresses row) the contact belongs to. */
  address?: Record<string, unknown>;
  /** Contacts: the postal address (tblPostalAddresses row) of the contact person, if any. */
  postalAddress?: Record<string, unknown>;
  /** Mailboxes that must hold the record after this change (empty for delete). */
  targets: ChangeTarget[];
  /** Mailboxes that held it before and must not any more (a participant removed; all on delete). */
  removed: ChangeTarget[];
  /**
   * The field names in force (settings of the büro+ connection): per entity, the product's
   * name of a field → its büro+ name, e.g. `calendar.subject` → `fldKurzInfo`; so a consumer
   * reads `record` right even when a field is configured under another name. Entities:
   * `calendar` for appointments and tasks; `contactPeople`, `addresses`, `postalAddresses` for
   * contacts.
   */
  fields?: Partial<Record<'calendar' | 'addresses' | 'postalAddresses' | 'contactPeople', Record<string, string>>>;
  /**
   * Set when the change source is catching up: the poll that read this change left more to
   * read, which follows at once. The writer then fills its batches instead of sending them
   * half full (docs/architecture.md).
   */
  more?: boolean;
}

export interface BueroChangeMessage {
  topic: string;
  payload: BueroChange;
  ack?: AckToken;
}
