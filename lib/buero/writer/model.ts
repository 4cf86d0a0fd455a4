/**
 * What the büro+ writer takes and gives: one Outlook item's write at a time (one GraphQL
 * mutation each, so one bad row never rolls back another), and one result per write.
 */
import type { SyncError } from '../../errors';

/** A value in büro+'s forms: text and date-times (`YYYY-MM-DDTHH:mm:ss`) as `string`, whole numbers as `int`, `boolean`; null empties the field (`set: {}`). */
export type BueroValue = string | number | boolean | null;

/** büro+ field name (the connection's field map) → value. */
export type BueroValues = Record<string, BueroValue>;

/** The Outlook item a write comes from, for the messages and the pending creates. */
export interface OutlookItemRef {
  /** SMTP address of the mailbox (compared case-insensitively). */
  mailbox: string;
  /** The Outlook item's id in that mailbox. */
  itemId: string;
}

export interface CreateRequest extends OutlookItemRef {
  kind: 'appointment' | 'task';
  /** The büro+ user number the entry belongs to (`fldBzrNr`). */
  owner: number;
  /** Only these fields are set (from lib/mapping/back.ts); kind and owner are added. */
  values: BueroValues;
}

export interface ModifyRequest extends OutlookItemRef {
  /** The büro+ record (`fldID`). */
  id: number;
  /**
   * The `fldModifyLSN` of the row version the values were merged against. When büro+ has
   * another version, nothing is written and the result is `changed`. Absent: write regardless.
   */
  expectedLsn?: string;
  /** Only these fields are set. */
  values: BueroValues;
}

export interface DeleteRequest extends OutlookItemRef {
  id: number;
  /** As for a modify: delete only this version. */
  expectedLsn?: string;
}

/** A büro+ row as read back: id, version and the fields asked for. */
export interface SavedRow {
  id: number;
  /** `fldModifyLSN`, a BigInt as digits. */
  lsn: string;
  /** Field name → value as büro+ answered (the written fields after its business rules). */
  values: Record<string, unknown>;
}

export type WriteResult =
  /**
   * Created or changed; `row` is what büro+ saved (its business rules may have changed a value:
   * `changedOnSave` names those fields). `recovered`: a create that reached büro+ before a
   * crash or a lost answer was found again instead of created twice.
   */
  | { outcome: 'saved'; row: SavedRow; changedOnSave: string[]; recovered?: boolean }
  | { outcome: 'deleted'; id: number }
  /** Changed in büro+ meanwhile (not the version merged against): re-read and merge again. Nothing was written. */
  | { outcome: 'changed'; id: number; current: SavedRow }
  /** A SyncError naming mailbox, item, record and büro+ field; `retryable` for network faults and 5xx. */
  | { outcome: 'failed'; error: SyncError };
