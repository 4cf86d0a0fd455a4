/**
 * The base a conflict is merged against: per copy (mailbox and writer key) the büro+ values of
 * the two-way fields as they were when büro+ and Outlook last agreed, and that row version
 * (`fldModifyLSN`). Written when the way back wrote büro+ (what büro+ saved) and when lane 1's
 * own write comes back unchanged (then Outlook holds exactly büro+'s values of that version).
 * Table `way_back_synced`: lib/state/schema.ts.
 */
import type { BueroValues } from '../buero/writer';
import type { StateDb } from '../state/db';
import { normalise } from '../state/id-map';

export interface SyncedValues {
  lsn: string;
  values: BueroValues;
}

export class SyncedStore {
  private readonly getStmt;
  private readonly putStmt;
  private readonly delStmt;
  /** Bases noted from lane 1's writes coming back, written together (see `putSoon`). */
  private readonly soon = new Map<string, { mailbox: string; key: string; synced: SyncedValues; now: number }>();
  private flushing?: NodeJS.Immediate;

  constructor(private readonly db: StateDb) {
    this.getStmt = db.prepare('SELECT lsn, field_values FROM way_back_synced WHERE mailbox = ? AND key = ?');
    this.putStmt = db.prepare(`INSERT INTO way_back_synced (mailbox, key, lsn, field_values, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (mailbox, key) DO UPDATE SET lsn = excluded.lsn, field_values = excluded.field_values, updated_at = excluded.updated_at`);
    this.delStmt = db.prepare('DELETE FROM way_back_synced WHERE mailbox = ? AND key = ?');
  }

  get(mailbox: string, key: string): SyncedValues | undefined {
    const waiting = this.soon.get(soonKey(mailbox, key));
    if (waiting) return waiting.synced;
    const row = this.getStmt.get(normalise(mailbox), key) as { lsn: string; field_values: string } | undefined;
    return row && { lsn: row.lsn, values: JSON.parse(row.field_values) as BueroValues };
  }

  put(mailbox: string, key: string, synced: SyncedValues, now: number): void {
    this.soon.delete(soonKey(mailbox, key));
    this.putStmt.run(normalise(mailbox), key, synced.lsn, JSON.stringify(synced.values), now);
  }

  /**
   * A base that may be written a moment later, together with the others of the same burst:
   * a catch-up of lane 1 comes back as thousands of echoes, and one commit each (a disk sync)
   * would hold up both lanes. Lost in a crash, a base only makes the next conflict count büro+
   * as changed, as for an item that never had one (docs/behaviours.md, conflicts).
   */
  putSoon(mailbox: string, key: string, synced: SyncedValues, now: number): void {
    this.soon.set(soonKey(mailbox, key), { mailbox, key, synced, now });
    this.flushing ??= setImmediate(() => this.flush());
  }

  /** Writes the bases `putSoon` holds (also when the writer closes). */
  flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    if (this.soon.size === 0) return;
    const rows = [...this.soon.values()];
    this.soon.clear();
    try {
      this.db.transaction(() => {
        for (const r of rows) this.putStmt.run(normalise(r.mailbox), r.key, r.synced.lsn, JSON.stringify(r.synced.values), r.now);
      })();
    } catch {
      // The state file was closed meanwhile (a redeploy): these bases are lost, as in a crash.
    }
  }

  delete(mailbox: string, key: string): void {
    this.soon.delete(soonKey(mailbox, key));
    this.delStmt.run(normalise(mailbox), key);
  }
}

function soonKey(mailbox: string, key: string): string {
  return `${normalise(mailbox)}\n${key}`;
}

/** büro+ values compare as büro+ answers them: numbers and texts of equal content are equal, missing is null. */
export function sameValue(a: unknown, b: unknown): boolean {
  const x = a ?? null;
  const y = b ?? null;
  if (x === y) return true;
  if (x === null || y === null) return false;
  if (typeof x === 'boolean' || typeof y === 'boolean') return Boolean(x) === Boolean(y) && typeof x === typeof y;
  return String(x) === String(y);
}
