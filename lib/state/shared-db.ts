import path from 'node:path';
import { openStateDb, type StateDb } from './db';

/**
 * One open handle per state file for the whole process. Several nodes (change source,
 * writer, config nodes) keep their tables in the same SQLite file; one handle avoids
 * SQLITE_BUSY between handles of one process. A change handed from the change source to the
 * writer is two commits, not one: the writer's queue first, then the acknowledgement with the
 * change source's cursor (why that order is safe: lib/buero/feed/outbox.ts, `ack`).
 * Reference-counted: the last release closes the file.
 */
interface Entry {
  db: StateDb;
  refs: number;
}

const open = new Map<string, Entry>();

function keyOf(file: string): string {
  return file === ':memory:' ? file : path.resolve(file);
}

export function acquireStateDb(file: string): StateDb {
  const key = keyOf(file);
  let entry = open.get(key);
  if (!entry || !entry.db.open) {
    entry = { db: openStateDb(key), refs: 0 };
    open.set(key, entry);
  }
  entry.refs += 1;
  return entry.db;
}

export function releaseStateDb(file: string): void {
  const key = keyOf(file);
  const entry = open.get(key);
  if (!entry) return;
  entry.refs -= 1;
  if (entry.refs <= 0) {
    open.delete(key);
    if (entry.db.open) entry.db.close();
  }
}
