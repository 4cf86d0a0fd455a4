import { ExchangeCode } from '../../error-codes';
import type { ExchangeConnection } from '../connection/exchange-connection';
import { ExchangeError } from '../errors';
import type { Appointment, ItemKind } from '../model';
import { deletedOccurrences, removeDeletedOccurrences, type DeletedOccurrence } from '../occurrences';
import type { CreateRequest, ItemResult } from '../transport';
import { deleteOccurrences } from './delete';
import { readRefs } from './find';
import type { Folders } from './folders';
import { ewsCall } from './service';
import { messageError, soapRequest } from './soap-post';
import type { ResponseMessage } from './soap-reader';
import { createItemXml, newItemXmlFor } from './soap-requests';

/**
 * Creates items in one CreateItem request (SOAP text, soap-requests.ts): appointments in the
 * calendar without sending invitations (SendToNone), tasks in Tasks, contacts in their folder.
 * A new series then loses its deleted occurrences in one more request, and its ChangeKey is
 * read again (deleting an occurrence changes the master).
 */
export async function createItems(connection: ExchangeConnection, folders: Folders, mailbox: string, kind: ItemKind, requests: CreateRequest[]): Promise<ItemResult[]> {
  const results: (ItemResult | undefined)[] = requests.map(() => undefined);
  const sent: SentItem[] = [];
  const items: string[] = [];
  requests.forEach((r, index) => {
    try {
      const recurrence = kind === 'appointment' ? (r.item as Appointment).recurrence : undefined;
      const deleted = recurrence ? deletedOccurrences(recurrence, r.key) : [];
      items.push(newItemXmlFor(kind, r.key, r.item));
      sent.push({ index, deleted });
    } catch (err) {
      // This item cannot be expressed in EWS; the others still go.
      if (err instanceof ExchangeError) results[index] = { ok: false, error: err };
      else throw err;
    }
  });
  if (sent.length > 0) {
    const folder = await folders.folderRef(connection, mailbox, kind);
    // The item texts are handed over, not kept in this frame while the request runs (soap-post.ts: why).
    const answers = await soapRequest(connection, mailbox, kind, createItemXml(kind, folder, items.splice(0)));
    await settleWritten(connection, mailbox, requests, results, sent, answers);
  }
  return results as ItemResult[];
}

/** An item sent in a CreateItem or UpdateItem request, with the series occurrences to delete. */
export interface SentItem {
  index: number;
  deleted: DeletedOccurrence[];
  /** An update's item id (the answer repeats it with the new ChangeKey). */
  itemId?: string;
}

/**
 * Reads the per-item answers of a CreateItem or UpdateItem request into the results (in input
 * order), then removes the deleted occurrences of the series among them.
 */
export async function settleWritten(connection: ExchangeConnection, mailbox: string, requests: { key: string }[], results: (ItemResult | undefined)[],
  sent: SentItem[], answers: ResponseMessage[]): Promise<void> {
  if (answers.length !== sent.length) {
    throw new ExchangeError(ExchangeCode.requestRejected, `EWS answered ${answers.length} items for ${sent.length} sent`, { ambiguous: true });
  }
  sent.forEach((s, i) => {
    const key = requests[s.index].key;
    const error = messageError(answers[i], key, mailbox);
    const itemId = answers[i].itemId ?? s.itemId;
    results[s.index] = error ? { ok: false, error }
      : itemId ? { ok: true, ref: { itemId, changeKey: answers[i].changeKey } }
        : { ok: false, error: new ExchangeError(ExchangeCode.requestRejected, `${key}: EWS answered without the item's id`, { record: key, ambiguous: true }) };
  });
  // EWS's part of the clean-up: DeleteItem by OccurrenceItemId (master + InstanceIndex), GetItem for the ChangeKeys.
  await removeDeletedOccurrences(results, requests.map((r) => r.key), sent, {
    // A fault for the whole request (ErrorServerBusy) keeps its BackOffMilliseconds for the rewrite.
    deleteOccurrences: (series, masters) =>
      deleteOccurrences(connection, mailbox, series.map((s, i) => ({ masterId: masters[i].itemId, indexes: s.deleted.map((d) => d.index) }))),
    readRefs: (masters, keys) => ewsCall(connection, mailbox, (service) => readRefs(service, masters, keys, mailbox)),
  });
}
