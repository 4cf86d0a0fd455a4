import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

export type StateDb = Database.Database;

/**
 * Opens (or creates) the product's SQLite state file. Every module that keeps state (id map,
 * write queue, change cursor, büro+ tokens) creates its own tables in it with
 * `CREATE TABLE IF NOT EXISTS`, so one file holds everything and one transaction can span it.
 * WAL + synchronous=FULL: a commit survives a kill -9 or a power cut once it returns.
 */
export function openStateDb(file: string): StateDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
}
