import type { ExchangeError } from './errors';
import type { ForeignId } from './item-ids';
import type { ItemByKind, ItemKind } from './model';

/**
 * What a transport (EWS today, Microsoft Graph next) does for the writer. The writer owns
 * batching, the queue, retries, the id map and the content hashes; a transport only talks to
 * Exchange. Every batch call returns one result per input, in input order, success or error
 * (exchangelib's rule: a bulk call never hides the other items' fate behind one exception).
 * A call throws (an ExchangeError) only when the request as a whole failed: then no item's
 * fate is known.
 */

/** Where an item lives in Exchange: EWS ItemId + ChangeKey, or a Graph id + @odata.etag. */
export interface ItemRef {
  itemId: string;
  changeKey?: string;
}

export interface CreateRequest<K extends ItemKind = ItemKind> {
  key: string;
  item: ItemByKind[K];
}

export interface UpdateRequest<K extends ItemKind = ItemKind> {
  key: string;
  ref: ItemRef;
  item: ItemByKind[K];
  /** The fields to write; all others stay as they are in Exchange. */
  fields: string[];
}

export interface DeleteRequest {
  key: string;
  ref: ItemRef;
}

export type ItemResult =
  | {
      ok: true;
      ref: ItemRef;
      /**
       * Fields the transport could not finish although the item was written (e.g. deleting
       * occurrences of a new series failed): the writer writes them again later.
       */
      incomplete?: string[];
      /**
       * Why they are incomplete, when Exchange said: its wait hint (Retry-After, EWS
       * BackOffMilliseconds) holds back the rewrite as it holds back any retry.
       */
      incompleteBecause?: ExchangeError;
    }
  | { ok: false; error: ExchangeError };

/** An item made in Outlook that becomes the copy of a büro+ entry: the key to stamp on it. */
export interface AdoptRequest {
  /** The item's id (either transport's spelling). */
  itemId: string;
  key: string;
}

export type DeleteResult = { ok: true } | { ok: false; error: ExchangeError };

/** Found by the key in the item's extended property; `ref: null` when there is none. */
export type FindResult = { ok: true; ref: ItemRef | null } | { ok: false; error: ExchangeError };

export interface Transport {
  /** `ews` or `graph`: stored with each id so an id is never used with the wrong transport. */
  readonly name: string;
  /** URL or host for events and logs; never a credential. */
  readonly endpoint: string;
  /** Largest batch the transport takes per request (Graph $batch: 20). */
  readonly maxBatchSize?: number;
  /** Concurrent requests per mailbox the service allows (Exchange Online via Graph: 4). */
  readonly maxConcurrentPerMailbox?: number;

  create<K extends ItemKind>(mailbox: string, kind: K, requests: CreateRequest<K>[]): Promise<ItemResult[]>;
  update<K extends ItemKind>(mailbox: string, kind: K, requests: UpdateRequest<K>[]): Promise<ItemResult[]>;
  delete(mailbox: string, kind: ItemKind, requests: DeleteRequest[]): Promise<DeleteResult[]>;
  /**
   * Looks items up by the writer key (the extended property every item carries). `foreign[i]`
   * is the id the other transport stored for `keys[i]`: where the key cannot be seen through
   * this transport (a To Do task's key EWS wrote is invisible to Graph, and the other way
   * round), the transport looks at that id and marks the item with the key for next time.
   */
  findByKey(mailbox: string, kind: ItemKind, keys: string[], foreign?: (ForeignId | undefined)[]): Promise<FindResult[]>;
  /** Re-reads the current ChangeKey / etag of items (after a conflict). */
  refresh(mailbox: string, kind: ItemKind, refs: ItemRef[]): Promise<ItemResult[]>;
  /**
   * Stamps the writer key on items made in Outlook (the way back made their büro+ entries), so
   * findByKey finds them and each stays the same item from then on: the extended property
   * (EWS; Graph events and contacts), a linkedResource (Graph To Do tasks, as lane 1 writes
   * them). Only the key is written, whatever the user changed meanwhile (no ChangeKey check).
   * Returns the item's new ChangeKey / etag.
   */
  adopt(mailbox: string, kind: ItemKind, requests: AdoptRequest[]): Promise<ItemResult[]>;
  /** Lets in-flight requests finish; no new ones after. */
  close?(): Promise<void>;
}
