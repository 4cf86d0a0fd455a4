/**
 * The way back's writer (docs/behaviours.md B14): one Outlook change → at most one büro+
 * mutation, with the rules that make it trustworthy — no echo, only the owner's copy, conflicts
 * merged field by field, new items per SYNC_OUTLOOK_NEW (the new entry's key stamped on the
 * Outlook item), deletions of appointments not yet ended, series kept series, bad input one
 * error naming mailbox, item and büro+ field.
 *
 * After a write the id map says what Exchange holds (the Outlook item's hashes and ChangeKey)
 * and the row version written, so lane 1 sees büro+'s new version as unchanged — except where
 * büro+ won a conflict or changed a value on save: exactly those fields go out once.
 */
import type { FieldMap } from '../buero/fields';
import type { BueroValues, BueroWriter, SavedRow } from '../buero/writer';
import { BueroCode, WayBackCode } from '../error-codes';
import { SyncError } from '../errors';
import { entryOfItem } from '../exchange/changes';
import { contentHash, fieldHashes, mergeHashes } from '../exchange/content';
import { parseWriterKey, writerKey } from '../exchange/key';
import type { Appointment, Task } from '../exchange/model';
import type { Transport } from '../exchange/transport';
import { WaitRefusal, type WaitHints } from '../exchange/wait-hints';
import type { SyncEvent } from '../log/events';
import { appointmentToBuero, mergeSeriesExceptions, taskToBuero, type BackResult } from '../mapping/back';
import type { StateDb } from '../state/db';
import { IdMap, normalise, type IdMapEntry } from '../state/id-map';
import { formatDate, localOf, parseBueroDateTime } from '../time';
import { APPOINTMENT_NEUTRAL, TASK_NEUTRAL, appointmentEdits, merge, taskEdits } from './merge';
import { SyncedStore } from './synced';
import type { SkipReason, Taken, TakeResult, WayBackChange, WayBackSettings } from './types';

const TABLE = 'tblCalendar';

export interface WayBackWriterOptions {
  bueroWriter: BueroWriter;
  /** Lane 1's transport (EWS or Graph): stamps the key on items made in Outlook. */
  transport: Pick<Transport, 'adopt'>;
  /** Exchange's waits, shared with lane 1's writer and the reader on the same endpoint (lib/exchange/wait-hints.ts). */
  waitHints?: WaitHints;
  db: StateDb;
  fields: FieldMap;
  /** The Mandant number (writer keys). */
  mandant: number;
  settings: WayBackSettings;
  /** buero-map's placeholder for an empty subject. */
  placeholderSubject?: string;
  clock?: () => number;
  /** The node that reports (for error events). */
  source?: string;
}

export class WayBackWriter {
  private readonly o: WayBackWriterOptions;
  private readonly idMap: IdMap;
  private readonly synced: SyncedStore;
  private readonly clock: () => number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: WayBackWriterOptions) {
    this.o = options;
    this.idMap = new IdMap(options.db);
    this.synced = new SyncedStore(options.db);
    this.clock = options.clock ?? Date.now;
  }

  /** Writes what is still held for a moment (the node closes). */
  flush(): void {
    this.synced.flush();
  }

  /** Takes one change to büro+ (changes are taken one after the other). */
  take(change: WayBackChange): Promise<Taken> {
    const run = this.queue.then(() => this.takeNow(change));
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---------- inside ----------

  private async takeNow(change: WayBackChange): Promise<Taken> {
    const t = new Take(change, this.clock, this.o.source);
    try {
      const result = await this.decide(change, t);
      return t.done(result);
    } catch (err) {
      const error = err instanceof SyncError ? err : new SyncError(WayBackCode.internal, `${itemText(change)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      return t.done({ outcome: 'refused', error, retryable: error.retryable });
    }
  }

  private async decide(change: WayBackChange, t: Take): Promise<TakeResult> {
    if (!this.o.settings.twoWay) return { outcome: 'skipped', reason: 'two-way-off' };
    if (change.error) return { outcome: 'refused', error: change.error, retryable: false };
    const mailbox = normalise(change.mailbox);
    let entry = entryOfItem(this.idMap, mailbox, change.itemId);
    if (!entry && change.key) entry = this.idMap.get(mailbox, change.key);
    if (change.op === 'deleted') return this.deleted(change, entry, t);
    if (!change.item) return { outcome: 'refused', error: new SyncError(WayBackCode.internal, `${itemText(change)}: the change carries no item.`), retryable: false };
    if (!entry && change.key) {
      entry = this.rebuilt(change, change.key);
      // Stamped by a create whose end was lost (a crash before the id map held it): that create is done.
      if (entry) this.o.bueroWriter.clearPending({ mailbox, itemId: change.itemId });
    }
    if (!entry) return this.created(change, t);
    return this.updated(change, entry, t);
  }

  /** An item that carries our key but has no id map entry (the id map was lost, or a crash right after the key was stamped). */
  private rebuilt(change: WayBackChange, key: string): IdMapEntry | undefined {
    const k = parseWriterKey(key);
    if (!k || k.table !== TABLE || k.mandant !== this.o.mandant) return undefined;
    // Unknown content: every field counts as changed in Outlook, and büro+ as changed too (no version): conflicts decide.
    return { mailbox: normalise(change.mailbox), key, kind: change.kind, transport: change.transport, itemId: change.itemId, contentHash: '', fields: {}, updatedAt: this.clock() };
  }

  private async updated(change: WayBackChange, entry: IdMapEntry, t: Take): Promise<TakeResult> {
    const mailbox = normalise(change.mailbox);
    const item = change.item!;
    const record = recordOf(entry.key, this.o.mandant);
    if (record === undefined) return { outcome: 'skipped', reason: 'not-ours' };
    const recordName = `${TABLE} ${record}`;
    // What lane 1 (or the way back) wrote comes back with the ChangeKey the id map holds: an echo.
    if (change.changeKey && change.changeKey === entry.changeKey) {
      this.noteInSync(change, entry);
      return { outcome: 'skipped', reason: 'echo', record: recordName };
    }
    // Nothing of the two-way fields changed (a body, a category): no büro+ read at all.
    const moved = change.kind === 'appointment' && (change.modifiedOccurrences?.length ?? 0) > 0;
    const now = fieldHashes(item);
    if (!moved && (change.kind === 'appointment' ? APPOINTMENT_NEUTRAL : TASK_NEUTRAL).every((f) => now[f] === entry.fields[f])) {
      this.holds(change, entry);
      return { outcome: 'skipped', reason: 'unchanged', record: recordName };
    }
    const current = await this.o.bueroWriter.read(record);
    if (!current) {
      t.info('way-back-gone', { mailbox, item: change.itemId, record: recordName });
      return { outcome: 'skipped', reason: 'gone', record: recordName };
    }
    const c = this.o.fields.calendar;
    const edits = change.kind === 'appointment'
      ? appointmentEdits(item as Appointment, entry.fields, exceptionDates(current.values[c.seriesExceptions]))
      : taskEdits(item as Task, entry.fields);
    if (edits.take.length === 0 && !edits.patternChanged && !moved) {
      this.holds(change, entry);
      return { outcome: 'skipped', reason: 'unchanged', record: recordName };
    }
    if (Number(current.values[c.owner]) !== change.user.nr) {
      t.info('way-back-participant', { mailbox, item: change.itemId, record: recordName, owner: String(current.values[c.owner] ?? '') }, 'warn');
      this.holds(change, entry);
      return { outcome: 'skipped', reason: 'participant', record: recordName };
    }
    if (edits.patternChanged || moved) {
      const what = edits.patternChanged ? 'pattern' : `moved:${(change.modifiedOccurrences ?? []).join(', ')}`;
      t.info('way-back-series-not-taken', { mailbox, item: change.itemId, record: recordName, what }, 'warn');
    }
    if (edits.take.length === 0) {
      this.holds(change, entry, ['recurrence']);
      return { outcome: 'skipped', reason: 'series-not-taken', record: recordName };
    }
    return this.write(change, entry, record, current, edits.take, t);
  }

  /** Merges against büro+ and writes; re-reads and merges again when büro+ changed in between. */
  private async write(change: WayBackChange, entry: IdMapEntry, record: number, first: SavedRow, take: string[], t: Take): Promise<TakeResult> {
    const mailbox = normalise(change.mailbox);
    const recordName = `${TABLE} ${record}`;
    const synced = this.synced.get(mailbox, entry.key);
    let current = first;
    for (let round = 0; round < 3; round++) {
      const back = this.back(change, take, current.values, recordName);
      for (const w of back.warnings) t.warning(w);
      const { write, conflicts } = merge({
        fields: this.o.fields, outlook: back.values, current: current.values, currentLsn: current.lsn,
        synced: synced && (synced.lsn === entry.version || synced.lsn === current.lsn) ? synced : undefined,
        entryVersion: entry.version, conflict: this.o.settings.conflict,
      });
      if (Object.keys(write).length === 0) {
        for (const k of conflicts) t.conflict(change, recordName, k);
        this.after(change, entry, current, {});
        return { outcome: 'skipped', reason: conflicts.length ? 'conflict-buero' : 'unchanged', record: recordName, conflicts };
      }
      const result = await this.o.bueroWriter.modify({ mailbox, itemId: change.itemId, id: record, expectedLsn: current.lsn, values: write });
      if (result.outcome === 'changed') {
        current = result.current;
        continue;
      }
      if (result.outcome === 'failed') return { outcome: 'refused', error: result.error, retryable: result.error.retryable, record: recordName };
      if (result.outcome !== 'saved') break;
      for (const k of conflicts) t.conflict(change, recordName, k);
      this.after(change, entry, current, result.row.values, result.row.lsn);
      const fields = Object.keys(write);
      t.info('way-back-written', { mailbox, item: change.itemId, record: recordName, fields: fields.join(', '), lsn: result.row.lsn });
      if (result.changedOnSave.length) t.info('way-back-changed-on-save', { record: recordName, fields: result.changedOnSave.join(', ') });
      return { outcome: 'written', record: recordName, fields, conflicts, lsn: result.row.lsn };
    }
    return { outcome: 'refused', error: new SyncError(WayBackCode.busyRecord, `${itemText(change)} (${recordName}): büro+ changed the entry again while it was merged, three times; it is taken with the next poll.`, { record: recordName, retryable: true }), retryable: true, record: recordName };
  }

  private async created(change: WayBackChange, t: Take): Promise<TakeResult> {
    const mailbox = normalise(change.mailbox);
    const item = change.item!;
    const s = this.o.settings;
    const skip = (reason: SkipReason, code?: string, params: Record<string, string> = {}): TakeResult => {
      if (code) t.info(code, { mailbox, item: change.itemId, subject: item.subject ?? '', ...params });
      return { outcome: 'skipped', reason };
    };
    if (change.kind === 'appointment' && change.isOrganizer === false) return skip('invitation', 'way-back-invitation');
    // EWS gives created-at times in whole seconds: an item of the baseline's own second counts as after it.
    if (change.createdAt && change.baselineAt !== undefined && Date.parse(change.createdAt) < Math.floor(change.baselineAt / 1000) * 1000) return skip('before-baseline');
    if (s.outlookNew === 'off') return skip('new-not-taken');
    if (s.outlookNew === 'category' && !(item.categories ?? []).some((x) => x.trim().toLowerCase() === s.outlookCategory.trim().toLowerCase())) return skip('new-not-taken');
    if (change.kind === 'appointment' && (item as Appointment).recurrence) return skip('series-not-taken', 'way-back-series-not-taken', { record: '', what: 'new-series' });
    const back = this.back(change, undefined, undefined, undefined);
    for (const w of back.warnings) t.warning(w);
    const values: BueroValues = { ...back.values };
    delete values[this.o.fields.calendar.seriesExceptions];
    const result = await this.o.bueroWriter.create({ mailbox, itemId: change.itemId, kind: change.kind, owner: change.user.nr, values });
    if (result.outcome === 'failed') return { outcome: 'refused', error: result.error, retryable: result.error.retryable };
    if (result.outcome !== 'saved') return { outcome: 'refused', error: new SyncError(WayBackCode.internal, `${itemText(change)}: büro+ answered the create with ${result.outcome}.`), retryable: false };
    const id = result.row.id;
    const key = writerKey({ mandant: this.o.mandant, table: TABLE, id }, { mailbox, user: { nr: change.user.nr } });
    // Inside a wait Exchange asked for, the key is stamped at a later read (as after a failed stamp).
    const waitLeft = this.o.waitHints?.waitLeft(mailbox) ?? 0;
    const [adopted] = waitLeft > 0
      ? [{ ok: false as const, error: new WaitRefusal(mailbox, waitLeft) }]
      : await this.o.transport.adopt(mailbox, change.kind, [{ itemId: change.itemId, key }]);
    if (!adopted?.ok) {
      this.o.waitHints?.note(mailbox, adopted?.error);
      // The entry exists and stays a pending create: the next read takes the item again, finds the entry and stamps it then.
      const error = adopted?.error ?? new SyncError(WayBackCode.internal, 'no answer');
      return { outcome: 'refused', error: new SyncError(WayBackCode.adoptFailed, `${itemText(change)} (${TABLE} ${id}): the new büro+ entry's key could not be stamped on the Outlook item: ${error.message}`, { record: `${TABLE} ${id}`, retryable: true, cause: error }), retryable: true, record: `${TABLE} ${id}` };
    }
    const hashes = fieldHashes(item);
    this.idMap.put({
      mailbox, key, kind: change.kind, transport: change.transport, itemId: adopted.ref.itemId || change.itemId, changeKey: adopted.ref.changeKey,
      contentHash: contentHash(change.kind, hashes), fields: hashes, version: result.row.lsn, updatedAt: this.clock(),
    });
    this.synced.put(mailbox, key, { lsn: result.row.lsn, values: { ...values, ...pick(result.row.values, Object.keys(values)) } }, this.clock());
    this.o.bueroWriter.clearPending({ mailbox, itemId: change.itemId });
    t.info('way-back-created', { mailbox, item: change.itemId, record: `${TABLE} ${id}`, subject: item.subject ?? '' });
    return { outcome: 'created', record: `${TABLE} ${id}`, lsn: result.row.lsn, recovered: result.recovered };
  }

  private async deleted(change: WayBackChange, entry: IdMapEntry | undefined, t: Take): Promise<TakeResult> {
    const mailbox = normalise(change.mailbox);
    if (!entry) return { outcome: 'skipped', reason: 'not-ours' };
    const record = recordOf(entry.key, this.o.mandant);
    if (record === undefined) return { outcome: 'skipped', reason: 'not-ours' };
    const recordName = `${TABLE} ${record}`;
    const forget = () => {
      // The copy is gone from Exchange: lane 1 makes it again with the next büro+ change.
      this.idMap.delete(mailbox, entry.key);
      this.synced.delete(mailbox, entry.key);
    };
    const notTaken = (why: string): TakeResult => {
      t.info('way-back-delete-not-taken', { mailbox, item: change.itemId, record: recordName, why }, 'warn');
      forget();
      return { outcome: 'skipped', reason: why === 'participant' ? 'participant' : 'delete-not-taken', record: recordName };
    };
    const current = await this.o.bueroWriter.read(record);
    if (!current) {
      forget();
      return { outcome: 'skipped', reason: 'gone', record: recordName };
    }
    const c = this.o.fields.calendar;
    if (Number(current.values[c.owner]) !== change.user.nr) return notTaken('participant');
    if (this.o.settings.outlookDeletes === 'ignore') return notTaken('ignore');
    if (change.kind !== 'appointment') return notTaken('task');
    if (this.ended(current.values)) return notTaken('ended');
    if (entry.version && entry.version !== current.lsn && this.o.settings.conflict === 'buero') return notTaken('changed-in-buero');
    const result = await this.o.bueroWriter.delete({ mailbox, itemId: change.itemId, id: record, expectedLsn: current.lsn });
    if (result.outcome === 'changed') return notTaken('changed-in-buero');
    if (result.outcome === 'failed') {
      if (result.error.code === BueroCode.recordGone) {
        forget();
        return { outcome: 'skipped', reason: 'gone', record: recordName };
      }
      return { outcome: 'refused', error: result.error, retryable: result.error.retryable, record: recordName };
    }
    forget();
    t.info('way-back-deleted', { mailbox, item: change.itemId, record: recordName });
    return { outcome: 'deleted', record: recordName };
  }

  /** An appointment has ended when its end (a series: its last date, if it has one) lies before now in the Mandant's zone. */
  private ended(row: Record<string, unknown>): boolean {
    const c = this.o.fields.calendar;
    const series = row[c.series];
    if (typeof series === 'string' && series.trim()) {
      const until = /UNTIL=(\d{8})/i.exec(series);
      if (!until) return false;
      return `${until[1].slice(0, 4)}-${until[1].slice(4, 6)}-${until[1].slice(6, 8)}` < formatDate(localOf(new Date(this.clock()), this.o.settings.timeZone));
    }
    const end = parseBueroDateTime(row[c.end]);
    if (!end) return false;
    const now = localOf(new Date(this.clock()), this.o.settings.timeZone);
    const p = (n: number) => String(n).padStart(2, '0');
    const nowText = `${formatDate(now)}T${p(now.hour)}:${p(now.minute)}:${p(now.second)}`;
    if ('instant' in end) return end.instant.getTime() < this.clock();
    const endText = `${formatDate(end.local)}T${p(end.local.hour)}:${p(end.local.minute)}:${p(end.local.second)}`;
    // An all-day entry's end is its last day at 00:00: it ends at the midnight after.
    if (row[c.allDay] === true) return `${formatDate(end.local)}T24:00:00` <= nowText;
    return endText < nowText;
  }

  private back(change: WayBackChange, only: string[] | undefined, current: Record<string, unknown> | undefined, record: string | undefined): BackResult {
    const settings = { fields: this.o.fields, timeZone: this.o.settings.timeZone, placeholderSubject: this.o.placeholderSubject };
    const ref = { mailbox: normalise(change.mailbox), itemId: change.itemId, record };
    return change.kind === 'appointment'
      ? appointmentToBuero(change.item as Appointment, settings, ref, { only: only as never, current })
      : taskToBuero(change.item as Task, settings, ref, { only: only as never, current });
  }

  /** Lane 1's own write came back: Outlook holds büro+'s values of that version (the base of later merges). */
  private noteInSync(change: WayBackChange, entry: IdMapEntry): void {
    if (!entry.version) return;
    const known = this.synced.get(entry.mailbox, entry.key);
    if (known?.lsn === entry.version) return;
    try {
      const { values } = this.back(change, undefined, known?.values, undefined);
      const c = this.o.fields.calendar;
      if (change.kind === 'appointment') values[c.seriesExceptions] = mergeSeriesExceptions(undefined, (change.item as Appointment).recurrence?.deletedOccurrences ?? []);
      this.synced.putSoon(entry.mailbox, entry.key, { lsn: entry.version, values }, this.clock());
    } catch {
      // A value the way back could not take: no base, conflicts then count büro+ as changed.
    }
  }

  /**
   * Exchange holds this item now and nothing of it went to büro+ (a participant's copy, a
   * series change not taken, only a body edited): the id map says so, so the next büro+ change
   * writes its values over it.
   */
  private holds(change: WayBackChange, entry: IdMapEntry, except: string[] = []): void {
    const now = fieldHashes(change.item as object);
    for (const f of except) delete now[f];
    const fields = mergeHashes(entry.fields, now, Object.keys(now));
    this.idMap.put({ ...entry, changeKey: change.changeKey ?? entry.changeKey, fields, contentHash: contentHash(entry.kind as 'appointment', fields), updatedAt: this.clock() });
  }

  /** After a write (or a merge that kept büro+'s values): the id map holds Outlook's item at the new version, the base holds büro+'s values. */
  private after(change: WayBackChange, entry: IdMapEntry, before: SavedRow, saved: Record<string, unknown>, lsn?: string): void {
    this.holds(change, { ...entry, version: lsn ?? entry.version });
    const all = this.back(change, undefined, before.values, undefined).values;
    const values: BueroValues = {};
    for (const f of Object.keys(all)) values[f] = (f in saved ? saved[f] : before.values[f]) as BueroValues[string];
    if (lsn) this.synced.put(entry.mailbox, entry.key, { lsn, values }, this.clock());
  }
}

/** Collects a take's events. */
class Take {
  readonly events: SyncEvent[] = [];
  constructor(private readonly change: WayBackChange, private readonly clock: () => number, private readonly source?: string) {}

  private time(): string {
    return new Date(this.clock()).toISOString();
  }

  info(code: string, params: Record<string, string | number>, level: 'info' | 'warn' = 'info'): void {
    this.events.push({ type: 'info', code, params: { kind: this.change.kind, ...params }, level, time: this.time() });
  }

  warning(w: SyncError): void {
    this.events.push({ type: 'info', code: w.code, text: w.message, level: 'warn', source: this.source, time: this.time() });
  }

  conflict(change: WayBackChange, record: string, k: { field: string; winner: string; bueroValue: unknown; outlookValue: unknown }): void {
    this.info('way-back-conflict', { mailbox: normalise(change.mailbox), item: change.itemId, record, field: k.field, winner: k.winner, buero: show(k.bueroValue), outlook: show(k.outlookValue) }, 'warn');
  }

  done(result: TakeResult): Taken {
    if (result.outcome === 'refused') {
      this.events.push({ type: 'error', code: result.error.code, record: result.error.record ?? result.record, field: result.error.field, reason: result.error.message, source: this.source, time: this.time() });
    }
    return { result, events: this.events, ack: !(result.outcome === 'refused' && result.retryable) };
  }
}

function recordOf(key: string, mandant: number): number | undefined {
  const k = parseWriterKey(key);
  return k && k.table === TABLE && k.mandant === mandant ? k.id : undefined;
}

function exceptionDates(value: unknown): string[] {
  return (mergeSeriesExceptions(value, []) ?? '').split(';').filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
}

function itemText(change: WayBackChange): string {
  return `${normalise(change.mailbox)}, Outlook item ${change.itemId}`;
}

function pick(values: Record<string, unknown>, names: string[]): BueroValues {
  const out: BueroValues = {};
  for (const n of names) if (n in values) out[n] = values[n] as BueroValues[string];
  return out;
}

function show(value: unknown): string {
  return value === null || value === undefined ? '—' : String(value);
}

/**
 * For BueroWriter's `isLinked`: true when the id map links a büro+ calendar record to an
 * Exchange item in any mailbox (a lost create is never recovered onto such a record).
 */
export function linkedInIdMap(db: StateDb, mandant: number): (recordId: number) => boolean {
  const stmt = db.prepare('SELECT 1 FROM exchange_id_map WHERE key LIKE ? LIMIT 1');
  return (recordId) => stmt.get(`buero:${mandant}:${TABLE}:${recordId}:%`) !== undefined;
}
