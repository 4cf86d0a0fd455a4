/**
 * The queued keys held in memory (one KeyState per mailbox and key) and the memory window
 * that bounds them: a backlog longer than the window waits in SQLite only and is read in,
 * oldest first, as the changes in memory are written, so memory stays flat however long the
 * queue. The rows themselves stay in SQLite until settled (lib/state/write-queue.ts).
 */
import { WriterCode } from '../../error-codes';
import { toError } from '../../errors';
import { normalise } from '../../state/id-map';
import type { WriteQueue } from '../../state/write-queue';
import type { WriterMessage } from '../model';
import { validateWriterMessage } from '../validate';
import type { Health } from './health';
import type { Change, Step } from './plan';

/** Everything the writer knows about one key in one mailbox while changes for it are queued. */
export interface KeyState {
  id: string;
  mailbox: string;
  key: string;
  changes: Change[];
  inFlight: boolean;
  failures: number;
  notBefore: number;
  /** Since when the key is ready to be sent (for the flush delay). */
  readyAt: number;
  /** Send it alone: its batch was rejected as a whole. */
  solo: boolean;
  /** Conflicts in a row (ErrorIrresolvableConflict); the next update re-reads the ChangeKey first. */
  conflicts: number;
  needsRefresh: boolean;
  /** The item was deleted in Outlook and is being created again. */
  recreating: boolean;
  /**
   * The next step, kept until the key changes (a new change, or a call for it ends): planning
   * reads SQLite and hashes the item, too much to repeat for every queued key on every pump.
   */
  planned?: Planned;
}

/** The next request for a key. */
export interface Planned extends Step {
  ks: KeyState;
  /** Mailbox, stage and kind: the batch it can share (kept, so a pump makes no string per key). */
  group?: string;
  /** A create's content hash, as recorded with its pending mark (the id map keeps the same). */
  contentHash?: string;
}

export interface WindowOptions {
  queue: WriteQueue;
  /** Who owns the queue rows: the writer node's id. */
  owner: string;
  /** Queued changes held in memory at most. */
  size: number;
  /** How long a batch waits to fill up: a follow-up step does not wait it again. */
  flushDelayMs: number;
  /** Mailbox and endpoint back-off: changes waiting them out do not count against the window. */
  health: Health;
}

export class Window {
  /** By `mailbox\nkey`, in the order the keys came in. */
  readonly keys = new Map<string, KeyState>();
  /** Queued changes in SQLite not yet read into memory: all have higher ids than `readUpTo`. */
  private spilled: number;
  private readUpTo = 0;
  /** Queued changes held in memory (what the memory window limits). */
  private held = 0;
  private readonly items = new RecentItems();
  private readonly mailboxes = new Map<string, string>();

  constructor(private readonly o: WindowOptions) {
    // What the last run left waits in SQLite until read in (start(), or the first pump).
    this.spilled = o.queue.count(o.owner);
  }

  /** Queued changes held in memory at most. */
  get size(): number {
    return this.o.size;
  }

  /** Queued changes in all, in memory or not. */
  get queued(): number {
    return this.held + this.spilled;
  }

  get inMemory(): number {
    return this.held;
  }

  /** Changes waiting in SQLite only. */
  get waiting(): number {
    return this.spilled;
  }

  /** A change just queued: held in memory only when nothing older waits in SQLite (order) and there is room. */
  admit(change: Change, now: number): void {
    if (this.spilled === 0 && this.held < this.o.size) {
      this.track(change, change.message.mailbox, change.message.key, now);
      this.readUpTo = change.id;
    } else {
      this.spilled++;
    }
  }

  /**
   * Reads queued changes from SQLite into memory, oldest first, while there is room in the
   * memory window (in chunks of a tenth of it, not one by one). Changes waiting out a
   * mailbox's or a key's back-off do not count: a mailbox that fails for hours must not hold
   * back the others. During an outage of Exchange as a whole nothing more is read.
   * Only mailbox and key come in now; the message follows when its key is planned
   * (`readMessages`).
   */
  readIn(now: number): void {
    if (this.spilled === 0 || this.o.health.endpointNotBefore > now) return;
    const chunk = Math.max(1, Math.floor(this.o.size / 10));
    let room = this.o.size - this.held;
    if (room < chunk) room += this.waitingOutBackOff(now);
    if (room < chunk) return;
    const rows = this.o.queue.loadKeysAfter(this.o.owner, this.readUpTo, room);
    this.spilled = rows.length < room ? 0 : Math.max(0, this.spilled - rows.length);
    for (const row of rows) {
      this.readUpTo = row.id;
      // A change waiting for a retry (from the last run) goes out right away.
      this.track(new StoredChange(row.id, this.o.queue, this.items), row.mailbox, row.key, now, row.attempts, Math.min(row.notBefore, now));
    }
  }

  /**
   * Reads the messages of a key's changes that came from SQLite, before the key is planned. A
   * row this version cannot read any more is reported and removed rather than retried forever.
   * False when none of the key's changes is left.
   */
  readMessages(ks: KeyState): boolean {
    for (let i = 0; i < ks.changes.length; i++) {
      const change = ks.changes[i];
      if (!(change instanceof StoredChange) || change.isRead) continue;
      try {
        change.read();
      } catch (err) {
        this.o.queue.remove([change.id]);
        this.o.health.noteError({ code: WriterCode.queueUnreadable, message: toError(err).message });
        ks.changes.splice(i--, 1);
        this.held--;
      }
    }
    return ks.changes.length > 0;
  }

  /** Takes the first `count` changes of a key out of memory (settled, or failed for good). */
  take(ks: KeyState, count: number): Change[] {
    const done = ks.changes.splice(0, count);
    this.held -= done.length;
    return done;
  }

  /** A follow-up step (retry, re-read, re-create) goes out at `at`, without a new flush delay. */
  dueAt(ks: KeyState, at: number): void {
    ks.readyAt = at - this.o.flushDelayMs;
  }

  /** Forgets a key with nothing queued any more (unless a new state took its place). */
  drop(ks: KeyState): void {
    if (ks.changes.length === 0 && this.keys.get(ks.id) === ks) this.keys.delete(ks.id);
  }

  private track(change: Change, mailboxAsGiven: string, key: string, now: number, attempts = 0, notBefore = 0): void {
    this.held++;
    const mailbox = this.mailboxOf(mailboxAsGiven);
    const id = `${mailbox}\n${key}`;
    let ks = this.keys.get(id);
    if (!ks) {
      ks = {
        id,
        mailbox,
        key,
        // Sized for the one change most keys have (an empty array grows to 17 slots at once).
        changes: [change],
        inFlight: false,
        failures: attempts,
        notBefore,
        readyAt: Math.max(now, notBefore),
        solo: false,
        conflicts: 0,
        needsRefresh: false,
        recreating: false,
        planned: undefined,
      };
      this.keys.set(id, ks);
    } else {
      if (ks.changes.length === 0) ks.readyAt = Math.max(now, ks.notBefore);
      ks.changes.push(change);
    }
    ks.planned = undefined;
  }

  /** A mailbox's address, one string per mailbox for all its keys (not one per row read). */
  private mailboxOf(given: string): string {
    let mailbox = this.mailboxes.get(given);
    if (mailbox === undefined) {
      mailbox = normalise(given);
      if (this.mailboxes.size >= 10_000) this.mailboxes.clear();
      this.mailboxes.set(given, mailbox);
    }
    return mailbox;
  }

  /** Changes in memory whose key or mailbox waits out a back-off. */
  waitingOutBackOff(now: number): number {
    // A mailbox's back-off is looked up once, not once per key (thousands: garbage).
    const mailboxWaits = new Map<string, boolean>();
    let n = 0;
    for (const ks of this.keys.values()) {
      if (ks.inFlight) continue;
      let waits = mailboxWaits.get(ks.mailbox);
      if (waits === undefined) mailboxWaits.set(ks.mailbox, (waits = this.o.health.mailboxNotBefore(ks.mailbox) > now));
      if (ks.notBefore > now || waits) n += ks.changes.length;
    }
    return n;
  }
}

/**
 * A queued change read back from SQLite: its id until its key is planned, then its message.
 * Parsed items waiting their turn in the window (2,000 for half a second in a backlog) were the
 * largest part of what the writer promoted to V8's old space (docs/architecture.md, "Memory").
 */
class StoredChange implements Change {
  private parsed?: WriterMessage;

  constructor(readonly id: number, private readonly queue: WriteQueue, private readonly items: RecentItems) {}

  get isRead(): boolean {
    return this.parsed !== undefined;
  }

  /** Reads and checks the message; throws when the row is gone or unreadable. */
  read(): WriterMessage {
    if (this.parsed) return this.parsed;
    const text = this.queue.messageText(this.id);
    if (text === undefined) throw new Error(`queued change ${this.id} is no longer in the state file`);
    return (this.parsed = this.items.read(text));
  }

  get message(): WriterMessage {
    return this.read();
  }
}

/**
 * Items read lately, by their JSON text: the rows of one change for several mailboxes (22 for a
 * contact) come in one after the other; the first is read whole, the others only up to their
 * item, which they share (checked once, held once). Equal text, equal item; the writer only
 * reads items.
 */
class RecentItems {
  private readonly byText = new Map<string, NonNullable<WriterMessage['item']>>();

  constructor(private readonly max = 64) {}

  read(text: string): WriterMessage {
    // The writer stores a message with its item last (validate.ts builds it so): from
    // `,"item":` on, the text is the item. Outside a JSON string those characters can only be
    // that property; inside one, the quote would be escaped.
    const at = text.indexOf(',"item":');
    const itemText = at > 0 && text.endsWith('}}') ? text.slice(at) : undefined;
    const seen = itemText === undefined ? undefined : this.byText.get(itemText);
    if (seen) return validateWriterMessage(JSON.parse(`${text.slice(0, at)}}`), seen);
    const message = validateWriterMessage(JSON.parse(text));
    if (itemText !== undefined && message.item) {
      if (this.byText.size >= this.max) this.byText.delete(this.byText.keys().next().value as string);
      this.byText.set(itemText, message.item);
    }
    return message;
  }
}
