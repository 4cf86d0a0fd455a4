import { SyncError, toError } from '../errors';
import type { SyncEvent } from '../log/events';
import type { StateDb } from '../state/db';
import { IdMap, normalise, type IdMapEntry } from '../state/id-map';
import { WriteQueue, type QueuedChange } from '../state/write-queue';
import { backoffDelay, hintedDelay, systemClock, DEFAULT_BACKOFF, type BackoffPolicy, type Clock } from '../net/retry';
import { changedFields, contentHash, fieldHashes, mergeHashes, type FieldHashes } from './content';
import { ExchangeCode, ExchangeError } from './errors';
import type { ItemByKind, ItemKind, WriterMessage } from './model';
import type { DeleteResult, FindResult, ItemRef, ItemResult, Transport } from './transport';
import { validateWriterMessage } from './validate';

/**
 * The Exchange writer engine, transport-neutral: it takes validated writer messages into a
 * durable queue, groups them per mailbox, operation and kind into batches, sends them through
 * a Transport (EWS or Graph) with bounded concurrency, retries what can be retried, and keeps
 * the id map. Nothing here knows SOAP or HTTP.
 *
 * Guarantees:
 * - A change is durable (SQLite, synchronous=FULL) before `enqueue` returns.
 * - No duplicates: a create is recorded as pending before it is sent; a pending key is first
 *   searched in Exchange by its extended property.
 * - Nothing lost: a change leaves the queue only when Exchange confirmed it, or rejected it
 *   for good (then it is reported as a failure, with the record and the field).
 */

export type WriteActionTaken = 'created' | 'updated' | 'unchanged' | 'deleted' | 'recreated' | 'skipped';

export type WriteOutcome =
  | {
      ok: true;
      /** Queue id of the change, the one `enqueue` returned. */
      changeId: number;
      message: WriterMessage;
      action: WriteActionTaken;
      itemId?: string;
      durationMs: number;
    }
  | { ok: false; changeId: number; message: WriterMessage; error: SyncError; durationMs: number };

export interface WriterStats {
  queued: number;
  /** Of those, held in memory (the rest wait in SQLite only; see memoryWindow). */
  inMemory: number;
  inFlight: number;
  /** Exchange as a whole is unreachable right now. */
  outage: boolean;
  lastError?: { code: string; message: string; at: number };
}

export interface WriterOptions {
  transport: Transport;
  db: StateDb;
  /** Who owns the queue rows: the writer node's id. */
  owner: string;
  clock?: Clock;
  random?: () => number;
  /** Items per request (default 50). */
  batchSize?: number;
  /**
   * Queued changes held in memory at most (default 5,000). A longer backlog (a first sync of
   * thousands of contacts into every mailbox) waits in SQLite only and is read in, oldest
   * first, as the changes in memory are written: memory stays flat however long the queue.
   */
  memoryWindow?: number;
  /** How long a batch waits to fill up (default 200 ms). */
  flushDelayMs?: number;
  /** Concurrent requests overall (default 8; EWS allows 27 per account). */
  maxConcurrent?: number;
  /** Concurrent requests per mailbox (default 8). */
  maxConcurrentPerMailbox?: number;
  /** An update finds the item deleted in Outlook: create it again, or leave it deleted. */
  onItemNotFound?: 'recreate' | 'skip';
  backoff?: BackoffPolicy;
  /** One call per change when it is done (written, unchanged, skipped or failed for good). */
  onOutcome?: (outcome: WriteOutcome) => void;
  /** Connection and outage events, one per change of state. */
  onEvent?: (event: SyncEvent) => void;
  /** Something the status shows changed (queue length, error). */
  onChange?: () => void;
}

type Stage = 'find' | 'create' | 'update' | 'delete' | 'refresh';

/** A queued change as the writer keeps it: its queue row id and the message (not its JSON: memory). */
interface Change {
  id: number;
  message: WriterMessage;
}

/** Everything the writer knows about one key in one mailbox while changes for it are queued. */
interface KeyState {
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

interface MailboxState {
  inFlight: number;
  notBefore: number;
  failures: number;
  /** A mailbox-wide problem is being reported (impersonation, mailbox missing). */
  problem?: string;
}

interface Planned {
  ks: KeyState;
  stage: Stage;
  change: Change;
  kind: ItemKind;
  hashes?: FieldHashes;
  entry?: IdMapEntry;
  fields?: string[];
  /** How many of the key's changes this step settles (more may arrive while it is in flight). */
  count: number;
}

const MAX_CONFLICT_RETRIES = 3;

export class ExchangeWriter {
  private readonly transport: Transport;
  private readonly db: StateDb;
  private readonly idMap: IdMap;
  private readonly queue: WriteQueue;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly batchSize: number;
  private readonly flushDelayMs: number;
  private readonly maxConcurrent: number;
  private readonly maxPerMailbox: number;
  private readonly onItemNotFound: 'recreate' | 'skip';
  private readonly backoff: BackoffPolicy;

  private readonly keys = new Map<string, KeyState>();
  private readonly mailboxes = new Map<string, MailboxState>();
  private readonly calls = new Set<Promise<void>>();
  private inFlight = 0;
  private timer: unknown;
  private timerAt = Infinity;
  private pumpQueued = false;
  private closed = false;
  private started = false;
  private readonly memoryWindow: number;
  /** Queued changes in SQLite not yet read into memory: all have higher ids than `readUpTo`. */
  private spilled = 0;
  private readUpTo = 0;
  /** Queued changes held in memory (what the memory window limits). */
  private held = 0;
  private endpointState: 'unknown' | 'up' | 'down' = 'unknown';
  private endpointFailures = 0;
  private endpointNotBefore = 0;
  /** When the last endpoint failure was counted (calls already in flight then do not count again). */
  private endpointFailedAt = -Infinity;
  private lastError?: WriterStats['lastError'];

  constructor(private readonly options: WriterOptions) {
    this.transport = options.transport;
    this.db = options.db;
    this.idMap = new IdMap(options.db);
    this.queue = new WriteQueue(options.db);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.batchSize = Math.max(1, Math.min(options.batchSize ?? 50, options.transport.maxBatchSize ?? Infinity));
    this.flushDelayMs = Math.max(0, options.flushDelayMs ?? 200);
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? 8);
    this.maxPerMailbox = Math.max(1, Math.min(options.maxConcurrentPerMailbox ?? 8,
      options.transport.maxConcurrentPerMailbox ?? Infinity));
    this.onItemNotFound = options.onItemNotFound ?? 'recreate';
    this.memoryWindow = Math.max(1, options.memoryWindow ?? 5000);
    // What the last run left waits in SQLite until read in (start(), or the first pump).
    this.spilled = this.queue.count(options.owner);
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /**
   * Starts sending what the last run left in the queue. Returns how many changes were waiting.
   */
  start(): number {
    if (this.started) return 0;
    this.started = true;
    const waiting = this.spilled;
    this.readIn();
    this.requestPump();
    return waiting;
  }

  /**
   * Reads queued changes from SQLite into memory, oldest first, while there is room in the
   * memory window (in chunks of a tenth of it, not one by one). Changes waiting out a
   * mailbox's or a key's back-off do not count: a mailbox that fails for hours must not hold
   * back the others. During an outage of Exchange as a whole nothing more is read.
   */
  private readIn(): void {
    const now = this.clock.now();
    if (this.spilled === 0 || this.endpointNotBefore > now) return;
    const chunk = Math.max(1, Math.floor(this.memoryWindow / 10));
    let room = this.memoryWindow - this.held;
    if (room < chunk) room += this.backingOff(now);
    if (room < chunk) return;
    const rows = this.queue.loadAfter(this.options.owner, this.readUpTo, room);
    this.spilled = rows.length < room ? 0 : Math.max(0, this.spilled - rows.length);
    for (const row of rows) {
      this.readUpTo = row.id;
      let message: WriterMessage;
      try {
        message = validateWriterMessage(JSON.parse(row.message));
      } catch (err) {
        // A row this version cannot read any more: report it rather than retry it forever.
        this.queue.remove([row.id]);
        this.lastError = { code: 'writer.unreadable', message: toError(err).message, at: now };
        continue;
      }
      // A change waiting for a retry (from the last run) goes out right away.
      this.track({ id: row.id, message }, now, row.attempts, Math.min(row.notBefore, now));
    }
  }

  /**
   * Takes a change durably into the queue. Throws a SyncError (naming the key and the field)
   * when the message breaks the contract; then nothing was queued.
   */
  enqueue(payload: unknown): QueuedChange {
    const [result] = this.enqueueMany([payload]);
    if (result instanceof Error) throw result;
    return result;
  }

  /**
   * Takes many changes in one SQLite transaction (one disk sync instead of one per change).
   * Returns, in input order, the queued change or the SyncError of a message that breaks the
   * contract; when the writer is closing, every entry is that error (retryable: not taken).
   */
  enqueueMany(payloads: unknown[]): (QueuedChange | SyncError)[] {
    if (this.closed) {
      const err = new SyncError('writer.closed', 'The Exchange writer is stopping; the change was not taken.', { retryable: true });
      return payloads.map(() => err);
    }
    const now = this.clock.now();
    const checked = payloads.map((p): WriterMessage | SyncError => {
      try {
        return validateWriterMessage(p);
      } catch (err) {
        if (err instanceof SyncError) return err;
        throw err;
      }
    });
    const results = this.db.transaction(() =>
      checked.map((message) =>
        message instanceof SyncError
          ? message
          : { message, row: this.queue.add({
              owner: this.options.owner,
              mailbox: message.mailbox,
              key: message.key,
              kind: message.kind,
              action: message.action,
              version: message.version,
              message: JSON.stringify(message),
              enqueuedAt: now,
            }) },
      ),
    )();
    for (const r of results) {
      if (r instanceof SyncError) continue;
      // In memory only when nothing older waits in SQLite (order) and there is room.
      if (this.spilled === 0 && this.held < this.memoryWindow) {
        this.track({ id: r.row.id, message: r.message }, now);
        this.readUpTo = r.row.id;
      } else {
        this.spilled++;
      }
    }
    this.requestPump();
    this.changed();
    return results.map((r) => (r instanceof SyncError ? r : r.row));
  }

  stats(): WriterStats {
    return { queued: this.held + this.spilled, inMemory: this.held, inFlight: this.inFlight, outage: this.endpointState === 'down', lastError: this.lastError };
  }

  /**
   * Stops sending: no new requests; waits up to `timeoutMs` for requests in flight. What is
   * not done stays in the queue for the next start.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    if (this.calls.size > 0) {
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.calls]),
        new Promise<void>((resolve) => {
          timeout = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timeout);
    }
    await this.transport.close?.();
  }

  // ---- bookkeeping ------------------------------------------------------------------------

  private track(change: Change, now: number, attempts = 0, notBefore = 0): void {
    this.held++;
    const mailbox = normalise(change.message.mailbox);
    const id = `${mailbox}\n${change.message.key}`;
    let ks = this.keys.get(id);
    if (!ks) {
      ks = {
        id,
        mailbox,
        key: change.message.key,
        changes: [],
        inFlight: false,
        failures: attempts,
        notBefore,
        readyAt: Math.max(now, notBefore),
        solo: false,
        conflicts: 0,
        needsRefresh: false,
        recreating: false,
      };
      this.keys.set(id, ks);
    } else if (ks.changes.length === 0) {
      ks.readyAt = Math.max(now, ks.notBefore);
    }
    ks.changes.push(change);
    ks.planned = undefined;
  }

  /** Changes in memory whose key or mailbox waits out a back-off. */
  private backingOff(now: number): number {
    let n = 0;
    for (const ks of this.keys.values()) {
      if (!ks.inFlight && (ks.notBefore > now || (this.mailboxes.get(ks.mailbox)?.notBefore ?? 0) > now)) n += ks.changes.length;
    }
    return n;
  }

  private mailbox(mailbox: string): MailboxState {
    let m = this.mailboxes.get(mailbox);
    if (!m) {
      m = { inFlight: 0, notBefore: 0, failures: 0 };
      this.mailboxes.set(mailbox, m);
    }
    return m;
  }

  private changed(): void {
    this.options.onChange?.();
  }

  private event(e: SyncEvent): void {
    this.options.onEvent?.(e);
  }

  private time(): string {
    return new Date(this.clock.now()).toISOString();
  }

  // ---- scheduling -------------------------------------------------------------------------

  private requestPump(): void {
    if (this.pumpQueued || this.closed) return;
    this.pumpQueued = true;
    this.clock.setTimeout(() => {
      this.pumpQueued = false;
      this.pump();
    }, 0);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private wakeAt(at: number): void {
    if (this.closed || at === Infinity) return;
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - this.clock.now()));
  }

  /** Decides what to send now, sends it, and sets a timer for what waits. */
  private pump(): void {
    if (this.closed) return;
    this.readIn();
    const now = this.clock.now();
    let wake = Infinity;
    if (this.endpointNotBefore > now) {
      this.wakeAt(this.endpointNotBefore);
      return;
    }

    const groups = new Map<string, Planned[]>();
    for (const ks of [...this.keys.values()]) {
      if (ks.inFlight) continue;
      if (ks.changes.length === 0) {
        this.keys.delete(ks.id);
        continue;
      }
      if (ks.notBefore > now) {
        wake = Math.min(wake, ks.notBefore);
        continue;
      }
      const mb = this.mailbox(ks.mailbox);
      if (mb.notBefore > now) {
        wake = Math.min(wake, mb.notBefore);
        continue;
      }
      const planned = (ks.planned ??= this.plan(ks));
      if (!planned) continue;
      const groupKey = `${ks.mailbox}\n${planned.stage}\n${planned.kind}`;
      let group = groups.get(groupKey);
      if (!group) groups.set(groupKey, (group = []));
      group.push(planned);
    }

    const ordered = [...groups.values()].map((g) => g.sort((a, b) => a.ks.readyAt - b.ks.readyAt));
    ordered.sort((a, b) => a[0].ks.readyAt - b[0].ks.readyAt);
    for (const group of ordered) {
      const mb = this.mailbox(group[0].ks.mailbox);
      let rest = group;
      while (rest.length > 0) {
        const due = rest.length >= this.batchSize || rest[0].ks.solo || now >= rest[0].ks.readyAt + this.flushDelayMs;
        if (!due) {
          wake = Math.min(wake, rest[0].ks.readyAt + this.flushDelayMs);
          break;
        }
        if (this.inFlight >= this.maxConcurrent || mb.inFlight >= this.maxPerMailbox) break; // a finishing call pumps again
        const size = rest[0].ks.solo ? 1 : this.batchSize;
        const batch = rest.slice(0, size);
        rest = rest.slice(batch.length);
        this.dispatch(batch);
      }
    }
    this.wakeAt(wake);
    this.changed();
  }

  /**
   * What the next step for a key is. Steps that need no request (unchanged content, delete of
   * something never written, an outdated version) are settled here at once.
   */
  private plan(ks: KeyState): Planned | undefined {
    const change = latest(ks.changes);
    const count = ks.changes.length;
    const msg = change.message;
    const kind = msg.kind;
    const entry = this.idMap.get(ks.mailbox, ks.key);
    const knownHere = entry && entry.transport === this.transport.name ? entry : undefined;
    const pending = this.queue.pending(ks.mailbox, ks.key);

    // Unknown fate of an earlier create, or an id of another transport: look it up first.
    if (pending || (entry && !knownHere)) return { ks, stage: 'find', change, kind, entry, count };

    if (msg.action === 'delete') {
      if (!knownHere) {
        this.settle({ ks, count }, { action: 'deleted' }, 0);
        return undefined;
      }
      return { ks, stage: 'delete', change, kind, entry: knownHere, count };
    }

    const hashes = fieldHashes(msg.item as object);
    if (!knownHere) return { ks, stage: 'create', change, kind, hashes, count };

    if (isOlder(msg.version, knownHere.version)) {
      this.settle({ ks, count }, { action: 'skipped', itemId: knownHere.itemId }, 0);
      return undefined;
    }
    const keep = new Set(msg.keep ?? []);
    const fields = changedFields(knownHere.fields, hashes).filter((f) => !keep.has(f));
    if (fields.length === 0) {
      if (msg.version && msg.version !== knownHere.version) this.idMap.put({ ...knownHere, version: msg.version, updatedAt: this.clock.now() });
      this.settle({ ks, count }, { action: 'unchanged', itemId: knownHere.itemId }, 0);
      return undefined;
    }
    const stage = ks.needsRefresh ? 'refresh' : 'update';
    return { ks, stage, change, kind, hashes, entry: knownHere, fields, count };
  }

  private dispatch(batch: Planned[]): void {
    const mb = this.mailbox(batch[0].ks.mailbox);
    for (const p of batch) p.ks.inFlight = true;
    this.inFlight++;
    mb.inFlight++;
    const started = this.clock.now();
    const call = this.send(batch, started)
      .catch((err: unknown) => {
        if (!this.closed) this.callFailed(batch, err, started);
      })
      .finally(() => {
        this.inFlight--;
        mb.inFlight--;
        for (const p of batch) {
          p.ks.inFlight = false;
          p.ks.planned = undefined;
        }
        this.calls.delete(call);
        if (!this.closed) {
          this.cleanup(batch);
          this.requestPump();
          this.changed();
        }
      });
    this.calls.add(call);
  }

  private cleanup(batch: Planned[]): void {
    for (const p of batch) {
      if (p.ks.changes.length === 0 && this.keys.get(p.ks.id) === p.ks) this.keys.delete(p.ks.id);
    }
  }

  // ---- sending ----------------------------------------------------------------------------

  private async send(batch: Planned[], started: number): Promise<void> {
    const { stage, kind } = batch[0];
    const mailbox = batch[0].change.message.mailbox;
    switch (stage) {
      case 'create': {
        const now = this.clock.now();
        // Recorded before the request leaves: if we die after Exchange created the items,
        // the next start searches for these keys instead of creating them again.
        this.db.transaction(() => {
          for (const p of batch) {
            this.queue.markPending({
              mailbox: p.ks.mailbox, key: p.ks.key, kind, contentHash: contentHash(kind, p.hashes!), fields: p.hashes!, since: now,
            });
          }
        })();
        const results = await this.transport.create(mailbox, kind,
          batch.map((p) => ({ key: p.ks.key, item: p.change.message.item as ItemByKind[typeof kind] })));
        this.succeeded(mailbox);
        if (this.closed) return;
        batch.forEach((p, i) => this.created(p, results[i], started));
        return;
      }
      case 'update': {
        const results = await this.transport.update(mailbox, kind, batch.map((p) => ({
          key: p.ks.key, ref: refOf(p.entry!), item: p.change.message.item as ItemByKind[typeof kind], fields: p.fields!,
        })));
        this.succeeded(mailbox);
        if (this.closed) return;
        batch.forEach((p, i) => this.updated(p, results[i], started));
        return;
      }
      case 'delete': {
        const results = await this.transport.delete(mailbox, kind, batch.map((p) => ({ key: p.ks.key, ref: refOf(p.entry!) })));
        this.succeeded(mailbox);
        if (this.closed) return;
        batch.forEach((p, i) => this.deleted(p, results[i], started));
        return;
      }
      case 'find': {
        const foreign = batch.map((p) => (p.entry && p.entry.transport !== this.transport.name
          ? { transport: p.entry.transport, itemId: p.entry.itemId } : undefined));
        const results = await this.transport.findByKey(mailbox, kind, batch.map((p) => p.ks.key), foreign);
        this.succeeded(mailbox);
        if (this.closed) return;
        batch.forEach((p, i) => this.found(p, results[i], started));
        return;
      }
      case 'refresh': {
        const results = await this.transport.refresh(mailbox, kind, batch.map((p) => refOf(p.entry!)));
        this.succeeded(mailbox);
        if (this.closed) return;
        batch.forEach((p, i) => this.refreshed(p, results[i], started));
        return;
      }
    }
  }

  private created(p: Planned, result: ItemResult | undefined, started: number): void {
    const { ks, kind } = p;
    if (!result) return this.itemFailed(p, missingResult(), started);
    if (!result.ok) {
      // Exchange answered for this item: it was not created.
      this.queue.clearPending(ks.mailbox, ks.key);
      return this.itemFailed(p, result.error, started);
    }
    const stored: FieldHashes = { ...p.hashes! };
    for (const f of result.incomplete ?? []) stored[f] = 'incomplete';
    const action = ks.recreating ? 'recreated' : 'created';
    this.db.transaction(() => {
      this.idMap.put({
        mailbox: ks.mailbox, key: ks.key, kind, transport: this.transport.name,
        itemId: result.ref.itemId, changeKey: result.ref.changeKey,
        contentHash: contentHash(kind, stored), fields: stored, version: p.change.message.version, updatedAt: this.clock.now(),
      });
      this.queue.clearPending(ks.mailbox, ks.key);
      if (!result.incomplete?.length) this.settle(p, { action, itemId: result.ref.itemId }, started);
    })();
    if (result.incomplete?.length) {
      this.retryKey(ks, new ExchangeError(ExchangeCode.unavailable,
        `${ks.key}: created, but ${result.incomplete.join(', ')} must be written again`, { retryable: true }));
    } else {
      ks.recreating = false;
    }
  }

  private updated(p: Planned, result: ItemResult | undefined, started: number): void {
    const { ks, kind, entry } = p;
    if (!result) return this.itemFailed(p, missingResult(), started);
    if (!result.ok) {
      const code = result.error.code;
      if (code === ExchangeCode.itemNotFound) return this.itemGone(p, started);
      if (code === ExchangeCode.conflict && ks.conflicts < MAX_CONFLICT_RETRIES) {
        // Changed in Exchange since we last wrote it: re-read the ChangeKey, then write again.
        ks.conflicts++;
        ks.needsRefresh = true;
        this.dueAt(ks, this.clock.now());
        return;
      }
      return this.itemFailed(p, result.error, started);
    }
    const merged = mergeHashes(entry!.fields, p.hashes!, p.fields!);
    for (const f of result.incomplete ?? []) merged[f] = 'incomplete';
    ks.conflicts = 0;
    this.db.transaction(() => {
      this.idMap.put({
        ...entry!, itemId: result.ref.itemId, changeKey: result.ref.changeKey ?? entry!.changeKey,
        contentHash: contentHash(kind, merged), fields: merged, version: p.change.message.version ?? entry!.version, updatedAt: this.clock.now(),
      });
      if (!result.incomplete?.length) this.settle(p, { action: 'updated', itemId: result.ref.itemId }, started);
    })();
    if (result.incomplete?.length) {
      this.retryKey(ks, new ExchangeError(ExchangeCode.unavailable,
        `${ks.key}: updated, but ${result.incomplete.join(', ')} must be written again`, { retryable: true }));
    }
  }

  /** The item was deleted in Outlook: create it again, or leave it (a setting). */
  private itemGone(p: Planned, started: number): void {
    const { ks } = p;
    ks.conflicts = 0;
    ks.needsRefresh = false;
    if (this.onItemNotFound === 'skip') {
      this.settle(p, { action: 'skipped', itemId: p.entry?.itemId }, started);
      return;
    }
    this.idMap.delete(ks.mailbox, ks.key);
    ks.recreating = true;
    this.dueAt(ks, this.clock.now());
  }

  private deleted(p: Planned, result: DeleteResult | undefined, started: number): void {
    const { ks } = p;
    if (!result) return this.itemFailed(p, missingResult(), started);
    if (!result.ok && result.error.code !== ExchangeCode.itemNotFound) return this.itemFailed(p, result.error, started);
    // Not found counts as done: the goal is that the item is gone.
    this.db.transaction(() => {
      this.idMap.delete(ks.mailbox, ks.key);
      this.settle(p, { action: 'deleted', itemId: p.entry?.itemId }, started);
    })();
  }

  private found(p: Planned, result: FindResult | undefined, started: number): void {
    const { ks, kind } = p;
    if (!result) return this.itemFailed(p, missingResult(), started);
    if (!result.ok) return this.itemFailed(p, result.error, started);
    const pending = this.queue.pending(ks.mailbox, ks.key);
    const now = this.clock.now();
    if (!result.ref) {
      // Never created (or deleted since): forget the pending mark and the foreign id.
      this.db.transaction(() => {
        this.queue.clearPending(ks.mailbox, ks.key);
        if (p.entry) this.idMap.delete(ks.mailbox, ks.key);
      })();
      this.dueAt(ks, now);
      return;
    }
    const msg = p.change.message;
    const hashes = msg.action === 'upsert' ? fieldHashes(msg.item as object) : undefined;
    // The create went through before the crash. If it sent exactly this content, it is done.
    const sameContent = pending && hashes && pending.contentHash === contentHash(kind, hashes);
    // What Exchange holds: what the lost create sent, or what the other transport wrote.
    const fields = pending?.fields ?? p.entry?.fields ?? {};
    this.db.transaction(() => {
      this.idMap.put({
        mailbox: ks.mailbox, key: ks.key, kind, transport: this.transport.name,
        itemId: result.ref!.itemId, changeKey: result.ref!.changeKey,
        contentHash: Object.keys(fields).length ? contentHash(kind, fields) : '', fields,
        version: sameContent ? msg.version : p.entry?.version, updatedAt: now,
      });
      this.queue.clearPending(ks.mailbox, ks.key);
      if (sameContent) this.settle(p, { action: 'created', itemId: result.ref!.itemId }, started);
    })();
    this.dueAt(ks, now);
  }

  private refreshed(p: Planned, result: ItemResult | undefined, started: number): void {
    const { ks } = p;
    if (!result) return this.itemFailed(p, missingResult(), started);
    if (!result.ok) {
      if (result.error.code === ExchangeCode.itemNotFound) return this.itemGone(p, started);
      return this.itemFailed(p, result.error, started);
    }
    this.idMap.put({ ...p.entry!, itemId: result.ref.itemId, changeKey: result.ref.changeKey, updatedAt: this.clock.now() });
    ks.needsRefresh = false;
    this.dueAt(ks, this.clock.now());
  }

  // ---- failures ---------------------------------------------------------------------------

  /** One item failed; the others in its batch are not affected. */
  private itemFailed(p: Planned, error: ExchangeError, started: number): void {
    const { ks } = p;
    const err = error.record === ks.key ? error : error.forRecord(ks.key);
    this.noteError(err);
    if (err.code === ExchangeCode.conflict) {
      // Still conflicting after re-reading several times: wait a little and start over.
      ks.conflicts = 0;
      ks.needsRefresh = true;
      return this.retryKey(ks, err);
    }
    if (err.retryable) {
      if (err.scope === 'mailbox') this.blockMailbox(ks.mailbox, err);
      return this.retryKey(ks, err);
    }
    this.fail(p, err, started);
  }

  /** The request as a whole failed: no item's fate is known. */
  private callFailed(batch: Planned[], thrown: unknown, started: number): void {
    const err = thrown instanceof ExchangeError
      ? thrown
      : new ExchangeError(ExchangeCode.requestRejected, `Exchange request failed: ${toError(thrown).message}`, { cause: thrown, ambiguous: true });
    this.noteError(err);
    const mailbox = batch[0].ks.mailbox;
    if (batch[0].stage === 'create' && !err.ambiguous) {
      // Exchange did not carry the request out: no need to search for these keys first.
      this.db.transaction(() => {
        for (const p of batch) this.queue.clearPending(p.ks.mailbox, p.ks.key);
      })();
    }
    if (err.scope === 'endpoint') {
      // Calls in flight together fail together: one try, one step of the back-off (8 refused
      // connections at once must not mean the 8th step, a wait of minutes).
      const now = this.clock.now();
      if (started > this.endpointFailedAt) {
        this.endpointFailures++;
        this.endpointFailedAt = now;
        const wait = err.backOffMs !== undefined ? hintedDelay(err.backOffMs, this.random) : backoffDelay(this.endpointFailures, this.random, this.backoff);
        this.endpointNotBefore = Math.max(this.endpointNotBefore, now + wait);
      }
      if (this.endpointState !== 'down') {
        if (this.endpointState === 'unknown') {
          this.event({ type: 'connection', system: 'exchange', ok: false, endpoint: this.transport.endpoint, reason: err.message, time: this.time() });
        }
        this.endpointState = 'down';
        this.event({ type: 'outage', system: 'exchange', phase: 'begin', endpoint: this.transport.endpoint, reason: err.message, time: this.time() });
      }
      for (const p of batch) this.recordRetry(p.ks, err, this.endpointNotBefore);
      return;
    }
    if (err.scope === 'mailbox') {
      const until = this.blockMailbox(mailbox, err);
      for (const p of batch) this.recordRetry(p.ks, err, until);
      return;
    }
    if (!err.retryable) {
      if (batch.length > 1) {
        // Find the item that spoils the batch: send each alone; the good ones go through.
        for (const p of batch) {
          p.ks.solo = true;
          this.dueAt(p.ks, this.clock.now());
        }
        return;
      }
      return this.fail(batch[0], err.forRecord(batch[0].ks.key), this.clock.now());
    }
    for (const p of batch) this.retryKey(p.ks, err);
  }

  private blockMailbox(mailbox: string, err: ExchangeError): number {
    const mb = this.mailbox(mailbox);
    mb.failures++;
    const wait = err.backOffMs !== undefined ? hintedDelay(err.backOffMs, this.random) : backoffDelay(mb.failures, this.random, this.backoff);
    mb.notBefore = Math.max(mb.notBefore, this.clock.now() + wait);
    if (err.code !== ExchangeCode.serverBusy && mb.problem !== err.code) {
      mb.problem = err.code;
      this.event({ type: 'connection', system: 'exchange', ok: false, endpoint: this.transport.endpoint, mailbox, reason: err.message, time: this.time() });
    }
    return mb.notBefore;
  }

  private succeeded(mailbox: string): void {
    if (this.closed) return;
    const key = normalise(mailbox);
    const mb = this.mailbox(key);
    mb.failures = 0;
    if (mb.problem) {
      mb.problem = undefined;
      this.event({ type: 'connection', system: 'exchange', ok: true, endpoint: this.transport.endpoint, mailbox: key, time: this.time() });
    }
    this.endpointFailures = 0;
    if (this.endpointState === 'down') {
      this.event({ type: 'outage', system: 'exchange', phase: 'end', endpoint: this.transport.endpoint, time: this.time() });
    }
    if (this.endpointState !== 'up') {
      this.event({ type: 'connection', system: 'exchange', ok: true, endpoint: this.transport.endpoint, time: this.time() });
    }
    this.endpointState = 'up';
  }

  /** A follow-up step (retry, re-read, re-create) goes out at `at`, without a new flush delay. */
  private dueAt(ks: KeyState, at: number): void {
    ks.readyAt = at - this.flushDelayMs;
  }

  private retryKey(ks: KeyState, err: ExchangeError): void {
    ks.failures++;
    const wait = err.backOffMs !== undefined ? hintedDelay(err.backOffMs, this.random) : backoffDelay(ks.failures, this.random, this.backoff);
    this.recordRetry(ks, err, this.clock.now() + wait, false);
  }

  private recordRetry(ks: KeyState, err: ExchangeError, notBefore: number, count = true): void {
    if (count) ks.failures++;
    ks.notBefore = notBefore;
    this.dueAt(ks, notBefore);
    this.queue.retryLater(ks.changes.map((c) => c.id), ks.failures, notBefore, err.message);
  }

  private noteError(err: SyncError): void {
    this.lastError = { code: err.code, message: err.message, at: this.clock.now() };
  }

  /** Rejected for good: the changes leave the queue and are reported as failures. */
  private fail(p: Pick<Planned, 'ks' | 'count'>, err: SyncError, started: number): void {
    const { ks } = p;
    const changes = ks.changes.splice(0, p.count);
    this.queue.remove(changes.map((c) => c.id));
    this.held -= changes.length;
    this.queue.clearPending(ks.mailbox, ks.key);
    ks.solo = false;
    ks.failures = 0;
    const durationMs = this.clock.now() - started;
    for (const c of changes) this.options.onOutcome?.({ ok: false, changeId: c.id, message: c.message, error: err, durationMs });
  }

  /** Done: the changes leave the queue and are reported. Runs inside the caller's transaction when there is one. */
  private settle(p: Pick<Planned, 'ks' | 'count'>, result: { action: WriteActionTaken; itemId?: string }, started: number): void {
    const { ks } = p;
    const done = ks.changes.splice(0, p.count);
    this.queue.remove(done.map((c) => c.id));
    this.held -= done.length;
    ks.solo = false;
    ks.failures = 0;
    ks.notBefore = 0;
    const durationMs = started ? this.clock.now() - started : 0;
    for (const c of done) {
      this.options.onOutcome?.({ ok: true, changeId: c.id, message: c.message, action: result.action, itemId: result.itemId, durationMs });
    }
  }
}

function latest(changes: Change[]): Change {
  let best = changes[0];
  for (const c of changes.slice(1)) if (!isOlder(c.message.version, best.message.version)) best = c;
  return best;
}

/** True when version `a` is known to be older than `b` (both büro+ LSNs, decimal). */
export function isOlder(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

function refOf(entry: IdMapEntry): ItemRef {
  return { itemId: entry.itemId, changeKey: entry.changeKey };
}

function missingResult(): ExchangeError {
  return new ExchangeError(ExchangeCode.requestRejected, 'Exchange returned fewer results than items sent', { retryable: true });
}
