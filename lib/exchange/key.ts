/**
 * The writer key: the stable name of one record's copy in one mailbox. The writer stores it
 * in the Exchange item (the extended property below) and finds the item by it after a crash or
 * a switch of transport, so its format must not change for items already written. It belongs
 * to the Exchange model: the mapper builds it from plain values, nothing here knows büro+
 * types.
 */

/** The extended property that carries the writer key, the same for EWS and Graph. */
export const KEY_PROPERTY = {
  /** PS_PUBLIC_STRINGS, MS-OXPROPS 1.3.2. */
  propertySetId: '00020329-0000-0000-C000-000000000046',
  name: 'BueroSyncKey',
  type: 'String',
} as const;

/** The record a key names: its Mandant, table and id in büro+. */
export interface KeyRecord {
  mandant: number;
  table: string;
  id: number;
}

/** The mailbox that holds the copy, and the büro+ user who owns it (absent for a listed mailbox). */
export interface KeyTarget {
  mailbox: string;
  user?: { nr: number };
}

/** `buero:<Mandant>:<table>:<id>:<owner>`; the owner is the user number, or the mailbox address (lower case) for a listed mailbox. */
export function writerKey(record: KeyRecord, target: KeyTarget): string {
  const owner = target.user ? String(target.user.nr) : target.mailbox.toLowerCase();
  return `buero:${record.mandant}:${record.table}:${record.id}:${owner}`;
}

const KEY = /^buero:(\d+):([^:]+):(\d+):(.+)$/;

/** The parts of a key `writerKey` built; undefined for any other key (a user's own flow may write its own). */
export function parseWriterKey(key: string): KeyRecord & { owner: string } | undefined {
  const m = KEY.exec(key);
  return m ? { mandant: Number(m[1]), table: m[2], id: Number(m[3]), owner: m[4] } : undefined;
}
