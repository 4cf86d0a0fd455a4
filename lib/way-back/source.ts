/**
 * The way back's change source (docs/behaviours.md B14): per synced mailbox and folder, poll
 * the change reader (lib/exchange/changes), emit each change with an acknowledgement token
 * (lib/ack-token.ts, the protocol of `buero-changes`), and commit the Exchange cursor only once
 * every change of the read was acknowledged — in büro+, or refused with a logged reason. A
 * crash before that reads the same changes again; the writer knows what it already took.
 *
 * The deletion guard (guard.ts) looks at every read before anything of it is emitted.
 */
import { offAck, onAck, type AckToken } from '../ack-token';
import { WaitRefusal } from '../exchange/wait-hints';
import { CHANGE_FOLDER, entryOfItem, type ChangeKind, type ChangeReader, type ExchangeChange } from '../exchange/changes';
import { WayBackCode } from '../error-codes';
import { SyncError } from '../errors';
import type { SyncEvent } from '../log/events';
import type { CursorStore } from '../state/cursor';
import type { StateDb } from '../state/db';
import { ExchangeCursorStore } from '../state/exchange-cursor';
import { IdMap, normalise } from '../state/id-map';
import { DeletionGuard } from './guard';
import type { FolderStatus, PollReport, SourceStatus, SyncedMailbox, WayBackMessage, WayBackSettings } from './types';

export interface OutlookChangeSourceOptions {
  /** The node's id: the source of its acknowledgement tokens. */
  id: string;
  reader: ChangeReader;
  db: StateDb;
  /** The synced mailboxes and their büro+ users, asked at every poll. */
  mailboxes: () => SyncedMailbox[];
  kinds?: ChangeKind[];
  settings: WayBackSettings;
  emit(message: WayBackMessage): void;
  event(event: SyncEvent): void;
  clock?: () => number;
  /** How long a read waits for its acknowledgements; after that the next poll reads it again. Default 10 minutes. */
  ackTimeoutMs?: number;
  /** Mailbox folders read at once; default 4. */
  concurrency?: number;
}

interface Folder {
  mailbox: string;
  user: SyncedMailbox['user'];
  kind: ChangeKind;
  status: FolderStatus;
  /** The last read failed (an outage began). */
  failing?: boolean;
  /** The cursor expired: the next read starts over. */
  startOver?: boolean;
}

export class OutlookChangeSource {
  readonly guard = new DeletionGuard();
  private readonly o: OutlookChangeSourceOptions;
  private readonly cursors: ExchangeCursorStore;
  private readonly idMap: IdMap;
  private readonly clock: () => number;
  private readonly folders = new Map<string, Folder>();
  private readonly waiting = new Map<number, () => void>();
  private seq = 0;
  private emitted = 0;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<PollReport>;
  private closed = false;

  constructor(options: OutlookChangeSourceOptions) {
    this.o = options;
    this.cursors = new ExchangeCursorStore(options.db);
    this.idMap = new IdMap(options.db);
    this.clock = options.clock ?? Date.now;
    onAck(options.id, (token: AckToken) => {
      const done = this.waiting.get(token.seq);
      if (done) {
        this.waiting.delete(token.seq);
        done();
      }
    });
  }

  /** Polls at once and then every `pollSeconds`; nothing when the way back is off. */
  start(): void {
    if (!this.o.settings.twoWay || this.timer || this.closed) return;
    const tick = () => {
      void this.pollNow().finally(() => {
        if (!this.closed) this.timer = setTimeout(tick, this.o.settings.pollSeconds * 1000);
      });
    };
    tick();
  }

  /** One poll of every synced mailbox folder (a poll already running is joined). */
  pollNow(): Promise<PollReport> {
    if (!this.o.settings.twoWay || this.closed) return Promise.resolve({ emitted: 0, requests: 0, committed: 0, paused: [], errors: [] });
    this.polling ??= this.poll().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** The administrator resumes a mailbox the deletion guard held; the next poll passes its deletions on. */
  resume(mailbox: string, kind?: ChangeKind): boolean {
    const any = this.guard.resume(mailbox, kind);
    if (any) {
      for (const f of this.folders.values()) {
        if (f.mailbox === normalise(mailbox) && (!kind || f.kind === kind) && f.status.state === 'paused') {
          f.status = { ...f.status, state: 'idle', reason: undefined, code: undefined };
        }
      }
      this.o.event({ type: 'info', code: 'way-back-resumed', params: { mailbox: normalise(mailbox) }, time: new Date(this.clock()).toISOString() });
    }
    return any;
  }

  status(): SourceStatus {
    const folders = [...this.folders.values()].map((f) => ({ ...f.status }));
    if (!this.o.settings.twoWay) return { state: 'off', folders, emitted: this.emitted, text: 'two-way off' };
    const paused = folders.filter((f) => f.state === 'paused');
    const failed = folders.filter((f) => f.state === 'error');
    const waiting = folders.reduce((n, f) => n + f.unacknowledged, 0);
    if (paused.length) return { state: 'paused', folders, emitted: this.emitted, text: `paused: ${paused.map((f) => `${f.mailbox} (${f.kind})`).join(', ')}` };
    if (failed.length) return { state: 'error', folders, emitted: this.emitted, text: `${failed[0].mailbox}: ${failed[0].code ?? 'error'}` };
    return { state: 'ok', folders, emitted: this.emitted, text: waiting ? `${waiting} waiting` : `${this.emitted} changes` };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    offAck(this.o.id);
    for (const done of this.waiting.values()) done();
    this.waiting.clear();
    await this.polling?.catch(() => undefined);
  }

  // ---------- inside ----------

  private async poll(): Promise<PollReport> {
    const report: PollReport = { emitted: 0, requests: 0, committed: 0, paused: [], errors: [] };
    const todo: Folder[] = [];
    for (const m of this.o.mailboxes()) {
      for (const kind of this.o.kinds ?? ['appointment', 'task']) todo.push(this.folder(m, kind));
    }
    const lanes = Math.max(1, this.o.concurrency ?? 4);
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(lanes, todo.length) }, async () => {
      while (next < todo.length && !this.closed) await this.pollFolder(todo[next++], report);
    }));
    return report;
  }

  private folder(m: SyncedMailbox, kind: ChangeKind): Folder {
    const mailbox = normalise(m.mailbox);
    const id = `${mailbox}\t${kind}`;
    let f = this.folders.get(id);
    if (!f) {
      f = { mailbox, user: m.user, kind, status: { mailbox, kind, state: 'idle', unacknowledged: 0 } };
      this.folders.set(id, f);
    }
    f.user = m.user;
    return f;
  }

  /** Reads one mailbox folder until nothing more waits, emitting and committing read by read. */
  private async pollFolder(f: Folder, report: PollReport): Promise<void> {
    if (f.status.state === 'paused') return;
    const folder = CHANGE_FOLDER[f.kind];
    const time = () => new Date(this.clock()).toISOString();
    const stateBefore = f.status.state;
    f.status.lastPollAt = time();
    let deleted = 0;
    const resumed = this.guard.takeResume(f.mailbox, f.kind);
    try {
      for (let rounds = 0; rounds < 100 && !this.closed; rounds++) {
        const stored = this.cursors.get(f.mailbox, folder);
        f.status.state = 'reading';
        const startOver = f.startOver ? { known: this.idMap.itemIds(f.mailbox, f.kind) } : undefined;
        const result = await this.o.reader.read({ mailbox: f.mailbox, kind: f.kind, cursor: startOver ? undefined : stored?.cursor, startOver });
        report.requests += result.requests;
        if (result.status === 'expired') {
          f.startOver = true;
          this.o.event({ type: 'info', code: 'way-back-start-over', params: { mailbox: f.mailbox, kind: f.kind, reason: result.reason }, level: 'warn', time: time() });
          continue;
        }
        f.startOver = false;
        const baselineAt = stored?.baselineAt ?? this.clock();
        const commit = () => {
          this.cursors.put({ mailbox: f.mailbox, folder, transport: this.o.reader.transport, cursor: result.cursor, window: result.window, baselineAt, updatedAt: this.clock() });
          report.committed++;
        };
        if (result.baseline) {
          commit();
          this.o.event({ type: 'info', code: 'way-back-baseline', params: { mailbox: f.mailbox, kind: f.kind }, time: time() });
          break;
        }
        // The guard counts the deletions of the whole poll (a poll may read several pages).
        const deletes = result.changes.filter((c) => c.op === 'deleted' && entryOfItem(this.idMap, f.mailbox, c.itemId)).length;
        if (!resumed && this.held(f, deleted + deletes, report)) return;
        deleted += deletes;
        const acked = await this.emitAll(f, result.changes, baselineAt, report);
        if (!acked) break; // not every change acknowledged in time: read again next poll
        commit();
        if (!result.more) break;
      }
      f.status.state = 'idle';
      if (f.failing) {
        f.failing = false;
        this.o.event({ type: 'outage', system: 'exchange', phase: 'end', endpoint: this.o.reader.transport, mailbox: f.mailbox, time: time() });
      }
      f.status.reason = undefined;
      f.status.code = undefined;
    } catch (err) {
      if (err instanceof WaitRefusal) {
        // Nothing was sent: Exchange asked to wait (maybe lane 1's writer met the busy answer).
        // The folder is read at the next poll after the wait; its state stays what it was.
        f.status.state = stateBefore;
        return;
      }
      const e = err instanceof SyncError ? err : new SyncError(WayBackCode.internal, `${f.mailbox}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      report.errors.push(e);
      f.status = { ...f.status, state: 'error', reason: e.message, code: e.code };
      if (!f.failing) {
        f.failing = true;
        this.o.event({ type: 'outage', system: 'exchange', phase: 'begin', endpoint: this.o.reader.transport, mailbox: f.mailbox, reason: e.message, code: e.code, time: time() });
      }
    }
  }

  /** The deletion guard: true when the read is held (nothing emitted, the cursor stays). */
  private held(f: Folder, deletes: number, report: PollReport): boolean {
    if (deletes === 0) return false;
    const synced = this.idMap.count(f.mailbox, f.kind);
    const verdict = this.guard.judge(deletes, synced);
    if (!verdict.hold) return false;
    const reason = `one poll would delete ${deletes} of ${synced} synced items`;
    this.guard.hold(f.mailbox, f.kind, reason);
    f.status = { ...f.status, state: 'paused', reason, code: WayBackCode.deletionsHeld };
    report.paused.push(`${f.mailbox} (${f.kind})`);
    this.o.event({
      type: 'info', code: 'way-back-paused', level: 'warn',
      params: { mailbox: f.mailbox, kind: f.kind, deletes, synced }, time: new Date(this.clock()).toISOString(),
    });
    return true;
  }

  /** Emits the changes of one read and waits until each is acknowledged (false: the wait timed out or the source closed). */
  private async emitAll(f: Folder, changes: ExchangeChange[], baselineAt: number, report: PollReport): Promise<boolean> {
    if (changes.length === 0) return true;
    f.status.state = 'waiting';
    const waits: Promise<void>[] = [];
    const seqs: number[] = [];
    for (const change of changes) {
      const seq = ++this.seq;
      seqs.push(seq);
      f.status.unacknowledged++;
      waits.push(new Promise<void>((resolve) => this.waiting.set(seq, () => {
        f.status.unacknowledged--;
        resolve();
      })));
      report.emitted++;
      this.emitted++;
      this.o.emit({ topic: 'buero-outlook-change', payload: { ...change, user: f.user, baselineAt }, ack: { source: this.o.id, seq, parts: 1 } });
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.o.ackTimeoutMs ?? 600_000);
      timer.unref?.();
    });
    const all = Promise.all(waits).then(() => !this.closed);
    const ok = await Promise.race([all, timeout]);
    clearTimeout(timer);
    if (!ok) {
      // Forget the tokens still out: their changes come again with the next read.
      for (const seq of seqs) this.waiting.delete(seq);
      f.status.unacknowledged = 0;
    }
    return ok;
  }
}

/** The synced mailboxes as `buero-changes` stored them in the state file (its last poll's users). */
export function syncedMailboxes(store: Pick<CursorStore, 'users'>): SyncedMailbox[] {
  const users = store.users<{ nr: number; login?: string; mailbox: string }[]>() ?? [];
  return users.filter((u) => u.mailbox).map((u) => ({ mailbox: normalise(u.mailbox), user: { nr: u.nr, login: u.login } }));
}
