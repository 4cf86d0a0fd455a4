/**
 * The durable side of each key: its id map entry (where the item lives in Exchange and what it
 * holds), its queue rows (removed when settled, their retry time otherwise) and the pending
 * mark of a create whose fate is unknown. Plans a key from them, and settles Exchange's
 * answers into them: one handler per kind of request, and the failures, whose fate the
 * retry policy (health.ts) decides.
 */
import type { SyncError } from '../../errors';
import type { StateDb } from '../../state/db';
import type { IdMap } from '../../state/id-map';
import type { WriteQueue } from '../../state/write-queue';
import type { Clock } from '../../net/retry';
import { contentHash, fieldHashes, mergeHashes, type FieldHashes } from '../content';
import { ExchangeCode } from '../../error-codes';
import { ExchangeError } from '../errors';
import type { ItemKind } from '../model';
import type { DeleteResult, FindResult, ItemResult } from '../transport';
import type { WriteActionTaken, WriteOutcome } from './api';
import type { Health } from './health';
import { nextStep } from './plan';
import type { KeyState, Planned, Window } from './window';

export interface SettlerOptions {
  db: StateDb;
  idMap: IdMap;
  queue: WriteQueue;
  window: Window;
  health: Health;
  clock: Clock;
  /** The transport in use (`ews`, `graph`), stored with each id. */
  transport: string;
  onItemNotFound: 'recreate' | 'skip';
  onOutcome?: (outcome: WriteOutcome) => void;
}

/**
 * A create's content hash, once per field-hashes object: the keys of one change for many
 * mailboxes share their item and its field hashes (plan.ts), so 22 creates hash it once.
 */
const contentHashes = new WeakMap<FieldHashes, string>();
function sharedContentHash(kind: ItemKind, hashes: FieldHashes): string {
  let hash = contentHashes.get(hashes);
  if (hash === undefined) contentHashes.set(hashes, (hash = contentHash(kind, hashes)));
  return hash;
}

export class Settler {
  constructor(private readonly o: SettlerOptions) {}

  /**
   * The next request for a key. Steps that need none (unchanged content, delete of something
   * never written, an outdated version) are settled here at once.
   */
  plan(ks: KeyState): Planned | undefined {
    const { idMap, queue } = this.o;
    const entry = idMap.get(ks.mailbox, ks.key);
    const step = nextStep({
      changes: ks.changes,
      entry,
      pending: !!queue.pending(ks.mailbox, ks.key),
      transport: this.o.transport,
      needsRefresh: ks.needsRefresh,
    });
    if (!('settle' in step)) return { ks, ...step };
    if (step.version) idMap.put({ ...entry!, version: step.version, updatedAt: this.o.clock.now() });
    this.settle({ ks, count: step.count }, { action: step.settle, itemId: step.itemId }, 0);
    return undefined;
  }

  /**
   * Runs `fn` in one SQLite transaction, or in the caller's when there is one. The writer settles
   * a request's answers together: one disk sync per request, not per item (with synchronous=FULL
   * each commit waits for the disk and blocks the event loop); a savepoint per item inside it
   * buys nothing (an error rolls back the whole of it anyway).
   */
  together(fn: () => void): void {
    if (this.o.db.inTransaction) fn();
    else this.o.db.transaction(fn)();
  }

  /**
   * Recorded before a create leaves: if we die after Exchange created the items, the next
   * start searches for these keys instead of creating them again.
   */
  markPending(batch: Planned[], kind: ItemKind): void {
    const since = this.o.clock.now();
    this.together(() => {
      for (const p of batch) {
        p.contentHash = sharedContentHash(kind, p.hashes!);
        this.o.queue.markPending({ mailbox: p.ks.mailbox, key: p.ks.key, kind, contentHash: p.contentHash, fields: p.hashes!, since });
      }
    });
  }

  created(p: Planned, result: ItemResult | undefined, started: number): void {
    const { ks, kind } = p;
    if (!result) return this.itemFailed(p, missingResult(), started);
    if (!result.ok) {
      // Exchange answered for this item: it was not created.
      this.o.queue.clearPending(ks.mailbox, ks.key);
      return this.itemFailed(p, result.error, started);
    }
    let stored: FieldHashes = p.hashes!;
    if (result.incomplete?.length) {
      stored = { ...stored };
      for (const f of result.incomplete) stored[f] = 'incomplete';
    }
    const action = ks.recreating ? 'recreated' : 'created';
    this.together(() => {
      this.o.idMap.put({
        mailbox: ks.mailbox, key: ks.key, kind, transport: this.o.transport,
        itemId: result.ref.itemId, changeKey: result.ref.changeKey,
        contentHash: stored === p.hashes && p.contentHash ? p.contentHash : contentHash(kind, stored), fields: stored, version: p.change.message.version, updatedAt: this.o.clock.now(),
      });
      this.o.queue.clearPending(ks.mailbox, ks.key);
      if (!result.incomplete?.length) this.settle(p, { action, itemId: result.ref.itemId }, started);
    });
    if (result.incomplete?.length) {
      this.rewriteLater(ks, 'created', result);
    } else {
      ks.recreating = false;
    }
  }

  updated(p: Planned, result: ItemResult | undefined, started: number): void {
    const { ks, kind, entry } = p;
    if (!result) return this.itemFailed(p, missingResult(), started);
    if (!result.ok) {
      const code = result.error.code;
      if (code === ExchangeCode.itemNotFound) return this.itemGone(p, started);
      if (code === ExchangeCode.conflict && this.o.health.rereadAfterConflict(ks.conflicts)) {
        // Changed in Exchange since we last wrote it: re-read the ChangeKey, then write again.
        ks.conflicts++;
        ks.needsRefresh = true;
        this.o.window.dueAt(ks, this.o.clock.now());
        return;
      }
      return this.itemFailed(p, result.error, started);
    }
    const merged = mergeHashes(entry!.fields, p.hashes!, p.fields!);
    for (const f of result.incomplete ?? []) merged[f] = 'incomplete';
    ks.conflicts = 0;
    this.together(() => {
      this.o.idMap.put({
        ...entry!, itemId: result.ref.itemId, changeKey: result.ref.changeKey ?? entry!.changeKey,
        contentHash: contentHash(kind, merged), fields: merged, version: p.change.message.version ?? entry!.version, updatedAt: this.o.clock.now(),
      });
      if (!result.incomplete?.length) this.settle(p, { action: 'updated', itemId: result.ref.itemId }, started);
    });
    if (result.incomplete?.length) this.rewriteLater(ks, 'updated', result);
  }

  deleted(p: Planned, result: DeleteResult | undefined, started: number): void {
    const { ks } = p;
    if (!result) return this.itemFailed(p, missingResult(), started);
    if (!result.ok && result.error.code !== ExchangeCode.itemNotFound) return this.itemFailed(p, result.error, started);
    // Not found counts as done: the goal is that the item is gone.
    this.together(() => {
      this.o.idMap.delete(ks.mailbox, ks.key);
      this.settle(p, { action: 'deleted', itemId: p.entry?.itemId }, started);
    });
  }

  found(p: Planned, result: FindResult | undefined, started: number): void {
    const { ks, kind } = p;
    const { idMap, queue } = this.o;
    if (!result) return this.itemFailed(p, missingResult(), started);
    if (!result.ok) return this.itemFailed(p, result.error, started);
    const pending = queue.pending(ks.mailbox, ks.key);
    const now = this.o.clock.now();
    if (!result.ref) {
      // Never created (or deleted since): forget the pending mark and the foreign id.
      this.together(() => {
        queue.clearPending(ks.mailbox, ks.key);
        if (p.entry) idMap.delete(ks.mailbox, ks.key);
      });
      this.o.window.dueAt(ks, now);
      return;
    }
    const ref = result.ref;
    const msg = p.change.message;
    const hashes = msg.action === 'upsert' ? fieldHashes(msg.item as object) : undefined;
    // The create went through before the crash. If it sent exactly this content, it is done.
    const sameContent = pending && hashes && pending.contentHash === contentHash(kind, hashes);
    // What Exchange holds: what the lost create sent, or what the other transport wrote.
    const fields = pending?.fields ?? p.entry?.fields ?? {};
    this.together(() => {
      idMap.put({
        mailbox: ks.mailbox, key: ks.key, kind, transport: this.o.transport,
        itemId: ref.itemId, changeKey: ref.changeKey,
        contentHash: Object.keys(fields).length ? contentHash(kind, fields) : '', fields,
        version: sameContent ? msg.version : p.entry?.version, updatedAt: now,
      });
      queue.clearPending(ks.mailbox, ks.key);
      if (sameContent) this.settle(p, { action: 'created', itemId: ref.itemId }, started);
    });
    this.o.window.dueAt(ks, now);
  }

  refreshed(p: Planned, result: ItemResult | undefined, started: number): void {
    const { ks } = p;
    if (!result) return this.itemFailed(p, missingResult(), started);
    if (!result.ok) {
      if (result.error.code === ExchangeCode.itemNotFound) return this.itemGone(p, started);
      return this.itemFailed(p, result.error, started);
    }
    this.o.idMap.put({ ...p.entry!, itemId: result.ref.itemId, changeKey: result.ref.changeKey, updatedAt: this.o.clock.now() });
    ks.needsRefresh = false;
    this.o.window.dueAt(ks, this.o.clock.now());
  }

  /** The request as a whole failed: no item's fate is known. */
  callFailed(batch: Planned[], thrown: unknown, started: number): void {
    const err = this.o.health.callError(thrown);
    if (batch[0].stage === 'create' && !err.ambiguous) {
      // Exchange did not carry the request out: no need to search for these keys first.
      this.together(() => {
        for (const p of batch) this.o.queue.clearPending(p.ks.mailbox, p.ks.key);
      });
    }
    const verdict = this.o.health.callFailed(batch[0].ks.mailbox, batch.length, err, started);
    switch (verdict.retry) {
      case 'until':
        for (const p of batch) this.retry(p.ks, err, verdict.until);
        return;
      case 'alone':
        // Find the item that spoils the batch: send each alone; the good ones go through.
        for (const p of batch) {
          p.ks.solo = true;
          this.o.window.dueAt(p.ks, this.o.clock.now());
        }
        return;
      case 'never':
        return this.fail(batch[0], err.forRecord(batch[0].ks.key), this.o.clock.now());
      case 'each':
        for (const p of batch) this.retry(p.ks, err);
        return;
    }
  }

  /** The item was deleted in Outlook: create it again, or leave it (a setting). */
  private itemGone(p: Planned, started: number): void {
    const { ks } = p;
    ks.conflicts = 0;
    ks.needsRefresh = false;
    if (this.o.onItemNotFound === 'skip') {
      this.settle(p, { action: 'skipped', itemId: p.entry?.itemId }, started);
      return;
    }
    this.o.idMap.delete(ks.mailbox, ks.key);
    ks.recreating = true;
    this.o.window.dueAt(ks, this.o.clock.now());
  }

  /** One item failed; the others in its batch are not affected. */
  private itemFailed(p: Planned, error: ExchangeError, started: number): void {
    const { ks } = p;
    const err = error.record === ks.key ? error : error.forRecord(ks.key);
    switch (this.o.health.itemFailed(ks.mailbox, err)) {
      case 'refresh':
        ks.conflicts = 0;
        ks.needsRefresh = true;
        return this.retry(ks, err);
      case 'retry':
        return this.retry(ks, err);
      case 'fail':
        return this.fail(p, err, started);
    }
  }

  /**
   * Written, but some fields must be written again (a series' occurrences could not all be
   * deleted). Exchange's answer, when there was one, decides the wait as for any retry: its
   * Retry-After / BackOffMilliseconds at least, and a throttled mailbox waits as a whole.
   */
  private rewriteLater(ks: KeyState, done: 'created' | 'updated', result: Extract<ItemResult, { ok: true }>): void {
    const cause = result.incompleteBecause;
    const err = new ExchangeError(cause?.code === ExchangeCode.serverBusy ? ExchangeCode.serverBusy : ExchangeCode.unavailable,
      `${ks.key}: ${done}, but ${result.incomplete!.join(', ')} must be written again${cause ? ` (${cause.message})` : ''}`,
      { record: ks.key, retryable: true, backOffMs: cause?.backOffMs, scope: cause?.scope === 'mailbox' ? 'mailbox' : 'item', cause });
    if (err.scope === 'mailbox') this.o.health.itemFailed(ks.mailbox, err);
    this.retry(ks, err);
  }

  /** The key tries again at `until`, or after its own back-off; its queue rows say when. */
  private retry(ks: KeyState, err: ExchangeError, until?: number): void {
    ks.failures++;
    const notBefore = until ?? this.o.clock.now() + this.o.health.delay(err, ks.failures);
    ks.notBefore = notBefore;
    this.o.window.dueAt(ks, notBefore);
    this.o.queue.retryLater(ks.changes.map((c) => c.id), ks.failures, notBefore, err.message);
  }

  /** Rejected for good: the changes leave the queue and are reported as failures. */
  private fail(p: Pick<Planned, 'ks' | 'count'>, err: SyncError, started: number): void {
    const { ks } = p;
    const changes = this.o.window.take(ks, p.count);
    this.o.queue.remove(changes.map((c) => c.id));
    this.o.queue.clearPending(ks.mailbox, ks.key);
    ks.solo = false;
    ks.failures = 0;
    const durationMs = this.o.clock.now() - started;
    for (const c of changes) this.o.onOutcome?.({ ok: false, changeId: c.id, message: c.message, error: err, durationMs });
  }

  /** Done: the changes leave the queue and are reported. Runs inside the caller's transaction when there is one. */
  private settle(p: Pick<Planned, 'ks' | 'count'>, result: { action: WriteActionTaken; itemId?: string }, started: number): void {
    const { ks } = p;
    const done = this.o.window.take(ks, p.count);
    this.o.queue.remove(done.map((c) => c.id));
    ks.solo = false;
    ks.failures = 0;
    ks.notBefore = 0;
    const durationMs = started ? this.o.clock.now() - started : 0;
    for (const c of done) {
      this.o.onOutcome?.({ ok: true, changeId: c.id, message: c.message, action: result.action, itemId: result.itemId, durationMs });
    }
  }
}

function missingResult(): ExchangeError {
  return new ExchangeError(ExchangeCode.requestRejected, 'Exchange returned fewer results than items sent', { retryable: true });
}
