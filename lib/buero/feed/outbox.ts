import { type AckToken, offAck, onAck } from '../../ack-token';
import type { CursorStore, KnownTarget } from '../../state/cursor';
import type { BueroChange, BueroChangeMessage } from '../change';
import { toKnownTargets } from './targets';
import { AckLedger, type Source } from './ack-ledger';
import type { KnownRecords } from './known-records';
import type { Effect, Table } from './tables';

export interface OutboxOptions {
  store: CursorStore;
  known: KnownRecords;
  /** The ack source: the node id of the change source. */
  source: string;
  emit(msg: BueroChangeMessage): void;
  /** Called after acknowledgements were counted. */
  acked?(): void;
  clock: () => Date;
}

interface Outgoing {
  msg: BueroChangeMessage;
  /** The mailboxes to note as "sent" before the message goes out (see `flush`). */
  sent?: { table: Table; id: number; lsn: bigint; kind: string; targets: KnownTarget[] };
}

/**
 * The commit protocol of the change feed: every change goes into the ledger before it is
 * emitted, and what it changes (known records, cursors) is committed only once it is handed
 * on. Owns the ledger, the read positions and the cursors.
 */
export class Outbox {
  private readonly o: OutboxOptions;
  private readonly ledger: AckLedger<Effect>;
  private outgoing: Outgoing[] = [];
  private closed = false;

  constructor(opts: OutboxOptions) {
    this.o = opts;
    // Sequence numbers start from the clock so that a token of an earlier run (a message
    // still in flight when the node was redeployed) can never acknowledge a new change.
    this.ledger = new AckLedger<Effect>(opts.clock().getTime() * 1000);
    onAck(opts.source, (token) => this.ack(token), (tokens) => this.ackAll(tokens));
  }

  /** Changes emitted and not yet handed on. */
  get pending(): number {
    return this.ledger.pending;
  }

  /** The same, counted in writes: a change counts once per mailbox it goes to. */
  get pendingMessages(): number {
    return this.ledger.pendingMessages;
  }

  close(): void {
    this.closed = true;
    offAck(this.o.source);
  }

  // ---------------------------------------------------------------- read positions, cursors

  /** How far a table has been read in this run; undefined until `markRead` started it. */
  readPosition(table: Table): bigint | undefined {
    return this.ledger.readTo(table);
  }

  /** Everything of `table` up to `lsn` has been read, and every change of it emitted. */
  markRead(table: Table, lsn: bigint): void {
    this.ledger.markRead(table, lsn);
  }

  /** Commits the cursors of these tables as far as the changes handed on allow. */
  commitRead(tables: Iterable<Table>): void {
    this.o.store.transaction(() => this.commitCursors(tables));
  }

  private commitCursors(tables: Iterable<Table>): void {
    for (const t of tables) {
      const c = this.ledger.committable(t);
      if (c !== undefined) this.o.store.advanceCursor(t, c);
    }
  }

  // ---------------------------------------------------------------- emitting

  /** A change to emit at the next `flush`, with the effects it has once handed on. */
  emit(change: BueroChange, sources: Source[], effects: Effect[]): void {
    const seq = this.ledger.add({ record: `${change.table}:${change.id}`, sources, effects }, Math.max(1, change.targets.length));
    this.o.known.apply(effects);
    this.outgoing.push({
      msg: { topic: `${change.kind}/${change.op}`, payload: change, ack: { source: this.o.source, seq, parts: 1 } },
      sent: change.targets.length > 0 ? { table: change.table as Table, id: change.id, lsn: BigInt(change.lsn), kind: change.kind, targets: toKnownTargets(change.targets) } : undefined,
    });
  }

  /** Effects that need no message (a follow-up, a baseline row changed with no target): handed on at once, in record order. */
  settle(table: Table, id: number, sources: Source[], effects: Effect[]): void {
    const seq = this.ledger.add({ record: `${table}:${id}`, sources, effects });
    this.o.known.apply(effects);
    this.ack({ source: this.o.source, seq, parts: 1 });
  }

  /**
   * Sends what is waiting: first notes durably (one transaction) which mailboxes each record
   * goes to, then emits. Called in `finally`, so a change in the ledger is always emitted (an
   * unemitted one would hold its cursor for the rest of the run). `more`: the poll left more
   * to read (the changes say so, for the writer's batches).
   */
  flush(more = false): void {
    const batch = this.outgoing;
    this.outgoing = [];
    if (batch.length === 0) return;
    if (more) for (const b of batch) b.msg.payload.more = true;
    if (!this.closed) {
      this.o.store.transaction(() => {
        for (const b of batch) if (b.sent) this.o.store.markSent(b.sent.table, b.sent.id, b.sent.lsn, b.sent.kind, b.sent.targets);
      });
    }
    for (const b of batch) this.o.emit(b.msg);
  }

  // ---------------------------------------------------------------- acknowledgements

  /**
   * One acknowledgement (lib/ack-token.ts, or the node's `ack` command). Its effects and the
   * cursors are committed here, in a transaction of their own: the writer commits the change
   * to its durable queue first and acknowledges it after that commit
   * (nodes/buero-exchange-writer). A crash between the two commits leaves the change
   * unacknowledged: the cursor has not moved, so the change is read and emitted again after
   * the restart, and the writer, which already holds it, writes it idempotently (the same key
   * and version again is "unchanged"; a create of unknown fate is looked up by its key first).
   * The other order, cursor first, could lose the change.
   */
  ack(token: AckToken): void {
    this.ackAll([token]);
  }

  /** Several acknowledgements, committed in one transaction (one disk sync). */
  ackAll(tokens: AckToken[]): void {
    if (this.closed) return;
    const effects: Effect[] = [];
    const tables = new Set<Table>();
    for (const token of tokens) {
      const r = this.ledger.ack(token);
      if (!r) continue;
      effects.push(...r.effects);
      for (const t of r.tables) tables.add(t as Table);
    }
    if (effects.length > 0 || tables.size > 0) {
      this.o.store.transaction(() => {
        for (const e of effects) {
          if (e.drop) this.o.store.dropKnown(e.table, e.id);
          else if (e.put) this.o.store.putKnown(e.table, e.id, { lsn: e.put.lsn, kind: e.put.kind, ref: e.put.ref, targets: e.put.targets });
          // Everything emitted for the record is handed on: the known state is complete.
          if (!this.ledger.isPending(`${e.table}:${e.id}`)) this.o.store.dropSent(e.table, e.id);
        }
        this.commitCursors(tables);
      });
    }
    this.o.acked?.();
  }
}
