import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { migrateStateDb } from './schema';

export type StateDb = Database.Database;

/**
 * Opens (or creates) the product's SQLite state file: one file holds the state of every module
 * (id map, write queue, change cursor, büro+ tokens), so one transaction can span it. Its
 * tables and their versions are in lib/state/schema.ts: an older file is upgraded here, one
 * of a newer version is refused (a SyncError naming the file) and closed again.
 * WAL + synchronous=FULL: a commit survives a kill -9 or a power cut once it returns.
 */
export function openStateDb(file: string): StateDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    // SQLite's own default page cache (2 MB); better-sqlite3 builds it with 16 MB, which a
    // large write queue fills, outside V8's heap (docs/architecture.md, "Memory").
    db.pragma('cache_size = -2000');
    migrateStateDb(db, file);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
