import type { StateDb } from './db';
import { normalise } from './id-map';

/**
 * The writer's durable queue: every change the writer has accepted stays here until Exchange
 * confirmed it (or rejected it for good). A change is acknowledged to the change source only
 * after its row is committed, so a crash at any point loses nothing.
 *
 * Pending creates: before a CreateItem is sent, its key is recorded here. If the process dies
 * after Exchange created the item but before the id map recorded it, the key is still pending
 * at the next start, and the writer searches Exchange for it before creating anything again.
 */
export interface QueuedChange {
  id: number;
  /** The writer node that accepted the change (several writers may share one state file). */
  owner: string;
  mailbox: string;
  key: string;
  kind: string;
  action: string;
  version?: string;
  /** The validated writer message as JSON. */
  message: string;
  enqueuedAt: number;
  attempts: number;
  notBefore: number;
  lastError?: string;
}

/** A queued row as the writer's memory window reads it in. */
/** What the writer's memory window holds of a queued change until its key is planned. */
export interface QueuedKey {
  id: number;
  mailbox: string;
  key: string;
  attempts: number;
  notBefore: number;
}

export interface PendingCreate {
  mailbox: string;
  key: string;
  kind: string;
  /** Content hash of what the create sent, so an item found after a crash is known to match. */
  contentHash: string;
  fields: Record<string, string>;
  since: number;
}

interface QueueRow {
  id: number;
  owner: string;
  mailbox: string;
  key: string;
  kind: string;
  action: string;
  version: string | null;
  message: string;
  enqueued_at: number;
  attempts: number;
  not_before: number;
  last_error: string | null;
}

export class WriteQueue {
  private readonly addStmt;
  private readonly loadAfterStmt;
  private readonly loadKeysStmt;
  private readonly messageStmt;
  private readonly removeStmt;
  private readonly retryStmt;
  private readonly countStmt;
  private readonly pendingPut;
  private readonly pendingGet;
  private readonly pendingDel;

  constructor(readonly db: StateDb) {
    // Tables exchange_write_queue, exchange_pending_create: lib/state/schema.ts.
    this.addStmt = db.prepare(`INSERT INTO exchange_write_queue
      (owner, mailbox, key, kind, action, version, message, enqueued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.loadAfterStmt = db.prepare('SELECT * FROM exchange_write_queue WHERE owner = ? AND id > ? ORDER BY id LIMIT ?');
    this.loadKeysStmt = db.prepare(`SELECT id, mailbox, key, attempts, not_before AS notBefore FROM exchange_write_queue
      WHERE owner = ? AND id > ? ORDER BY id LIMIT ?`);
    this.messageStmt = db.prepare('SELECT message FROM exchange_write_queue WHERE id = ?').pluck();
    this.removeStmt = db.prepare('DELETE FROM exchange_write_queue WHERE id = ?');
    this.retryStmt = db.prepare('UPDATE exchange_write_queue SET attempts = ?, not_before = ?, last_error = ? WHERE id = ?');
    this.countStmt = db.prepare('SELECT COUNT(*) AS n FROM exchange_write_queue WHERE owner = ?');
    this.pendingPut = db.prepare(`INSERT OR REPLACE INTO exchange_pending_create
      (mailbox, key, kind, content_hash, field_hashes, since) VALUES (?, ?, ?, ?, ?, ?)`);
    this.pendingGet = db.prepare('SELECT * FROM exchange_pending_create WHERE mailbox = ? AND key = ?');
    this.pendingDel = db.prepare('DELETE FROM exchange_pending_create WHERE mailbox = ? AND key = ?');
  }

  /**
   * Adds a change; when this returns, the change survives a crash (synchronous=FULL). Returns
   * the row's id only: the caller holds the message, and a copy of its JSON text kept with
   * thousands of others would be garbage that outlives the young generation (bench/README.md).
   */
  add(change: Omit<QueuedChange, 'id' | 'attempts' | 'notBefore' | 'lastError'>): { id: number } {
    const info = this.addStmt.run(change.owner, normalise(change.mailbox), change.key, change.kind, change.action,
      change.version ?? null, change.message, change.enqueuedAt);
    return { id: Number(info.lastInsertRowid) };
  }

  /** The next `limit` changes after id `afterId`, oldest first (ids only grow: AUTOINCREMENT). */
  loadAfter(owner: string, afterId: number, limit: number): QueuedChange[] {
    return (this.loadAfterStmt.all(owner, afterId, limit) as QueueRow[]).map(toChange);
  }

  /** The same, only what the writer's memory window holds of each row (not the message). */
  loadKeysAfter(owner: string, afterId: number, limit: number): QueuedKey[] {
    return this.loadKeysStmt.all(owner, afterId, limit) as QueuedKey[];
  }

  /** A queued change's message as JSON; undefined when the row is gone. */
  messageText(id: number): string | undefined {
    return this.messageStmt.get(id) as string | undefined;
  }

  remove(ids: readonly number[]): void {
    for (const id of ids) this.removeStmt.run(id);
  }

  /** Records a failed attempt: the change stays, to be tried again not before `notBefore`. */
  retryLater(ids: readonly number[], attempts: number, notBefore: number, lastError: string): void {
    for (const id of ids) this.retryStmt.run(attempts, notBefore, lastError, id);
  }

  count(owner: string): number {
    return (this.countStmt.get(owner) as { n: number }).n;
  }

  markPending(p: PendingCreate): void {
    this.pendingPut.run(normalise(p.mailbox), p.key, p.kind, p.contentHash, JSON.stringify(p.fields), p.since);
  }

  pending(mailbox: string, key: string): PendingCreate | undefined {
    const row = this.pendingGet.get(normalise(mailbox), key) as
      | { mailbox: string; key: string; kind: string; content_hash: string; field_hashes: string; since: number }
      | undefined;
    if (!row) return undefined;
    return {
      mailbox: row.mailbox,
      key: row.key,
      kind: row.kind,
      contentHash: row.content_hash,
      fields: JSON.parse(row.field_hashes) as Record<string, string>,
      since: row.since,
    };
  }

  clearPending(mailbox: string, key: string): void {
    this.pendingDel.run(normalise(mailbox), key);
  }
}

function toChange(r: QueueRow): QueuedChange {
  return {
    id: r.id,
    owner: r.owner,
    mailbox: r.mailbox,
    key: r.key,
    kind: r.kind,
    action: r.action,
    version: r.version ?? undefined,
    message: r.message,
    enqueuedAt: r.enqueued_at,
    attempts: r.attempts,
    notBefore: r.not_before,
    lastError: r.last_error ?? undefined,
  };
}
