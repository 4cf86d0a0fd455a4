import type { BueroChange, ChangeKind, ChangeOp, ChangeTable, ChangeTarget } from '../change';
import { type FieldMap, namesOf } from '../fields';
import type { KnownRecords } from './known-records';
import type { Outbox } from './outbox';
import type { SyncedUsers } from './synced-users';
import type { Row } from './tables';

/** The settings of a change feed that decide what it emits. */
export interface FeedSettings {
  mandant: number;
  fields: FieldMap;
  sync: { appointments: boolean; tasks: boolean; contacts: boolean };
  /** Mailboxes that receive contacts; empty or absent: every synced user's mailbox. */
  contactMailboxes?: string[];
}

/** What the calendar and contact rules work with: they read the state, the outbox emits. */
export interface RuleContext {
  settings: FeedSettings;
  users: SyncedUsers;
  known: KnownRecords;
  outbox: Outbox;
  /** A record that cannot be emitted (malformed row); the rest goes on. */
  fail(err: unknown): void;
}

/** Counts (dry run) or emits (real run) one backfilled change: see backfill.ts. */
export interface BackfillTally {
  add(kind: ChangeKind, targets: ChangeTarget[], emit: () => void): void;
}

/** The change message's payload, with the field names in force. */
export function newChange(
  settings: FeedSettings,
  op: ChangeOp,
  kind: ChangeKind,
  table: ChangeTable,
  id: number,
  lsn: bigint,
  parts: { record?: Row; address?: Row; postalAddress?: Row; targets: ChangeTarget[]; removed: ChangeTarget[] },
): BueroChange {
  const f = settings.fields;
  const fields: BueroChange['fields'] =
    kind === 'contact'
      ? { contactPeople: namesOf(f, 'contactPeople'), addresses: namesOf(f, 'addresses'), postalAddresses: namesOf(f, 'postalAddresses') }
      : { calendar: namesOf(f, 'calendar') };
  const c: BueroChange = { op, kind, table, id, lsn: lsn.toString(), mandant: settings.mandant, targets: parts.targets, removed: parts.removed, fields };
  if (parts.record) c.record = parts.record;
  if (parts.address) c.address = parts.address;
  if (parts.postalAddress) c.postalAddress = parts.postalAddress;
  return c;
}
