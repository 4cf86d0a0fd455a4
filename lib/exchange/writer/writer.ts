/**
 * The Exchange writer engine, transport-neutral: it takes validated writer messages into a
 * durable queue, groups them per mailbox, operation and kind into batches, sends them through
 * a Transport (EWS or Graph) with bounded concurrency, retries what can be retried, and keeps
 * the id map. Nothing here knows SOAP or HTTP.
 *
 * This file owns the scheduling: the requests in flight (overall and per mailbox), the timer
 * for what waits, and the lifecycle (start, close). The queued keys live in window.ts, the
 * back-off and outage state in health.ts, the id map and queue rows in settle.ts; plan.ts
 * decides each key's next step.
 *
 * Guarantees:
 * - A change is durable (SQLite, synchronous=FULL) before `enqueue` returns.
 * - No duplicates: a create is recorded as pending before it is sent; a pending key is first
 *   searched in Exchange by its extended property.
 * - Nothing lost: a change leaves the queue only when Exchange confirmed it, or rejected it
 *   for good (then it is reported as a failure, with the record and the field).
 */
import { WriterCode } from '../../error-codes';
import { SyncError } from '../../errors';
import type { StateDb } from '../../state/db';
import { IdMap, type IdMapEntry } from '../../state/id-map';
import { WriteQueue } from '../../state/write-queue';
import { systemClock, DEFAULT_BACKOFF, type Clock } from '../../net/retry';
import type { ItemByKind, WriterMessage } from '../model';
import type { ItemRef, Transport } from '../transport';
import { validateWriterInput } from '../validate';
import { WaitHints } from '../wait-hints';
import type { WriterOptions, WriterStats } from './api';
import { Health } from './health';
import { Settler } from './settle';
import { Window, type Planned } from './window';

/** A message taken into the queue: its rows' ids, one per mailbox it goes to (the `changeId` of each outcome). */
export interface Queued {
  ids: number[];
}

/**
 * The messages of one input with an item of the writer's own, shared by them: a flow may change
 * an object after sending it, and the writer keeps what it derives from an item (its field
 * hashes, the request text) by the item object (plan.ts, ews/soap-requests.ts, graph/items.ts).
 */
function owned(messages: WriterMessage[]): WriterMessage[] {
  const item = messages[0].item;
  if (!item) return messages;
  const copy = structuredClone(item);
  return messages.map((m) => ({ ...m, item: copy }));
}

export class ExchangeWriter {
  private readonly transport: Transport;
  private readonly db: StateDb;
  private readonly queue: WriteQueue;
  private readonly clock: Clock;
  private readonly batchSize: number;
  private readonly flushDelayMs: number;
  private readonly burstHoldMs: number;
  private readonly maxConcurrent: number;
  private readonly maxPerMailbox: number;
  private readonly health: Health;
  private readonly window: Window;
  private readonly settler: Settler;

  private readonly calls = new Set<Promise<void>>();
  private inFlight = 0;
  /** Requests in flight per mailbox (normalised). */
  private readonly mailboxCalls = new Map<string, number>();
  private timer: unknown;
  private timerAt = Infinity;
  private pumpQueued = false;
  /** Until when batches not yet full wait: the last changes that came in said more follow. */
  private burstUntil = 0;
  private closed = false;
  private started = false;

  constructor(private readonly options: WriterOptions) {
    this.transport = options.transport;
    this.db = options.db;
    this.queue = new WriteQueue(options.db);
    this.clock = options.clock ?? systemClock;
    this.batchSize = Math.max(1, Math.min(options.batchSize ?? 50, options.transport.maxBatchSize ?? Infinity));
    this.flushDelayMs = Math.max(0, options.flushDelayMs ?? 200);
    this.burstHoldMs = Math.max(0, options.burstHoldMs ?? 10_000);
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? 8);
    this.maxPerMailbox = Math.max(1, Math.min(options.maxConcurrentPerMailbox ?? 8,
      options.transport.maxConcurrentPerMailbox ?? Infinity));
    this.health = new Health({
      transport: options.transport, clock: this.clock, random: options.random ?? Math.random,
      backoff: options.backoff ?? DEFAULT_BACKOFF, hints: options.waitHints ?? new WaitHints(this.clock), onEvent: options.onEvent,
    });
    this.window = new Window({
      queue: this.queue, owner: options.owner, size: Math.max(1, options.memoryWindow ?? 2000),
      flushDelayMs: this.flushDelayMs, health: this.health,
    });
    this.settler = new Settler({
      db: options.db, idMap: new IdMap(options.db), queue: this.queue, window: this.window, health: this.health,
      clock: this.clock, transport: options.transport.name, onItemNotFound: options.onItemNotFound ?? 'recreate',
      onOutcome: options.onOutcome,
    });
  }

  /**
   * Starts sending what the last run left in the queue. Returns how many changes were waiting.
   */
  start(): number {
    if (this.started) return 0;
    this.started = true;
    const waiting = this.window.waiting;
    this.window.readIn(this.clock.now());
    this.requestPump();
    return waiting;
  }

  /**
   * Takes a change durably into the queue. Throws a SyncError (naming the key and the field)
   * when the message breaks the contract; then nothing was queued.
   */
  enqueue(payload: unknown): Queued {
    const [result] = this.enqueueMany([payload]);
    if (result instanceof Error) throw result;
    return result;
  }

  /**
   * Takes many changes in one SQLite transaction (one disk sync instead of one per change).
   * Returns, in input order, the queued change or the SyncError of a message that breaks the
   * contract; when the writer is closing, every entry is that error (retryable: not taken).
   */
  enqueueMany(payloads: unknown[]): (Queued | SyncError)[] {
    if (this.closed) {
      const err = new SyncError(WriterCode.closed, 'The Exchange writer is stopping; the change was not taken.', { retryable: true });
      return payloads.map(() => err);
    }
    const now = this.clock.now();
    const checked = payloads.map((p): WriterMessage[] | SyncError => {
      try {
        return owned(validateWriterInput(p));
      } catch (err) {
        if (err instanceof SyncError) return err;
        throw err;
      }
    });
    const results = this.db.transaction(() =>
      checked.map((messages) =>
        messages instanceof SyncError
          ? messages
          : messages.map((message) => ({ message, id: this.queue.add({
              owner: this.options.owner,
              mailbox: message.mailbox,
              key: message.key,
              kind: message.kind,
              action: message.action,
              version: message.version,
              message: JSON.stringify(message),
              enqueuedAt: now,
            }).id })),
      ),
    )();
    let accepted = 0;
    let more = false;
    for (const r of results) {
      if (r instanceof SyncError) continue;
      for (const change of r) {
        this.window.admit(change, now);
        accepted++;
        more ||= !!change.message.more;
      }
    }
    // The change source says whether more follows at once (catching up): until then, or the
    // burst hold, batches not yet full wait for it; once it says no more, they go.
    if (accepted > 0) this.burstUntil = more ? now + this.burstHoldMs : 0;
    this.requestPump();
    this.changed();
    return results.map((r) => (r instanceof SyncError ? r : { ids: r.map((c) => c.id) }));
  }

  /**
   * Changes queued that can be written now: not those waiting out a mailbox's or their own
   * back-off (what the acknowledgements are paced by: a mailbox failing for hours must not
   * stop the change source for the others).
   */
  get writable(): number {
    return this.window.queued - this.window.waitingOutBackOff(this.clock.now());
  }

  stats(): WriterStats {
    return { queued: this.window.queued, inMemory: this.window.inMemory, inFlight: this.inFlight, outage: this.health.outage, lastError: this.health.lastError, ...this.health.report() };
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

  private changed(): void {
    this.options.onChange?.();
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
    // Every request slot taken: a finishing call pumps again. (Walking thousands of queued keys
    // after every finished request was most of the writer's garbage; bench/README.md, memory.)
    if (this.inFlight >= this.maxConcurrent) return;
    this.window.readIn(this.clock.now());
    const now = this.clock.now();
    let wake = Infinity;
    if (this.health.endpointNotBefore > now) {
      this.wakeAt(this.health.endpointNotBefore);
      return;
    }

    // Per mailbox: its back-off, and how many more keys its free request slots can send. Keys
    // beyond that are neither planned nor grouped now; a finishing call pumps again.
    const free = this.maxConcurrent - this.inFlight;
    const mailboxes = new Map<string, { notBefore: number; room: number }>();
    const keys = this.window.keys;
    const groups = new Map<string, Planned[]>();
    for (const ks of keys.values()) {
      if (ks.inFlight) continue;
      if (ks.changes.length === 0) {
        keys.delete(ks.id);
        continue;
      }
      if (ks.notBefore > now) {
        wake = Math.min(wake, ks.notBefore);
        continue;
      }
      let mailbox = mailboxes.get(ks.mailbox);
      if (!mailbox) {
        const slots = Math.min(free, this.maxPerMailbox - (this.mailboxCalls.get(ks.mailbox) ?? 0));
        mailbox = { notBefore: this.health.mailboxNotBefore(ks.mailbox), room: Math.max(0, slots) * this.batchSize };
        mailboxes.set(ks.mailbox, mailbox);
      }
      if (mailbox.notBefore > now) {
        wake = Math.min(wake, mailbox.notBefore);
        continue;
      }
      if (mailbox.room === 0) continue;
      if (!ks.planned && !this.window.readMessages(ks)) {
        keys.delete(ks.id);
        continue;
      }
      const planned = (ks.planned ??= this.settler.plan(ks));
      if (!planned) continue;
      mailbox.room--;
      const groupKey = (planned.group ??= `${ks.mailbox}\n${planned.stage}\n${planned.kind}`);
      let group = groups.get(groupKey);
      if (!group) groups.set(groupKey, (group = []));
      group.push(planned);
    }

    // Full batches first: when the requests in flight are capped, a half-full batch must not
    // take a place a full one could have.
    // (A group is mostly in order already, keys come in oldest first: sorting it anyway copied
    // thousands of entries on every pump; bench/README.md, memory.)
    const ordered = [...groups.values()].map((g) => (inOrder(g) ? g : g.sort(byReadyAt)));
    const full = (g: Planned[]) => (g.length >= this.batchSize ? 0 : 1);
    // More waits in SQLite but the window has no room to read it: a batch cannot fill beyond its
    // mailbox's share of the window, so at that share it goes (a window of 2,000 across 60
    // mailboxes: 33 per batch). With no request in flight to make room, any batch goes.
    const starved = this.window.waiting > 0;
    const share = Math.min(this.batchSize, Math.floor(this.window.size / Math.max(1, mailboxes.size)));
    ordered.sort((a, b) => full(a) - full(b) || a[0].ks.readyAt - b[0].ks.readyAt);
    for (const group of ordered) {
      const mailbox = group[0].ks.mailbox;
      let from = 0;
      while (from < group.length) {
        const first = group[from].ks;
        const left = group.length - from;
        const flushAt = first.readyAt + this.flushDelayMs;
        // While more follows (a catch-up) a batch not yet full waits for it, but not beyond the hold.
        const holdUntil = Math.min(this.burstUntil, first.readyAt + this.burstHoldMs);
        const due = left >= this.batchSize || first.solo || (starved && (left >= share || this.inFlight === 0)) || (now >= flushAt && now >= holdUntil);
        if (!due) {
          wake = Math.min(wake, Math.max(flushAt, holdUntil));
          break;
        }
        // A finishing call pumps again.
        if (this.inFlight >= this.maxConcurrent || (this.mailboxCalls.get(mailbox) ?? 0) >= this.maxPerMailbox) break;
        const batch = group.slice(from, from + (first.solo ? 1 : this.batchSize));
        from += batch.length;
        this.dispatch(batch);
      }
    }
    this.wakeAt(wake);
    this.changed();
  }

  private dispatch(batch: Planned[]): void {
    const mailbox = batch[0].ks.mailbox;
    for (const p of batch) p.ks.inFlight = true;
    this.inFlight++;
    this.mailboxCalls.set(mailbox, (this.mailboxCalls.get(mailbox) ?? 0) + 1);
    const started = this.clock.now();
    const call = this.send(batch, started)
      .catch((err: unknown) => {
        if (!this.closed) this.settler.callFailed(batch, err, started);
      })
      .finally(() => {
        this.inFlight--;
        this.mailboxCalls.set(mailbox, this.mailboxCalls.get(mailbox)! - 1);
        for (const p of batch) {
          p.ks.inFlight = false;
          p.ks.planned = undefined;
        }
        this.calls.delete(call);
        if (!this.closed) {
          for (const p of batch) this.window.drop(p.ks);
          this.requestPump();
          this.changed();
        }
      });
    this.calls.add(call);
  }

  // ---- sending ----------------------------------------------------------------------------

  private async send(batch: Planned[], started: number): Promise<void> {
    const { stage, kind } = batch[0];
    const mailbox = batch[0].change.message.mailbox;
    const s = this.settler;
    switch (stage) {
      case 'create': {
        s.markPending(batch, kind);
        const results = await this.transport.create(mailbox, kind,
          batch.map((p) => ({ key: p.ks.key, item: p.change.message.item as ItemByKind[typeof kind] })));
        if (!this.succeeded(mailbox)) return;
        s.together(() => batch.forEach((p, i) => s.created(p, results[i], started)));
        return;
      }
      case 'update': {
        const results = await this.transport.update(mailbox, kind, batch.map((p) => ({
          key: p.ks.key, ref: refOf(p.entry!), item: p.change.message.item as ItemByKind[typeof kind], fields: p.fields!,
        })));
        if (!this.succeeded(mailbox)) return;
        s.together(() => batch.forEach((p, i) => s.updated(p, results[i], started)));
        return;
      }
      case 'delete': {
        const results = await this.transport.delete(mailbox, kind, batch.map((p) => ({ key: p.ks.key, ref: refOf(p.entry!) })));
        if (!this.succeeded(mailbox)) return;
        s.together(() => batch.forEach((p, i) => s.deleted(p, results[i], started)));
        return;
      }
      case 'find': {
        const foreign = batch.map((p) => (p.entry && p.entry.transport !== this.transport.name
          ? { transport: p.entry.transport, itemId: p.entry.itemId } : undefined));
        const results = await this.transport.findByKey(mailbox, kind, batch.map((p) => p.ks.key), foreign);
        if (!this.succeeded(mailbox)) return;
        s.together(() => batch.forEach((p, i) => s.found(p, results[i], started)));
        return;
      }
      case 'refresh': {
        const results = await this.transport.refresh(mailbox, kind, batch.map((p) => refOf(p.entry!)));
        if (!this.succeeded(mailbox)) return;
        s.together(() => batch.forEach((p, i) => s.refreshed(p, results[i], started)));
        return;
      }
    }
  }

  /** A call came back (whatever its items' fate): the endpoint and the mailbox are healthy. False once closing: settle nothing more. */
  private succeeded(mailbox: string): boolean {
    if (this.closed) return false;
    this.health.succeeded(mailbox);
    return true;
  }
}

const byReadyAt = (a: Planned, b: Planned) => a.ks.readyAt - b.ks.readyAt;

function inOrder(group: Planned[]): boolean {
  for (let i = 1; i < group.length; i++) if (group[i - 1].ks.readyAt > group[i].ks.readyAt) return false;
  return true;
}

function refOf(entry: IdMapEntry): ItemRef {
  return { itemId: entry.itemId, changeKey: entry.changeKey };
}
