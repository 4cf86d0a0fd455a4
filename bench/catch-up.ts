/**
 * Catch-up of the change source: how many rows and requests büro+ answers per change when a
 * burst of changes is committed at once. Two measurements, both on the büro+ simulator, which
 * counts the rows it returns per table (`stats().rowsReturned` / `changedRowsReturned`):
 *
 * - `bueroReads`: a snapshot of those counters, taken around a Node-RED phase (phases.ts);
 * - `feedCatchUp`: the change source alone (lib/buero/change-feed.ts over real HTTP, SQLite
 *   state, a writer stub that acknowledges every change at once) driven by its sync loop
 *   (lib/buero/sync-loop.ts, the node's default pace), for a burst of inserts, of updates in
 *   random id order, and of updates in id order (a mass update).
 *   It runs 100,000 changes in well under a minute, where a Node-RED run would take many.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ack } from '../lib/ack-token';
import { ChangeFeed } from '../lib/buero/change-feed';
import { BueroConnection, resolveSettings } from '../lib/buero/connection';
import { type PollingFeed, SyncLoop } from '../lib/buero/sync-loop';
import { CursorStore } from '../lib/state/cursor';
import { openStateDb } from '../lib/state/db';
import { generateBueroData } from '../sandbox/data/generator';
import { startBueroSimulator, type BueroSimulator } from '../sandbox/buero/index';
import { sleep, waitFor } from './rig';

/** What büro+ answered so far: requests, and rows per table (all reads, and change reads alone). */
export interface BueroReads {
  requests: number;
  rows: Record<string, number>;
  changedRows: Record<string, number>;
}

export function bueroReads(sim: BueroSimulator): BueroReads {
  const s = sim.stats();
  return { requests: s.requests, rows: s.rowsReturned, changedRows: s.changedRowsReturned };
}

/** büro+ reads between two snapshots: requests, and rows of one table (and of all). */
export interface TableReads {
  requests: number;
  /** Rows of the table's change reads (filtered on fldModifyLSN): what the target is about. */
  changedRows: number;
  /** Every row of the table büro+ returned: change reads, ids of deletion checks, contact joins. */
  rows: number;
  /** Every row of every table büro+ returned (the users of each poll included). */
  allRows: number;
}

export function readsSince(sim: BueroSimulator, before: BueroReads, table: string): TableReads {
  const now = bueroReads(sim);
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    requests: now.requests - before.requests,
    changedRows: (now.changedRows[table] ?? 0) - (before.changedRows[table] ?? 0),
    rows: (now.rows[table] ?? 0) - (before.rows[table] ?? 0),
    allRows: sum(now.rows) - sum(before.rows),
  };
}

export type BurstKind = 'inserts' | 'updates in random order' | 'updates in id order';
export const BURSTS: BurstKind[] = ['inserts', 'updates in random order', 'updates in id order'];

export interface CatchUpResult extends TableReads {
  burst: BurstKind;
  changes: number;
  polls: number;
  emitted: number;
  seconds: number;
  changedRowsPerChange: number;
  rowsPerChange: number;
  requestsPer1000: number;
}

/** A small deterministic random source (mulberry32), so every run updates in the same order. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `changes` calendar changes committed at once, then read by the change source until it is caught up. */
export async function feedCatchUp(burst: BurstKind, changes: number, seed: number): Promise<CatchUpResult> {
  const updates = burst !== 'inserts';
  // Updates change rows that exist before the baseline (of synced and unsynced users alike).
  const data = generateBueroData({ seed, users: 6, appointments: updates ? changes : 50, tasks: 0, followUps: 0, addresses: 2, contactPeoplePerAddress: [0, 1] });
  const sim = await startBueroSimulator({ data });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-catch-up-'));
  const db = openStateDb(path.join(dir, 'state.sqlite'));
  const settings = resolveSettings({ endpoint: sim.url, mandant: data.mandant, auth: 'static', staticToken: sim.staticToken });
  const conn = new BueroConnection(settings, { db, connectionId: 'bench' });
  let emitted = 0;
  let polls = 0;
  const feed = new ChangeFeed({
    client: conn.client,
    store: new CursorStore(db, `bench:${settings.mandant}`),
    source: 'bench-catch-up',
    mandant: settings.mandant,
    fields: settings.fields,
    sync: { appointments: true, tasks: true, contacts: false },
    // The writer stub: every change acknowledged as soon as it is handed on.
    emit: (m) => {
      emitted += 1;
      setImmediate(() => ack(m.ack));
    },
    event: () => undefined,
    recordError: (e) => {
      throw e;
    },
  });
  const polling: PollingFeed = {
    poll: (o) => {
      polls += 1;
      return feed.poll(o);
    },
    backfill: (o) => feed.backfill(o),
    get pending() {
      return feed.pending;
    },
  };
  const loop = new SyncLoop({
    feed: polling, endpoint: sim.baseUrl, intervalMs: 15_000, autoSync: true, deletionEvery: 4,
    onStatus: () => undefined, event: () => undefined,
    error: (e) => {
      throw e;
    },
  });
  try {
    loop.start(); // the baseline, with a deletion check
    await waitFor('the baseline', () => polls > 0 && loop.status.state === 'idle', 60_000, 20);
    await sleep(100); // the loop has set its timer for the next poll
    if (burst === 'inserts') {
      const users = data.users.map((u) => u.fldNr as number);
      for (let i = 0; i < changes; i++) {
        const day = String(1 + (i % 28)).padStart(2, '0');
        sim.db.insert('tblCalendar', { fldArt: 'Termin', fldBzrNr: users[i % users.length], fldKurzInfo: `Catch-up ${i}`, fldBeginn: `2027-05-${day}T10:00:00`, fldEnde: `2027-05-${day}T11:00:00` });
      }
    } else {
      const ids = sim.db.rows('tblCalendar').map((r) => r.fldID as number);
      if (burst === 'updates in random order') {
        const next = random(seed);
        for (let i = ids.length - 1; i > 0; i--) {
          const j = Math.floor(next() * (i + 1));
          [ids[i], ids[j]] = [ids[j], ids[i]];
        }
      }
      for (const id of ids.slice(0, changes)) sim.db.modify('tblCalendar', id, { fldOrt: 'Catch-up' });
    }
    const last = sim.db.currentLsn();
    const before = bueroReads(sim);
    const pollsBefore = polls;
    const started = Date.now();
    // The node's default pace: an idle poll every 15 s, a deletion check every 4th poll; the
    // burst is found by a poll that does no deletion check (kick: the loop polls at once).
    loop.kick();
    const store = new CursorStore(db, `bench:${settings.mandant}`);
    await waitFor(`the change source caught up with ${changes} changes (${burst})`, () => store.cursor('tblCalendar') === last && feed.pending === 0, 600_000, 20);
    const seconds = (Date.now() - started) / 1000;
    const reads = readsSince(sim, before, 'tblCalendar');
    return {
      burst,
      changes,
      polls: polls - pollsBefore,
      emitted,
      seconds,
      ...reads,
      changedRowsPerChange: reads.changedRows / changes,
      rowsPerChange: reads.rows / changes,
      requestsPer1000: (reads.requests / changes) * 1000,
    };
  } finally {
    await loop.stop();
    feed.close();
    conn.close();
    db.close();
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every burst kind at every size. */
export async function catchUp(sizes: number[], seed: number, progress: (r: CatchUpResult) => void = () => undefined): Promise<CatchUpResult[]> {
  const out: CatchUpResult[] = [];
  for (const n of sizes) {
    for (const burst of BURSTS) {
      const r = await feedCatchUp(burst, n, seed);
      progress(r);
      out.push(r);
    }
  }
  return out;
}
