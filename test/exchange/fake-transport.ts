// A transport that keeps items in memory and lets a test decide each answer: for the writer's
// unit tests (batching, retries, id map) with an injected clock. Exchange itself is covered by
// the integration tests against the EWS simulator.
import { ExchangeCode } from '../../lib/error-codes';
import { ExchangeError } from '../../lib/exchange/errors';
import type { ItemKind } from '../../lib/exchange/model';
import type {
  AdoptRequest, CreateRequest, DeleteRequest, DeleteResult, FindResult, ItemRef, ItemResult, Transport, UpdateRequest,
} from '../../lib/exchange/transport';

export interface Call {
  op: 'create' | 'update' | 'delete' | 'find' | 'refresh' | 'adopt';
  mailbox: string;
  kind: ItemKind;
  keys: string[];
  fields?: string[][];
  at: number;
}

/** What the next call of an operation does instead of succeeding: throw, or fail some items. */
export type Behaviour =
  | { throw: ExchangeError }
  | { itemErrors: Record<string, ExchangeError> }
  | { hang: true };

export class FakeTransport implements Transport {
  readonly name = 'fake';
  readonly endpoint = 'https://exchange.test/EWS/Exchange.asmx';
  readonly calls: Call[] = [];
  /** mailbox → key → stored item. */
  readonly store = new Map<string, Map<string, { ref: ItemRef; item: unknown }>>();
  private readonly plans: { op: Call['op']; mailbox?: string; behaviour: Behaviour }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly inFlightByMailbox = new Map<string, number>();
  maxInFlightByMailbox = 0;
  private seq = 0;

  constructor(private readonly now: () => number = Date.now, private readonly latency?: (call: Call) => Promise<void>) {}

  /** The next call of `op` (for `mailbox`, if given) behaves like this. */
  plan(op: Call['op'], behaviour: Behaviour, mailbox?: string): void {
    this.plans.push({ op, behaviour, mailbox });
  }

  items(mailbox: string): Map<string, { ref: ItemRef; item: unknown }> {
    let m = this.store.get(mailbox);
    if (!m) this.store.set(mailbox, (m = new Map()));
    return m;
  }

  private async enter(call: Call): Promise<Behaviour | undefined> {
    this.calls.push(call);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const m = (this.inFlightByMailbox.get(call.mailbox) ?? 0) + 1;
    this.inFlightByMailbox.set(call.mailbox, m);
    this.maxInFlightByMailbox = Math.max(this.maxInFlightByMailbox, m);
    try {
      if (this.latency) await this.latency(call);
    } finally {
      this.inFlight--;
      this.inFlightByMailbox.set(call.mailbox, (this.inFlightByMailbox.get(call.mailbox) ?? 1) - 1);
    }
    const i = this.plans.findIndex((p) => p.op === call.op && (!p.mailbox || p.mailbox === call.mailbox));
    if (i < 0) return undefined;
    const [plan] = this.plans.splice(i, 1);
    if ('throw' in plan.behaviour) throw plan.behaviour.throw;
    if ('hang' in plan.behaviour) await new Promise(() => undefined);
    return plan.behaviour;
  }

  async create<K extends ItemKind>(mailbox: string, kind: K, requests: CreateRequest<K>[]): Promise<ItemResult[]> {
    const b = await this.enter({ op: 'create', mailbox, kind, keys: requests.map((r) => r.key), at: this.now() });
    return requests.map((r) => {
      const err = b && 'itemErrors' in b ? b.itemErrors[r.key] : undefined;
      if (err) return { ok: false, error: err };
      const ref = { itemId: `id-${++this.seq}`, changeKey: 'ck-1' };
      this.items(mailbox).set(r.key, { ref, item: r.item });
      return { ok: true, ref };
    });
  }

  async update<K extends ItemKind>(mailbox: string, kind: K, requests: UpdateRequest<K>[]): Promise<ItemResult[]> {
    const b = await this.enter({ op: 'update', mailbox, kind, keys: requests.map((r) => r.key), fields: requests.map((r) => r.fields), at: this.now() });
    return requests.map((r) => {
      const err = b && 'itemErrors' in b ? b.itemErrors[r.key] : undefined;
      if (err) return { ok: false, error: err };
      const stored = this.items(mailbox).get(r.key);
      if (!stored) return { ok: false, error: notFound(r.key) };
      stored.ref = { itemId: stored.ref.itemId, changeKey: `ck-${++this.seq}` };
      stored.item = r.item;
      return { ok: true, ref: stored.ref };
    });
  }

  async delete(mailbox: string, kind: ItemKind, requests: DeleteRequest[]): Promise<DeleteResult[]> {
    const b = await this.enter({ op: 'delete', mailbox, kind, keys: requests.map((r) => r.key), at: this.now() });
    return requests.map((r) => {
      const err = b && 'itemErrors' in b ? b.itemErrors[r.key] : undefined;
      if (err) return { ok: false, error: err };
      return this.items(mailbox).delete(r.key) ? { ok: true } : { ok: false, error: notFound(r.key) };
    });
  }

  async findByKey(mailbox: string, kind: ItemKind, keys: string[]): Promise<FindResult[]> {
    await this.enter({ op: 'find', mailbox, kind, keys, at: this.now() });
    return keys.map((k) => ({ ok: true, ref: this.items(mailbox).get(k)?.ref ?? null }));
  }

  async refresh(mailbox: string, kind: ItemKind, refs: ItemRef[]): Promise<ItemResult[]> {
    await this.enter({ op: 'refresh', mailbox, kind, keys: refs.map((r) => r.itemId), at: this.now() });
    return refs.map((ref) => {
      const found = [...this.items(mailbox).values()].find((s) => s.ref.itemId === ref.itemId);
      return found ? { ok: true, ref: found.ref } : { ok: false, error: notFound(ref.itemId) };
    });
  }

  /** The item with this id (made "in Outlook" by a test, or created before) is kept under the key from now on. */
  async adopt(mailbox: string, kind: ItemKind, requests: AdoptRequest[]): Promise<ItemResult[]> {
    const b = await this.enter({ op: 'adopt', mailbox, kind, keys: requests.map((r) => r.key), at: this.now() });
    return requests.map((r) => {
      const err = b && 'itemErrors' in b ? b.itemErrors[r.key] : undefined;
      if (err) return { ok: false, error: err };
      const items = this.items(mailbox);
      const before = [...items.entries()].find(([, s]) => s.ref.itemId === r.itemId);
      if (before) items.delete(before[0]);
      const ref = { itemId: r.itemId, changeKey: `ck-${++this.seq}` };
      items.set(r.key, { ref, item: before?.[1].item });
      return { ok: true, ref };
    });
  }

  ops(): string[] {
    return this.calls.map((c) => `${c.op}:${c.keys.length}`);
  }
}

export function notFound(key: string): ExchangeError {
  return new ExchangeError(ExchangeCode.itemNotFound, 'The item no longer exists in Exchange', { record: key });
}

export function busy(ms: number): ExchangeError {
  return new ExchangeError(ExchangeCode.serverBusy, 'Exchange is busy', { scope: 'mailbox', retryable: true, backOffMs: ms, serverCode: 'ErrorServerBusy' });
}

export function unavailable(): ExchangeError {
  return new ExchangeError(ExchangeCode.unavailable, 'Exchange at exchange.test is not available (HTTP 503).', { scope: 'endpoint', retryable: true, httpStatus: 503 });
}

export function conflict(): ExchangeError {
  return new ExchangeError(ExchangeCode.conflict, 'The item was changed in Exchange at the same time', { retryable: true, serverCode: 'ErrorIrresolvableConflict' });
}

export function rejected(field?: string): ExchangeError {
  return new ExchangeError(ExchangeCode.itemRejected, 'Exchange rejected the item', { field, retryable: false, serverCode: 'ErrorInvalidPropertyValue' });
}
