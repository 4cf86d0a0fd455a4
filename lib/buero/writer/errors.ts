/**
 * büro+'s answers to a refused write, as SyncErrors that name the mailbox, the Outlook item,
 * the büro+ record and field, and what to do. A mutation is all-or-nothing, so a refused one
 * wrote nothing.
 */
import { BueroCode } from '../../error-codes';
import { SyncError } from '../../errors';
import type { GraphQLErrorInfo } from '../client';
import { type FieldMap, settingName, unknownFieldError } from '../fields';
import { fieldAt } from './mutations';
import type { OutlookItemRef } from './model';

/** `anna@firma.de, Outlook item AAMkA…`: how messages name the item a write came from. */
export function itemText(ref: OutlookItemRef): string {
  return `${ref.mailbox}, Outlook item ${ref.itemId}`;
}

/** The setting that names a calendar field, for messages (`… → calendar.subject`). */
function settingOf(fields: FieldMap, field: string): string | undefined {
  const key = Object.entries(fields.calendar).find(([, v]) => v === field)?.[0];
  return key ? settingName('calendar', key) : undefined;
}

function named(fields: FieldMap, field: string): string {
  const setting = settingOf(fields, field);
  return setting ? `${field} (setting ${setting})` : field;
}

const NO_SET = /^Argument "set" is not defined|^Unknown argument "set" on field "\w+\.(\w+)"/;

export interface RefusalContext {
  ref: OutlookItemRef;
  /** `tblCalendar 4711`, or `tblCalendar (new entry)`. */
  record: string;
  table: string;
  /** The request text (error locations point into it). */
  text: string;
  /** The fields the request wrote. */
  written: string[];
  fields: FieldMap;
}

/** The one error for a refused mutation (its GraphQL errors). */
export function refusal(errors: GraphQLErrorInfo[], c: RefusalContext): SyncError {
  const where = `${itemText(c.ref)} (${c.record})`;

  const noRight = errors.filter((e) => NO_SET.test(e.message));
  if (noRight.length > 0) {
    const fields = [...new Set(noRight.map((e) => NO_SET.exec(e.message)?.[1] ?? fieldAt(c.text, e.locations?.[0])).filter((f): f is string => !!f))];
    const list = fields.length > 0 ? fields.map((f) => named(c.fields, f)).join(', ') : `one of ${c.written.join(', ')}`;
    return new SyncError(
      BueroCode.fieldNotWritable,
      `${where}: the büro+ user of this connection may not write ${list} of ${c.table} (büro+: Argument "set" is not defined). ` +
        `In büro+, give that user the right to change ${fields.length === 1 ? 'this field' : 'these fields'} of the calendar; until then this change from Outlook is not taken back.`,
      { record: c.record, field: fields[0] },
    );
  }

  for (const e of errors) {
    const unknown = unknownFieldError(e.message, c.fields);
    if (unknown) return new SyncError(unknown.code, `${where}: ${unknown.message}`, { record: c.record, field: unknown.field });
  }

  // büro+'s business rules name the field (the simulator in extensions.field); else a written field the text names.
  const e = errors[0];
  const given = typeof e?.extensions?.field === 'string' && /^\w+$/.test(e.extensions.field) ? e.extensions.field : undefined;
  const field = given ?? c.written.find((f) => new RegExp(`\\b${f}\\b`).test(e?.message ?? ''));
  const text = errors.map((x) => x.message).join('; ');
  if (field) {
    return new SyncError(BueroCode.valueRefused, `${where}: büro+ refused the value of ${named(c.fields, field)}: ${text}`, { record: c.record, field });
  }
  return new SyncError(BueroCode.graphql, `${where}: büro+ refused the write: ${text}`, { record: c.record });
}

/** The record a modify or delete was meant for no longer exists. */
export function recordGone(ref: OutlookItemRef, record: string): SyncError {
  return new SyncError(BueroCode.recordGone, `${itemText(ref)}: ${record} no longer exists in büro+ (deleted there meanwhile); nothing was written.`, { record });
}

/** A failure before or around the request (network, 5xx, sign-in), with the item named. */
export function around(err: unknown, ref: OutlookItemRef, record: string): SyncError {
  if (err instanceof SyncError) {
    return new SyncError(err.code, `${itemText(ref)} (${record}): ${err.message}`, {
      record,
      field: err.field,
      retryable: err.retryable,
      variable: err.variable,
      cause: err,
    });
  }
  return new SyncError(BueroCode.internal, `${itemText(ref)} (${record}): ${err instanceof Error ? err.message : String(err)}`, { record, cause: err });
}
