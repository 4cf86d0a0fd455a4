import { BueroCode } from '../error-codes';
import type { AckToken } from '../ack-token';
import { SyncError, toError } from '../errors';
import type { InfoParams, SyncEvent } from '../log/events';
import type { CursorStore, KnownRecord } from '../state/cursor';
import type { BueroChangeMessage, SyncUser } from './change';
import { type BackfillResult, BackfillCounter, backfillAll } from './feed/backfill';
import { CalendarRules } from './feed/calendar-rules';
import { ContactRules } from './feed/contact-rules';
import type { FeedSettings, RuleContext } from './feed/context';
import { KnownRecords } from './feed/known-records';
import { Outbox } from './feed/outbox';
import { FeedReader, type ReadPass } from './feed/reader';
import { SyncedUsers } from './feed/synced-users';
import { ADR, ASP, CAL, type FeedClient, POS, type Table } from './feed/tables';

export type { BackfillResult } from './feed/backfill';
export type { FeedClient } from './feed/tables';

export interface ChangeFeedOptions extends FeedSettings {
  client: FeedClient;
  store: CursorStore;
  /** The ack source: the node id of the change source. */
  source: string;
  /** Rows per conRead page of changed rows (default 500): the first page of a poll. */
  pageSize?: number;
  /**
   * Rows per page while catching up with a backlog (default 4 × pageSize). A contact table's
   * pages are smaller when a contact goes to many mailboxes: at most maxPending messages
   * (at least 50 rows).
   */
  catchUpPageSize?: number;
  /** Ids per page of the key-only reads (default 5000). */
  idPageSize?: number;
  /**
   * Stop reading new changes while this many writes are not yet acknowledged; a change
   * counts once per mailbox it goes to (default 5000). The writer acknowledges only while its
   * queue is short, so this is how a backlog is paced (docs/architecture.md, step 6).
   */
  maxPending?: number;
  /** Acknowledgements brought the waiting messages below maxPending after a poll had to wait: poll now. */
  readyForMore?(): void;
  emit(msg: BueroChangeMessage): void;
  event(e: SyncEvent): void;
  /** A record that cannot be emitted (malformed row); the rest goes on. */
  recordError(err: SyncError): void;
  clock?: () => Date;
}

export interface PollResult {
  emitted: number;
  /** A baseline was recorded in this poll (for these tables). */
  baseline: string[];
  deletionsChecked: boolean;
  /** Too many changes await acknowledgement: nothing new was read. */
  waitingForAcks: boolean;
  /** More changes are waiting (a page limit was hit): poll again soon. */
  more: boolean;
  users: number;
}

/**
 * The change feed: reads büro+ and turns every created, changed or deleted appointment, task
 * and contact into one message, committing its position only for what is handed on.
 *
 * büro+ publishes no change feed (docs/buero-api.md), so:
 * - changes are the rows whose `fldModifyLSN` is above the table's cursor (a fastFilter,
 *   paged with conRead, only the configured fields);
 * - deletions leave no row: every few polls a key-only read of the ids is compared with the
 *   known ids, and each id that seems gone is read once more before it counts as deleted;
 * - the first start records a baseline (highest LSN and the ids per table) and emits
 *   nothing for what exists (docs/behaviours.md).
 *
 * Its parts, in lib/buero/feed/, each own one kind of state: the reader (none: queries
 * only), `KnownRecords` (the known records as of what was emitted), the outbox (the ledger,
 * the read positions and the cursors), `SyncedUsers`; the calendar and contact rules and the
 * backfill decide what to emit from them.
 */
export class ChangeFeed {
  private readonly o: ChangeFeedOptions;
  private readonly clock: () => Date;
  private readonly reader: FeedReader;
  private readonly known: KnownRecords;
  private readonly outbox: Outbox;
  private readonly users: SyncedUsers;
  private readonly ctx: RuleContext;
  private readonly calendar: CalendarRules;
  private readonly contacts: ContactRules;
  private mandantChecked = false;
  /** Tables whose last pass left more to read: their next pass reads catch-up pages. */
  private readonly behind = new Set<Table>();
  private readonly maxPending: number;
  /** The last poll read nothing new because too many writes waited for acknowledgement. */
  private waitedForAcks = false;

  constructor(opts: ChangeFeedOptions) {
    this.o = opts;
    this.clock = opts.clock ?? (() => new Date());
    const pageSize = opts.pageSize ?? 500;
    const catchUp = opts.catchUpPageSize ?? 4 * pageSize;
    this.maxPending = opts.maxPending ?? 5000;
    this.reader = new FeedReader({
      client: opts.client, fields: opts.fields, pageSize, idPageSize: opts.idPageSize ?? 5000,
      catchUpPageSize: (t) => (t === CAL ? catchUp : Math.min(catchUp, Math.max(50, Math.floor(this.maxPending / this.contactMailboxes())))),
    });
    this.known = new KnownRecords(opts.store);
    this.outbox = new Outbox({ store: opts.store, known: this.known, source: opts.source, emit: (msg) => opts.emit(msg), acked: () => this.acked(), clock: this.clock });
    this.users = new SyncedUsers({ store: opts.store, fields: opts.fields, mandant: opts.mandant, clock: this.clock, info: (code, params, time) => this.info(code, params, time) });
    this.ctx = {
      settings: opts,
      users: this.users,
      known: this.known,
      outbox: this.outbox,
      fail: (err) => opts.recordError(err instanceof SyncError ? err : new SyncError(BueroCode.malformedRow, toError(err).message, { cause: err })),
    };
    this.calendar = new CalendarRules(this.ctx);
    this.contacts = new ContactRules(this.ctx, this.reader);
  }

  /** Changes emitted and not yet handed on. */
  get pending(): number {
    return this.outbox.pending;
  }

  get syncedUsers(): SyncUser[] {
    return this.users.list;
  }

  close(): void {
    this.outbox.close();
  }

  /** One acknowledgement (from `lib/ack-token.ts` or the node's `ack` command). */
  ack(token: AckToken): void {
    this.outbox.ack(token);
  }

  /**
   * One poll: users, changed rows of each table, deletions when `deletions` is set. Throws a
   * SyncError when büro+ cannot be read (retryable for network and 5xx); errors of single
   * records go to `recordError` and the poll goes on.
   */
  async poll(opts: { deletions?: boolean } = {}): Promise<PollResult> {
    const result: PollResult = { emitted: 0, baseline: [], deletionsChecked: false, waitingForAcks: false, more: false, users: 0 };
    if (!this.mandantChecked) await this.checkMandant();
    const tables = this.tables();
    for (const t of tables) {
      if (this.o.store.cursor(t) === undefined) {
        await this.recordBaseline(t);
        result.baseline.push(t);
      }
      if (this.outbox.readPosition(t) === undefined) this.outbox.markRead(t, this.o.store.cursor(t) as bigint);
    }
    const from = (t: Table) => this.outbox.readPosition(t) as bigint;

    const reading = this.outbox.pendingMessages < this.maxPending ? tables : [];
    result.waitingForAcks = reading.length < tables.length;
    this.waitedForAcks = result.waitingForAcks;
    const first = await this.reader.usersAndFirstPages(reading, from, (t) => this.behind.has(t));
    this.users.update(first.users);
    result.users = this.users.list.length;

    const passes = new Map<Table, ReadPass>();
    for (const t of reading) {
      const pass = await this.reader.readChanged(t, from(t), first.answered);
      passes.set(t, pass);
      if (pass.more) result.more = true;
    }

    const gone = new Map<Table, Map<number, KnownRecord>>();
    if (opts.deletions) {
      for (const t of tables) gone.set(t, await this.reader.findDeleted(t, this.known.of(t)));
      result.deletionsChecked = true;
    }

    let emitted = 0;
    const count = () => emitted++;
    try {
      if (tables.includes(CAL)) {
        for (const row of passes.get(CAL)?.rows ?? []) this.calendar.row(row, count);
        for (const [id, k] of gone.get(CAL) ?? []) this.calendar.deleted(id, k, count);
      }
      if (this.o.sync.contacts) await this.contacts.apply(passes, gone, count);
    } finally {
      this.outbox.flush(result.more);
    }
    result.emitted = emitted;

    for (const [t, pass] of passes) {
      this.outbox.markRead(t, pass.readTo);
      if (pass.more) this.behind.add(t);
      else this.behind.delete(t);
    }
    this.outbox.commitRead(passes.keys());
    return result;
  }

  /**
   * Emits every existing record once (beyond the built-in sync, which only sends changes
   * after set-up), or with `dryRun` only counts what would be written per mailbox and kind.
   * Backfilled changes are acknowledged like any other; they do not move the cursor.
   */
  async backfill(opts: { dryRun: boolean }): Promise<BackfillResult> {
    if (!this.mandantChecked) await this.checkMandant();
    this.users.update(await this.reader.readUsers());
    const counter = new BackfillCounter(opts.dryRun);
    try {
      await backfillAll(this.ctx, this.reader, { calendar: this.calendar, contacts: this.contacts }, counter);
    } finally {
      this.outbox.flush();
    }
    const result = counter.result();
    this.info(opts.dryRun ? 'backfill-dry-run' : 'backfill', {
      appointments: result.changes.appointment, tasks: result.changes.task, contacts: result.changes.contact,
      perMailbox: Object.entries(result.perMailbox).map(([m, c]) => `${m}: ${c.appointment}/${c.task}/${c.contact}`).join('; '),
    }, this.clock().toISOString());
    return result;
  }

  private acked(): void {
    if (!this.waitedForAcks || this.outbox.pendingMessages >= this.maxPending) return;
    this.waitedForAcks = false;
    this.o.readyForMore?.();
  }

  /** How many mailboxes a contact change goes to (at least 1). */
  private contactMailboxes(): number {
    return Math.max(1, this.o.contactMailboxes?.length || this.users.list.length);
  }

  private tables(): Table[] {
    const t: Table[] = [];
    if (this.o.sync.appointments || this.o.sync.tasks) t.push(CAL);
    if (this.o.sync.contacts) t.push(ADR, POS, ASP);
    return t;
  }

  private async checkMandant(): Promise<void> {
    await this.reader.checkMandant(this.o.mandant);
    this.mandantChecked = true;
  }

  /** Baseline of one table: where büro+ stands and the ids that exist; nothing is emitted. */
  private async recordBaseline(t: Table): Promise<void> {
    const { lsn, records } = await this.reader.baseline(t);
    // A row changed while the baseline is read (during set-up) may end below the cursor;
    // like any record that existed before, it is emitted when it changes next.
    this.known.baseline(t, lsn, records, this.clock());
    this.info('baseline', { table: t, count: records.length, lsn: String(lsn) }, this.clock().toISOString());
  }

  /** An info event: its code and values; the log renders the line (lib/log/format.ts). */
  private info(code: string, params: InfoParams, time: string): void {
    this.o.event({ type: 'info', code, params, time });
  }
}
