/**
 * Writing calendar entries into büro+: one GraphQL mutation per Outlook item (a mutation is
 * all-or-nothing, so one bad row never rolls back another), each ending in `rowSave`, which
 * reads the saved row back (büro+'s business rules may change a value on save).
 *
 * - Optimistic locking: a modify or delete names the `fldModifyLSN` it merged against. When
 *   büro+ offers the lock argument (introspected, setting `calendarWrite.lockArgument`) the
 *   write carries it; otherwise the row is read and compared just before the write
 *   (docs/buero-api.md says what race remains). Another version is the result `changed`.
 * - Network faults and 5xx are tried again with back-off; a try after a fault whose fate is
 *   unknown first checks whether büro+ ran the last one.
 * - Pending creates (lib/buero/writer/pending.ts): no büro+ entry is created twice.
 */
import { BueroCode } from '../../error-codes';
import { SyncError } from '../../errors';
import { backoffDelay, type BackoffPolicy } from '../../net/retry';
import type { StateDb } from '../../state/db';
import { formatDate, localOf } from '../../time';
import type { BueroClient } from '../client';
import { type FieldMap, ID_FIELD, LSN_FIELD, fieldsToRead, settingName } from '../fields';
import { and, compare, toInt, toLsn } from '../graphql';
import { around, itemText, recordGone, refusal } from './errors';
import type { BueroValues, CreateRequest, DeleteRequest, ModifyRequest, OutlookItemRef, SavedRow, WriteResult } from './model';
import { rowDeleteText, rowModifyText, rowNewText, type RowAddress } from './mutations';
import { PendingCreates, holdsValues, type PendingCreate } from './pending';
import { discoverWriteShape, type WriteShape } from './shape';

const TABLE = 'tblCalendar';
/** Created at (local time), a field of every büro+ table (docs/buero-api.md). */
const CREATED_AT = 'fldErstDat';

export interface BueroWriterOptions {
  client: Pick<BueroClient, 'query' | 'mutate'>;
  /** The state file (pending creates). */
  db: StateDb;
  /** The büro+ connection's field names (calendar, calendarKinds, calendarWrite). */
  fields: FieldMap;
  /** The Mandant's IANA zone: büro+'s created-at times are local times in it. */
  timeZone: string;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Further tries after a network fault or HTTP 5xx; default 2. */
  retries?: number;
  backoff?: BackoffPolicy;
  /**
   * True when a büro+ record is already linked to an Outlook item (the id map holds a key of
   * it): a pending create is never recovered onto such a record.
   */
  isLinked?: (recordId: number) => boolean;
  /**
   * How long before a pending create's start a büro+ created-at may lie and still be looked
   * at: the clocks of büro+ and Node-RED may differ, and the fall-back night repeats an hour.
   * Default 120 minutes.
   */
  pendingWindowMinutes?: number;
}

type Answer<Op extends string> = { tblCalendar?: { [K in Op]?: { rowSave?: Record<string, unknown> | null } | null } } | null;

export class BueroWriter {
  readonly pending: PendingCreates;
  private readonly o: BueroWriterOptions;
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private shapePromise?: Promise<WriteShape>;
  /** Recoveries run one at a time, so two pending creates never take the same record. */
  private recovery: Promise<unknown> = Promise.resolve();

  constructor(options: BueroWriterOptions) {
    this.o = options;
    this.pending = new PendingCreates(options.db);
    this.clock = options.clock ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms).unref?.()));
    this.random = options.random ?? Math.random;
  }

  /** How büro+ lets this user write the calendar (introspected once; again after a failure). */
  shape(): Promise<WriteShape> {
    this.shapePromise ??= discoverWriteShape((q) => this.o.client.query(q), TABLE, this.o.fields.calendarWrite).catch((err) => {
      this.shapePromise = undefined;
      throw err;
    });
    return this.shapePromise;
  }

  /** Creates the entry of an Outlook item for its owner: kind, owner and the given values. */
  async create(req: CreateRequest): Promise<WriteResult> {
    const record = `${TABLE} (new entry)`;
    const f = this.o.fields;
    const values: BueroValues = { [f.calendar.kind]: f.calendarKinds[req.kind], [f.calendar.owner]: req.owner, ...req.values };
    const earlier = this.pending.get(req.mailbox, req.itemId);
    try {
      return await this.withRetries(async (unsure) => {
        if (earlier || unsure) {
          const found = await this.recover(req);
          if (found === 'gone') {
            this.pending.clear(req.mailbox, req.itemId);
            return { outcome: 'failed', error: recordGone(req, `the ${TABLE} entry made from this item`) };
          }
          if (found) return this.recovered(req, found);
        }
        this.pending.put({ mailbox: req.mailbox, itemId: req.itemId, kind: req.kind, owner: req.owner, values, since: earlier?.since ?? this.clock() });
        const text = rowNewText(TABLE, values, Object.keys(values));
        let answer;
        try {
          answer = await this.o.client.mutate<Answer<'rowNew'>>(text);
        } catch (err) {
          // Refused before it ran (sign-in, access): nothing to recover. A network fault or 5xx: maybe.
          if (!(err instanceof SyncError && err.retryable)) this.pending.clear(req.mailbox, req.itemId);
          throw err;
        }
        if (answer.errors.length > 0) {
          this.pending.clear(req.mailbox, req.itemId);
          return { outcome: 'failed', error: refusal(answer.errors, { ref: req, record, table: TABLE, text, written: Object.keys(values), fields: f }) };
        }
        const saved = savedRow(answer.data?.tblCalendar?.rowNew?.rowSave);
        if (!saved) throw new SyncError(BueroCode.protocol, `büro+ answered the rowNew without the saved row (fldID, ${LSN_FIELD}).`);
        this.pending.setRecord(req.mailbox, req.itemId, saved.id);
        return { outcome: 'saved', row: saved, changedOnSave: changedOnSave(values, saved) };
      });
    } catch (err) {
      return { outcome: 'failed', error: around(err, req, record) };
    }
  }

  /** Sets the given fields of a record, if it still has the version `expectedLsn`. */
  async modify(req: ModifyRequest): Promise<WriteResult> {
    const record = `${TABLE} ${req.id}`;
    const expected = req.expectedLsn;
    try {
      const { row, lock } = await this.addressing();
      return await this.withRetries(async (unsure) => {
        if (expected !== undefined && !lock) {
          // büro+ offers no lock argument: compare just before writing (docs/buero-api.md: the race left).
          const current = await this.read(req.id);
          const verdict = this.judge(req, record, current, expected, unsure, req.values);
          if (verdict) return verdict;
        }
        const text = rowModifyText(TABLE, { ...row, id: req.id }, lock && expected !== undefined ? { argument: lock, lsn: expected } : undefined, req.values, Object.keys(req.values));
        const answer = await this.o.client.mutate<Answer<'rowModify'>>(text);
        if (answer.errors.length > 0) {
          return { outcome: 'failed', error: refusal(answer.errors, { ref: req, record, table: TABLE, text, written: Object.keys(req.values), fields: this.o.fields }) };
        }
        const saved = savedRow(answer.data?.tblCalendar?.rowModify?.rowSave);
        if (saved) return { outcome: 'saved', row: saved, changedOnSave: changedOnSave(req.values, saved) };
        // null: no such record, or (with the lock) another version of it.
        return this.judge(req, record, await this.read(req.id), expected, unsure, req.values) ?? nothingSaved(req, record);
      });
    } catch (err) {
      return { outcome: 'failed', error: around(err, req, record) };
    }
  }

  /** Deletes a record, if it still has the version `expectedLsn`. A record already gone is `BUERO_RECORD_GONE`. */
  async delete(req: DeleteRequest): Promise<WriteResult> {
    const record = `${TABLE} ${req.id}`;
    const expected = req.expectedLsn;
    try {
      const { row, lock } = await this.addressing();
      return await this.withRetries(async (unsure) => {
        if (expected !== undefined && !lock) {
          const current = await this.read(req.id);
          if (!current && unsure) return { outcome: 'deleted', id: req.id };
          const verdict = this.judge(req, record, current, expected, false);
          if (verdict) return verdict;
        }
        const text = rowDeleteText(TABLE, { ...row, id: req.id }, lock && expected !== undefined ? { argument: lock, lsn: expected } : undefined);
        const answer = await this.o.client.mutate<Answer<'rowDelete'>>(text);
        if (answer.errors.length > 0) {
          return { outcome: 'failed', error: refusal(answer.errors, { ref: req, record, table: TABLE, text, written: [], fields: this.o.fields }) };
        }
        if (answer.data?.tblCalendar?.rowDelete) return { outcome: 'deleted', id: req.id };
        const current = await this.read(req.id);
        // Gone after a try whose fate was unknown: that try deleted it.
        if (!current && unsure) return { outcome: 'deleted', id: req.id };
        return this.judge(req, record, current, expected, false) ?? nothingSaved(req, record);
      });
    } catch (err) {
      return { outcome: 'failed', error: around(err, req, record) };
    }
  }

  /** The record as the way back merges against: id, version and every configured calendar field; undefined when it is gone. */
  async read(id: number): Promise<SavedRow | undefined> {
    const fields = [...new Set([ID_FIELD, LSN_FIELD, ...fieldsToRead(this.o.fields, 'calendar')])];
    const data = await this.o.client.query<{ tblCalendar?: { rowsRead?: Record<string, unknown>[] } }>(
      `{ ${TABLE} { rowsRead(fastFilter: ${compare('eq', ID_FIELD, id)}) { ${fields.join(' ')} } } }`,
    );
    return savedRow(data.tblCalendar?.rowsRead?.[0]);
  }

  /** The way back recorded the created entry (its id map): the pending create is done. */
  clearPending(ref: OutlookItemRef): void {
    this.pending.clear(ref.mailbox, ref.itemId);
  }

  // ---------- inside ----------

  /** How rowModify / rowDelete address a record and lock it, as büro+ offers. */
  private async addressing(): Promise<{ row: Omit<RowAddress, 'id'>; lock?: string }> {
    const shape = await this.shape();
    if (!shape.index.offered) {
      const w = this.o.fields.calendarWrite;
      throw new SyncError(
        BueroCode.config,
        `büro+ offers no index ${w.index} with key field ${w.idKey} to write ${TABLE} by its id (settings ${settingName('calendarWrite', 'index')} and .idKey); ` +
          `it offers: ${shape.index.available.join(', ') || 'none'}.`,
        { record: TABLE, field: w.index },
      );
    }
    return { row: { index: shape.index.name, idKey: shape.index.idKey }, lock: shape.lockArgument };
  }

  /**
   * What a missing or other version of the record means: gone, changed meanwhile, or (after a
   * try whose fate was unknown) already written by that try. Undefined: the write may go ahead.
   */
  private judge(req: OutlookItemRef & { id: number }, record: string, current: SavedRow | undefined, expected: string | undefined, unsure: boolean, values?: BueroValues): WriteResult | undefined {
    if (!current) return { outcome: 'failed', error: recordGone(req, record) };
    if (expected === undefined || current.lsn === expected) return undefined;
    if (unsure && values && holdsValues(current.values, values)) return { outcome: 'saved', row: current, changedOnSave: changedOnSave(values, current) };
    return { outcome: 'changed', id: req.id, current };
  }

  /** A pending create's record: the one büro+ answered with, or one found by its values. */
  private recover(ref: OutlookItemRef): Promise<SavedRow | 'gone' | undefined> {
    const run = async (): Promise<SavedRow | 'gone' | undefined> => {
      const p = this.pending.get(ref.mailbox, ref.itemId);
      if (!p) return undefined;
      if (p.recordId !== undefined) return (await this.read(p.recordId)) ?? 'gone';
      const found = await this.lookup(p);
      if (found) this.pending.setRecord(ref.mailbox, ref.itemId, found.id);
      return found;
    };
    const next = this.recovery.then(run, run);
    this.recovery = next.catch(() => undefined);
    return next;
  }

  /**
   * The entry a pending create may have made: of the same owner and kind, created since the
   * create started (less the window), holding every value sent, and linked to no other Outlook
   * item (the id map) nor taken by another pending create; the earliest such. A row that
   * passes all of that but is not ours would be an entry made in the same minutes for the same
   * user with the same subject, times and location that nothing links to yet: linking it to
   * this Outlook item joins two copies of one appointment, it never takes another's record.
   */
  private async lookup(p: PendingCreate): Promise<SavedRow | undefined> {
    const f = this.o.fields;
    const window = (this.o.pendingWindowMinutes ?? 120) * 60_000;
    const filter = and(
      compare('eq', f.calendar.owner, p.owner),
      compare('eq', f.calendar.kind, f.calendarKinds[p.kind]),
      compare('ge', CREATED_AT, localText(p.since - window, this.o.timeZone)),
    );
    const fields = [...new Set([ID_FIELD, LSN_FIELD, CREATED_AT, ...Object.keys(p.values)])];
    const data = await this.o.client.query<{ tblCalendar?: { rowsRead?: Record<string, unknown>[] } }>(
      `{ ${TABLE} { rowsRead(fastFilter: ${filter}) { ${fields.join(' ')} } } }`,
    );
    const taken = this.pending.claimedBesides(p.mailbox, p.itemId);
    return (data.tblCalendar?.rowsRead ?? [])
      .map(savedRow)
      .filter((r): r is SavedRow => r !== undefined && !taken.has(r.id) && !this.o.isLinked?.(r.id) && holdsValues(r.values, p.values))
      .sort((a, b) => a.id - b.id)[0];
  }

  /** A create found in büro+: brought to the values asked for now (the item may have changed since). */
  private async recovered(req: CreateRequest, found: SavedRow): Promise<WriteResult> {
    if (holdsValues(found.values, req.values)) return { outcome: 'saved', row: found, changedOnSave: changedOnSave(req.values, found), recovered: true };
    const result = await this.modify({ mailbox: req.mailbox, itemId: req.itemId, id: found.id, expectedLsn: found.lsn, values: req.values });
    return result.outcome === 'saved' ? { ...result, recovered: true } : result;
  }

  /** Runs a request, again after a network fault or 5xx; `unsure`: büro+ may have run the try before. */
  private async withRetries(run: (unsure: boolean) => Promise<WriteResult>): Promise<WriteResult> {
    const retries = this.o.retries ?? 2;
    for (let failures = 0; ; ) {
      try {
        return await run(failures > 0);
      } catch (err) {
        if (!(err instanceof SyncError) || !err.retryable || failures >= retries) throw err;
        failures += 1;
        await this.sleep(backoffDelay(failures, this.random, this.o.backoff ?? { baseMs: 1000, maxMs: 10_000 }));
      }
    }
  }
}

function savedRow(raw: Record<string, unknown> | null | undefined): SavedRow | undefined {
  if (!raw) return undefined;
  const id = toInt(raw[ID_FIELD]);
  const lsn = toLsn(raw[LSN_FIELD]);
  if (id === undefined || lsn === undefined) return undefined;
  const values = { ...raw };
  delete values[ID_FIELD];
  delete values[LSN_FIELD];
  return { id, lsn: lsn.toString(), values };
}

/** The written fields büro+ saved with another value than sent (its business rules). */
function changedOnSave(values: BueroValues, saved: SavedRow): string[] {
  const same = (a: unknown, b: unknown) => (a ?? null) === (b ?? null) || (a !== null && b !== null && a !== undefined && String(a) === String(b));
  return Object.keys(values).filter((f) => f in saved.values && !same(saved.values[f], values[f]));
}

function nothingSaved(ref: OutlookItemRef, record: string): WriteResult {
  return { outcome: 'failed', error: new SyncError(BueroCode.graphql, `${itemText(ref)} (${record}): büro+ saved nothing and gave no reason.`, { record }) };
}

/** `YYYY-MM-DDTHH:mm:ss` in the zone, as büro+ writes its created-at times. */
function localText(ms: number, zone: string): string {
  const l = localOf(new Date(ms), zone);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${formatDate(l)}T${p(l.hour)}:${p(l.minute)}:${p(l.second)}`;
}
