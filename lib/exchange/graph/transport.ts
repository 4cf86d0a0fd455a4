import type { ExchangeConnection } from '../connection/exchange-connection';
import { ExchangeCode } from '../../error-codes';
import type { ForeignId } from '../item-ids';
import type { ItemKind } from '../model';
import type { AdoptRequest, CreateRequest, DeleteRequest, DeleteResult, FindResult, ItemRef, ItemResult, Transport, UpdateRequest } from '../transport';
import { adoptItems } from './adopt';
import { GraphClient, MAX_BATCH, MAX_PER_MAILBOX } from './client';
import { createItems } from './create';
import { deleteItems } from './delete';
import { findByKey, readRefs } from './find';
import { GraphFolders } from './folders';
import { updateItems } from './update';

export interface GraphTransportOptions {
  /** Contacts go into this contact folder (created when missing); empty: the default Contacts folder. */
  contactsFolder?: string;
  /** Tasks go into this To Do list (created when missing); empty: the default list ("Tasks"). */
  taskList?: string;
}

/** The writer's transport over Microsoft Graph (Exchange Online). */
export class GraphTransport implements Transport {
  readonly name = 'graph';
  /** Graph's JSON $batch takes 20 requests. */
  readonly maxBatchSize = MAX_BATCH;
  /** Exchange Online allows an app 4 concurrent requests per mailbox. */
  readonly maxConcurrentPerMailbox = MAX_PER_MAILBOX;
  readonly client: GraphClient;
  private readonly folders: GraphFolders;

  constructor(connection: ExchangeConnection, options: GraphTransportOptions = {}) {
    this.client = new GraphClient(connection);
    this.folders = new GraphFolders(this.client, options.contactsFolder ?? '', options.taskList ?? '');
  }

  get endpoint(): string {
    return this.client.baseUrl;
  }

  create<K extends ItemKind>(mailbox: string, kind: K, requests: CreateRequest<K>[]): Promise<ItemResult[]> {
    return this.folderAware(mailbox, kind, () => createItems(this.client, this.folders, mailbox, kind, requests));
  }

  update<K extends ItemKind>(mailbox: string, kind: K, requests: UpdateRequest<K>[]): Promise<ItemResult[]> {
    return this.folderAware(mailbox, kind, () => updateItems(this.client, this.folders, mailbox, kind, requests));
  }

  delete(mailbox: string, kind: ItemKind, requests: DeleteRequest[]): Promise<DeleteResult[]> {
    return this.folderAware(mailbox, kind, () => deleteItems(this.client, this.folders, mailbox, kind, requests));
  }

  findByKey(mailbox: string, kind: ItemKind, keys: string[], foreign?: (ForeignId | undefined)[]): Promise<FindResult[]> {
    return this.folderAware(mailbox, kind, () => findByKey(this.client, this.folders, mailbox, kind, keys, foreign));
  }

  refresh(mailbox: string, kind: ItemKind, refs: ItemRef[]): Promise<ItemResult[]> {
    return this.folderAware(mailbox, kind, () => readRefs(this.client, this.folders, mailbox, kind, refs));
  }

  adopt(mailbox: string, kind: ItemKind, requests: AdoptRequest[]): Promise<ItemResult[]> {
    return this.folderAware(mailbox, kind, () => adoptItems(this.client, this.folders, mailbox, kind, requests));
  }

  async close(): Promise<void> {
    this.client.close();
  }

  /** A folder or list deleted by the user makes the next call look it up again. */
  private async folderAware<T>(mailbox: string, kind: ItemKind, call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      if (kind !== 'appointment' && Array.isArray(result) && result.some((r) => !r.ok && (r.error.code === ExchangeCode.folder))) {
        this.folders.forget(mailbox);
      }
      return result;
    } catch (err) {
      if (kind !== 'appointment') this.folders.forget(mailbox);
      throw err;
    }
  }
}
