import { type AckToken, offAck, onAck } from '../ack-token';
import { SyncError, toError } from '../errors';
import { catalogues } from '../log/catalogue';
import type { InfoParams, SyncEvent } from '../log/events';
import type { CursorStore, KnownRecord, KnownTarget } from '../state/cursor';
import { AckLedger, type Source } from './feed/ack-ledger';
import type { BueroChange, BueroChangeMessage, ChangeKind, ChangeOp, ChangeTable, ChangeTarget, SyncUser } from './change';
import { addTrigger, adrKey, ContactTriggers, planContacts } from './contacts';
import { type Entity, type FieldMap, fieldsToRead, ID_FIELD, LSN_FIELD, namesOf } from './fields';
import { compare, conReadPage, or, pageOf, type Scalar, toInt, toLsn } from './graphql';
import { calendarTargets, contactTargets, ownerOf, participantsOf, removedTargets, toKnownTargets } from './targets';
import { diffUsers, syncedUsers, usersQuery } from './users';

/**
 * The change feed: reads büro+ and turns every created, changed or deleted appointment, task
 * and contact into one message, committing its position only for what is handed on.
 *
 * büro+ publishes no change feed (BUERO-GRAPHQL.md, "Assumed"), so:
 * - changes are the rows whose `fldModifyLSN` is above the table's cursor (a fastFilter,
 *   paged with conRead, only the configured fields);
 * - deletions leave no row: every few polls a key-only read of the ids is compared with the
 *   known ids, and each id that seems gone is read once more before it counts as deleted
 *   (a row skipped by a page boundary must never delete an item in Exchange);
 * - the first start records a baseline (highest LSN and the ids per table) and emits
 *   nothing for what exists (B2 in PRODUCT.md).
 */

const CAL = 'tblCalendar';
const ADR = 'tblAddresses';
const POS = 'tblPostalAddresses';
const ASP = 'tblContactPeople';
type Table = typeof CAL | typeof ADR | typeof POS | typeof ASP;
const ENTITY: Record<Table, Entity> = { [CAL]: 'calendar', [ADR]: 'addresses', [POS]: 'postalAddresses', [ASP]: 'contactPeople' };

type Row = Record<string, unknown>;

/** A change to the known-record set, committed once the change carrying it is handed on. */
export interface Effect {
  table: Table;
  id: number;
  put?: KnownRecord;
  drop?: true;
}

/** Minimal client surface: one GraphQL query; `host` for events. */
export interface FeedClient {
  query<T = Record<string, unknown>>(text: string): Promise<T>;
  readonly host: string;
}

export interface ChangeFeedOptions {
  client: FeedClient;
  store: CursorStore;
  /** The ack source: the node id of the change source. */
  source: string;
  mandant: number;
  fields: FieldMap;
  sync: { appointments: boolean; tasks: boolean; contacts: boolean };
  /** Mailboxes that receive contacts; empty or absent: every synced user's mailbox. */
  contactMailboxes?: string[];
  /** Rows per conRead page of changed rows (default 500). */
  pageSize?: number;
  /** Ids per page of the key-only reads (default 5000). */
  idPageSize?: number;
  /** Stop reading new changes while this many are not yet acknowledged (default 10000). */
  maxPending?: number;
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

export interface BackfillResult {
  dryRun: boolean;
  /** Per mailbox: how many items of each kind would be (or were) written. */
  perMailbox: Record<string, Record<ChangeKind, number>>;
  /** Per kind: how many changes were (or would be) emitted. */
  changes: Record<ChangeKind, number>;
}

interface ReadPass {
  rows: Row[];
  readTo: bigint;
  more: boolean;
}

export class ChangeFeed {
  private readonly o: ChangeFeedOptions;
  private readonly clock: () => Date;
  private readonly ledger: AckLedger<Effect>;
  /** The known records as of what was emitted (the store holds what was acknowledged). */
  private readonly known = new Map<Table, Map<number, KnownRecord>>();
  /** How far each table has been read in this run. */
  private readonly readPos = new Map<Table, bigint>();
  private users: SyncUser[] = [];
  private usersByNr = new Map<number, SyncUser>();
  private mandantChecked = false;
  private closed = false;

  constructor(opts: ChangeFeedOptions) {
    this.o = opts;
    this.clock = opts.clock ?? (() => new Date());
    // Sequence numbers start from the clock so that a token of an earlier run (a message
    // still in flight when the node was redeployed) can never acknowledge a new change.
    this.ledger = new AckLedger<Effect>(this.clock().getTime() * 1000);
    onAck(opts.source, (token) => this.ack(token));
  }

  /** Changes emitted and not yet handed on. */
  get pending(): number {
    return this.ledger.pending;
  }

  get syncedUsers(): SyncUser[] {
    return this.users;
  }

  close(): void {
    this.closed = true;
    offAck(this.o.source);
  }

  private tables(): Table[] {
    const t: Table[] = [];
    if (this.o.sync.appointments || this.o.sync.tasks) t.push(CAL);
    if (this.o.sync.contacts) t.push(ADR, POS, ASP);
    return t;
  }

  private get pageSize(): number {
    return this.o.pageSize ?? 500;
  }

  // ---------------------------------------------------------------- acknowledgements

  /** One acknowledgement (from `lib/ack-token.ts` or the node's `ack` command). */
  ack(token: AckToken): void {
    if (this.closed) return;
    const r = this.ledger.ack(token);
    if (!r || (r.effects.length === 0 && r.tables.length === 0)) return;
    // Synchronous on the shared handle: a writer that queues a change and acknowledges it in
    // its own transaction commits both at once.
    this.o.store.transaction(() => {
      for (const e of r.effects) {
        if (e.drop) this.o.store.dropKnown(e.table, e.id);
        else if (e.put) this.o.store.putKnown(e.table, e.id, { lsn: e.put.lsn, kind: e.put.kind, ref: e.put.ref, targets: e.put.targets });
        // Everything emitted for the record is handed on: the known state is complete.
        if (!this.ledger.isPending(`${e.table}:${e.id}`)) this.o.store.dropSent(e.table, e.id);
      }
      this.commitCursors(r.tables as Table[]);
    });
  }

  /** An info event: its values for the log's language, and the English line (lib/log/catalogue). */
  private info(code: string, params: InfoParams, time: string): void {
    this.o.event({ type: 'info', code, text: catalogues.en.info[code]!(params), params, time });
  }

  private commitCursors(tables: Iterable<Table>): void {
    for (const t of tables) {
      const c = this.ledger.committable(t);
      if (c !== undefined) this.o.store.advanceCursor(t, c);
    }
  }

  // ---------------------------------------------------------------- emitting

  /**
   * The known records of a table as of what was emitted: the acknowledged state from the
   * store, plus the mailboxes of emissions never acknowledged (a previous run may have died
   * after the writer took them), so a deletion or a dropped participant reaches them too.
   */
  private knownOf(table: Table): Map<number, KnownRecord> {
    let m = this.known.get(table);
    if (!m) {
      m = this.o.store.known(table);
      for (const [id, sent] of this.o.store.sent(table)) {
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

  private applyWorking(effects: Effect[]): void {
    for (const e of effects) {
      if (e.drop) this.knownOf(e.table).delete(e.id);
      else if (e.put) this.knownOf(e.table).set(e.id, e.put);
    }
  }

  /** Changes to emit, with the mailboxes to note as "sent" first (see `flush`). */
  private outbox: { msg: BueroChangeMessage; sent?: { table: Table; id: number; lsn: bigint; kind: string; targets: KnownTarget[] } }[] = [];

  private emitChange(change: BueroChange, sources: Source[], effects: Effect[]): void {
    const seq = this.ledger.add({ record: `${change.table}:${change.id}`, sources, effects });
    this.applyWorking(effects);
    this.outbox.push({
      msg: { topic: `${change.kind}/${change.op}`, payload: change, ack: { source: this.o.source, seq, parts: 1 } },
      sent: change.targets.length > 0 ? { table: change.table as Table, id: change.id, lsn: BigInt(change.lsn), kind: change.kind, targets: toKnownTargets(change.targets) } : undefined,
    });
  }

  /**
   * Sends what is in the outbox: first notes durably (one transaction) which mailboxes each
   * record goes to, then emits. Called in `finally`, so a change in the ledger is always
   * emitted (an unemitted one would hold its cursor for the rest of the run).
   */
  private flush(): void {
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length === 0) return;
    if (!this.closed) {
      this.o.store.transaction(() => {
        for (const b of batch) if (b.sent) this.o.store.markSent(b.sent.table, b.sent.id, b.sent.lsn, b.sent.kind, b.sent.targets);
      });
    }
    for (const b of batch) this.o.emit(b.msg);
  }

  /** Effects that need no message (a follow-up, a baseline row changed with no target): handed on at once, in record order. */
  private settle(table: Table, id: number, sources: Source[], effects: Effect[]): void {
    const seq = this.ledger.add({ record: `${table}:${id}`, sources, effects });
    this.applyWorking(effects);
    this.ack({ source: this.o.source, seq, parts: 1 });
  }

  private change(
    op: ChangeOp,
    kind: ChangeKind,
    table: ChangeTable,
    id: number,
    lsn: bigint,
    parts: { record?: Row; address?: Row; postalAddress?: Row; targets: ChangeTarget[]; removed: ChangeTarget[] },
  ): BueroChange {
    const fields: BueroChange['fields'] =
      kind === 'contact'
        ? { contactPeople: namesOf(this.o.fields, 'contactPeople'), addresses: namesOf(this.o.fields, 'addresses'), postalAddresses: namesOf(this.o.fields, 'postalAddresses') }
        : { calendar: namesOf(this.o.fields, 'calendar') };
    const c: BueroChange = { op, kind, table, id, lsn: lsn.toString(), mandant: this.o.mandant, targets: parts.targets, removed: parts.removed, fields };
    if (parts.record) c.record = parts.record;
    if (parts.address) c.address = parts.address;
    if (parts.postalAddress) c.postalAddress = parts.postalAddress;
    return c;
  }

  // ---------------------------------------------------------------- polling

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
      if (!this.readPos.has(t)) {
        const c = this.o.store.cursor(t) as bigint;
        this.readPos.set(t, c);
        this.ledger.markRead(t, c);
      }
    }

    const reading = this.ledger.pending < (this.o.maxPending ?? 10_000) ? tables : [];
    result.waitingForAcks = reading.length < tables.length;
    // Users and the first page of every table in one request: when nothing changed, a poll
    // is this one small request (plus the key-only reads every few polls).
    const first = await this.o.client.query<Record<string, unknown>>(
      `{ ${usersQuery(this.o.fields)} ${reading.map((t) => conReadPage({ alias: t, table: t, fields: fieldsToRead(this.o.fields, ENTITY[t]), first: this.pageSize, filter: compare('gt', LSN_FIELD, this.readPos.get(t) as bigint) })).join(' ')} }`,
    );
    this.updateUsers(((first.users as { rowsRead?: Row[] } | null)?.rowsRead ?? []) as Row[]);
    result.users = this.users.length;

    const passes = new Map<Table, ReadPass>();
    for (const t of reading) {
      const pass = await this.readChanged(t, first);
      passes.set(t, pass);
      if (pass.more) result.more = true;
    }

    const gone = new Map<Table, Map<number, KnownRecord>>();
    if (opts.deletions) {
      for (const t of tables) gone.set(t, await this.findDeleted(t));
      result.deletionsChecked = true;
    }

    let emitted = 0;
    const count = () => emitted++;
    try {
      if (tables.includes(CAL)) {
        for (const row of passes.get(CAL)?.rows ?? []) this.calendarRow(row, count);
        for (const [id, k] of gone.get(CAL) ?? []) this.calendarDeleted(id, k, count);
      }
      if (this.o.sync.contacts) await this.contacts(passes, gone, count);
    } finally {
      this.flush();
    }
    result.emitted = emitted;

    for (const [t, pass] of passes) {
      this.readPos.set(t, pass.readTo);
      this.ledger.markRead(t, pass.readTo);
    }
    this.o.store.transaction(() => this.commitCursors(passes.keys()));
    return result;
  }

  private async checkMandant(): Promise<void> {
    const data = await this.o.client.query<{ tblClient?: { rowRead?: { fldMandNr?: unknown } | null } | null }>('{ tblClient { rowRead { fldMandNr } } }');
    const found = toInt(data.tblClient?.rowRead?.fldMandNr);
    if (found !== this.o.mandant) {
      throw new SyncError(
        'BUERO_MANDANT_MISMATCH',
        `büro+ at ${this.o.client.host} serves Mandant ${found ?? '(none)'}, but the büro+ connection is set to Mandant ${this.o.mandant}: correct the Mandant number or the endpoint URL.`,
        { field: 'fldMandNr' },
      );
    }
    this.mandantChecked = true;
  }

  private updateUsers(rows: Row[]): void {
    const now = syncedUsers(rows, this.o.fields, this.o.mandant);
    const before = this.o.store.users<SyncUser[]>();
    const time = this.clock().toISOString();
    if (before === undefined) {
      this.info('users-synced', { count: now.length, users: now.map((u) => `${u.login || u.nr} (${u.mailbox})`).join(', ') }, time);
    } else {
      const d = diffUsers(before, now);
      for (const u of d.added) this.info('user-added', { user: u.login || String(u.nr), mailbox: u.mailbox }, time);
      for (const u of d.removed) this.info('user-removed', { user: u.login || String(u.nr), mailbox: u.mailbox }, time);
      for (const m of d.moved) {
        this.info('user-mailbox-changed', { user: m.after.login || String(m.after.nr), mailbox: m.after.mailbox, before: m.before.mailbox }, time);
      }
    }
    if (before === undefined || JSON.stringify(before) !== JSON.stringify(now)) this.o.store.setUsers(now, this.clock());
    this.users = now;
    this.usersByNr = new Map(now.map((u) => [u.nr, u]));
  }

  /**
   * All rows of a table changed since its read position. With more than one page, rows
   * changed while paging get LSNs above those of page 1, so the pass stops at page 1's
   * highest LSN and leaves higher ones to the next pass; nothing can slip under the cursor.
   */
  private async readChanged(t: Table, first: Record<string, unknown>): Promise<ReadPass> {
    const from = this.readPos.get(t) as bigint;
    let page = pageOf(first, t);
    const rows: Row[] = [];
    let max = from;
    for (const row of page.rows) {
      const lsn = toLsn(row[LSN_FIELD]);
      if (lsn !== undefined && lsn > max) max = lsn;
      rows.push(row);
    }
    if (!page.hasNextPage) return { rows, readTo: max, more: false };
    const limit = max;
    const fields = fieldsToRead(this.o.fields, ENTITY[t]);
    while (page.hasNextPage && page.endCursor) {
      const data = await this.o.client.query<Record<string, unknown>>(
        `{ ${conReadPage({ alias: t, table: t, fields, first: this.pageSize, after: page.endCursor, filter: compare('gt', LSN_FIELD, from) })} }`,
      );
      page = pageOf(data, t);
      for (const row of page.rows) {
        const lsn = toLsn(row[LSN_FIELD]);
        if (lsn === undefined || lsn <= limit) rows.push(row);
      }
    }
    return { rows, readTo: limit, more: true };
  }

  /** Key-only read of a whole table: id → row (with the given extra fields). */
  private async readIds(t: Table, extra: string[]): Promise<Map<number, Row>> {
    const out = new Map<number, Row>();
    const fields = [ID_FIELD, ...extra];
    let after: string | null = null;
    for (;;) {
      const data: Record<string, unknown> = await this.o.client.query(`{ ${conReadPage({ alias: t, table: t, fields, first: this.o.idPageSize ?? 5000, after })} }`);
      const page = pageOf(data, t);
      for (const row of page.rows) {
        const id = toInt(row[ID_FIELD]);
        if (id !== undefined) out.set(id, row);
      }
      if (!page.hasNextPage || !page.endCursor) return out;
      after = page.endCursor;
    }
  }

  private refField(t: Table): string | undefined {
    if (t === ADR) return this.o.fields.addresses.addressNr;
    if (t === POS) return this.o.fields.postalAddresses.addressNr;
    if (t === ASP) return this.o.fields.contactPeople.addressNr;
    return undefined;
  }

  /** Baseline of one table: where büro+ stands and the ids that exist; nothing is emitted. */
  private async recordBaseline(t: Table): Promise<void> {
    const ref = this.refField(t);
    const rows = await this.readIds(t, ref ? [LSN_FIELD, ref] : [LSN_FIELD]);
    let max = 0n;
    const records: [number, KnownRecord][] = [];
    for (const [id, row] of rows) {
      const lsn = toLsn(row[LSN_FIELD]) ?? 0n;
      if (lsn > max) max = lsn;
      const r = ref ? adrKey(row[ref]) : undefined;
      records.push([id, { lsn, ref: r ?? null, targets: null }]);
    }
    // A row changed while the baseline is read (during set-up) may end below the cursor;
    // like any record that existed before, it is emitted when it changes next.
    this.o.store.writeBaseline(t, max, records, this.clock());
    this.known.set(t, this.o.store.known(t));
    this.info('baseline', { table: t, count: records.length, lsn: String(max) }, this.clock().toISOString());
  }

  /** Known records of a table that büro+ no longer has (each checked twice). */
  private async findDeleted(t: Table): Promise<Map<number, KnownRecord>> {
    const known = this.knownOf(t);
    if (known.size === 0) return new Map();
    const present = await this.readIds(t, []);
    const missing = [...known.keys()].filter((id) => !present.has(id));
    const gone = new Map<number, KnownRecord>();
    for (let i = 0; i < missing.length; i += 100) {
      const chunk = missing.slice(i, i + 100);
      const data = await this.o.client.query<Record<string, unknown>>(
        `{ ${conReadPage({ alias: t, table: t, fields: [ID_FIELD], first: chunk.length, filter: or(...chunk.map((id) => compare('eq', ID_FIELD, id))) })} }`,
      );
      const still = new Set(pageOf(data, t).rows.map((r) => toInt(r[ID_FIELD])));
      for (const id of chunk) if (!still.has(id)) gone.set(id, known.get(id) as KnownRecord);
    }
    return gone;
  }

  // ---------------------------------------------------------------- calendar

  private calendarKind(row: Row, record: string): ChangeKind | 'followUp' {
    const f = this.o.fields;
    const v = row[f.calendar.kind];
    const s = typeof v === 'string' ? v.trim() : v;
    if (s === f.calendarKinds.appointment) return 'appointment';
    if (s === f.calendarKinds.task) return 'task';
    if (s === f.calendarKinds.followUp) return 'followUp';
    throw new SyncError(
      'BUERO_MALFORMED_ROW',
      `${record}: ${f.calendar.kind} is ${JSON.stringify(v)}, not one of "${f.calendarKinds.appointment}", "${f.calendarKinds.task}", "${f.calendarKinds.followUp}" (settings büro+ connection → field names → calendarKinds).`,
      { record, field: f.calendar.kind },
    );
  }

  private enabled(kind: ChangeKind | 'followUp'): kind is ChangeKind {
    return (kind === 'appointment' && this.o.sync.appointments) || (kind === 'task' && this.o.sync.tasks) || kind === 'contact';
  }

  /** The id and LSN of a row, or a malformed-row error naming it. */
  private identify(t: Table, row: Row): { id: number; lsn: bigint } {
    const id = toInt(row[ID_FIELD]);
    const lsn = toLsn(row[LSN_FIELD]);
    if (id === undefined) throw new SyncError('BUERO_MALFORMED_ROW', `${t}: a row without a valid ${ID_FIELD} (${JSON.stringify(row[ID_FIELD])}).`, { record: t, field: ID_FIELD });
    if (lsn === undefined) throw new SyncError('BUERO_MALFORMED_ROW', `${t} ${id}: ${LSN_FIELD} is not a version number (${JSON.stringify(row[LSN_FIELD])}).`, { record: `${t} ${id}`, field: LSN_FIELD });
    return { id, lsn };
  }

  private fail(err: unknown): void {
    this.o.recordError(err instanceof SyncError ? err : new SyncError('BUERO_MALFORMED_ROW', toError(err).message, { cause: err }));
  }

  private calendarRow(row: Row, count: () => void, backfill?: BackfillCounter): void {
    let idl: { id: number; lsn: bigint };
    try {
      idl = this.identify(CAL, row);
    } catch (err) {
      this.fail(err);
      return;
    }
    const { id, lsn } = idl;
    const record = `${CAL} ${id}`;
    const sources = backfill ? [] : [{ table: CAL, lsn }];
    const prev = this.knownOf(CAL).get(id);
    let kind: ChangeKind | 'followUp';
    let targets: ChangeTarget[];
    try {
      kind = this.calendarKind(row, record);
      targets = calendarTargets(ownerOf(row, this.o.fields, record), participantsOf(row, this.o.fields, record), this.usersByNr);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (backfill) {
      if (this.enabled(kind) && targets.length > 0) backfill.add(kind, targets, () => this.emitCalendar(id, lsn, kind as ChangeKind, row, targets, prev, sources, true));
      return;
    }
    // Sent before as another kind (a Termin became an Aufgabe or a Wiedervorlage): the
    // old item goes, a new one of the new kind may follow.
    const prevKind = prev?.kind as ChangeKind | undefined;
    if (prev?.targets && prev.targets.length > 0 && prevKind && prevKind !== kind && (kind === 'followUp' || this.enabled(kind))) {
      const removed = removedTargets(prev.targets, [], this.usersByNr, undefined);
      if (removed.length > 0) {
        this.emitChange(this.change('delete', prevKind, CAL, id, lsn, { targets: [], removed }), sources, [{ table: CAL, id, put: { lsn, kind: null, targets: null } }]);
        count();
      }
      this.emitCalendar(id, lsn, kind, row, targets, undefined, sources, false, count);
      return;
    }
    this.emitCalendar(id, lsn, kind, row, targets, prev, sources, false, count);
  }

  private emitCalendar(
    id: number,
    lsn: bigint,
    kind: ChangeKind | 'followUp',
    row: Row,
    targets: ChangeTarget[],
    prev: KnownRecord | undefined,
    sources: Source[],
    backfill: boolean,
    count?: () => void,
  ): void {
    if (kind === 'followUp' || !this.enabled(kind)) {
      // Wiedervorlagen are never synced (B1); a kind switched off is left alone.
      this.settle(CAL, id, sources, [{ table: CAL, id, put: { lsn, kind: prev?.kind ?? null, targets: prev?.targets ?? null } }]);
      return;
    }
    const removed = backfill ? [] : removedTargets(prev?.targets, targets, this.usersByNr, undefined);
    const effects: Effect[] = [{ table: CAL, id, put: { lsn, kind, targets: toKnownTargets(targets) } }];
    if (targets.length === 0 && removed.length === 0) {
      this.settle(CAL, id, sources, [{ table: CAL, id, put: { lsn, kind, targets: prev?.targets ?? [] } }]);
      return;
    }
    this.emitChange(this.change(prev && !prev.unconfirmed ? 'update' : 'create', kind, CAL, id, lsn, { record: row, targets, removed }), sources, effects);
    count?.();
  }

  private calendarDeleted(id: number, prev: KnownRecord, count: () => void): void {
    const kind = prev.kind as ChangeKind | null | undefined;
    const removed = removedTargets(prev.targets, [], this.usersByNr, undefined);
    if (!kind || removed.length === 0) {
      // Never sent (existed before the baseline, or had no synced user): nothing to delete.
      this.settle(CAL, id, [], [{ table: CAL, id, drop: true }]);
      return;
    }
    this.emitChange(this.change('delete', kind, CAL, id, prev.lsn, { targets: [], removed }), [], [{ table: CAL, id, drop: true }]);
    count();
  }

  // ---------------------------------------------------------------- contacts

  /** Rows of the three contact tables for the given address numbers, as büro+ has them now. */
  private async readAddresses(keys: string[], raw: Map<string, unknown>): Promise<Map<string, { address?: Row; postals: Row[]; persons: Row[] }>> {
    const out = new Map<string, { address?: Row; postals: Row[]; persons: Row[] }>();
    for (const k of keys) out.set(k, { postals: [], persons: [] });
    const f = this.o.fields;
    const spec: [Table, string][] = [
      [ADR, f.addresses.addressNr],
      [POS, f.postalAddresses.addressNr],
      [ASP, f.contactPeople.addressNr],
    ];
    const take = (t: Table, field: string, rows: Row[]) => {
      for (const row of rows) {
        const k = adrKey(row[field]);
        const slot = k !== undefined ? out.get(k) : undefined;
        if (!slot) continue;
        if (t === ADR) slot.address = row;
        else if (t === POS) slot.postals.push(row);
        else slot.persons.push(row);
      }
    };
    for (let i = 0; i < keys.length; i += 50) {
      const chunk = keys.slice(i, i + 50);
      const filters = spec.map(([, field]) => or(...chunk.map((k) => compare('eq', field, (raw.get(k) ?? k) as Scalar))));
      // The three tables of a chunk in one request (one snapshot); rarely a further page.
      const first: Record<string, unknown> = await this.o.client.query(
        `{ ${spec.map(([t], n) => conReadPage({ alias: t, table: t, fields: fieldsToRead(f, ENTITY[t]), first: this.pageSize, filter: filters[n] })).join(' ')} }`,
      );
      for (const [n, [t, field]] of spec.entries()) {
        let page = pageOf(first, t);
        take(t, field, page.rows);
        while (page.hasNextPage && page.endCursor) {
          const data: Record<string, unknown> = await this.o.client.query(
            `{ ${conReadPage({ alias: t, table: t, fields: fieldsToRead(f, ENTITY[t]), first: this.pageSize, after: page.endCursor, filter: filters[n] })} }`,
          );
          page = pageOf(data, t);
          take(t, field, page.rows);
        }
      }
    }
    return out;
  }

  private async contacts(passes: Map<Table, ReadPass>, gone: Map<Table, Map<number, KnownRecord>>, count: () => void): Promise<void> {
    const f = this.o.fields;
    const t = new ContactTriggers();
    const rowEffects: { table: Table; id: number; lsn: bigint; ref: string | null }[] = [];
    for (const table of [ADR, POS, ASP] as const) {
      for (const row of passes.get(table)?.rows ?? []) {
        let idl: { id: number; lsn: bigint };
        try {
          idl = this.identify(table, row);
        } catch (err) {
          this.fail(err);
          continue;
        }
        addTrigger(t, table, row, f, idl.lsn);
        rowEffects.push({ table, id: idl.id, lsn: idl.lsn, ref: adrKey(row[this.refField(table) as string]) ?? null });
      }
    }
    // Deletions: a postal address or a contact person gone changes the contacts of its
    // address. Rows that need no message are forgotten only after the join below succeeded
    // (a failed poll finds them again).
    const forget: [Table, number][] = [];
    for (const [id, k] of gone.get(POS) ?? []) {
      if (k.ref) t.lostPostal.add(k.ref);
      forget.push([POS, id]);
    }
    for (const [table, rows] of [[ASP, gone.get(ASP)], [ADR, gone.get(ADR)]] as const) {
      for (const [id, k] of rows ?? []) {
        if (table === ASP && k.ref) t.lostPerson.add(k.ref);
        const removed = removedTargets(k.targets, [], this.usersByNr, this.o.contactMailboxes);
        if (removed.length > 0) {
          this.emitChange(this.change('delete', 'contact', table, id, k.lsn, { targets: [], removed }), [], [{ table, id, drop: true }]);
          count();
        } else forget.push([table, id]);
      }
    }
    // A raw value for address numbers known only from deleted rows (stored as text).
    for (const k of [...t.lostPostal, ...t.lostPerson]) t.note(k, k);

    const keys = t.addressNumbers;
    if (keys.length > 0) {
      const now = await this.readAddresses(keys, t.raw);
      const targets = contactTargets(this.users, this.o.contactMailboxes);
      for (const key of keys) {
        const rows = now.get(key) as { address?: Row; postals: Row[]; persons: Row[] };
        const addressId = rows.address ? toInt(rows.address[ID_FIELD]) : undefined;
        const companyPrev = addressId !== undefined ? this.knownOf(ADR).get(addressId) : undefined;
        for (const plan of planContacts(key, rows, t, f, Boolean(companyPrev?.targets && companyPrev.targets.length > 0))) {
          try {
            this.emitContact(plan, targets, count);
          } catch (err) {
            this.fail(err);
          }
        }
      }
    }
    for (const [table, id] of forget) this.settle(table, id, [], [{ table, id, drop: true }]);
    // The rows themselves are now known (ids for deletions, address numbers for joins).
    for (const e of rowEffects) {
      const prev = this.knownOf(e.table).get(e.id);
      this.settle(e.table, e.id, [{ table: e.table, lsn: e.lsn }], [{ table: e.table, id: e.id, put: { lsn: e.lsn, ref: e.ref, targets: prev?.targets ?? null } }]);
    }
  }

  private emitContact(plan: ReturnType<typeof planContacts>[number], targets: ChangeTarget[], count: () => void, backfill = false): void {
    const row = plan.kind === 'person' ? (plan.person as Row) : (plan.address as Row);
    const table: Table = plan.kind === 'person' ? ASP : ADR;
    const { id, lsn: ownLsn } = this.identify(table, row);
    // The contact's version is the newest of its parts: a changed address is a new version.
    let lsn = ownLsn;
    for (const part of [plan.address, plan.postalAddress]) {
      const l = part ? toLsn(part[LSN_FIELD]) : undefined;
      if (l !== undefined && l > lsn) lsn = l;
    }
    const prev = this.knownOf(table).get(id);
    const ref = adrKey(row[this.refField(table) as string]) ?? null;
    if (plan.kind === 'companyGone') {
      const removed = removedTargets(prev?.targets, [], this.usersByNr, this.o.contactMailboxes);
      const effects: Effect[] = [{ table, id, put: { lsn: ownLsn, ref, targets: null } }];
      if (removed.length === 0) this.settle(table, id, plan.sources, effects);
      else {
        this.emitChange(this.change('delete', 'contact', ADR, id, lsn, { targets: [], removed }), plan.sources, effects);
        count();
      }
      return;
    }
    const removed = backfill ? [] : removedTargets(prev?.targets, targets, this.usersByNr, this.o.contactMailboxes);
    const effects: Effect[] = [{ table, id, put: { lsn: ownLsn, ref, targets: toKnownTargets(targets) } }];
    if (targets.length === 0 && removed.length === 0) {
      this.settle(table, id, plan.sources, [{ table, id, put: { lsn: ownLsn, ref, targets: prev?.targets ?? [] } }]);
      return;
    }
    const op: ChangeOp = prev && !prev.unconfirmed ? 'update' : 'create';
    const change = this.change(op, 'contact', table, id, lsn, {
      record: row,
      address: plan.address,
      postalAddress: plan.postalAddress,
      targets,
      removed,
    });
    this.emitChange(change, plan.sources, effects);
    count();
  }

  // ---------------------------------------------------------------- backfill

  /**
   * Emits every existing record once (beyond the built-in sync, which only sends changes
   * after set-up), or with `dryRun` only counts what would be written per mailbox and kind.
   * Backfilled changes are acknowledged like any other; they do not move the cursor.
   */
  async backfill(opts: { dryRun: boolean }): Promise<BackfillResult> {
    if (!this.mandantChecked) await this.checkMandant();
    const data = await this.o.client.query<{ users?: { rowsRead?: Row[] } }>(`{ ${usersQuery(this.o.fields)} }`);
    this.updateUsers(data.users?.rowsRead ?? []);
    const counter = new BackfillCounter(opts.dryRun);
    try {
      await this.backfillAll(counter);
    } finally {
      this.flush();
    }
    const result = counter.result();
    this.info(opts.dryRun ? 'backfill-dry-run' : 'backfill', {
      appointments: result.changes.appointment, tasks: result.changes.task, contacts: result.changes.contact,
      perMailbox: Object.entries(result.perMailbox).map(([m, c]) => `${m}: ${c.appointment}/${c.task}/${c.contact}`).join('; '),
    }, this.clock().toISOString());
    return result;
  }

  private async backfillAll(counter: BackfillCounter): Promise<void> {
    if (this.tables().includes(CAL)) {
      for (const row of await this.readAll(CAL)) this.calendarRow(row, () => undefined, counter);
      this.flush();
    }
    if (!this.o.sync.contacts) return;
    const f = this.o.fields;
    const byKey = new Map<string, { address?: Row; postals: Row[]; persons: Row[] }>();
    const slot = (k: string) => {
      let s = byKey.get(k);
      if (!s) byKey.set(k, (s = { postals: [], persons: [] }));
      return s;
    };
    for (const row of await this.readAll(ADR)) {
      const k = adrKey(row[f.addresses.addressNr]);
      if (k !== undefined) slot(k).address = row;
    }
    for (const row of await this.readAll(POS)) {
      const k = adrKey(row[f.postalAddresses.addressNr]);
      if (k !== undefined) slot(k).postals.push(row);
    }
    for (const row of await this.readAll(ASP)) {
      const k = adrKey(row[f.contactPeople.addressNr]);
      if (k !== undefined) slot(k).persons.push(row);
    }
    const targets = contactTargets(this.users, this.o.contactMailboxes);
    const everything = new ContactTriggers();
    for (const [k, rows] of byKey) {
      // Every person and every address without people counts as changed.
      everything.lostPostal.add(k);
      everything.lostPerson.add(k);
      for (const plan of planContacts(k, rows, everything, f, false)) {
        if (plan.kind === 'companyGone' || targets.length === 0) continue;
        counter.add('contact', targets, () => {
          try {
            this.emitContact({ ...plan, sources: [] }, targets, () => undefined, true);
          } catch (err) {
            this.fail(err);
          }
        });
      }
    }
  }

  private async readAll(t: Table): Promise<Row[]> {
    const rows: Row[] = [];
    let after: string | null = null;
    for (;;) {
      const data: Record<string, unknown> = await this.o.client.query(`{ ${conReadPage({ alias: t, table: t, fields: fieldsToRead(this.o.fields, ENTITY[t]), first: this.pageSize, after })} }`);
      const page = pageOf(data, t);
      rows.push(...page.rows);
      if (!page.hasNextPage || !page.endCursor) return rows;
      after = page.endCursor;
    }
  }
}

/** Counts (dry run) or emits (real run) the backfill, per mailbox and kind. */
class BackfillCounter {
  private readonly perMailbox: Record<string, Record<ChangeKind, number>> = {};
  private readonly changes: Record<ChangeKind, number> = { appointment: 0, task: 0, contact: 0 };
  constructor(private readonly dryRun: boolean) {}

  add(kind: ChangeKind, targets: ChangeTarget[], emit: () => void): void {
    this.changes[kind] += 1;
    for (const t of targets) {
      const c = (this.perMailbox[t.mailbox] ??= { appointment: 0, task: 0, contact: 0 });
      c[kind] += 1;
    }
    if (!this.dryRun) emit();
  }

  result(): BackfillResult {
    return { dryRun: this.dryRun, perMailbox: this.perMailbox, changes: this.changes };
  }
}
