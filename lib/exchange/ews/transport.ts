import type { ExchangeConnection } from '../connection/exchange-connection';
import type { ForeignId } from '../item-ids';
import type { ItemKind } from '../model';
import type { AdoptRequest, CreateRequest, DeleteRequest, DeleteResult, FindResult, ItemRef, ItemResult, Transport, UpdateRequest } from '../transport';
import { adoptItems } from './adopt';
import { createItems } from './create';
import { deleteItems } from './delete';
import { findByKey, readRefs } from './find';
import { Folders } from './folders';
import { toExchangeError } from './errors';
import { closeNtlmConnections, ewsCall } from './service';
import { updateItems } from './update';
import { ExchangeCode } from '../../error-codes';

export interface EwsTransportOptions {
  /** Contacts go into this subfolder of Contacts (created when missing); empty: Contacts itself. */
  contactsFolder?: string;
}

/** The writer's transport over Exchange Web Services (Exchange Server, and Exchange Online while EWS lasts). */
export class EwsTransport implements Transport {
  readonly name = 'ews';
  private readonly folders: Folders;

  constructor(private readonly connection: ExchangeConnection, options: EwsTransportOptions = {}) {
    this.folders = new Folders(options.contactsFolder ?? '');
  }

  get endpoint(): string {
    return this.connection.endpoint;
  }

  create<K extends ItemKind>(mailbox: string, kind: K, requests: CreateRequest<K>[]): Promise<ItemResult[]> {
    return this.folderAware(mailbox, kind, this.soap(mailbox, createItems(this.connection, this.folders, mailbox, kind, requests)));
  }

  update<K extends ItemKind>(mailbox: string, kind: K, requests: UpdateRequest<K>[]): Promise<ItemResult[]> {
    return this.soap(mailbox, updateItems(this.connection, mailbox, kind, requests));
  }

  delete(mailbox: string, kind: ItemKind, requests: DeleteRequest[]): Promise<DeleteResult[]> {
    return this.soap(mailbox, deleteItems(this.connection, mailbox, kind, requests));
  }

  findByKey(mailbox: string, kind: ItemKind, keys: string[], foreign?: (ForeignId | undefined)[]): Promise<FindResult[]> {
    return this.folderAware(mailbox, kind, ewsCall(this.connection, mailbox, (s) => findByKey(s, this.folders, mailbox, kind, keys, foreign)));
  }

  refresh(mailbox: string, _kind: ItemKind, refs: ItemRef[]): Promise<ItemResult[]> {
    return ewsCall(this.connection, mailbox, (s) => readRefs(s, refs, refs.map((r) => r.itemId), mailbox));
  }

  adopt(mailbox: string, kind: ItemKind, requests: AdoptRequest[]): Promise<ItemResult[]> {
    return ewsCall(this.connection, mailbox, (s) => adoptItems(s, mailbox, kind, requests));
  }

  async close(): Promise<void> {
    closeNtlmConnections(this.connection);
  }

  /** The writes (SOAP text, soap-post.ts) fail with ExchangeErrors only, as ewsCall's reads do. */
  private soap<T>(mailbox: string, call: Promise<T>): Promise<T> {
    return call.catch((thrown: unknown) => {
      throw toExchangeError(thrown, undefined, this.connection.endpoint, mailbox);
    });
  }

  /** A folder error (the contacts subfolder was deleted) makes the next call look the folder up again. */
  private async folderAware<T>(mailbox: string, kind: ItemKind, call: Promise<T>): Promise<T> {
    try {
      const result = await call;
      if (kind === 'contact' && Array.isArray(result) && result.some((r) => !r.ok && r.error.code === ExchangeCode.folder)) {
        this.folders.forget(mailbox);
      }
      return result;
    } catch (err) {
      if (kind === 'contact') this.folders.forget(mailbox);
      throw err;
    }
  }
}
