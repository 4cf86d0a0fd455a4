// Test support for the büro+ change source: the büro+ simulator over real HTTP on 127.0.0.1,
// a real SQLite state file in a temporary directory, and a ChangeFeed that collects what it
// emits. Acknowledging goes through lib/ack-token exactly as the writer does it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ack } from '../../../lib/ack-token';
import type { BueroChangeMessage } from '../../../lib/buero/change';
import { ChangeFeed, type ChangeFeedOptions } from '../../../lib/buero/change-feed';
import { BueroConnection, resolveSettings } from '../../../lib/buero/connection';
import type { SyncError } from '../../../lib/errors';
import type { SyncEvent } from '../../../lib/log/events';
import { CursorStore } from '../../../lib/state/cursor';
import { openStateDb, type StateDb } from '../../../lib/state/db';
import { generateBueroData, startBueroSimulator, type BueroSimulator, type BueroSimulatorOptions } from '../../../sandbox/buero/index';

export type Sim = BueroSimulator;

/** The seeded data set of these tests: users 1 and 2 are synced, 3–6 are not (see the generator). */
export function dataSet(seed = 7) {
  return generateBueroData({ seed, users: 6, appointments: 30, tasks: 10, followUps: 5, addresses: 8, contactPeoplePerAddress: [0, 3] });
}

export async function startSim(opts: BueroSimulatorOptions = {}): Promise<Sim> {
  return startBueroSimulator({ data: dataSet(), ...opts });
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'buero-feed-'));
}

export interface FeedRun {
  feed: ChangeFeed;
  conn: BueroConnection;
  db: StateDb;
  store: CursorStore;
  emitted: BueroChangeMessage[];
  events: SyncEvent[];
  errors: SyncError[];
  /** Messages emitted since the last call. */
  take(): BueroChangeMessage[];
  /** Acknowledges every message emitted and not yet acknowledged (as the writer would). */
  ackAll(): void;
  /** Closes the feed, the connection and the database handle, like a process that ends. */
  close(): void;
}

let feeds = 0;

export function startFeed(
  sim: Sim,
  file: string,
  opts: Partial<Omit<ChangeFeedOptions, 'client' | 'store' | 'emit' | 'event' | 'recordError' | 'fields' | 'mandant' | 'source'>> & { fields?: unknown; mandant?: number; source?: string } = {},
): FeedRun {
  const db = openStateDb(file);
  const settings = resolveSettings({ endpoint: sim.url, mandant: opts.mandant ?? 1, auth: 'static', staticToken: sim.staticToken, fields: opts.fields });
  const conn = new BueroConnection(settings, { db, connectionId: 'conn-1' });
  const store = new CursorStore(db, `feed-1:${settings.mandant}`);
  const emitted: BueroChangeMessage[] = [];
  const events: SyncEvent[] = [];
  const errors: SyncError[] = [];
  let taken = 0;
  let acked = 0;
  const feed = new ChangeFeed({
    sync: { appointments: true, tasks: true, contacts: true },
    ...opts,
    source: opts.source ?? `changes-${++feeds}`,
    client: conn.client,
    store,
    mandant: settings.mandant,
    fields: settings.fields,
    emit: (m) => emitted.push(m),
    event: (e) => events.push(e),
    recordError: (e) => errors.push(e),
  });
  return {
    feed,
    conn,
    db,
    store,
    emitted,
    events,
    errors,
    take() {
      const out = emitted.slice(taken);
      taken = emitted.length;
      return out;
    },
    ackAll() {
      for (; acked < emitted.length; acked++) ack(emitted[acked].ack);
    },
    close() {
      feed.close();
      conn.close();
      db.close();
    },
  };
}

/** A compact view of messages for assertions: `topic table:id -> mailboxes (removed: …)`. */
export function summary(msgs: BueroChangeMessage[]): string[] {
  return msgs.map((m) => {
    const p = m.payload;
    const to = p.targets.map((t) => `${t.role}:${t.user?.nr ?? t.mailbox}`).join(',');
    const removed = p.removed.length ? ` removed ${p.removed.map((t) => `${t.role}:${t.user?.nr ?? t.mailbox}`).join(',')}` : '';
    return `${m.topic} ${p.table}:${p.id} -> ${to}${removed}`;
  });
}

/** Waits until `check` holds (polling), or fails with `what`. */
export async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Changes a büro+ user record as the büro+ administrator would (tblUsers is read-only over
 * GraphQL). Uses the simulator's public user-admin method when it has one; otherwise the
 * same internal write its insert/modify use (a new version with the next LSN).
 */
export function changeUser(sim: Sim, nr: number, values: Record<string, unknown>): void {
  const db = sim.db as unknown as {
    modifyUser?: (nr: number, values: Record<string, unknown>) => unknown;
    tables: Record<string, unknown>;
    visible(table: string, id: number): Record<string, unknown> | undefined;
    put(t: unknown, id: number, row: Record<string, unknown>, isNew: boolean): void;
    transaction<T>(fn: () => T): T;
  };
  if (typeof db.modifyUser === 'function') {
    db.modifyUser(nr, values);
    return;
  }
  const row = sim.db.rows('tblUsers').find((u) => u.fldNr === nr);
  if (!row) throw new Error(`no büro+ user ${nr}`);
  const id = row.fldID as number;
  db.transaction(() => db.put(db.tables.tblUsers, id, { ...db.visible('tblUsers', id), ...values }, false));
}
