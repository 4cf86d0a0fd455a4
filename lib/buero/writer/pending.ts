/**
 * Pending creates: a büro+ entry being made from an Outlook item. The entry is recorded before
 * the `rowNew` is sent and gets the record id as soon as büro+ answered; the way back removes it
 * when its id map holds the new entry (`clear`, in the same transaction). After a crash, or an
 * answer lost on the network, a create with an entry here is first looked for in büro+
 * (lib/buero/writer/writer.ts `recover`), never simply sent again.
 */
import type { StateDb } from '../../state/db';
import { normalise } from '../../state/id-map';
import { formatDate, parseBueroDateTime } from '../../time';
import type { BueroValue, BueroValues, CreateRequest } from './model';

export interface PendingCreate {
  mailbox: string;
  itemId: string;
  kind: CreateRequest['kind'];
  owner: number;
  /** The values sent (or about to be sent), kind and owner included. */
  values: BueroValues;
  /** When the create was started (ms since 1970, the writer's clock). */
  since: number;
  /** The büro+ record, once büro+ answered (or the record found again). */
  recordId?: number;
}

interface Row {
  mailbox: string;
  item_id: string;
  kind: string;
  owner: number;
  field_values: string;
  since: number;
  record_id: number | null;
}

export class PendingCreates {
  private readonly getStmt;
  private readonly putStmt;
  private readonly recordStmt;
  private readonly clearStmt;
  private readonly listStmt;

  constructor(db: StateDb) {
    // Table buero_pending_create: lib/state/schema.ts.
    this.getStmt = db.prepare('SELECT * FROM buero_pending_create WHERE mailbox = ? AND item_id = ?');
    this.putStmt = db.prepare(`INSERT INTO buero_pending_create (mailbox, item_id, kind, owner, field_values, since, record_id)
      VALUES (@mailbox, @item_id, @kind, @owner, @field_values, @since, @record_id)
      ON CONFLICT (mailbox, item_id) DO UPDATE SET kind = excluded.kind, owner = excluded.owner,
        field_values = excluded.field_values, since = excluded.since, record_id = excluded.record_id`);
    this.recordStmt = db.prepare('UPDATE buero_pending_create SET record_id = ? WHERE mailbox = ? AND item_id = ?');
    this.clearStmt = db.prepare('DELETE FROM buero_pending_create WHERE mailbox = ? AND item_id = ?');
    this.listStmt = db.prepare('SELECT * FROM buero_pending_create ORDER BY since');
  }

  get(mailbox: string, itemId: string): PendingCreate | undefined {
    const row = this.getStmt.get(normalise(mailbox), itemId) as Row | undefined;
    return row && fromRow(row);
  }

  put(p: PendingCreate): void {
    this.putStmt.run({
      mailbox: normalise(p.mailbox),
      item_id: p.itemId,
      kind: p.kind,
      owner: p.owner,
      field_values: JSON.stringify(p.values),
      since: p.since,
      record_id: p.recordId ?? null,
    });
  }

  /** büro+ answered with (or was found to hold) this record. */
  setRecord(mailbox: string, itemId: string, id: number): void {
    this.recordStmt.run(id, normalise(mailbox), itemId);
  }

  /** The entry is recorded elsewhere (the id map), or the create certainly did not happen. */
  clear(mailbox: string, itemId: string): void {
    this.clearStmt.run(normalise(mailbox), itemId);
  }

  list(): PendingCreate[] {
    return (this.listStmt.all() as Row[]).map(fromRow);
  }

  /** Records other pending creates already hold: a recovery never takes one of them. */
  claimedBesides(mailbox: string, itemId: string): Set<number> {
    const me = normalise(mailbox);
    return new Set(this.list().filter((p) => !(p.mailbox === me && p.itemId === itemId) && p.recordId !== undefined).map((p) => p.recordId!));
  }
}

function fromRow(row: Row): PendingCreate {
  return {
    mailbox: row.mailbox,
    itemId: row.item_id,
    kind: row.kind as PendingCreate['kind'],
    owner: row.owner,
    values: JSON.parse(row.field_values) as BueroValues,
    since: row.since,
    recordId: row.record_id ?? undefined,
  };
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

/**
 * A value as a pending create compares it: texts with their white space tidied, date-times to
 * the minute, empty and null alike. These are the changes a büro+ business rule may make on
 * save (trimmed text, seconds dropped); a row differing in anything else is another entry.
 */
export function comparable(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    if (DATE_TIME.test(value)) {
      const dt = parseBueroDateTime(value);
      if (dt) return `${formatDate(dt.local)}T${String(dt.local.hour).padStart(2, '0')}:${String(dt.local.minute).padStart(2, '0')}`;
    }
    const text = value.replace(/\s+/g, ' ').trim();
    return text === '' ? null : text;
  }
  return String(value);
}

/** Whether the row holds every value sent (compared as `comparable` says). */
export function holdsValues(row: Record<string, unknown>, values: Record<string, BueroValue>): boolean {
  return Object.entries(values).every(([field, value]) => comparable(row[field]) === comparable(value));
}
