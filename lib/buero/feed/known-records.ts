import type { CursorStore, KnownRecord } from '../../state/cursor';
import type { Effect, Table } from './tables';

/**
 * The known records per table as of what was emitted (the store holds what was
 * acknowledged): the ids for the deletion check, the address numbers for the contact joins,
 * and the mailboxes that hold a copy of each record.
 */
export class KnownRecords {
  private readonly known = new Map<Table, Map<number, KnownRecord>>();

  constructor(private readonly store: CursorStore) {}

  /**
   * The known records of a table: the acknowledged state from the store, plus the mailboxes
   * of emissions never acknowledged (a previous run may have died after the writer took
   * them), so a deletion or a dropped participant reaches them too.
   */
  of(table: Table): Map<number, KnownRecord> {
    let m = this.known.get(table);
    if (!m) {
      m = this.store.known(table);
      for (const [id, sent] of this.store.sent(table)) {
        const k = m.get(id);
        if (!k) {
          m.set(id, { lsn: sent.lsn, kind: sent.kind, targets: sent.targets, unconfirmed: true });
          continue;
        }
        const targets = [...(k.targets ?? [])];
        for (const t of sent.targets) if (!targets.some((x) => x.mailbox.toLowerCase() === t.mailbox.toLowerCase() && x.user === t.user)) targets.push(t);
        m.set(id, { ...k, kind: k.kind ?? sent.kind, targets });
      }
      this.known.set(table, m);
    }
    return m;
  }

  /** The effects of a change as it is emitted (the store gets them once it is handed on). */
  apply(effects: Effect[]): void {
    for (const e of effects) {
      if (e.drop) this.of(e.table).delete(e.id);
      else if (e.put) this.of(e.table).set(e.id, e.put);
    }
  }

  /** A table's baseline: where büro+ stands and the ids that exist (nothing was sent). */
  baseline(table: Table, lsn: bigint, records: [number, KnownRecord][], now: Date): void {
    this.store.writeBaseline(table, lsn, records, now);
    this.known.set(table, this.store.known(table));
  }
}
