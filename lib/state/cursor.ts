import type { Statement } from 'better-sqlite3';
import type { StateDb } from './db';

/**
 * The change source's position in büro+, per feed (one `buero-changes` node and Mandant):
 * - the cursor per table: every row version up to this `fldModifyLSN` has been handed on;
 * - the known records per table (for deletions, which leave no row, and for the mailboxes
 *   that hold a copy, which must lose it when a participant drops out);
 * - the records emitted and not yet confirmed (`sent`): written before a change is emitted,
 *   because the writer may take a change and the process die before its acknowledgement is
 *   recorded; a record deleted meanwhile must still be deleted from those mailboxes;
 * - the synced users of the last poll (to report users added and removed).
 * The change source writes here only what is acknowledged (see lib/buero/feed/ack-ledger.ts).
 */
export interface KnownRecord {
  /** `fldModifyLSN` of the version last handed on (or seen at baseline). */
  lsn: bigint;
  /** Calendar entries: the kind it was sent as. */
  kind?: string | null;
  /** The address number (`fldAdrNr`) of contact people, postal addresses and addresses. */
  ref?: string | null;
  /**
   * The mailboxes holding a copy, as `{ mailbox, user?: nr, role }`; null when never sent
   * (existed at baseline, or never had a target).
   */
  targets?: KnownTarget[] | null;
  /** In memory only: known from an emission that was never acknowledged (see `sent`). */
  unconfirmed?: boolean;
}

/** A record emitted to some mailboxes, acknowledged or not: the mailboxes that may hold a copy. */
export interface SentRecord {
  /** The LSN of the last change emitted for it. */
  lsn: bigint;
  kind: string | null;
  targets: KnownTarget[];
}

export interface KnownTarget {
  mailbox: string;
  user?: number;
  role: 'owner' | 'participant' | 'contacts';
}

export class CursorStore {
  readonly db: StateDb;
  readonly feed: string;
  private readonly statements = new Map<string, Statement>();

  constructor(db: StateDb, feed: string) {
    this.db = db;
    this.feed = feed;
    // Tables buero_feed, buero_cursor, buero_known, buero_sent: lib/state/schema.ts.
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** The committed cursor of a table, or undefined before its baseline. */
  cursor(table: string): bigint | undefined {
    const row = this.statement('SELECT lsn FROM buero_cursor WHERE feed = ? AND tbl = ?').get(this.feed, table) as { lsn: string } | undefined;
    return row ? BigInt(row.lsn) : undefined;
  }

  /** Moves a cursor forward (never back: acknowledgements may arrive in any order). */
  advanceCursor(table: string, lsn: bigint): void {
    const current = this.cursor(table);
    if (current !== undefined && lsn <= current) return;
    this.statement('UPDATE buero_cursor SET lsn = ? WHERE feed = ? AND tbl = ?').run(lsn.toString(), this.feed, table);
  }

  /** Records the baseline of a table: where büro+ stands and the ids that exist. */
  writeBaseline(table: string, lsn: bigint, records: Iterable<[number, KnownRecord]>, now: Date): void {
    this.transaction(() => {
      this.statement('DELETE FROM buero_known WHERE feed = ? AND tbl = ?').run(this.feed, table);
      const put = this.putStatement();
      for (const [id, r] of records) put.run(this.feed, table, id, r.lsn.toString(), r.kind ?? null, r.ref ?? null, r.targets ? JSON.stringify(r.targets) : null);
      this
        .statement('INSERT INTO buero_cursor (feed, tbl, lsn, baseline_at) VALUES (?, ?, ?, ?) ON CONFLICT(feed, tbl) DO UPDATE SET lsn = excluded.lsn, baseline_at = excluded.baseline_at')
        .run(this.feed, table, lsn.toString(), now.toISOString());
    });
  }

  known(table: string): Map<number, KnownRecord> {
    const rows = this.statement('SELECT id, lsn, kind, ref, targets FROM buero_known WHERE feed = ? AND tbl = ?').all(this.feed, table) as {
      id: number;
      lsn: string;
      kind: string | null;
      ref: string | null;
      targets: string | null;
    }[];
    const out = new Map<number, KnownRecord>();
    for (const r of rows) out.set(r.id, { lsn: BigInt(r.lsn), kind: r.kind, ref: r.ref, targets: r.targets ? (JSON.parse(r.targets) as KnownTarget[]) : null });
    return out;
  }

  putKnown(table: string, id: number, r: KnownRecord): void {
    this.putStatement().run(this.feed, table, id, r.lsn.toString(), r.kind ?? null, r.ref ?? null, r.targets ? JSON.stringify(r.targets) : null);
  }

  dropKnown(table: string, id: number): void {
    this.statement('DELETE FROM buero_known WHERE feed = ? AND tbl = ? AND id = ?').run(this.feed, table, id);
  }

  sent(table: string): Map<number, SentRecord> {
    const rows = this.statement('SELECT id, lsn, kind, targets FROM buero_sent WHERE feed = ? AND tbl = ?').all(this.feed, table) as { id: number; lsn: string; kind: string | null; targets: string }[];
    return new Map(rows.map((r) => [r.id, { lsn: BigInt(r.lsn), kind: r.kind, targets: JSON.parse(r.targets) as KnownTarget[] }]));
  }

  /** Adds mailboxes a record is about to be emitted to (kept until a change of it is acknowledged). */
  markSent(table: string, id: number, lsn: bigint, kind: string | null, targets: KnownTarget[]): void {
    const row = this.statement('SELECT targets FROM buero_sent WHERE feed = ? AND tbl = ? AND id = ?').get(this.feed, table, id) as { targets: string } | undefined;
    const all = row ? (JSON.parse(row.targets) as KnownTarget[]) : [];
    const key = (t: KnownTarget) => (t.user !== undefined ? `u${t.user}:${t.mailbox.toLowerCase()}` : `m${t.mailbox.toLowerCase()}`);
    const have = new Set(all.map(key));
    for (const t of targets) if (!have.has(key(t))) all.push(t);
    this
      .statement('INSERT INTO buero_sent (feed, tbl, id, lsn, kind, targets) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(feed, tbl, id) DO UPDATE SET lsn = excluded.lsn, kind = excluded.kind, targets = excluded.targets')
      .run(this.feed, table, id, lsn.toString(), kind, JSON.stringify(all));
  }

  dropSent(table: string, id: number): void {
    this.statement('DELETE FROM buero_sent WHERE feed = ? AND tbl = ? AND id = ?').run(this.feed, table, id);
  }

  /** The synced users as of the last poll (numbers and mailboxes), or undefined at the first start. */
  users<T>(): T | undefined {
    const row = this.statement('SELECT users FROM buero_feed WHERE feed = ?').get(this.feed) as { users: string | null } | undefined;
    return row?.users ? (JSON.parse(row.users) as T) : undefined;
  }

  setUsers(users: unknown, now: Date): void {
    this
      .statement('INSERT INTO buero_feed (feed, users, updated_at) VALUES (?, ?, ?) ON CONFLICT(feed) DO UPDATE SET users = excluded.users, updated_at = excluded.updated_at')
      .run(this.feed, JSON.stringify(users), now.toISOString());
  }

  /** Forgets everything of this feed (a new baseline follows). */
  reset(): void {
    this.transaction(() => {
      for (const t of ['buero_feed', 'buero_cursor', 'buero_known', 'buero_sent']) this.statement(`DELETE FROM ${t} WHERE feed = ?`).run(this.feed);
    });
  }

  /**
   * The prepared statement of an SQL text, made once: a statement prepared per call holds
   * SQLite memory outside V8's heap until V8 collects it, and the change source runs several
   * per changed record (docs/architecture.md, "Memory").
   */
  private statement(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) this.statements.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  private putStatement() {
    return this.statement(
      `INSERT INTO buero_known (feed, tbl, id, lsn, kind, ref, targets) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(feed, tbl, id) DO UPDATE SET lsn = excluded.lsn, kind = excluded.kind, ref = excluded.ref, targets = excluded.targets`,
    );
  }
}
