import type { StateDb } from './db';

/**
 * The id map: for each writer key in each mailbox, the Exchange item that holds it, the
 * ChangeKey we last saw, and the content hashes of what Exchange holds. The item's own
 * extended property carries the key too, so a lost id map can be rebuilt by searching.
 */
export interface IdMapEntry {
  mailbox: string;
  key: string;
  kind: string;
  /** `ews` or `graph`: an id of one transport is not used with the other. */
  transport: string;
  itemId: string;
  changeKey?: string;
  /** Hash of the whole content Exchange holds ('' when unknown, e.g. found after a crash). */
  contentHash: string;
  /** Per-field hashes of what Exchange holds. */
  fields: Record<string, string>;
  version?: string;
  updatedAt: number;
}

interface Row {
  mailbox: string;
  key: string;
  kind: string;
  transport: string;
  item_id: string;
  change_key: string | null;
  content_hash: string;
  field_hashes: string;
  version: string | null;
  updated_at: number;
}

export class IdMap {
  private readonly getStmt;
  private readonly putStmt;
  private readonly delStmt;
  private readonly countStmt;
  private readonly byItemStmt;
  private readonly countKindStmt;
  private readonly idsKindStmt;

  constructor(private readonly db: StateDb) {
    // Table exchange_id_map: lib/state/schema.ts.
    this.getStmt = db.prepare('SELECT * FROM exchange_id_map WHERE mailbox = ? AND key = ?');
    this.putStmt = db.prepare(`INSERT INTO exchange_id_map
      (mailbox, key, kind, transport, item_id, change_key, content_hash, field_hashes, version, updated_at)
      VALUES (@mailbox, @key, @kind, @transport, @item_id, @change_key, @content_hash, @field_hashes, @version, @updated_at)
      ON CONFLICT (mailbox, key) DO UPDATE SET kind = excluded.kind, transport = excluded.transport,
        item_id = excluded.item_id, change_key = excluded.change_key, content_hash = excluded.content_hash,
        field_hashes = excluded.field_hashes, version = excluded.version, updated_at = excluded.updated_at`);
    this.delStmt = db.prepare('DELETE FROM exchange_id_map WHERE mailbox = ? AND key = ?');
    this.countStmt = db.prepare('SELECT COUNT(*) AS n FROM exchange_id_map');
    // Index exchange_id_map_item (mailbox, item_id): the way back knows an item by its id only.
    this.byItemStmt = db.prepare('SELECT * FROM exchange_id_map WHERE mailbox = ? AND item_id = ?');
    this.countKindStmt = db.prepare('SELECT COUNT(*) AS n FROM exchange_id_map WHERE mailbox = ? AND kind = ?');
    this.idsKindStmt = db.prepare('SELECT item_id FROM exchange_id_map WHERE mailbox = ? AND kind = ?');
  }

  get(mailbox: string, key: string): IdMapEntry | undefined {
    const row = this.getStmt.get(normalise(mailbox), key) as Row | undefined;
    return row && fromRow(row);
  }

  put(entry: IdMapEntry): void {
    this.putStmt.run({
      mailbox: normalise(entry.mailbox),
      key: entry.key,
      kind: entry.kind,
      transport: entry.transport,
      item_id: entry.itemId,
      change_key: entry.changeKey ?? null,
      content_hash: entry.contentHash,
      field_hashes: JSON.stringify(entry.fields),
      version: entry.version ?? null,
      updated_at: entry.updatedAt,
    });
  }

  delete(mailbox: string, key: string): void {
    this.delStmt.run(normalise(mailbox), key);
  }

  size(): number {
    return (this.countStmt.get() as { n: number }).n;
  }

  /**
   * The entry of the item with one of these ids in the mailbox. An id is stored in the
   * spelling of the transport that wrote it, so the caller names it per transport
   * (lib/exchange/changes `entryOfItem` does, from lib/exchange/item-ids.ts).
   */
  findByItem(mailbox: string, ids: readonly { transport: string; itemId: string }[]): IdMapEntry | undefined {
    for (const id of ids) {
      const rows = this.byItemStmt.all(normalise(mailbox), id.itemId) as Row[];
      const row = rows.find((r) => r.transport === id.transport);
      if (row) return fromRow(row);
    }
    return undefined;
  }

  /** How many items of a kind the mailbox holds for büro+ (the deletion guard's base). */
  count(mailbox: string, kind: string): number {
    return (this.countKindStmt.get(normalise(mailbox), kind) as { n: number }).n;
  }

  /** The item ids of a kind the mailbox holds for büro+, as stored (a start over of the way back asks which are gone). */
  itemIds(mailbox: string, kind: string): string[] {
    return (this.idsKindStmt.all(normalise(mailbox), kind) as { item_id: string }[]).map((r) => r.item_id);
  }
}

/** SMTP addresses compare case-insensitively (RFC 5321 local parts may not, Exchange's do). */
export function normalise(mailbox: string): string {
  return mailbox.trim().toLowerCase();
}

function fromRow(row: Row): IdMapEntry {
  return {
    mailbox: row.mailbox,
    key: row.key,
    kind: row.kind,
    transport: row.transport,
    itemId: row.item_id,
    changeKey: row.change_key ?? undefined,
    contentHash: row.content_hash,
    fields: JSON.parse(row.field_hashes) as Record<string, string>,
    version: row.version ?? undefined,
    updatedAt: row.updated_at,
  };
}
