import { StateCode } from '../error-codes';
import { SyncError } from '../errors';
import type { StateDb } from './db';

/**
 * The state file's schema, in one place: every table of every module (id map, write queue,
 * pending creates in Exchange and in büro+, change cursor, büro+ tokens, Exchange change cursors)
 * and the ordered migrations that build them.
 * `PRAGMA user_version` records how many migrations a file has had; opening a file runs the
 * ones it lacks, so an older file is upgraded in place. A file of a newer version than this
 * code knows is refused: its tables may mean something this code would misread.
 *
 * A new migration is appended with the next version; one that has shipped is never edited.
 */
export interface Migration {
  /** The file's version once this migration has run: 1, 2, 3, … without gaps. */
  version: number;
  /** What it changes, in a few words (for the error when it fails). */
  description: string;
  up(db: StateDb): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'the tables of the id map, write queue, pending creates, change cursor and büro+ tokens',
    // Files from before the schema had a version have user_version 0 and some of these tables
    // already (each module made its own, with these same columns): IF NOT EXISTS keeps those
    // with their rows and adds the missing ones.
    up: (db) => db.exec(`
      CREATE TABLE IF NOT EXISTS exchange_id_map (
        mailbox TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        transport TEXT NOT NULL,
        item_id TEXT NOT NULL,
        change_key TEXT,
        content_hash TEXT NOT NULL,
        field_hashes TEXT NOT NULL,
        version TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (mailbox, key)
      );
      CREATE TABLE IF NOT EXISTS exchange_write_queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner TEXT NOT NULL,
        mailbox TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        action TEXT NOT NULL,
        version TEXT,
        message TEXT NOT NULL,
        enqueued_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      );
      CREATE INDEX IF NOT EXISTS exchange_write_queue_owner ON exchange_write_queue (owner, id);
      CREATE TABLE IF NOT EXISTS exchange_pending_create (
        mailbox TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        field_hashes TEXT NOT NULL,
        since INTEGER NOT NULL,
        PRIMARY KEY (mailbox, key)
      );
      CREATE TABLE IF NOT EXISTS buero_feed (
        feed TEXT PRIMARY KEY,
        users TEXT,
        updated_at TEXT
      );
      CREATE TABLE IF NOT EXISTS buero_cursor (
        feed TEXT NOT NULL,
        tbl TEXT NOT NULL,
        lsn TEXT NOT NULL,
        baseline_at TEXT NOT NULL,
        PRIMARY KEY (feed, tbl)
      );
      CREATE TABLE IF NOT EXISTS buero_known (
        feed TEXT NOT NULL,
        tbl TEXT NOT NULL,
        id INTEGER NOT NULL,
        lsn TEXT NOT NULL,
        kind TEXT,
        ref TEXT,
        targets TEXT,
        PRIMARY KEY (feed, tbl, id)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS buero_sent (
        feed TEXT NOT NULL,
        tbl TEXT NOT NULL,
        id INTEGER NOT NULL,
        lsn TEXT NOT NULL,
        kind TEXT,
        targets TEXT NOT NULL,
        PRIMARY KEY (feed, tbl, id)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS buero_oauth_tokens (
        connection TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        refresh_token TEXT,
        access_token TEXT,
        access_expires_at INTEGER,
        state TEXT NOT NULL,
        reason TEXT,
        updated_at TEXT NOT NULL
      );
    `),
  },
  {
    version: 2,
    description: 'the pending creates of the way back (büro+ entries being made from Outlook items)',
    // One row per Outlook item whose büro+ entry is being created: written before the rowNew,
    // the record id added once büro+ answered, removed when the id map holds the entry
    // (lib/buero/writer/pending.ts).
    up: (db) => db.exec(`
      CREATE TABLE buero_pending_create (
        mailbox TEXT NOT NULL,
        item_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        owner INTEGER NOT NULL,
        field_values TEXT NOT NULL,
        since INTEGER NOT NULL,
        record_id INTEGER,
        PRIMARY KEY (mailbox, item_id)
      );
    `),
  },
  {
    version: 3,
    description: 'the way back from Exchange: the id map found by item id, the Exchange change cursors',
    // exchange_cursor: per mailbox and folder, where the way back stands in Exchange (an EWS
    // SyncState or a Graph delta link, opaque to all but lib/exchange/changes), the Graph
    // calendar window it covers, and since when the way back runs for the mailbox (items made
    // before are never taken back).
    up: (db) => db.exec(`
      CREATE INDEX IF NOT EXISTS exchange_id_map_item ON exchange_id_map (mailbox, item_id);
      CREATE TABLE IF NOT EXISTS exchange_cursor (
        mailbox TEXT NOT NULL,
        folder TEXT NOT NULL,
        transport TEXT NOT NULL,
        cursor TEXT NOT NULL,
        window_start TEXT,
        window_end TEXT,
        baseline_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (mailbox, folder)
      );
    `),
  },
  {
    version: 4,
    description: 'the way back: the büro+ values last synced per copy',
    // way_back_synced: per mailbox and writer key, the büro+ values of the two-way fields as
    // they were when büro+ and Outlook last agreed, and the fldModifyLSN of that version — the
    // base a conflict is merged against (lib/way-back/synced.ts).
    up: (db) => db.exec(`
      CREATE TABLE IF NOT EXISTS way_back_synced (
        mailbox TEXT NOT NULL,
        key TEXT NOT NULL,
        lsn TEXT NOT NULL,
        field_values TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (mailbox, key)
      );
    `),
  },
];

/** The highest schema version this code understands (and gives a new file). */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export const schemaVersionOf = (db: StateDb): number => db.pragma('user_version', { simple: true }) as number;

/**
 * Brings the file to the last version of `migrations`: the missing ones run in order, all in
 * one transaction with the new version number, so a file is either upgraded or left as it
 * was. IMMEDIATE: two processes opening one old file do not both upgrade it.
 * Throws a SyncError (STATE_FILE_TOO_NEW, STATE_FILE_UPGRADE) that names the file.
 */
export function migrateStateDb(db: StateDb, file: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const highest = migrations[migrations.length - 1]?.version ?? 0;
  const refuseNewer = (found: number) => {
    if (found > highest) throw tooNew(file, found, highest);
  };
  const found = schemaVersionOf(db);
  refuseNewer(found);
  if (found === highest) return;
  let from = found;
  let running: Migration | undefined;
  try {
    db.transaction(() => {
      from = schemaVersionOf(db);
      refuseNewer(from);
      for (const m of migrations) {
        if (m.version <= from) continue;
        running = m;
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
      }
    }).immediate();
  } catch (err) {
    if (err instanceof SyncError) throw err;
    throw new SyncError(
      StateCode.fileUpgrade,
      `The state file ${file} could not be upgraded from schema version ${from} to ${highest}` +
        `${running ? ` (step ${running.version}: ${running.description})` : ''}: ${err instanceof Error ? err.message : String(err)}. ` +
        `It was left at version ${from}; remove the cause (a full disk, a read-only file, …) and deploy again.`,
      { cause: err },
    );
  }
}

function tooNew(file: string, found: number, highest: number): SyncError {
  return new SyncError(
    StateCode.fileTooNew,
    `The state file ${file} has schema version ${found}, but this version of the nodes understands schema versions up to ${highest}: ` +
      'a newer version of the nodes wrote it. Install that version (or a newer one) again, or point the state file setting ' +
      'at another file. The file was left unchanged.',
  );
}
