import type { StateDb } from './db';
import { normalise } from './id-map';

/**
 * Where the way back stands in Exchange, per mailbox and folder: the cursor the change reader
 * returned (an EWS SyncState or a Graph delta link, opaque here), the Graph calendar window it
 * covers, and since when the way back runs for the mailbox. The change source commits a
 * cursor only after every change it covered was acknowledged; the baseline time stays when the
 * cursor is replaced (a start over after an expired cursor is no new setup).
 */
export type ExchangeFolder = 'calendar' | 'tasks';

export interface ExchangeCursor {
  mailbox: string;
  folder: ExchangeFolder;
  /** `ews` or `graph`: a cursor of one transport means nothing to the other. */
  transport: string;
  cursor: string;
  /** Graph calendar: the window the delta round covers (ISO instants). */
  window?: { start: string; end: string };
  /** ms since the epoch: when the way back was set up for this mailbox and folder. */
  baselineAt: number;
  updatedAt: number;
}

interface Row {
  mailbox: string;
  folder: string;
  transport: string;
  cursor: string;
  window_start: string | null;
  window_end: string | null;
  baseline_at: number;
  updated_at: number;
}

export class ExchangeCursorStore {
  private readonly getStmt;
  private readonly putStmt;
  private readonly delStmt;
  private readonly allStmt;

  constructor(db: StateDb) {
    // Table exchange_cursor: lib/state/schema.ts.
    this.getStmt = db.prepare('SELECT * FROM exchange_cursor WHERE mailbox = ? AND folder = ?');
    this.putStmt = db.prepare(`INSERT INTO exchange_cursor
      (mailbox, folder, transport, cursor, window_start, window_end, baseline_at, updated_at)
      VALUES (@mailbox, @folder, @transport, @cursor, @window_start, @window_end, @baseline_at, @updated_at)
      ON CONFLICT (mailbox, folder) DO UPDATE SET transport = excluded.transport, cursor = excluded.cursor,
        window_start = excluded.window_start, window_end = excluded.window_end, updated_at = excluded.updated_at`);
    this.delStmt = db.prepare('DELETE FROM exchange_cursor WHERE mailbox = ? AND folder = ?');
    this.allStmt = db.prepare('SELECT * FROM exchange_cursor ORDER BY mailbox, folder');
  }

  get(mailbox: string, folder: ExchangeFolder): ExchangeCursor | undefined {
    const row = this.getStmt.get(normalise(mailbox), folder) as Row | undefined;
    return row && fromRow(row);
  }

  /**
   * Records a cursor. The first one for a mailbox and folder sets the baseline time to
   * `baselineAt`; later ones keep the first baseline whatever they pass.
   */
  put(entry: Omit<ExchangeCursor, 'updatedAt'> & { updatedAt?: number }): void {
    this.putStmt.run({
      mailbox: normalise(entry.mailbox),
      folder: entry.folder,
      transport: entry.transport,
      cursor: entry.cursor,
      window_start: entry.window?.start ?? null,
      window_end: entry.window?.end ?? null,
      baseline_at: entry.baselineAt,
      updated_at: entry.updatedAt ?? Date.now(),
    });
  }

  /** Forgets the cursor and the baseline (the mailbox is no longer synced; a new setup follows). */
  delete(mailbox: string, folder: ExchangeFolder): void {
    this.delStmt.run(normalise(mailbox), folder);
  }

  all(): ExchangeCursor[] {
    return (this.allStmt.all() as Row[]).map(fromRow);
  }
}

function fromRow(row: Row): ExchangeCursor {
  return {
    mailbox: row.mailbox,
    folder: row.folder as ExchangeFolder,
    transport: row.transport,
    cursor: row.cursor,
    window: row.window_start && row.window_end ? { start: row.window_start, end: row.window_end } : undefined,
    baselineAt: row.baseline_at,
    updatedAt: row.updated_at,
  };
}
