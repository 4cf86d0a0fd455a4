import type { AckToken } from '../../ack-token';

/**
 * The change source's ledger of emitted, not yet handed-on changes: what "nothing lost"
 * rests on. It counts the tokens of lib/ack-token.ts that come back for each change.
 *
 * - A change is handed on when its acknowledgements add up to 1: a mapper that splits a
 *   change into n messages multiplies `parts` by n, so each ack counts 1/parts (exact
 *   fractions in BigInt; a duplicate ack after completion is ignored).
 * - Each change holds back the cursor of the table row(s) it was read from: the cursor that
 *   may be committed for a table is just below the oldest LSN still held, and never beyond
 *   what has been read. After a crash everything above the committed cursor is read again.
 * - Each change carries effects on the known-record set (put a record with the mailboxes it
 *   went to, or drop a deleted one). They are applied only once handed on, and per record in
 *   the order the changes were emitted, so an older change acknowledged late never
 *   overwrites a newer one.
 */
export interface Source {
  table: string;
  lsn: bigint;
}

export interface LedgerEntry<E> {
  seq: number;
  record: string;
  sources: Source[];
  effects: E[];
}

interface Held<E> extends LedgerEntry<E> {
  /** Writes the change becomes (one per mailbox): what `pendingMessages` counts. */
  weight: number;
  num: bigint;
  den: bigint;
  handedOn: boolean;
}

/** Min-heap of LSNs with counts, for the oldest LSN still held per table. */
class Holds {
  private heap: bigint[] = [];
  private readonly counts = new Map<bigint, number>();

  add(lsn: bigint): void {
    const c = this.counts.get(lsn) ?? 0;
    this.counts.set(lsn, c + 1);
    if (c === 0) this.push(lsn);
  }

  release(lsn: bigint): void {
    const c = this.counts.get(lsn) ?? 0;
    if (c <= 1) this.counts.delete(lsn);
    else this.counts.set(lsn, c - 1);
  }

  min(): bigint | undefined {
    while (this.heap.length > 0 && !this.counts.has(this.heap[0])) this.pop();
    return this.heap[0];
  }

  private push(v: bigint): void {
    const h = this.heap;
    h.push(v);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p] <= h[i]) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as bigint;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l] < h[m]) m = l;
      if (r < h.length && h[r] < h[m]) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export class AckLedger<E> {
  private nextSeq: number;
  private readonly held = new Map<number, Held<E>>();
  private readonly byRecord = new Map<string, number[]>();
  private readonly holds = new Map<string, Holds>();
  private readonly readUpTo = new Map<string, bigint>();
  private waiting = 0;
  private waitingMessages = 0;

  /** `firstSeq`: start of this run's numbers, distinct from earlier runs' (tokens of a previous run are ignored). */
  constructor(firstSeq: number) {
    this.nextSeq = firstSeq;
  }

  /** Changes emitted and not yet handed on. */
  get pending(): number {
    return this.waiting;
  }

  /** The same, counted as the messages they become (a change to 22 mailboxes counts 22). */
  get pendingMessages(): number {
    return this.waitingMessages;
  }

  /** Registers a change about to be emitted (`weight`: the messages it becomes); returns its sequence number. */
  add(change: { record: string; sources: Source[]; effects: E[] }, weight = 1): number {
    const seq = this.nextSeq++;
    this.held.set(seq, { ...change, seq, weight, num: 0n, den: 1n, handedOn: false });
    this.waitingMessages += weight;
    const queue = this.byRecord.get(change.record);
    if (queue) queue.push(seq);
    else this.byRecord.set(change.record, [seq]);
    for (const s of change.sources) this.holdsOf(s.table).add(s.lsn);
    this.waiting += 1;
    return seq;
  }

  /**
   * Counts one acknowledgement. Returns the effects that may now be committed (in record
   * order) and the tables whose cursor may have moved, or undefined when nothing changed
   * (unknown token, a token of an earlier run, or a change already handed on).
   */
  ack(token: AckToken): { effects: E[]; tables: string[] } | undefined {
    const entry = this.held.get(token.seq);
    if (!entry || entry.handedOn) return undefined;
    const p = BigInt(token.parts);
    let num = entry.num * p + entry.den;
    let den = entry.den * p;
    const g = gcd(num, den);
    num /= g;
    den /= g;
    entry.num = num;
    entry.den = den;
    if (num < den) return { effects: [], tables: [] };
    entry.handedOn = true;
    this.waiting -= 1;
    this.waitingMessages -= entry.weight;
    for (const s of entry.sources) this.holdsOf(s.table).release(s.lsn);
    const effects: E[] = [];
    const queue = this.byRecord.get(entry.record) as number[];
    while (queue.length > 0) {
      const head = this.held.get(queue[0]) as Held<E>;
      if (!head.handedOn) break;
      effects.push(...head.effects);
      this.held.delete(head.seq);
      queue.shift();
    }
    if (queue.length === 0) this.byRecord.delete(entry.record);
    return { effects, tables: [...new Set(entry.sources.map((s) => s.table))] };
  }

  /** Everything of `table` up to `lsn` has been read (and every change of it emitted). */
  markRead(table: string, lsn: bigint): void {
    const before = this.readUpTo.get(table);
    if (before === undefined || lsn > before) this.readUpTo.set(table, lsn);
  }

  /** How far `table` has been read in this run (undefined before its first `markRead`). */
  readTo(table: string): bigint | undefined {
    return this.readUpTo.get(table);
  }

  /** The cursor that may be committed for `table`: below the oldest held LSN, at most what was read. */
  committable(table: string): bigint | undefined {
    const read = this.readUpTo.get(table);
    if (read === undefined) return undefined;
    const oldest = this.holds.get(table)?.min();
    if (oldest === undefined) return read;
    const below = oldest - 1n;
    return below < read ? below : read;
  }

  /** The seqs of a record still waiting (to know whether a newer state is in flight). */
  isPending(record: string): boolean {
    return this.byRecord.has(record);
  }

  private holdsOf(table: string): Holds {
    let h = this.holds.get(table);
    if (!h) {
      h = new Holds();
      this.holds.set(table, h);
    }
    return h;
  }
}
